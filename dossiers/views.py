"""Pages of the dossier lifecycle. Each view parses input, calls one service or selector, and renders."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm

from portal import ratelimit
from portal.errors import ApplicationError
from portal.models import Agency
from portal.working_time import load_calendar
from procedures.constants import Channel
from procedures.forms_schema import applicant_form_class, field_labels, field_order
from procedures.models import ProcedureVersion

from . import permissions, selectors, services
from .constants import (
    APPLICANT_VISIBLE_ACTIONS,
    INTAKE_QUEUE_STATES,
    OFFICER_ONLY_DOCUMENTS,
    DeliveryMethod,
    DocumentKind,
    DossierState,
    EventAction,
)
from .forms import (
    ApologyForm,
    ApplicantForm,
    AssignForm,
    BulkAssignForm,
    CompletionRequestForm,
    ConfirmForm,
    CounterIntakeForm,
    DeliverForm,
    DeliveryForm,
    DeskSupplementForm,
    ForwardForm,
    LookupForm,
    MessageForm,
    PaymentRecordForm,
    PaymentRequestForm,
    QueueFilterForm,
    ReasonForm,
    RegisterForm,
    ResultDraftForm,
    TransferForm,
    TransferReturnForm,
    UploadForm,
    WithdrawForm,
    WorkQueueFilterForm,
)
from .models import Dossier, DossierAccessLog, DossierDocument, DossierFile

SCHEMA_PREFIX = "tk"
QUEUE_PAGE_SIZES = (10, 25, 50, 100)


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------
def _visible(request, pk: int) -> Dossier:
    dossier = selectors.dossier_detail(pk=pk)
    if dossier is None or not permissions.can_view(request.user, dossier):
        # The same answer for "does not exist" and "not yours": ids are not an oracle.
        raise Http404
    return dossier


def _editable(request, pk: int) -> Dossier:
    dossier = _visible(request, pk)
    if not permissions.can_edit_as_applicant(request.user, dossier):
        messages.info(request, _("Hồ sơ này đã nộp, không thể sửa."))
        raise _Redirect(reverse("dossiers:detail", args=[pk]))
    return dossier


class _Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


def _catch_redirect(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Redirect as exc:
            return redirect(exc.url)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _expected_version(form) -> int | None:
    return form.cleaned_data.get("version") if form.is_bound and hasattr(form, "cleaned_data") else None


def _schema_form(version: ProcedureVersion, data=None, initial=None):
    form_class = applicant_form_class(version.form_schema or {})
    return form_class(data=data, initial=initial, prefix=SCHEMA_PREFIX)


def _place_errors(exc: ApplicationError, *forms_) -> bool:
    """Put a service's field errors next to the fields; True when every error found its field."""
    errors = exc.extra.get("errors") or {}
    placed = bool(errors)
    for key, message in errors.items():
        target = None
        field = key
        if key.startswith("form_"):
            field = key[len("form_") :]
            target = next((f for f in forms_ if getattr(f, "prefix", None) == SCHEMA_PREFIX), None)
        else:
            target = next((f for f in forms_ if key in f.fields), None)
        if target is not None and field in target.fields:
            target.add_error(field, message)
        elif forms_:
            forms_[0].add_error(None, message)
        else:
            placed = False
    return placed


def _answers(dossier: Dossier) -> list[tuple[str, object]]:
    schema = dossier.procedure_version.form_schema or {}
    labels = field_labels(schema)
    data = dossier.form_data or {}
    return [(labels[name], data.get(name)) for name in field_order(schema) if name in data]


# ---------------------------------------------------------------------------------------------------------
# Filing online
# ---------------------------------------------------------------------------------------------------------
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
        selectors.dossiers_of_applicant(user=request.user, state=DossierState.DRAFT).filter(
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
            "organisations": organisations,
            "drafts": drafts,
            "can_file": request.user.is_citizen and version.allows_online,
        },
    )


@login_required
@_catch_redirect
def edit(request, pk: int):
    """Task list of a draft (or of a dossier being completed): each part and whether it is done."""
    dossier = _editable(request, pk)
    statuses = selectors.component_statuses(dossier=dossier)
    applicant_done = bool(
        dossier.applicant_name and dossier.applicant_id_number and dossier.applicant_address
    )
    if dossier.procedure_version.form_schema.get("properties"):
        applicant_done = applicant_done and bool(dossier.form_data)
    return render(
        request,
        "dossiers/edit.html",
        {
            "dossier": dossier,
            "statuses": statuses,
            "applicant_done": applicant_done,
            "components_done": all(s.complete for s in statuses),
            "completion_request": _supplement_request(dossier),
            "after_reception": not dossier.is_before_reception,
        },
    )


def _supplement_request(dossier: Dossier):
    """The request the applicant is answering: completion before reception, supplement after."""
    if dossier.state != DossierState.SUPPLEMENT_REQUESTED:
        return None
    action = EventAction.REQUEST_COMPLETION if dossier.is_before_reception else EventAction.REQUEST_SUPPLEMENT
    return _last_event(dossier, action)


def _last_event(dossier: Dossier, action: str):
    return next((e for e in reversed(list(dossier.events.all())) if e.action == action), None)


