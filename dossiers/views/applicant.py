"""The applicant's pages: filing online (a task list of parts, then "check your answers"), completing a
dossier the desk sent back, their own dossiers, deleting a draft and withdrawing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import ratelimit
from portal.errors import ApplicationError
from procedures.constants import Channel
from procedures.models import ProcedureVersion
from repository.models import StoredDocument

from .. import queues, selectors, services
from ..constants import DossierState
from ..forms import (
    ApplicantForm,
    ConfirmForm,
    DeliveryForm,
    FeeExemptionClaimForm,
    LookupForm,
    StoredDocumentPickForm,
    UploadForm,
    WithdrawForm,
)
from ..models import DossierFile
from .common import (
    action_page,
    answers,
    applicant_data,
    catch_redirect,
    editable_dossier,
    expected_version,
    queue_page,
    schema_form,
    show_error,
    supplement_request,
    versioned,
    visible_dossier,
)


@login_required
def file_online(request, version_pk: int):
    """Start page of online filing: what the procedure needs, then "Bắt đầu" creates a prefilled draft."""
    version = get_object_or_404(
        ProcedureVersion.objects.in_force().select_related("procedure"), pk=version_pk
    )
    organisations = list(request.user.organisations.all()) if request.user.is_citizen else []
    if request.method == "POST":
        organisation = None
        if request.POST.get("organisation"):
            organisation = next((o for o in organisations if str(o.pk) == request.POST["organisation"]), None)
            if organisation is None:
                raise Http404
        try:
            dossier = services.dossier_create_draft(
                actor=request.user, version=version, organisation=organisation
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:file_online", version_pk=version.pk)
        return redirect("dossiers:edit", pk=dossier.pk)
    drafts = (
        queues.dossiers_of_applicant(user=request.user, state=DossierState.DRAFT).filter(
            procedure_version=version
        )
        if request.user.is_citizen
        else []
    )
    return render(
        request,
        "dossiers/file_start.html",
        {
            "version": version,
            "components": selectors.components_of(version=version),
            "time_limit": version.time_limit(Channel.ONLINE),
            "fees": version.fees_for(Channel.ONLINE),
            "exemptions": list(version.exemptions.all()),
            "organisations": organisations,
            "drafts": drafts,
            "can_file": request.user.is_citizen and version.allows_online,
        },
    )


@login_required
@catch_redirect
def edit(request, pk: int):
    """Task list of a draft (or of a dossier being completed): each part and whether it is done."""
    dossier = editable_dossier(request, pk)
    statuses = selectors.component_statuses(dossier=dossier)
    applicant_done = bool(
        dossier.applicant_name and dossier.applicant_id_number and dossier.applicant_address
    )
    if dossier.procedure_version.form_schema.get("properties"):
        # Done only when the answers would pass the check at submission, so the review page never says the
        # form is incomplete after the task list said it was done.
        _, form_errors = services.validate_form_data(
            version=dossier.procedure_version, data=dossier.form_data or {}
        )
        applicant_done = applicant_done and bool(dossier.form_data) and not form_errors
    return render(
        request,
        "dossiers/edit.html",
        {
            "dossier": dossier,
            "statuses": statuses,
            "applicant_done": applicant_done,
            "components_done": all(s.complete for s in statuses),
            "completion_request": supplement_request(dossier),
            "after_reception": not dossier.is_before_reception,
        },
    )


@login_required
@catch_redirect
def edit_applicant(request, pk: int):
    dossier = editable_dossier(request, pk)
    version = dossier.procedure_version
    initial = {
        "version": dossier.version,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_address": dossier.applicant_address,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
    }
    data = request.POST if request.method == "POST" else None
    form = ApplicantForm(data, initial=initial)
    answers_form = schema_form(version, data, initial=dossier.form_data)
    exemptions = list(version.exemptions.all())
    claim_form = (
        FeeExemptionClaimForm(
            data, exemptions=exemptions, initial={"fee_exemption": str(dossier.fee_exemption_id or "")}
        )
        if exemptions
        else None
    )
    if request.method == "POST":
        valid = form.is_valid()
        schema_valid = answers_form.is_valid()
        claim_valid = claim_form is None or claim_form.is_valid()
        if valid and schema_valid and claim_valid:
            claim = {"fee_exemption": claim_form.chosen()} if claim_form is not None else {}
            try:
                services.dossier_update_applicant(
                    dossier=dossier,
                    actor=request.user,
                    applicant=applicant_data(form, kind=dossier.applicant_kind),
                    form_data=answers_form.cleaned_data,
                    expected_version=expected_version(form),
                    **claim,
                )
            except ApplicationError as exc:
                show_error(exc, form, answers_form, *([claim_form] if claim_form else []))
            else:
                messages.success(request, _("Đã lưu thông tin người nộp."))
                return redirect("dossiers:edit", pk=dossier.pk)
    return render(
        request,
        "dossiers/edit_applicant.html",
        {"dossier": dossier, "form": form, "schema_form": answers_form, "claim_form": claim_form},
    )


@login_required
@catch_redirect
def edit_component(request, pk: int, component_pk: int):
    dossier = editable_dossier(request, pk)
    component = get_object_or_404(dossier.procedure_version.components, pk=component_pk)
    form = versioned(request, UploadForm, dossier)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_attach_file(
                dossier=dossier,
                actor=request.user,
                component=component,
                upload=form.cleaned_data["file"],
                expected_version=expected_version(form),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Đã tải lên tệp cho “%(name)s”.") % {"name": component.name})
            return redirect("dossiers:edit", pk=dossier.pk)
    files = [f for f in dossier.files.all() if f.component_id == component.pk]
    return render(
        request,
        "dossiers/edit_component.html",
        {
            "dossier": dossier,
            "component": component,
            "files": files,
            "form": form,
            "stored": selectors.reusable_documents(dossier=dossier, component=component),
        },
    )


@login_required
@require_POST
@catch_redirect
def use_stored_document(request, pk: int, component_pk: int):
    """Pick a document from Kho dữ liệu for a component instead of uploading it."""
    dossier = editable_dossier(request, pk)
    component = get_object_or_404(dossier.procedure_version.components, pk=component_pk)
    form = StoredDocumentPickForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect("dossiers:edit_component", pk=pk, component_pk=component_pk)
    document = StoredDocument.objects.filter(pk=form.cleaned_data["document"]).first()
    if document is None:
        raise Http404
    try:
        services.dossier_attach_stored_document(
            dossier=dossier,
            actor=request.user,
            component=component,
            document=document,
            expected_version=expected_version(form),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:edit_component", pk=pk, component_pk=component_pk)
    messages.success(
        request,
        _("Đã dùng “%(title)s” từ Kho dữ liệu cho “%(name)s”.")
        % {"title": document.title, "name": component.name},
    )
    return redirect("dossiers:edit", pk=pk)


@login_required
@require_POST
@catch_redirect
def remove_file(request, pk: int, file_pk: int):
    dossier = editable_dossier(request, pk)
    dossier_file = get_object_or_404(DossierFile, pk=file_pk, dossier=dossier)
    try:
        services.dossier_remove_file(dossier_file=dossier_file, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": dossier_file.original_name})
    return redirect("dossiers:edit", pk=dossier.pk)


@login_required
@catch_redirect
def edit_delivery(request, pk: int):
    dossier = editable_dossier(request, pk)
    version = dossier.procedure_version
    desks = selectors.desks_for_version(version=version)
    initial = {
        "version": dossier.version,
        "delivery_method": dossier.delivery_method,
        "postal_address": dossier.postal_address or dossier.applicant_address,
        "desk": dossier.receiving_agency_id,
    }
    form = DeliveryForm(
        request.POST or None,
        initial=initial,
        desks=desks if dossier.is_before_reception else None,
        allows_postal=version.allows_postal,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_set_delivery(
                dossier=dossier,
                actor=request.user,
                method=form.cleaned_data["delivery_method"],
                postal_address=form.cleaned_data["postal_address"],
                desk=form.cleaned_data.get("desk"),
                expected_version=expected_version(form),
            )
        except ApplicationError as exc:
            show_error(exc, form)
        else:
            messages.success(request, _("Đã lưu cách nhận kết quả."))
            return redirect("dossiers:edit", pk=dossier.pk)
    return render(request, "dossiers/edit_delivery.html", {"dossier": dossier, "form": form})


def _submitted_message(dossier, service) -> str:
    """What the applicant is told once the dossier is sent, in the words of what happens next."""
    dossier.refresh_from_db(fields=["code", "lookup_secret"])
    if service is services.dossier_supplement_complete:
        return _(
            "Đã nộp bổ sung. Hồ sơ được chuyển lại cho cán bộ đang giải quyết; ngày hẹn trả được tính lại."
        )
    if service is services.dossier_complete:
        return _("Đã gửi lại hồ sơ đã hoàn thiện. Bộ phận một cửa sẽ kiểm tra và tiếp nhận.")
    if dossier.code:
        return _(
            "Đã nộp hồ sơ. Mã hồ sơ: %(code)s, mã tra cứu: %(secret)s — ghi lại để tra cứu. Bộ phận một cửa "
            "sẽ kiểm tra và tiếp nhận; bạn theo dõi trạng thái tại đây."
        ) % {"code": dossier.code, "secret": dossier.lookup_secret}
    return _("Đã nộp hồ sơ. Bộ phận một cửa sẽ kiểm tra và tiếp nhận; bạn theo dõi trạng thái tại đây.")


@login_required
@catch_redirect
def review(request, pk: int):
    """Check your answers, then submit (or send back a completed dossier)."""
    dossier = editable_dossier(request, pk)
    problems = services.submission_problems(dossier=dossier) if dossier.is_before_reception else []
    if request.method == "POST":
        if dossier.state == DossierState.DRAFT:
            service = services.dossier_submit
        elif dossier.is_before_reception:
            service = services.dossier_complete
        else:
            service = services.dossier_supplement_complete
        form = ConfirmForm(request.POST)
        try:
            if not form.is_valid():
                raise ApplicationError(form.first_error())
            service(dossier=dossier, actor=request.user, expected_version=expected_version(form))
        except ApplicationError as exc:
            problems = exc.extra.get("problems") or [exc.message]
        else:
            messages.success(request, _submitted_message(dossier, service))
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/review.html",
        {
            "dossier": dossier,
            "problems": problems,
            "answers": answers(dossier),
            "statuses": selectors.component_statuses(dossier=dossier),
            "after_reception": not dossier.is_before_reception,
        },
    )


@login_required
@require_POST
def delete_draft(request, pk: int):
    dossier = visible_dossier(request, pk)
    try:
        services.dossier_delete_draft(dossier=dossier, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:detail", pk=pk)
    messages.success(request, _("Đã xóa hồ sơ nháp."))
    return redirect("dossiers:my_dossiers")


@login_required
def withdraw(request, pk: int):
    dossier = visible_dossier(request, pk)
    return action_page(
        request,
        dossier,
        form=versioned(request, WithdrawForm, dossier),
        call=lambda data, v: services.dossier_withdraw(
            dossier=dossier, actor=request.user, reason=data["reason"], expected_version=v
        ),
        success=_("Đã rút hồ sơ."),
        template="dossiers/withdraw.html",
    )


@login_required
def my_dossiers(request):
    state = request.GET.get("trang_thai", "")
    if state not in DossierState.values:
        state = ""
    qs = queues.dossiers_of_applicant(user=request.user, state=state or None)
    page, rows = queue_page(request, qs, size=20)
    return render(request, "dossiers/my_dossiers.html", {"page": page, "rows": rows, "state": state})


@login_required
def claim(request):
    """A citizen takes the dossiers received at the desk for their CCCD into their account with the code and
    lookup secret printed on the receipt; wrong guesses count against the lookup limit."""
    if request.user.is_officer:
        raise Http404
    form = LookupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limit = ratelimit.lookup_limit()
        if ratelimit.is_blocked(limit, request):
            form.add_error(
                None,
                _("Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %(m)s phút.") % {"m": limit.minutes},
            )
            status = 429
        else:
            try:
                attached = services.dossier_claim(
                    actor=request.user,
                    code=form.cleaned_data["ma"],
                    secret=form.cleaned_data["ma_tra_cuu"],
                    at=timezone.now(),
                )
            except ApplicationError as exc:
                ratelimit.hit(limit, request)
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Tài khoản đã được xác minh; %(n)s hồ sơ nộp tại quầy đã được đưa về tài khoản.")
                    % {"n": len(attached)},
                )
                return redirect("dossiers:my_dossiers")
    return render(request, "dossiers/claim.html", {"form": form}, status=status)
