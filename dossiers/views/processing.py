"""Routing a received dossier through the agencies: forwarding from the desk, assigning a specialist,
asking for a supplement or a payment, liên thông transfers, and stopping."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.models import Agency

from .. import selectors, services
from ..forms import (
    AssignForm,
    CompletionRequestForm,
    ForwardForm,
    PaymentRequestForm,
    ReasonForm,
    TransferForm,
    TransferReturnForm,
)
from .common import action_page, closing_time, versioned, visible_dossier


@login_required
def forward(request, pk: int):
    dossier = visible_dossier(request, pk)
    agency_name = dossier.competent_agency.name if dossier.competent_agency else ""
    return action_page(
        request,
        dossier,
        form=versioned(request, ForwardForm, dossier),
        call=lambda data, v: services.dossier_forward(
            dossier=dossier,
            actor=request.user,
            auto_assign=data["auto_assign"],
            note=data["note"],
            expected_version=v,
        ),
        success=_("Đã chuyển hồ sơ đến %(agency)s.") % {"agency": agency_name},
        title=_("Chuyển hồ sơ đến cơ quan giải quyết"),
        submit_label=_("Chuyển xử lý"),
        intro=_("Hồ sơ được chuyển đến %(agency)s; lãnh đạo phòng phân công chuyên viên thẩm định.")
        % {"agency": agency_name or "—"},
    )


@login_required
def assign(request, pk: int):
    dossier = visible_dossier(request, pk)
    agency = dossier.current_agency
    if agency is None:
        raise Http404
    workloads = {user.pk: count for user, count, _dept in selectors.specialist_workloads(agency=agency)}
    form = versioned(
        request,
        AssignForm,
        dossier,
        specialists=selectors.agency_specialists(agency=agency),
        workloads=workloads,
    )
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_assign(
            dossier=dossier, actor=request.user, specialist=data["specialist"], expected_version=v
        ),
        success=_("Đã phân công chuyên viên xử lý hồ sơ."),
        title=_("Phân công xử lý"),
        submit_label=_("Phân công"),
        intro=dossier.current_department,
    )


@login_required
def request_supplement(request, pk: int):
    dossier = visible_dossier(request, pk)
    components = selectors.components_of(version=dossier.procedure_version)
    form = versioned(request, CompletionRequestForm, dossier, components=components)
    form.fields["reason"].label = _("Nội dung cần bổ sung, hoàn thiện và lý do")
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_request_supplement(
            dossier=dossier,
            actor=request.user,
            reason=data["reason"],
            components=[c for c in components if str(c.pk) in data["components"]],
            expected_version=v,
        ),
        success=_("Đã gửi yêu cầu bổ sung; thời gian giải quyết tạm dừng đến khi người nộp bổ sung."),
        title=_("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
        submit_label=_("Gửi yêu cầu bổ sung"),
        intro=_(
            "Nêu một lần, đầy đủ những gì cần bổ sung và lý do. Giấy tờ người nộp đã có trong Kho dữ liệu "
            "không được yêu cầu nộp lại."
        ),
        extra={"show_held": True},
    )


@login_required
def request_payment(request, pk: int):
    dossier = visible_dossier(request, pk)
    return action_page(
        request,
        dossier,
        form=versioned(request, PaymentRequestForm, dossier),
        call=lambda data, v: services.dossier_request_payment(
            dossier=dossier,
            actor=request.user,
            amount=data["amount"],
            description=data["description"],
            expected_version=v,
        ),
        success=_("Đã thông báo người nộp thực hiện nghĩa vụ tài chính."),
        title=_("Yêu cầu thực hiện nghĩa vụ tài chính"),
        submit_label=_("Gửi yêu cầu"),
    )


@login_required
def transfer(request, pk: int):
    dossier = visible_dossier(request, pk)
    agencies = (
        Agency.objects.filter(active=True).exclude(pk=dossier.current_agency_id).order_by("level", "name")
    )
    return action_page(
        request,
        dossier,
        form=versioned(request, TransferForm, dossier, agencies=agencies),
        call=lambda data, v: services.dossier_transfer(
            dossier=dossier,
            actor=request.user,
            to_agency=data["to_agency"],
            request=data["request"],
            due_at=closing_time(data["due_at"]) if data["due_at"] else None,
            expected_version=v,
        ),
        success=_("Đã chuyển liên thông; hồ sơ giữ nguyên mã và ngày hẹn trả kết quả."),
        title=_("Chuyển liên thông"),
        submit_label=_("Chuyển liên thông"),
    )


@login_required
def return_transfer(request, pk: int):
    dossier = visible_dossier(request, pk)
    open_transfer = dossier.transfers.filter(returned_at__isnull=True).select_related("from_agency").first()
    return action_page(
        request,
        dossier,
        form=versioned(request, TransferReturnForm, dossier),
        call=lambda data, v: services.dossier_return_transfer(
            dossier=dossier,
            actor=request.user,
            response=data["response"],
            upload=data.get("upload"),
            expected_version=v,
        ),
        success=_("Đã trả hồ sơ cho cơ quan chủ trì."),
        title=_("Trả kết quả phối hợp"),
        submit_label=_("Trả hồ sơ"),
        intro=open_transfer.request if open_transfer else "",
        multipart=True,
    )


@login_required
def stop(request, pk: int):
    dossier = visible_dossier(request, pk)
    form = versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Lý do dừng xử lý")
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_stop(
            dossier=dossier, actor=request.user, reason=data["reason"], expected_version=v
        ),
        success=_("Đã dừng xử lý hồ sơ."),
        title=_("Dừng xử lý hồ sơ"),
        submit_label=pgettext("action", "Dừng xử lý"),
        danger=True,
        intro=_(
            "Hồ sơ kết thúc ở trạng thái Dừng xử lý; lý do được ghi vào lịch sử và người nộp được thông báo."
        ),
    )
