"""Deciding a dossier: the specialist's draft result, the leader's approval and signature or return for
rework, and the apology letter with a new appointment when a dossier will be late."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .. import selectors, services
from ..constants import DocumentKind, EventAction
from ..forms import ApologyForm, ConfirmForm, ReasonForm, ResultDraftForm
from .common import action_page, bound, closing_time, last_event, versioned, visible_dossier


@login_required
def submit_for_approval(request, pk: int):
    dossier = visible_dossier(request, pk)
    form = versioned(request, ResultDraftForm, dossier)
    if request.method == "GET":
        form.initial.setdefault("title", dossier.procedure_version.result_type)
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_submit_for_approval(
            dossier=dossier,
            actor=request.user,
            draft=services.ResultDraft(
                decision=data["decision"],
                opinion=data["opinion"],
                title=data["title"],
                number=data["number"],
                document_type_code=data["document_type_code"],
                content=data["content"],
                upload=data.get("upload"),
            ),
            expected_version=v,
        ),
        success=_("Đã trình lãnh đạo phê duyệt kết quả."),
        title=_("Trình phê duyệt kết quả"),
        submit_label=_("Trình phê duyệt"),
        intro=_("Lập dự thảo kết quả (hoặc văn bản từ chối nêu rõ lý do) để lãnh đạo phê duyệt và ký số."),
        multipart=True,
    )


@login_required
def return_for_rework(request, pk: int):
    dossier = visible_dossier(request, pk)
    form = versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Nội dung cần xử lý lại")
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_return_for_rework(
            dossier=dossier, actor=request.user, reason=data["reason"], expected_version=v
        ),
        success=_("Đã trả hồ sơ cho chuyên viên xử lý lại."),
        title=_("Trả lại để xử lý lại"),
        submit_label=_("Trả lại chuyên viên"),
    )


@login_required
def approve(request, pk: int):
    dossier = visible_dossier(request, pk)
    return action_page(
        request,
        dossier,
        form=versioned(request, ConfirmForm, dossier),
        call=lambda data, v: services.dossier_approve(
            dossier=dossier, actor=request.user, expected_version=v
        ),
        success=_("Đã phê duyệt và ký số kết quả."),
        title=_("Phê duyệt và ký số kết quả"),
        submit_label=_("Phê duyệt và ký số"),
        intro=_(
            "Kết quả được ký số bằng chứng thư của cơ quan, gắn mã QR xác thực; kết quả điện tử được đưa vào "
            "Kho dữ liệu của người nộp."
        ),
        extra={
            "draft": selectors.latest_document(dossier=dossier, kind=DocumentKind.RESULT_DRAFT),
            "submission": last_event(dossier, EventAction.SUBMIT_FOR_APPROVAL),
        },
    )


@login_required
def apology_draft(request, pk: int):
    dossier = visible_dossier(request, pk)
    return action_page(
        request,
        dossier,
        form=ApologyForm(*bound(request)),
        call=lambda data, v: services.dossier_apology_draft(
            dossier=dossier,
            actor=request.user,
            reason=data["reason"],
            new_due_at=closing_time(data["new_due_at"]),
        ),
        success=_("Đã lập phiếu xin lỗi và hẹn lại; chờ lãnh đạo duyệt trước ngày hẹn trả."),
        title=_("Lập phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        submit_label=_("Lập phiếu, trình lãnh đạo"),
        intro=_("Phiếu phải được phát hành trước ngày hẹn trả hiện tại; ngày hẹn ban đầu vẫn được lưu."),
    )


@login_required
def apology_approve(request, pk: int, apology_pk: int):
    dossier = visible_dossier(request, pk)
    apology = get_object_or_404(dossier.apologies.select_related("drafted_by"), pk=apology_pk)
    return action_page(
        request,
        dossier,
        form=ConfirmForm(*bound(request)),
        call=lambda data, v: services.dossier_apology_approve(apology=apology, actor=request.user),
        success=_("Đã duyệt phiếu xin lỗi; ngày hẹn trả kết quả mới đã được thông báo cho người nộp."),
        title=_("Duyệt phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        submit_label=_("Duyệt và phát hành"),
        extra={"apology": apology},
    )
