"""Retention of dossiers in Kho dữ liệu hồ sơ TTHC: rules as data, the period counted from the year the dossier
ended, the longest matching rule wins, and the rows the archive searches by."""

import datetime as dt

import pytest
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.archive import retention, selectors, services
from dossiers.archive.constants import RetentionScope
from dossiers.models import ArchiveRecord, RetentionRule
from repository import services as kho
from tests.dossiers.factories import submitted

pytestmark = pytest.mark.date_sensitive


def rule(scope, code="", *, years=None, permanent=False, name=None, active=True):
    return RetentionRule(
        scope=scope,
        code=code,
        name=name or f"{scope} {code}".strip(),
        years=years,
        permanent=permanent,
        active=active,
    )


DEFAULT_10 = rule(RetentionScope.DEFAULT, years=10, name="Mặc định")
LAND_PERMANENT = rule(RetentionScope.FIELD, "DD", permanent=True, name="Đất đai")
JUSTICE_20 = rule(RetentionScope.FIELD, "TP", years=20, name="Tư pháp")
PERMIT_5 = rule(RetentionScope.RESULT_TYPE, "GP_NGAN", years=5, name="Giấy phép ngắn hạn")
PERMIT_PERMANENT = rule(RetentionScope.RESULT_TYPE, "GPXD", permanent=True, name="Giấy phép xây dựng")
RULES = [DEFAULT_10, LAND_PERMANENT, JUSTICE_20, PERMIT_5, PERMIT_PERMANENT]


@pytest.mark.parametrize(
    ("field_code", "result_types", "permanent", "years", "basis"),
    [
        ("XX", [], False, 10, "Mặc định"),
        ("DD", [], True, None, "Đất đai"),
        ("TP", [], False, 20, "Tư pháp"),
        # A shorter result-type rule never shortens the period the field or the default gives.
        ("XX", ["GP_NGAN"], False, 10, "Mặc định"),
        ("TP", ["GPXD"], True, None, "Giấy phép xây dựng"),
        (None, ["GPXD", "GP_NGAN"], True, None, "Giấy phép xây dựng"),
    ],
)
def test_the_longest_matching_rule_decides(field_code, result_types, permanent, years, basis):
    # given the rules, when a dossier of a field with results of some types is resolved
    kept = retention.resolve(
        RULES, field_code=field_code, result_type_codes=result_types, finished_on=dt.date(2025, 3, 4)
    )

    # then
    assert (kept.permanent, kept.years, kept.basis) == (permanent, years, basis)


def test_of_equal_periods_the_more_specific_rule_is_named():
    # given a field rule as long as the default
    rules = [DEFAULT_10, rule(RetentionScope.FIELD, "CT", years=10, name="Chứng thực")]

    # when
    kept = retention.resolve(rules, field_code="CT", finished_on=None)

    # then
    assert kept.basis == "Chứng thực"


@pytest.mark.parametrize(
    ("finished_on", "years", "until"),
    [
        (dt.date(2025, 1, 1), 10, dt.date(2035, 12, 31)),
        (dt.date(2025, 12, 31), 10, dt.date(2035, 12, 31)),
        (dt.date(2024, 2, 29), 5, dt.date(2029, 12, 31)),
        (dt.date(2026, 6, 15), 1, dt.date(2027, 12, 31)),
    ],
)
def test_the_period_counts_from_the_year_the_dossier_ended(finished_on, years, until):
    # given a 'years' rule, when a dossier finished on `finished_on` is resolved
    kept = retention.resolve(
        [rule(RetentionScope.DEFAULT, years=years)], field_code=None, finished_on=finished_on
    )

    # then it is kept to the end of the year `years` later
    assert kept.retain_until == until
    assert not kept.is_due(until)
    assert kept.is_due(until + dt.timedelta(days=1))


def test_without_any_matching_rule_a_dossier_is_kept_permanently():
    # given only an inactive default and a rule of another field
    rules = [
        rule(RetentionScope.DEFAULT, years=3, active=False),
        rule(RetentionScope.FIELD, "HT", years=5),
    ]

    # when
    kept = retention.resolve(rules, field_code="XD", finished_on=dt.date(2020, 1, 1))

    # then nothing is ever due for destruction without a rule
    assert kept.permanent
    assert kept.retain_until is None
    assert not kept.is_due(dt.date(2100, 1, 1))
    assert kept.basis == retention.NO_RULE_BASIS


