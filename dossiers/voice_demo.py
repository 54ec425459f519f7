"""Demo of the citizens' voice (called by dossiers.demo): desk slots for the coming two weeks at the demo desks,
and a few feedback items answered by the agencies, published on the public page. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.constants import Role
from portal.models import Agency, User
from procedures.models import Field, ProcedureVersion

from .appointments import services as appointment_services
from .feedback import services as feedback_services
from .models import Feedback

FEEDBACK = [
    (
        "procedure",
        "Thành phần hồ sơ cấp phép xây dựng nhà ở riêng lẻ",
        "Trang thủ tục chưa ghi rõ bản vẽ thiết kế cần bản chính hay bản sao. Đề nghị hướng dẫn cụ thể.",
        "Bản vẽ thiết kế nộp 02 bộ bản chính (hoặc bản điện tử có ký số khi nộp trực tuyến). Trang thủ tục đã "
        "được bổ sung hướng dẫn ở mục Thành phần hồ sơ.",
    ),
    (
        "website",
        "Không tải được mẫu đơn trên điện thoại",
        "Khi bấm tải mẫu đơn trên điện thoại thì trang báo lỗi.",
        "Lỗi đã được khắc phục. Ông/bà vui lòng tải lại trang thủ tục để tải mẫu đơn.",
    ),
    (
        "officer_conduct",
        "Khen cán bộ một cửa hướng dẫn tận tình",
        "Cán bộ tại quầy số 3 hướng dẫn rất chu đáo, xin ghi nhận.",
        "Trung tâm xin cảm ơn ý kiến của ông/bà và đã ghi nhận để biểu dương cán bộ.",
    ),
]


def load(say) -> None:
    now = timezone.now()
    for desk in Agency.objects.filter(
        active=True, has_one_stop_desk=True, memberships__role=Role.INTAKE_OFFICER
    ).distinct():
        fields = (
            Field.objects.filter(
                procedures__versions__competent_agencies__isnull=False,
            )
            .distinct()
            .order_by("name")[:4]
        )
        for field in fields:
            appointment_services.appointment_slots_build(
                agency=desk, field=field, start=timezone.localdate(now), days=14, slot_minutes=30, capacity=3
            )
    say("Lịch hẹn mẫu: đã mở khung giờ tiếp nhận hai tuần tới.")
    if Feedback.objects.exists():
        return
    # The sample feedback goes to a department whose heads answer it in the demo (Sở Xây dựng when loaded).
    answering = User.objects.filter(username="lanhdaophong.sxd").first() or (
        User.objects.filter(agency_memberships__role=Role.APPROVER, agency_memberships__active=True)
        .order_by("username")
        .first()
    )
    agency = answering.agency_memberships.filter(role=Role.APPROVER).first().agency if answering else None
    version = (
        ProcedureVersion.objects.filter(status="published", competent_agencies=agency)
        .select_related("procedure")
        .first()
        if agency
        else None
    )
    for index, (category, title, body, answer) in enumerate(FEEDBACK):
        feedback = feedback_services.feedback_file(
            data=feedback_services.FeedbackInput(
                category=category,
                title=title,
                body=body,
                name="Người dân mẫu",
                phone="0905000111",
                procedure=version.procedure if version and category == "procedure" else None,
                agency=agency,
            ),
            at=now - dt.timedelta(days=10 - index),
        )
        officer = User.objects.filter(
            agency_memberships__agency=feedback.agency,
            agency_memberships__active=True,
            agency_memberships__role__in=(Role.APPROVER, Role.AGENCY_LEADER),
        ).first()
        if officer is None:
            continue
        feedback_services.feedback_answer(
            feedback=feedback, actor=officer, answer=answer, at=now - dt.timedelta(days=2)
        )
    feedback_services.feedback_file(
        data=feedback_services.FeedbackInput(
            category="policy",
            title="Đề nghị mở thêm quầy buổi sáng thứ Bảy",
            body="Người đi làm khó đến nộp hồ sơ trong giờ hành chính.",
            name="Người dân mẫu",
            email="nguoidan@example.vn",
        ),
        at=now - dt.timedelta(days=1),
    )
    say("Phản ánh, kiến nghị mẫu: đã tạo và trả lời.")