@login_required
@_catch_redirect
def edit_applicant(request, pk: int):
    dossier = _editable(request, pk)
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
    schema_form = _schema_form(version, data, initial=dossier.form_data)
    if request.method == "POST":
        valid = form.is_valid()
        schema_valid = schema_form.is_valid()
        if valid and schema_valid:
            try:
                services.dossier_update_applicant(
                    dossier=dossier,
                    actor=request.user,
                    applicant=services.ApplicantData(
                        kind=dossier.applicant_kind,
                        name=form.cleaned_data["applicant_name"],
                        id_number=form.cleaned_data["applicant_id_number"],
                        address=form.cleaned_data["applicant_address"],
                        phone=form.cleaned_data["applicant_phone"],
                        email=form.cleaned_data["applicant_email"],
                    ),
                    form_data=schema_form.cleaned_data,
                    expected_version=_expected_version(form),
                )
            except ApplicationError as exc:
                if not _place_errors(exc, form, schema_form):
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã lưu thông tin người nộp."))
                return redirect("dossiers:edit", pk=dossier.pk)
    return render(
        request,
        "dossiers/edit_applicant.html",
        {"dossier": dossier, "form": form, "schema_form": schema_form},
    )


@login_required
@_catch_redirect
def edit_component(request, pk: int, component_pk: int):
    dossier = _editable(request, pk)
    component = get_object_or_404(dossier.procedure_version.components, pk=component_pk)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"version": dossier.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_attach_file(
                dossier=dossier,
                actor=request.user,
                component=component,
                upload=form.cleaned_data["file"],
                expected_version=_expected_version(form),
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
@_catch_redirect
def use_stored_document(request, pk: int, component_pk: int):
    """Pick a document from Kho dữ liệu for a component instead of uploading it."""
    from repository.models import StoredDocument

    dossier = _editable(request, pk)
    component = get_object_or_404(dossier.procedure_version.components, pk=component_pk)
    document = StoredDocument.objects.filter(pk=request.POST.get("document")).first()
    if document is None:
        raise Http404
    try:
        version = int(request.POST.get("version") or 0) or None
        services.dossier_attach_stored_document(
            dossier=dossier,
            actor=request.user,
            component=component,
            document=document,
            expected_version=version,
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
@_catch_redirect
def remove_file(request, pk: int, file_pk: int):
    dossier = _editable(request, pk)
    dossier_file = get_object_or_404(DossierFile, pk=file_pk, dossier=dossier)
    try:
        services.dossier_remove_file(dossier_file=dossier_file, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": dossier_file.original_name})
    return redirect("dossiers:edit", pk=dossier.pk)


@login_required
@_catch_redirect
def edit_delivery(request, pk: int):
    dossier = _editable(request, pk)
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
                expected_version=_expected_version(form),
            )
        except ApplicationError as exc:
            if not _place_errors(exc, form):
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu cách nhận kết quả."))
            return redirect("dossiers:edit", pk=dossier.pk)
    return render(request, "dossiers/edit_delivery.html", {"dossier": dossier, "form": form})


@login_required
@_catch_redirect
def review(request, pk: int):
    """Check your answers, then submit (or send back a completed dossier)."""
    dossier = _editable(request, pk)
    problems = services.submission_problems(dossier=dossier) if dossier.is_before_reception else []
    if request.method == "POST":
        if dossier.state == DossierState.DRAFT:
            service = services.dossier_submit
        elif dossier.is_before_reception:
            service = services.dossier_complete
        else:
            service = services.dossier_supplement_complete
        try:
            version = int(request.POST.get("version") or 0) or None
            service(dossier=dossier, actor=request.user, expected_version=version)
        except (ApplicationError, ValueError) as exc:
            problems = getattr(exc, "extra", {}).get("problems") or [getattr(exc, "message", str(exc))]
        else:
            messages.success(
                request,
                _("Đã nộp hồ sơ. Bộ phận một cửa sẽ kiểm tra và tiếp nhận; bạn theo dõi trạng thái tại đây."),
            )
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/review.html",
        {
            "dossier": dossier,
            "problems": problems,
            "answers": _answers(dossier),
            "statuses": selectors.component_statuses(dossier=dossier),
            "after_reception": not dossier.is_before_reception,
        },
    )


@login_required
@require_POST
def delete_draft(request, pk: int):
    dossier = _visible(request, pk)
    try:
        services.dossier_delete_draft(dossier=dossier, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:detail", pk=pk)
    messages.success(request, _("Đã xóa hồ sơ nháp."))
    return redirect("dossiers:my_dossiers")


# ---------------------------------------------------------------------------------------------------------
# Lists and the dossier page
# ---------------------------------------------------------------------------------------------------------
@login_required
def my_dossiers(request):
    state = request.GET.get("trang_thai", "")
    if state not in DossierState.values:
        state = ""
    qs = selectors.dossiers_of_applicant(user=request.user, state=state or None)
    page = Paginator(qs, 20).get_page(request.GET.get("trang"))
    calendar = load_calendar()
    rows = [(d, selectors.remaining_working_time(dossier=d, calendar=calendar)) for d in page.object_list]
    return render(request, "dossiers/my_dossiers.html", {"page": page, "rows": rows, "state": state})


def _actions(user, dossier: Dossier) -> dict:
    def allowed(method: str) -> bool:
        bound = getattr(dossier, method)
        return can_proceed(bound) and has_transition_perm(bound, user)

    return {
        "edit": permissions.can_edit_as_applicant(user, dossier),
        "delete_draft": dossier.state == DossierState.DRAFT
        and permissions.can_act_as_applicant(user, dossier),
        "withdraw": allowed("withdraw"),
        "receive": allowed("receive"),
        "refuse": allowed("refuse"),
        "request_completion": allowed("request_completion"),
        "forward": allowed("forward"),
        "assign": allowed("assign") or allowed("reassign"),
        "submit_for_approval": allowed("submit_for_approval"),
        "return_for_rework": allowed("return_for_rework"),
        "approve": allowed("approve"),
        "deliver": allowed("deliver"),
        "request_supplement": allowed("request_supplement"),
        "supplement_at_desk": allowed("supplement")
        and not dossier.is_before_reception
        and dossier.receiving_agency_id in permissions.intake_agency_ids(user),
        "request_payment": allowed("request_payment"),
        "record_payment": allowed("record_payment"),
        "transfer": allowed("transfer"),
        "return_transfer": allowed("return_transfer"),
        "stop": allowed("stop"),
        "apology": dossier.state in selectors.running_states()
        and permissions.can_draft_apology(user, dossier),
        "approve_apology": permissions.can_decide(user, dossier),
    }


ROLE_WAITING = {
    "intake": gettext_lazy("Bộ phận một cửa"),
    "specialist": gettext_lazy("chờ lãnh đạo phòng phân công chuyên viên"),
    "approver": gettext_lazy("chờ lãnh đạo phê duyệt"),
    "citizen": gettext_lazy("chờ người nộp"),
}


@login_required
def detail(request, pk: int):
    dossier = _visible(request, pk)
    services.dossier_record_officer_read(
        dossier=dossier, actor=request.user, purpose=DossierAccessLog.Purpose.VIEW
    )
    is_applicant = permissions.can_act_as_applicant(request.user, dossier)
    events = list(dossier.events.all())
    if is_applicant and not request.user.is_officer:
        events = [e for e in events if e.public or e.action in APPLICANT_VISIBLE_ACTIONS]
    documents = list(dossier.documents.all())
    officer = request.user.is_officer
    latest = {d.kind: d for d in documents if officer or d.kind not in OFFICER_ONLY_DOCUMENTS}
    documents = sorted(latest.values(), key=lambda d: (d.created_at, d.pk))
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "show_processing": officer and dossier.received_at is not None,
            "obligations": list(dossier.obligations.all()),
            "message_form": MessageForm() if permissions.can_message(request.user, dossier) else None,
            "apologies": list(dossier.apologies.select_related("drafted_by", "approved_by"))
            if officer
            else [],
            "transfers": list(dossier.transfers.select_related("from_agency", "to_agency"))
            if officer and dossier.received_at
            else [],
            "current_role_label": ROLE_WAITING.get(dossier.current_role, ""),
            "events": events,
            "files": list(dossier.files.all()),
            "documents": documents,
            "pending_receipt": dossier.received_at is not None
            and dossier.state != DossierState.REFUSED
            and not any(d.kind == DocumentKind.RECEIPT for d in documents),
            "answers": _answers(dossier),
            "remaining": selectors.remaining_working_time(dossier=dossier),
            "actions": _actions(request.user, dossier),
            "is_applicant": is_applicant,
            "completion_request": _supplement_request(dossier),
        },
    )


