"""The one-stop desk (bộ phận một cửa): counter and postal intake, receiving, refusing or asking to complete
an online dossier, and, later, taking a supplement, recording a payment and handing over the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import Agency
from procedures.constants import Channel
from procedures.fees import fee_lines
from procedures.models import ProcedureVersion

from .. import permissions, queues, selectors, services
from ..constants import DeliveryMethod, EventAction
from ..forms import (
    CompletionRequestForm,
    ConfirmForm,
    CounterIntakeForm,
    CounterPickForm,
    DeliverForm,
    DeskSupplementForm,
    FeeExemptionClaimForm,
    PaymentRecordForm,
    ReasonForm,
)
from ..templatetags.dossier_tags import money
from .common import (
    action_page,
    applicant_data,
    desk_forbidden,
    expected_version,
    last_event,
    schema_form,
    show_error,
    versioned,
    visible_dossier,
)


@login_required
def counter_intake(request):
    """Counter and postal intake: pick the procedure, type the form, scan each paper, print the receipt."""
    if denied := desk_forbidden(request):
        return denied
    desks = list(Agency.objects.filter(pk__in=permissions.intake_agency_ids(request.user)).order_by("code"))
    pick = CounterPickForm(request.POST if request.method == "POST" else request.GET, desks=desks)
    valid_pick = pick.is_valid()
    desk = pick.chosen_desk()
    version_pk = pick.cleaned_data.get("thu_tuc") if valid_pick else None
    if version_pk is None:
        query = (pick.cleaned_data.get("q") or "").strip() if valid_pick else ""
        versions = queues.versions_for_counter(desk=desk, query=query)
        return render(
            request,
            "dossiers/counter_pick.html",
            {"versions": versions[:50], "query": query, "desk": desk, "desks": desks, "form": pick},
            status=200 if valid_pick else 400,
        )
    version = get_object_or_404(
        ProcedureVersion.objects.in_force().select_related("procedure"), pk=version_pk
    )
    components = selectors.components_of(version=version)
    data = request.POST if request.method == "POST" else None
    form = CounterIntakeForm(
        data, request.FILES or None, components=components, allows_postal=version.allows_postal
    )
    answers_form = schema_form(version, data)
    exemptions = list(version.exemptions.all())
    claim_form = FeeExemptionClaimForm(data, exemptions=exemptions) if exemptions else None
    if claim_form is not None:
        claim_form.fields["fee_exemption"].help_text = _(
            "Chọn khi người nộp xuất trình giấy tờ chứng minh; phí, lệ phí thu theo mức đã miễn, giảm."
        )
    if request.method == "POST":
        valid = form.is_valid()
        schema_valid = answers_form.is_valid()
        claim_valid = claim_form is None or claim_form.is_valid()
        if valid and schema_valid and claim_valid:
            c = form.cleaned_data
            uploads = [
                services.ComponentUpload(component=component, upload=c[name])
                for component, name in form.component_fields
                if c.get(name)
            ]
            try:
                dossier = services.dossier_receive_in_person(
                    actor=request.user,
                    agency=desk,
                    version=version,
                    channel=c["channel"],
                    applicant=applicant_data(form, kind=c["applicant_kind"]),
                    form_data=answers_form.cleaned_data,
                    uploads=uploads,
                    delivery_method=c["delivery_method"],
                    postal_address=c["postal_address"],
                    set_count=c["set_count"],
                    submission=str(c["submission"] or ""),
                    fee_exemption=claim_form.chosen() if claim_form is not None else None,
                )
            except ApplicationError as exc:
                show_error(exc, form, answers_form, *([claim_form] if claim_form else []))
            else:
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ %(code)s. Mã tra cứu: %(secret)s. In giấy tiếp nhận cho người nộp.")
                    % {"code": dossier.code, "secret": dossier.lookup_secret},
                )
                lines = fee_lines(
                    dossier.procedure_version.fees_for(dossier.channel), dossier.granted_fee_exemption
                )
                if lines:
                    messages.info(
                        request,
                        _("Phí, lệ phí thu khi nộp hồ sơ: %(amount)s.")
                        % {"amount": money(sum(line["amount"] for line in lines))},
                    )
                return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/counter_intake.html",
        {
            "version": version,
            "form": form,
            "schema_form": answers_form,
            "claim_form": claim_form,
            "exemptions": exemptions,
            "fees": fee_lines(version.fees_for(Channel.COUNTER), None),
            "desk": desk,
            "desks": desks,
            "time_limit": version.time_limit(Channel.COUNTER),
        },
    )


@login_required
def receive(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    dossier = visible_dossier(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("dossiers:detail", pk=pk)
    try:
        dossier = services.dossier_receive(
            dossier=dossier, actor=request.user, expected_version=expected_version(form)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã tiếp nhận hồ sơ %(code)s. Mã tra cứu: %(secret)s.")
            % {"code": dossier.code, "secret": dossier.lookup_secret},
        )
    return redirect("dossiers:detail", pk=pk)


@login_required
def refuse(request, pk: int):
    dossier = visible_dossier(request, pk)
    form = versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Lý do từ chối tiếp nhận")
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_refuse(
            dossier=dossier, actor=request.user, reason=data["reason"], expected_version=v
        ),
        success=_("Đã từ chối tiếp nhận hồ sơ; phiếu từ chối đã được lập."),
        template="dossiers/refuse.html",
    )


@login_required
def refuse_fee_exemption(request, pk: int):
    """The desk does not accept the target group claimed for a fee exemption: the full fee is owed."""
    dossier = visible_dossier(request, pk)
    form = versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Lý do không chấp nhận miễn, giảm")
    exemption = dossier.fee_exemption
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_refuse_fee_exemption(
            dossier=dossier, actor=request.user, reason=data["reason"], expected_version=v
        ),
        success=_("Đã ghi nhận không chấp nhận miễn, giảm; người nộp phải nộp đủ phí, lệ phí."),
        title=_("Không chấp nhận miễn, giảm phí, lệ phí"),
        submit_label=_("Không chấp nhận miễn, giảm"),
        intro=(
            _("Người nộp đề nghị: %(group)s (%(effect)s).")
            % {"group": exemption.group, "effect": exemption.effect}
            if exemption
            else ""
        ),
        danger=True,
    )


@login_required
def request_completion(request, pk: int):
    dossier = visible_dossier(request, pk)
    components = selectors.components_of(version=dossier.procedure_version)
    form = versioned(request, CompletionRequestForm, dossier, components=components)
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_request_completion(
            dossier=dossier,
            actor=request.user,
            reason=data["reason"],
            components=[c for c in components if str(c.pk) in data["components"]],
            expected_version=v,
        ),
        success=_("Đã gửi yêu cầu hoàn thiện hồ sơ cho người nộp."),
        template="dossiers/request_completion.html",
    )


@login_required
def supplement_at_desk(request, pk: int):
    dossier = visible_dossier(request, pk)
    requested = last_event(dossier, EventAction.REQUEST_SUPPLEMENT)
    requested_ids = {c["id"] for c in (requested.payload.get("components", []) if requested else [])}
    form = versioned(
        request,
        DeskSupplementForm,
        dossier,
        components=selectors.components_of(version=dossier.procedure_version),
        requested_ids=requested_ids,
    )
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_supplement_at_desk(
            dossier=dossier,
            actor=request.user,
            uploads=[services.ComponentUpload(component=c, upload=f) for c, f in form.uploads()],
            note=data["note"],
            expected_version=v,
        ),
        success=_("Đã nhận hồ sơ bổ sung và chuyển lại chuyên viên xử lý."),
        title=_("Nhận hồ sơ bổ sung tại bộ phận một cửa"),
        submit_label=_("Nhận bổ sung"),
        intro=requested.reason if requested else "",
        multipart=True,
    )


@login_required
def record_payment(request, pk: int):
    dossier = visible_dossier(request, pk)
    owed = sum(o.amount for o in dossier.obligations.filter(paid_at__isnull=True))
    form = versioned(request, PaymentRecordForm, dossier)
    if request.method == "GET" and owed:
        form.initial["amount"] = owed
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_record_payment(
            dossier=dossier,
            actor=request.user,
            amount=data["amount"],
            receipt_number=data["receipt_number"],
            expected_version=v,
        ),
        success=_("Đã ghi nhận người nộp đã nộp tiền; hồ sơ trở lại chuyên viên xử lý."),
        title=_("Ghi nhận đã nộp nghĩa vụ tài chính tại bộ phận một cửa"),
        submit_label=_("Ghi nhận"),
    )


@login_required
def deliver(request, pk: int):
    dossier = visible_dossier(request, pk)
    form = versioned(request, DeliverForm, dossier, allows_post=bool(dossier.postal_address))
    if request.method == "GET":
        form.initial["method"] = (
            DeliveryMethod.POST if dossier.delivery_method == DeliveryMethod.POST else DeliveryMethod.DESK
        )
        form.initial["collected_by"] = dossier.applicant_name
    return action_page(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_deliver(
            dossier=dossier,
            actor=request.user,
            method=data["method"],
            collected_by=data.get("collected_by", ""),
            tracking_number=data.get("tracking_number", ""),
            expected_version=v,
        ),
        success=_("Đã trả kết quả."),
        title=_("Trả kết quả"),
        submit_label=_("Xác nhận trả kết quả"),
    )