def test_an_unfinished_dossier_has_a_period_but_no_end_date():
    # when
    kept = retention.resolve([DEFAULT_10], field_code=None, finished_on=None)

    # then
    assert kept.pending and kept.years == 10 and kept.retain_until is None
    assert "chưa kết thúc" in kept.label


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "code", "permanent", "years"),
    [
        (RetentionScope.DEFAULT, "", False, 10),
        (RetentionScope.FIELD, "DD", True, None),
        (RetentionScope.FIELD, "XD", True, None),
        (RetentionScope.FIELD, "HT", True, None),
        (RetentionScope.RESULT_TYPE, "GCN_QSDD", True, None),
        (RetentionScope.RESULT_TYPE, "GPXD", True, None),
    ],
)
def test_default_rules_are_seeded_as_data(scope, code, permanent, years):
    # when the database is migrated, then the default rule exists and can be edited like any row
    seeded = RetentionRule.objects.get(scope=scope, code=code)

    assert (seeded.permanent, seeded.years) == (permanent, years)
    assert seeded.legal_basis


@pytest.mark.django_db
def test_a_rule_is_either_permanent_or_a_number_of_years():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionRule.objects.create(
            scope=RetentionScope.FIELD, code="ZZ", name="Sai", permanent=True, years=5
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionRule.objects.create(scope=RetentionScope.FIELD, code="ZY", name="Sai", permanent=False)


def _withdrawn(province, *, at=None):
    dossier = submitted(province)
    withdrawn = dossier_services.dossier_withdraw(
        dossier=dossier, actor=province.citizen, reason="Không cần nữa"
    )
    return withdrawn


@pytest.mark.django_db
def test_a_finished_dossier_gets_its_retention_row(province):
    # given a withdrawn dossier (finished) of a field without its own rule
    dossier = _withdrawn(province)

    # when
    record = services.archive_record_refresh(dossier=dossier)

    # then the default ten years count from the year it ended
    year = timezone.localdate(dossier.finished_at).year
    assert record.finished_on == timezone.localdate(dossier.finished_at)
    assert (record.permanent, record.retention_years) == (False, 10)
    assert record.retain_until == dt.date(year + 10, 12, 31)
    assert record.basis == "Hồ sơ giải quyết thủ tục hành chính khác"


@pytest.mark.django_db
def test_an_unfinished_dossier_gets_no_retention_row(province):
    # given a dossier waiting at the desk
    dossier = submitted(province)

    # when / then
    assert services.archive_record_refresh(dossier=dossier) is None
    assert not ArchiveRecord.objects.exists()


@pytest.mark.django_db
def test_a_land_dossier_is_kept_permanently(db):
    from tests.dossiers.factories import Province

    # given a withdrawn dossier of the land field (Đất đai, DD)
    province = Province(procedure__field__code="DD", procedure__field__name="Đất đai")
    dossier = _withdrawn(province)

    # when
    record = services.archive_record_refresh(dossier=dossier)

    # then
    assert record.permanent and record.retain_until is None
    assert record.basis == "Hồ sơ lĩnh vực đất đai"


@pytest.mark.django_db
def test_a_result_of_a_permanent_type_makes_the_whole_dossier_permanent(
    province, certificate, approver, agency
):
    # given a dossier with a signed building permit issued for it
    dossier = submitted(province)
    from tests.repository.conftest import text_pdf

    kho.result_issue(
        actor=approver,
        agency=agency,
        owner=province.citizen,
        pdf=text_pdf("GIẤY PHÉP XÂY DỰNG"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép xây dựng số 7",
        dossier_id=dossier.pk,
    )

    # when
    kept = selectors.dossier_retention(dossier=dossier)

    # then
    assert kept.permanent
    assert kept.basis == "Hồ sơ có kết quả là giấy phép xây dựng"


@pytest.mark.django_db
def test_the_sweep_fills_missing_rows_and_recomputes_after_a_rule_change(province):
    # given two finished dossiers and one still open: finishing writes the retention row at once
    first, second = _withdrawn(province), _withdrawn(province)
    submitted(province)
    assert set(ArchiveRecord.objects.values_list("dossier_id", flat=True)) == {first.pk, second.pk}
    # (rows missing, as for dossiers finished before the archive existed)
    ArchiveRecord.objects.all().delete()

    # when the sweep runs twice
    written = services.archive_records_sweep()
    again = services.archive_records_sweep()

    # then each finished dossier has a row, and nothing is left to do
    assert written == 2 and again == 0
    assert set(ArchiveRecord.objects.values_list("dossier_id", flat=True)) == {first.pk, second.pk}

    # when the administrator shortens the default period
    default = RetentionRule.objects.get(scope=RetentionScope.DEFAULT)
    default.years = 5
    default.save()
    rewritten = services.archive_records_sweep()

    # then the rows follow the new rule
    assert rewritten == 2
    assert set(ArchiveRecord.objects.values_list("retention_years", flat=True)) == {5}