@login_required
def file_download(request, pk: int, file_pk: int):
    dossier = _visible(request, pk)
    dossier_file = get_object_or_404(DossierFile, pk=file_pk, dossier=dossier)
    services.dossier_record_officer_read(
        dossier=dossier,
        actor=request.user,
        purpose=DossierAccessLog.Purpose.FILE,
        detail=dossier_file.original_name,
    )
    return FileResponse(
        dossier_file.file.open("rb"),
        as_attachment=True,
        filename=dossier_file.original_name,
        content_type=dossier_file.mime_type,
    )


DOCUMENT_EVENTS = {
    DocumentKind.RECEIPT: (EventAction.RECEIVE, EventAction.RECEIVE_AT_COUNTER, EventAction.RECEIVE_BY_POST),
    DocumentKind.REFUSAL: (EventAction.REFUSE,),
    DocumentKind.SUPPLEMENT_REQUEST: (EventAction.REQUEST_COMPLETION, EventAction.REQUEST_SUPPLEMENT),
    DocumentKind.APOLOGY: (EventAction.APOLOGY,),
    DocumentKind.RESULT: (EventAction.APPROVE,),
    DocumentKind.RESULT_DRAFT: (EventAction.SUBMIT_FOR_APPROVAL,),
    # The control slip is printed from the handovers as they stand at the latest one.
    DocumentKind.CONTROL_SLIP: None,
}


