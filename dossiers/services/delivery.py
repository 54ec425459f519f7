"""Returning the result to the applicant: at the desk, by public post or electronically into Kho dữ liệu."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.utils import timezone

from portal.constants import Role

from .. import notices
from ..constants import DeliveryMethod, DocumentKind, EventAction
from ..models import Dossier
from .core import field_error, transition
from .handovers import hand_over

if TYPE_CHECKING:
    from portal.models import User


def deliver_result(
    *,
    dossier: Dossier,
    actor: User | None,
    at: dt.datetime,
    method: str,
    collected_by: str = "",
    tracking_number: str = "",
    note: str = "",
    expected_version: int | None = None,
    system: bool = False,
) -> Dossier:
    """The result reaches the applicant (status 10); the last handover row is closed at once against the
    dossier's appointment."""
    with transition(
        dossier, actor=actor, method="deliver", expected_version=expected_version, system=system
    ) as t:
        locked = t.dossier
        event = t.apply(
            EventAction.DELIVER,
            at=at,
            arguments={"at": at, "collected_by": collected_by, "tracking_number": tracking_number},
            reason=note,
            payload={"method": method, "collected_by": collected_by, "tracking_number": tracking_number},
        )
        hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_user=locked.applicant,
            to_role=Role.CITIZEN,
            due_from_step=False,
            step_due_at=locked.due_at,
            final=True,
            note=note,
        )
        notices.survey_invite(locked)
    return locked


_TRACKING = re.compile(r"^[A-Z0-9]{8,20}$")


def dossier_deliver(
    *,
    dossier: Dossier,
    actor: User,
    method: str | None = None,
    collected_by: str = "",
    tracking_number: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The desk returns the result (status 10, Đã trả kết quả): handed over at the desk to the person named,
    or sent by public post with its tracking number (Quyết định 45/2016/QĐ-TTg, bưu chính công ích)."""
    at = at or timezone.now()
    method = method or dossier.delivery_method
    collected_by = (collected_by or "").strip()
    tracking_number = re.sub(r"\s", "", tracking_number or "").upper()
    if method == DeliveryMethod.DESK:
        if len(collected_by) < 3:
            raise field_error("collected_by", "Nhập họ tên người nhận kết quả.")
        note = f"Trả kết quả tại bộ phận một cửa cho {collected_by}."
    elif method == DeliveryMethod.POST:
        if not dossier.postal_address:
            raise field_error("method", "Hồ sơ không đăng ký nhận kết quả qua bưu chính (chưa có địa chỉ).")
        if not _TRACKING.match(tracking_number):
            raise field_error(
                "tracking_number", "Số hiệu bưu gửi gồm 8–20 chữ in hoa và chữ số, ví dụ EB123456789VN."
            )
        note = f"Gửi kết quả qua bưu chính công ích, số hiệu bưu gửi {tracking_number}."
    elif method == DeliveryMethod.ELECTRONIC:
        has_kho = dossier.documents.filter(kind=DocumentKind.RESULT, kho_document__isnull=False).exists()
        if not has_kho:
            raise field_error(
                "method",
                "Người nộp không có tài khoản để nhận kết quả điện tử; trả kết quả tại bộ phận một cửa.",
            )
        note = "Kết quả điện tử đã có trong Kho dữ liệu của người nộp."
    else:
        raise field_error("method", "Chọn cách trả kết quả.")
    return deliver_result(
        dossier=dossier,
        actor=actor,
        at=at,
        method=method,
        collected_by=collected_by,
        tracking_number=tracking_number,
        note=note,
        expected_version=expected_version,
    )
