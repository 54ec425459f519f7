"""How long a dossier is kept in Kho dữ liệu hồ sơ TTHC: pure rules over `RetentionRule` rows.

A dossier is kept as one unit (hồ sơ): its files, the forms the desk printed, its results and the stored
documents it used share one period. The period counts from the year the matter ended — a dossier finished on
any day of 2025 with a 10-year period is kept to the end of 31/12/2035 — which is how archive time limits are
counted in Vietnam ("tính từ năm công việc kết thúc"). Among the rules that match (the default, the
procedure's field, the type of each result), the longest wins and "permanent" beats any number of years, so
that no part of a dossier is appraised for destruction before the longest period any rule gives it. With no
matching rule at all the dossier is kept permanently: nothing is destroyed without a rule saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .constants import RetentionScope

# More specific rules win ties of equal length (their description is the one shown).
_SPECIFICITY = {RetentionScope.RESULT_TYPE: 2, RetentionScope.FIELD: 1, RetentionScope.DEFAULT: 0}
# Starting periods [configurable: edited in the admin afterwards]: (scope, code, name, permanent, years, basis).
# Dossiers are kept a fixed number of years unless their field or result is of lasting value: land,
# construction permits and civil status are kept permanently. The archive of the province reviews these
# against the time-limit tables in force; the values are the starting point, not the law itself.
REVIEW = " Giá trị khởi tạo; bộ phận lưu trữ rà soát theo bảng thời hạn bảo quản đang áp dụng."

DEFAULT_RULES = [
    (
        "default",
        "",
        "Hồ sơ giải quyết thủ tục hành chính khác",
        False,
        10,
        "Luật Lưu trữ số 33/2024/QH15; thời hạn tính từ năm công việc kết thúc." + REVIEW,
    ),
    (
        "field",
        "DD",
        "Hồ sơ lĩnh vực đất đai",
        True,
        None,
        "Hồ sơ địa chính và hồ sơ đăng ký, cấp giấy chứng nhận quyền sử dụng đất được bảo quản vĩnh viễn."
        + REVIEW,
    ),
    (
        "field",
        "XD",
        "Hồ sơ lĩnh vực hoạt động xây dựng",
        True,
        None,
        "Hồ sơ cấp giấy phép xây dựng được bảo quản vĩnh viễn." + REVIEW,
    ),
    (
        "field",
        "HT",
        "Hồ sơ đăng ký hộ tịch",
        True,
        None,
        "Luật Hộ tịch 2014: sổ hộ tịch và hồ sơ đăng ký hộ tịch được lưu trữ vĩnh viễn." + REVIEW,
    ),
    (
        "result_type",
        "GCN_QSDD",
        "Hồ sơ có kết quả là giấy chứng nhận quyền sử dụng đất",
        True,
        None,
        "Kết quả về quyền sử dụng đất được bảo quản vĩnh viễn." + REVIEW,
    ),
    (
        "result_type",
        "GPXD",
        "Hồ sơ có kết quả là giấy phép xây dựng",
        True,
        None,
        "Giấy phép xây dựng được bảo quản vĩnh viễn." + REVIEW,
    ),
]

NO_RULE_BASIS = "Chưa có quy tắc thời hạn bảo quản áp dụng: bảo quản vĩnh viễn cho đến khi có quy tắc"


@dataclass(frozen=True)
class Retention:
    permanent: bool
    years: int | None
    basis: str
    legal_basis: str = ""
    rule_id: int | None = None
    finished_on: dt.date | None = None

    @property
    def retain_until(self) -> dt.date | None:
        """The last day the dossier must be kept; None when permanent or not finished yet."""
        if self.permanent or self.finished_on is None or self.years is None:
            return None
        return retain_until(self.finished_on, self.years)

    @property
    def pending(self) -> bool:
        return self.finished_on is None

    def is_due(self, on: dt.date) -> bool:
        """The period is over: the dossier goes before the appraisal council (it is never deleted here)."""
        until = self.retain_until
        return until is not None and until < on

    @property
    def period_label(self) -> str:
        return "Vĩnh viễn" if self.permanent else f"{self.years} năm"

    @property
    def label(self) -> str:
        if self.permanent:
            return "Bảo quản vĩnh viễn"
        if self.pending:
            return f"{self.years} năm kể từ năm hồ sơ kết thúc (hồ sơ chưa kết thúc)"
        return f"{self.years} năm, đến hết ngày {self.retain_until:%d/%m/%Y}"

    def as_manifest(self) -> dict:
        return {
            "permanent": self.permanent,
            "years": self.years,
            "counted_from_year": self.finished_on.year if self.finished_on else None,
            "retain_until": self.retain_until.isoformat() if self.retain_until else None,
            "basis": self.basis,
            "legal_basis": self.legal_basis,
        }


def retain_until(finished_on: dt.date, years: int) -> dt.date:
    """Last day kept: the end of the year `years` after the year the dossier ended."""
    return dt.date(finished_on.year + years, 12, 31)


def _rank(rule) -> tuple:
    # Permanent first, then the longest, then the most specific.
    return (rule.permanent, rule.years or 0, _SPECIFICITY.get(rule.scope, 0))


def resolve(
    rules: Iterable,
    *,
    field_code: str | None,
    result_type_codes: Iterable[str] = (),
    finished_on: dt.date | None,
) -> Retention:
    """The retention of a dossier of `field_code` whose results have `result_type_codes`, from `rules`."""
    result_types = {code for code in result_type_codes if code}
    matching = [
        rule
        for rule in rules
        if rule.active
        and (
            rule.scope == RetentionScope.DEFAULT
            or (rule.scope == RetentionScope.FIELD and field_code and rule.code == field_code)
            or (rule.scope == RetentionScope.RESULT_TYPE and rule.code in result_types)
        )
    ]
    if not matching:
        return Retention(permanent=True, years=None, basis=NO_RULE_BASIS, finished_on=finished_on)
    best = max(matching, key=_rank)
    return Retention(
        permanent=best.permanent,
        years=None if best.permanent else best.years,
        basis=best.name,
        legal_basis=best.legal_basis,
        rule_id=best.pk,
        finished_on=finished_on,
    )