@login_required
def document_download(request, pk: int, kind: str):
    """The latest printed form of a kind; printed now if the background worker has not done it yet."""
    dossier = _visible(request, pk)
    if kind not in DOCUMENT_EVENTS:
        raise Http404
    if kind in OFFICER_ONLY_DOCUMENTS and not request.user.is_officer:
        raise Http404
    if kind == DocumentKind.CONTROL_SLIP:
        handover = dossier.handovers.order_by("-handed_at", "-id").first()
        event = handover.event if handover else None
    else:
        event = next(
            (e for e in reversed(list(dossier.events.all())) if e.action in DOCUMENT_EVENTS[kind]), None
        )
    if event is None:
        raise Http404
    document = services.dossier_document_generate(dossier_id=dossier.pk, kind=kind, event_id=event.pk)
    services.dossier_record_officer_read(
        dossier=dossier, actor=request.user, purpose=DossierAccessLog.Purpose.DOCUMENT, detail=kind
    )
    return _pdf_response(document, inline=request.GET.get("xem") == "1")


def _pdf_response(document: DossierDocument, *, inline: bool = False):
    return FileResponse(
        document.file.open("rb"),
        as_attachment=not inline,
        filename=document.download_name,
        content_type="application/pdf",
    )


# ---------------------------------------------------------------------------------------------------------
# Applicant actions
# ---------------------------------------------------------------------------------------------------------
@login_required
def withdraw(request, pk: int):
    dossier = _visible(request, pk)
    form = WithdrawForm(request.POST or None, initial={"version": dossier.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_withdraw(
                dossier=dossier,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=_expected_version(form),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã rút hồ sơ."))
            return redirect("dossiers:detail", pk=pk)
    return render(request, "dossiers/withdraw.html", {"dossier": dossier, "form": form})


# ---------------------------------------------------------------------------------------------------------
# Intake officer actions
# ---------------------------------------------------------------------------------------------------------
@login_required
def receive(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    dossier = _visible(request, pk)
    try:
        version = int(request.POST.get("version") or 0) or None
        dossier = services.dossier_receive(dossier=dossier, actor=request.user, expected_version=version)
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
    dossier = _visible(request, pk)
    form = ReasonForm(request.POST or None, initial={"version": dossier.version})
    form.fields["reason"].label = _("Lý do từ chối tiếp nhận")
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_refuse(
                dossier=dossier,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=_expected_version(form),
            )
        except ApplicationError as exc:
            if not _place_errors(exc, form):
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã từ chối tiếp nhận hồ sơ; phiếu từ chối đã được lập."))
            return redirect("dossiers:detail", pk=pk)
    return render(request, "dossiers/refuse.html", {"dossier": dossier, "form": form})


@login_required
def request_completion(request, pk: int):
    dossier = _visible(request, pk)
    components = selectors.components_of(version=dossier.procedure_version)
    form = CompletionRequestForm(
        request.POST or None, initial={"version": dossier.version}, components=components
    )
    if request.method == "POST" and form.is_valid():
        chosen = [c for c in components if str(c.pk) in form.cleaned_data["components"]]
        try:
            services.dossier_request_completion(
                dossier=dossier,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                components=chosen,
                expected_version=_expected_version(form),
            )
        except ApplicationError as exc:
            if not _place_errors(exc, form):
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã gửi yêu cầu hoàn thiện hồ sơ cho người nộp."))
            return redirect("dossiers:detail", pk=pk)
    return render(request, "dossiers/request_completion.html", {"dossier": dossier, "form": form})


def _require_intake(request, *, allow_postal: bool = False) -> None:
    if permissions.can_use_intake_desk(request.user):
        return
    if allow_postal and permissions.postal_agency_ids(request.user):
        return
    raise NotPermittedPage


class NotPermittedPage(Exception):
    pass


def _forbidden(request):
    return render(
        request,
        "dossiers/forbidden.html",
        {"message": _("Trang này dành cho cán bộ một cửa.")},
        status=403,
    )


@login_required
def intake_queue(request):
    """The intake officer's queue: counts per state, filters in the URL, search by code or applicant."""
    try:
        _require_intake(request, allow_postal=True)
    except NotPermittedPage:
        return _forbidden(request)
    form = QueueFilterForm(request.GET or None, states=INTAKE_QUEUE_STATES)
    filters = selectors.QueueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.QueueFilters(
            state=data["trang_thai"],
            channel=data["kenh"],
            q=data["q"],
            received_from=data["tu_ngay"],
            received_to=data["den_ngay"],
        )
    elif not form.is_bound:
        filters = selectors.QueueFilters(state=DossierState.SUBMITTED)
        form = QueueFilterForm(initial={"trang_thai": DossierState.SUBMITTED}, states=INTAKE_QUEUE_STATES)
    try:
        size = int(request.GET.get("so_dong", 25))
    except ValueError:
        size = 25
    size = size if size in QUEUE_PAGE_SIZES else 25
    qs = selectors.intake_queue(user=request.user, filters=filters)
    page = Paginator(qs, size).get_page(request.GET.get("trang"))
    calendar = load_calendar()
    rows = [(d, selectors.remaining_working_time(dossier=d, calendar=calendar)) for d in page.object_list]
    counts = selectors.intake_queue_counts(user=request.user)
    query = request.GET.copy()
    query.pop("trang", None)
    state_query = request.GET.copy()
    for key in ("trang", "trang_thai"):
        state_query.pop(key, None)
    return render(
        request,
        "dossiers/intake_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": [(s, DossierState(s).label, counts.get(s, 0)) for s in INTAKE_QUEUE_STATES],
            "current_state": filters.state,
            "query": query.urlencode(),
            "state_query": state_query.urlencode(),
            "page_sizes": QUEUE_PAGE_SIZES,
            "page_size": size,
            "is_intake": permissions.can_use_intake_desk(request.user),
        },
    )


@login_required
def counter_intake(request):
    """Counter and postal intake: pick the procedure, type the form, scan each paper, print the receipt."""
    try:
        _require_intake(request)
    except NotPermittedPage:
        return _forbidden(request)
    desks = list(Agency.objects.filter(pk__in=permissions.intake_agency_ids(request.user)).order_by("code"))
    desk = next(
        (d for d in desks if str(d.pk) == request.POST.get("desk", request.GET.get("desk", ""))), desks[0]
    )
    version_pk = request.POST.get("thu_tuc") or request.GET.get("thu_tuc")
    if not version_pk:
        query = request.GET.get("q", "").strip()
        versions = selectors.versions_for_counter(desk=desk, query=query)
        return render(
            request,
            "dossiers/counter_pick.html",
            {"versions": versions[:50], "query": query, "desk": desk, "desks": desks},
        )
    version = get_object_or_404(
        ProcedureVersion.objects.in_force().select_related("procedure"), pk=version_pk
    )
    components = selectors.components_of(version=version)
    data = request.POST if request.method == "POST" else None
    form = CounterIntakeForm(
        data, request.FILES or None, components=components, allows_postal=version.allows_postal
    )
    schema_form = _schema_form(version, data)
    if request.method == "POST":
        valid = form.is_valid()
        schema_valid = schema_form.is_valid()
        if valid and schema_valid:
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
                    applicant=services.ApplicantData(
                        kind=c["applicant_kind"],
                        name=c["applicant_name"],
                        id_number=c["applicant_id_number"],
                        address=c["applicant_address"],
                        phone=c["applicant_phone"],
                        email=c["applicant_email"],
                    ),
                    form_data=schema_form.cleaned_data,
                    uploads=uploads,
                    delivery_method=c["delivery_method"],
                    postal_address=c["postal_address"],
                    set_count=c["set_count"],
                    submission=str(c["submission"] or ""),
                )
            except ApplicationError as exc:
                if not _place_errors(exc, form, schema_form):
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ %(code)s. Mã tra cứu: %(secret)s. In giấy tiếp nhận cho người nộp.")
                    % {"code": dossier.code, "secret": dossier.lookup_secret},
                )
                return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/counter_intake.html",
        {
            "version": version,
            "form": form,
            "schema_form": schema_form,
            "desk": desk,
            "desks": desks,
            "time_limit": version.time_limit(Channel.COUNTER),
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Public lookup
# ---------------------------------------------------------------------------------------------------------
def lookup(request):
    """Public status by code + lookup secret (typed, or from the receipt's QR code). Wrong secrets and
    unknown codes get the same answer; failed attempts are limited per client address."""
    form = LookupForm(request.GET if "ma" in request.GET else None)
    context: dict = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        ip = ratelimit.client_ip(request)
        limit = ratelimit.lookup_limit()
        if ratelimit.is_blocked(limit, ip):
            context["blocked_minutes"] = limit.minutes
            status = 429
        else:
            dossier = selectors.dossier_lookup(
                code=form.cleaned_data["ma"], secret=form.cleaned_data["ma_tra_cuu"]
            )
            if dossier is None:
                ratelimit.hit(limit, ip)
                context["not_found"] = True
            else:
                context.update(
                    {
                        "dossier": dossier,
                        "events": selectors.dossier_timeline(dossier=dossier, public_only=True),
                        "remaining": selectors.remaining_working_time(dossier=dossier),
                    }
                )
    response = render(request, "dossiers/lookup.html", context, status=status)
    # The lookup secret may be in the URL (QR code): keep it out of caches and referrers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------------------------------------------------
# Processing actions
# ---------------------------------------------------------------------------------------------------------
def _action(
    request,
    dossier: Dossier,
    *,
    form,
    call,
    success: str,
    title: str,
    submit_label: str,
    intro: str = "",
    danger: bool = False,
    multipart: bool = False,
    extra: dict | None = None,
):
    """One processing action: show the form, call the service, put its errors next to the fields."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data, _expected_version(form))
        except ApplicationError as exc:
            if not _place_errors(exc, form):
                form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/action.html",
        {
            "dossier": dossier,
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "intro": intro,
            "danger": danger,
            "multipart": multipart,
            **(extra or {}),
        },
    )


def _bound(request) -> tuple:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _versioned(request, form_class, dossier: Dossier, **kwargs):
    return form_class(*_bound(request), initial={"version": dossier.version}, **kwargs)


@login_required
def forward(request, pk: int):
    dossier = _visible(request, pk)
    form = _versioned(request, ForwardForm, dossier)
    return _action(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_forward(
            dossier=dossier,
            actor=request.user,
            auto_assign=data["auto_assign"],
            note=data["note"],
            expected_version=v,
        ),
        success=_("Đã chuyển hồ sơ đến %(agency)s.")
        % {"agency": dossier.competent_agency.name if dossier.competent_agency else ""},
        title=_("Chuyển hồ sơ đến cơ quan giải quyết"),
        submit_label=_("Chuyển xử lý"),
        intro=_("Hồ sơ được chuyển đến %(agency)s; lãnh đạo phòng phân công chuyên viên thẩm định.")
        % {"agency": dossier.competent_agency.name if dossier.competent_agency else "—"},
    )


@login_required
def assign(request, pk: int):
    dossier = _visible(request, pk)
    agency = dossier.current_agency
    if agency is None:
        raise Http404
    workloads = {user.pk: count for user, count, _dept in selectors.specialist_workloads(agency=agency)}
    form = _versioned(
        request,
        AssignForm,
        dossier,
        specialists=selectors.agency_specialists(agency=agency),
        workloads=workloads,
    )
    return _action(
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
def submit_for_approval(request, pk: int):
    dossier = _visible(request, pk)
    form = _versioned(request, ResultDraftForm, dossier)
    if request.method == "GET":
        form.initial.setdefault("title", dossier.procedure_version.result_type)

    def call(data, version):
        services.dossier_submit_for_approval(
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
            expected_version=version,
        )

    return _action(
        request,
        dossier,
        form=form,
        call=call,
        success=_("Đã trình lãnh đạo phê duyệt kết quả."),
        title=_("Trình phê duyệt kết quả"),
        submit_label=_("Trình phê duyệt"),
        intro=_("Lập dự thảo kết quả (hoặc văn bản từ chối nêu rõ lý do) để lãnh đạo phê duyệt và ký số."),
        multipart=True,
    )


@login_required
def return_for_rework(request, pk: int):
    dossier = _visible(request, pk)
    form = _versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Nội dung cần xử lý lại")
    return _action(
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
    dossier = _visible(request, pk)
    form = _versioned(request, ConfirmForm, dossier)
    draft = selectors.latest_document(dossier=dossier, kind=DocumentKind.RESULT_DRAFT)
    return _action(
        request,
        dossier,
        form=form,
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
        extra={"draft": draft, "submission": _last_event(dossier, EventAction.SUBMIT_FOR_APPROVAL)},
    )


@login_required
def deliver(request, pk: int):
    dossier = _visible(request, pk)
    form = _versioned(request, DeliverForm, dossier, allows_post=bool(dossier.postal_address))
    if request.method == "GET":
        form.initial["method"] = (
            DeliveryMethod.POST if dossier.delivery_method == DeliveryMethod.POST else DeliveryMethod.DESK
        )
        form.initial["collected_by"] = dossier.applicant_name
    return _action(
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


@login_required
def request_supplement(request, pk: int):
    dossier = _visible(request, pk)
    components = selectors.components_of(version=dossier.procedure_version)
    form = _versioned(request, CompletionRequestForm, dossier, components=components)
    form.fields["reason"].label = _("Nội dung cần bổ sung, hoàn thiện và lý do")

    def call(data, version):
        chosen = [c for c in components if str(c.pk) in data["components"]]
        services.dossier_request_supplement(
            dossier=dossier,
            actor=request.user,
            reason=data["reason"],
            components=chosen,
            expected_version=version,
        )

    return _action(
        request,
        dossier,
        form=form,
        call=call,
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
def supplement_at_desk(request, pk: int):
    dossier = _visible(request, pk)
    requested = _last_event(dossier, EventAction.REQUEST_SUPPLEMENT)
    requested_ids = {c["id"] for c in (requested.payload.get("components", []) if requested else [])}
    form = _versioned(
        request,
        DeskSupplementForm,
        dossier,
        components=selectors.components_of(version=dossier.procedure_version),
        requested_ids=requested_ids,
    )
    return _action(
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
def request_payment(request, pk: int):
    dossier = _visible(request, pk)
    form = _versioned(request, PaymentRequestForm, dossier)
    return _action(
        request,
        dossier,
        form=form,
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
def record_payment(request, pk: int):
    dossier = _visible(request, pk)
    owed = sum(o.amount for o in dossier.obligations.filter(paid_at__isnull=True))
    form = _versioned(request, PaymentRecordForm, dossier)
    if request.method == "GET" and owed:
        form.initial["amount"] = owed
    return _action(
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
def transfer(request, pk: int):
    dossier = _visible(request, pk)
    agencies = (
        Agency.objects.filter(active=True).exclude(pk=dossier.current_agency_id).order_by("level", "name")
    )
    form = _versioned(request, TransferForm, dossier, agencies=agencies)

    def call(data, version):
        due_at = None
        if data["due_at"]:
            calendar = load_calendar()
            due_at = dt.datetime.combine(data["due_at"], calendar.windows[-1][1], calendar.tz)
        services.dossier_transfer(
            dossier=dossier,
            actor=request.user,
            to_agency=data["to_agency"],
            request=data["request"],
            due_at=due_at,
            expected_version=version,
        )

    return _action(
        request,
        dossier,
        form=form,
        call=call,
        success=_("Đã chuyển liên thông; hồ sơ giữ nguyên mã và ngày hẹn trả kết quả."),
        title=_("Chuyển liên thông"),
        submit_label=_("Chuyển liên thông"),
    )


@login_required
def return_transfer(request, pk: int):
    dossier = _visible(request, pk)
    open_transfer = dossier.transfers.filter(returned_at__isnull=True).select_related("from_agency").first()
    form = _versioned(request, TransferReturnForm, dossier)
    return _action(
        request,
        dossier,
        form=form,
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
    dossier = _visible(request, pk)
    form = _versioned(request, ReasonForm, dossier)
    form.fields["reason"].label = _("Lý do dừng xử lý")
    return _action(
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


@login_required
def transfer_file_download(request, pk: int, transfer_pk: int):
    dossier = _visible(request, pk)
    if not request.user.is_officer:
        raise Http404
    item = get_object_or_404(dossier.transfers, pk=transfer_pk)
    if not item.response_file:
        raise Http404
    return FileResponse(item.response_file.open("rb"), as_attachment=True, filename=item.response_file_name)


@login_required
def apology_draft(request, pk: int):
    dossier = _visible(request, pk)
    form = ApologyForm(*_bound(request))

    def call(data, version):
        calendar = load_calendar()
        new_due_at = dt.datetime.combine(data["new_due_at"], calendar.windows[-1][1], calendar.tz)
        services.dossier_apology_draft(
            dossier=dossier, actor=request.user, reason=data["reason"], new_due_at=new_due_at
        )

    return _action(
        request,
        dossier,
        form=form,
        call=call,
        success=_("Đã lập phiếu xin lỗi và hẹn lại; chờ lãnh đạo duyệt trước ngày hẹn trả."),
        title=_("Lập phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        submit_label=_("Lập phiếu, trình lãnh đạo"),
        intro=_("Phiếu phải được phát hành trước ngày hẹn trả hiện tại; ngày hẹn ban đầu vẫn được lưu."),
    )


@login_required
def apology_approve(request, pk: int, apology_pk: int):
    dossier = _visible(request, pk)
    apology = get_object_or_404(dossier.apologies.select_related("drafted_by"), pk=apology_pk)
    form = ConfirmForm(*_bound(request))
    return _action(
        request,
        dossier,
        form=form,
        call=lambda data, v: services.dossier_apology_approve(apology=apology, actor=request.user),
        success=_("Đã duyệt phiếu xin lỗi; ngày hẹn trả kết quả mới đã được thông báo cho người nộp."),
        title=_("Duyệt phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        submit_label=_("Duyệt và phát hành"),
        extra={"apology": apology},
    )


@login_required
def message(request, pk: int):
    """Post a message on the dossier (a plain form on the dossier page; errors come back to this page)."""
    dossier = _visible(request, pk)
    if not permissions.can_message(request.user, dossier):
        raise Http404
    form = MessageForm(*_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_message_post(
                dossier=dossier,
                actor=request.user,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except ApplicationError as exc:
            if not _place_errors(exc, form):
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã gửi trao đổi."))
            return redirect(f"{reverse('dossiers:detail', args=[pk])}#trao-doi")
    return render(
        request,
        "dossiers/action.html",
        {
            "dossier": dossier,
            "form": form,
            "title": _("Gửi trao đổi"),
            "submit_label": _("Gửi"),
            "multipart": True,
        },
    )


@login_required
def message_attachment(request, pk: int, message_pk: int):
    dossier = _visible(request, pk)
    item = get_object_or_404(dossier.messages, pk=message_pk)
    if not item.attachment:
        raise Http404
    services.dossier_record_officer_read(
        dossier=dossier,
        actor=request.user,
        purpose=DossierAccessLog.Purpose.ATTACHMENT,
        detail=item.attachment_name,
    )
    return FileResponse(
        item.attachment.open("rb"),
        as_attachment=True,
        filename=item.attachment_name,
        content_type=item.attachment_mime or "application/octet-stream",
    )


# ---------------------------------------------------------------------------------------------------------
# The work queue of specialists, department heads and leaders
# ---------------------------------------------------------------------------------------------------------
@login_required
def work_queue(request):
    """Tabs (mine, to assign, to approve, due soon, overdue, waiting for supplement, returned, transferred,
    all) with counts; filters in the URL; bulk assignment for department heads."""
    if not permissions.processing_agency_ids(request.user):
        return render(
            request,
            "dossiers/forbidden.html",
            {"message": _("Trang này dành cho chuyên viên và lãnh đạo cơ quan giải quyết.")},
            status=403,
        )
    tabs = selectors.work_tabs(user=request.user)
    leading = permissions.leading_agency_ids(request.user)
    default_tab = (
        selectors.WorkTab.TO_APPROVE
        if leading and not permissions.specialist_agency_ids(request.user)
        else selectors.WorkTab.MINE
    )
    tab = request.GET.get("tab", default_tab)
    if tab not in tabs:
        tab = default_tab
    form = WorkQueueFilterForm(request.GET or None)
    filters = selectors.WorkFilters(tab=tab)
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.WorkFilters(
            tab=tab,
            q=data["q"],
            procedure=data["thu_tuc"],
            received_from=data["tu_ngay"],
            received_to=data["den_ngay"],
        )
    try:
        size = int(request.GET.get("so_dong", 25))
    except ValueError:
        size = 25
    size = size if size in QUEUE_PAGE_SIZES else 25
    page = Paginator(selectors.work_queue(user=request.user, filters=filters), size).get_page(
        request.GET.get("trang")
    )
    calendar = load_calendar()
    rows = [(d, selectors.remaining_working_time(dossier=d, calendar=calendar)) for d in page.object_list]
    counts = selectors.work_queue_counts(user=request.user, tabs=tabs)
    query = request.GET.copy()
    query.pop("trang", None)
    tab_query = request.GET.copy()
    for key in ("trang", "tab"):
        tab_query.pop(key, None)
    bulk = tab == selectors.WorkTab.TO_ASSIGN and bool(leading)
    return render(
        request,
        "dossiers/work_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "tabs": [(t, selectors.WORK_TAB_LABELS[t], counts[t]) for t in tabs],
            "current_tab": tab,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "page_sizes": QUEUE_PAGE_SIZES,
            "page_size": size,
            "bulk": bulk,
            "specialists": _specialists_of(leading) if bulk else [],
        },
    )


def _specialists_of(agency_ids: set[int]):
    from portal.models import User

    return (
        User.objects.filter(
            is_active=True,
            agency_memberships__agency__in=agency_ids,
            agency_memberships__role="specialist",
            agency_memberships__active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


@login_required
@require_POST
def bulk_assign(request):
    """Assign the dossiers ticked in the "to assign" tab to one specialist, or each to the least loaded."""
    leading = permissions.leading_agency_ids(request.user)
    if not leading:
        raise Http404
    back = request.POST.get("next") or reverse("dossiers:work_queue")
    if not back.startswith("/"):
        back = reverse("dossiers:work_queue")
    ids = [int(v) for v in request.POST.getlist("ho_so") if v.isdigit()]
    candidates = Dossier.objects.filter(pk__in=ids, current_agency__in=leading).select_related(
        "procedure_version"
    )
    form = BulkAssignForm(
        request.POST, dossier_ids=[d.pk for d in candidates], specialists=_specialists_of(leading)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    chosen = [d for d in candidates if d.pk in form.cleaned_data["ho_so"]]
    result = services.dossiers_assign_bulk(
        dossiers=chosen, actor=request.user, specialist=form.cleaned_data["specialist"]
    )
    if result.assigned:
        messages.success(request, _("Đã phân công %(n)s hồ sơ.") % {"n": len(result.assigned)})
    for pk, reason in result.failed.items():
        code = next((d.reference for d in chosen if d.pk == pk), str(pk))
        messages.error(request, _("Hồ sơ %(code)s: %(reason)s") % {"code": code, "reason": reason})
    return redirect(back)


# ---------------------------------------------------------------------------------------------------------
# The dossier register (Sổ theo dõi hồ sơ)
# ---------------------------------------------------------------------------------------------------------
REGISTER_PREVIEW_ROWS = 50


@login_required
def register(request):
    """The register of an agency for a period: a preview, and the Excel workbook (`?xuat=xlsx`)."""
    import itertools

    from django.http import HttpResponse
    from django.utils import timezone

    from . import register as register_book

    agencies = selectors.register_agencies(user=request.user)
    if not agencies.exists():
        return render(
            request,
            "dossiers/forbidden.html",
            {"message": _("Trang này dành cho bộ phận một cửa và lãnh đạo cơ quan.")},
            status=403,
        )
    today = timezone.localdate()
    if "tu_ngay" in request.GET:
        form = RegisterForm(request.GET, agencies=agencies)
    else:
        form = RegisterForm(
            agencies=agencies,
            initial={"co_quan": agencies.first(), "tu_ngay": today.replace(day=1), "den_ngay": today},
        )
    context = {"form": form}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        rows = selectors.register_rows(
            agency=data["co_quan"], date_from=data["tu_ngay"], date_to=data["den_ngay"]
        )
        if request.GET.get("xuat") == "xlsx":
            content = register_book.workbook_bytes(
                agency_name=data["co_quan"].name,
                date_from=data["tu_ngay"],
                date_to=data["den_ngay"],
                rows=rows,
            )
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            name = f"so-theo-doi-ho-so-{data['co_quan'].code}-{data['tu_ngay']:%Y%m%d}-{data['den_ngay']:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        query = request.GET.copy()
        query["xuat"] = "xlsx"
        context.update(
            rows=list(itertools.islice(rows, REGISTER_PREVIEW_ROWS)),
            preview_limit=REGISTER_PREVIEW_ROWS,
            export_query=query.urlencode(),
            agency=data["co_quan"],
        )
    return render(request, "dossiers/register.html", context)
