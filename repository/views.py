"""Pages of Kho dữ liệu: the citizen's store, downloads through a permission check, the public verification
page and the officers' digitisation pages. Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

import ipaddress
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import ratelimit
from portal.errors import ApplicationError
from portal.spreadsheets import csv_safe

from . import ratelimits, selectors, services, signing
from .constants import FINISHED_JOB_STATUSES, AccessPurpose, JobStatus
from .forms import (
    BackfileForm,
    ConsentForm,
    DigitisationJobFilterForm,
    DigitisationJobForm,
    DocumentFilterForm,
    DocumentUploadForm,
    NewVersionForm,
    RevokeForm,
    VerifyForm,
)
from .hooks import dossier_hooks
from .models import BackfileBatch, DigitisationJob, DocumentVersion, StoredDocument
from .permissions import (
    can_read_document,
    can_revoke,
    digitising_agencies,
    is_owner_side,
)

# Every response that carries a person's document: never cached by a shared proxy.
PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _bound(request) -> tuple:
    """Form data of a POST (bound even when empty, so that required fields report), nothing on GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def client_ip(request) -> str | None:
    """The client's address for access logs (behind trusted proxies, the one they saw), if it is one."""
    address = ratelimit.client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def _readable_document(request, pk: int) -> StoredDocument:
    document = get_object_or_404(
        StoredDocument.objects.select_related("current_version", "issuing_agency", "digitised_by_agency"),
        pk=pk,
    )
    if not can_read_document(request.user, document):
        # Not found rather than forbidden: the id of someone else's document reveals nothing.
        raise Http404(_("Không tìm thấy giấy tờ."))
    return document


# --- Citizen: Kho dữ liệu của tôi -------------------------------------------------------------------


@login_required
def my_documents(request):
    owners = selectors.owners_for(request.user)
    owner = {DocumentFilterForm._key(o): o for o in owners}.get(request.GET.get("owner", ""), owners[0])
    form = DocumentFilterForm(
        request.GET or None, owners=owners, types=selectors.document_types_held(owner=owner)
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    documents = selectors.documents_for_owner(
        owner=owner,
        document_type_code=filters.get("loai") or None,
        validity=filters.get("hieu_luc") or None,
        source=filters.get("nguon") or None,
    )
    page = Paginator(documents, 20).get_page(request.GET.get("trang"))
    return render(
        request,
        "repository/my_documents.html",
        {
            "form": form,
            "page": page,
            "owner": owner,
            "has_filters": any(filters.get(k) for k in ("loai", "hieu_luc", "nguon")),
        },
    )


@login_required
def document_upload(request):
    owners = selectors.owners_for(request.user)
    form = DocumentUploadForm(*_bound(request), owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_upload(
                actor=request.user,
                owner=form.cleaned_data["owner"],
                file=form.cleaned_data["file"],
                consent_to_reuse=form.cleaned_data["consent_to_reuse"],
                **form.metadata(),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Đã lưu “%(title)s” vào Kho dữ liệu.") % {"title": document.title})
            return redirect("repository:document_detail", pk=document.pk)
    return render(request, "repository/document_upload.html", {"form": form})


@login_required
def document_detail(request, pk: int):
    document = _readable_document(request, pk)
    owner_side = is_owner_side(request.user, document)
    context = {
        "document": document,
        "owner_side": owner_side,
        "versions": document.versions.select_related("created_by").order_by("-number"),
        "uses": selectors.document_uses(document=document),
        "can_revoke": can_revoke(request.user, document) and not document.revoked_at,
        "version_form": NewVersionForm(),
        "revoke_form": RevokeForm(),
    }
    if owner_side:
        context["reads"] = selectors.document_reads(document=document)
        context["verification_url"] = (
            services.verification_url(document)
            if document.current_version and document.current_version.is_signed
            else ""
        )
    return render(request, "repository/document_detail.html", context)


def document_file_response(request, document: StoredDocument, *, purpose: str, inline: bool, number=None):
    """The file (or thumbnail) of one version of a document the user may read, with the read logged.

    The one path every download takes, from the pages and from the API: permission, log, private headers.
    """
    version = document.current_version
    if number is not None and str(number).isdigit():
        version = get_object_or_404(DocumentVersion, document=document, number=int(number))
    if version is None:
        raise Http404(_("Giấy tờ chưa có tệp."))
    field = version.thumbnail if purpose == AccessPurpose.THUMBNAIL else version.file
    if not field:
        raise Http404(_("Không có ảnh xem trước."))
    # Thumbnails the owner sees in their own list are not worth a log line each; every other read is logged.
    if not (purpose == AccessPurpose.THUMBNAIL and is_owner_side(request.user, document)):
        services.document_log_access(
            actor=request.user,
            document=document,
            version=version,
            purpose=purpose,
            ip_address=client_ip(request),
        )
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("Tệp không còn trên hệ thống lưu trữ.")) from exc
    if purpose == AccessPurpose.THUMBNAIL:
        content_type, filename = "image/png", f"anh-{document.pk}.png"
    else:
        content_type = version.mime_type
        filename = (
            version.original_name or f"giay-to-{document.pk}{mimetypes.guess_extension(content_type) or ''}"
        )
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _stream(request, pk: int, purpose: str, *, inline: bool):
    document = _readable_document(request, pk)
    return document_file_response(
        request, document, purpose=purpose, inline=inline, number=request.GET.get("phien_ban")
    )


@login_required
def document_download(request, pk: int):
    return _stream(request, pk, AccessPurpose.DOWNLOAD, inline=False)


@login_required
def document_preview(request, pk: int):
    return _stream(request, pk, AccessPurpose.PREVIEW, inline=True)


@login_required
def document_thumbnail(request, pk: int):
    return _stream(request, pk, AccessPurpose.THUMBNAIL, inline=True)


@login_required
def document_delete(request, pk: int):
    document = _readable_document(request, pk)
    if not is_owner_side(request.user, document):
        raise Http404
    if request.method == "POST":
        try:
            services.document_delete(actor=request.user, document=document)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("repository:document_detail", pk=document.pk)
        messages.success(request, _("Đã xóa “%(title)s” khỏi Kho dữ liệu.") % {"title": document.title})
        return redirect("repository:my_documents")
    return render(request, "repository/document_delete.html", {"document": document})


@login_required
@require_POST
def document_consent(request, pk: int):
    document = _readable_document(request, pk)
    form = ConsentForm(request.POST)
    form.is_valid()
    try:
        services.document_set_consent(
            actor=request.user, document=document, consent=form.cleaned_data["consent"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lưu lựa chọn chia sẻ."))
    return redirect("repository:document_detail", pk=document.pk)


@login_required
@require_POST
def document_add_version(request, pk: int):
    document = _readable_document(request, pk)
    form = NewVersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add_version(
                actor=request.user,
                document=document,
                file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã thêm phiên bản mới."))
    else:
        messages.error(request, _("Chọn tệp cần tải lên."))
    return redirect("repository:document_detail", pk=document.pk)


@login_required
@require_POST
def document_revoke(request, pk: int):
    document = _readable_document(request, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.document_revoke(
                actor=request.user, document=document, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã thu hồi giấy tờ."))
    else:
        messages.error(request, _("Nhập lý do thu hồi."))
    return redirect("repository:document_detail", pk=document.pk)


# --- Public verification ---------------------------------------------------------------------------


def verify(request):
    """Anyone checks an electronic result: upload the PDF, or type the code printed under its QR code.

    Every check is counted per client address (REPOSITORY_VERIFY_LIMIT per REPOSITORY_VERIFY_WINDOW_SECONDS).
    """
    form = VerifyForm(*_bound(request))
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        limit = ratelimits.verification_limit()
        if not ratelimit.allow(limit, request):
            form.add_error(
                None,
                _("Bạn đã xác thực quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
                % {"minutes": limit.minutes},
            )
            status = 429
        elif upload := form.cleaned_data.get("file"):
            if upload.size > selectors.VERIFY_MAX_BYTES:
                form.add_error("file", _("Tệp quá lớn (tối đa 20 MB)."))
            else:
                result = signing.verify_signed_pdf(upload.read())
        else:
            document = selectors.document_for_verification_code(form.cleaned_data["code"])
            if document is None:
                form.add_error("code", _("Mã xác thực không đúng hoặc văn bản không có trong hệ thống."))
            else:
                return redirect("repository:verify_link", pk=document.pk, token=document.verification_token)
    return render(request, "repository/verify.html", {"form": form, "result": result}, status=status)


def verify_link(request, pk: int, token: str):
    """The page the QR code on a signed result opens: the stored original is checked as it is now.

    Unknown links are counted per client address, so that tokens cannot be guessed at speed.
    """
    limit = ratelimits.verification_link_limit()
    if ratelimit.is_blocked(limit, request):
        blocked = _(
            "Bạn đã mở quá nhiều liên kết xác thực không đúng. Vui lòng thử lại sau %(minutes)s phút."
        ) % {"minutes": limit.minutes}
        return render(
            request, "repository/verify.html", {"form": VerifyForm(), "blocked": blocked}, status=429
        )
    document = selectors.document_for_verification(pk=pk, token=token)
    if document is None or document.current_version is None:
        ratelimit.hit(limit, request)
        raise Http404(_("Không tìm thấy văn bản."))
    result = selectors.verify_stored_document(document)
    return render(
        request,
        "repository/verify.html",
        {"form": VerifyForm(), "result": result, "linked_document": document},
    )


# --- Officers: digitisation ------------------------------------------------------------------------


def _require_digitiser(request):
    agencies = digitising_agencies(request.user)
    if not agencies.exists():
        raise Http404
    return agencies


@login_required
def digitisation_jobs(request):
    _require_digitiser(request)
    filters = DigitisationJobFilterForm(request.GET)
    valid = filters.is_valid()
    for errors in filters.errors.values():
        messages.error(request, errors[0])
    status = filters.cleaned_data.get("trang_thai") or None
    query = filters.cleaned_data.get("q") or None
    jobs = selectors.digitisation_jobs_for(user=request.user, status=status, owner_query=query)
    counts = selectors.digitisation_counts(user=request.user)
    page = Paginator(jobs, 25).get_page(request.GET.get("trang"))
    return render(
        request,
        "repository/digitisation_jobs.html",
        {
            "page": page,
            "status": status,
            "query": query or "",
            "statuses": [(value, label, counts[value]) for value, label in JobStatus.choices],
            "batches": selectors.backfile_batches_for(user=request.user)[:10],
        },
        status=200 if valid else 400,
    )


def _dossier_component(request):
    """The dossier and component a digitisation is for, from `?ho_so=&thanh_phan=` (links on the dossier page)
    or the form's hidden fields; only a dossier of the officer's own agencies (asked of the dossiers app)."""
    source = request.POST if request.method == "POST" else request.GET
    dossier_id = source.get("dossier_id") or source.get("ho_so")
    component_id = source.get("component_id") or source.get("thanh_phan")
    if not dossier_id:
        return None, None
    if not (dossier_id.isdigit() and component_id and component_id.isdigit()):
        raise Http404
    hooks = dossier_hooks()
    dossier = hooks.dossier_for_officer(user=request.user, dossier_id=int(dossier_id)) if hooks else None
    if dossier is None:
        raise Http404
    component = get_object_or_404(dossier.procedure_version.components, pk=int(component_id))
    return dossier, component


@login_required
def digitisation_job_new(request):
    agencies = _require_digitiser(request)
    dossier, component = _dossier_component(request)
    form = DigitisationJobForm(*_bound(request), agencies=agencies, dossier=dossier, component=component)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.digitisation_job_create(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                owner=form.cleaned_data["owner_identifier"],
                files=form.cleaned_data["scans"],
                dossier_id=dossier.pk if dossier else None,
                component_id=component.pk if component else None,
                **form.metadata(),
            )
        except ApplicationError as exc:
            form.add_error("scans", exc.message)
        else:
            messages.success(request, _("Đã gửi việc số hóa #%(id)s.") % {"id": job.pk})
            return redirect("repository:digitisation_job_detail", pk=job.pk)
    return render(
        request,
        "repository/digitisation_job_new.html",
        {"form": form, "dossier": dossier, "component": component},
    )


@login_required
def digitisation_job_detail(request, pk: int):
    agencies = _require_digitiser(request)
    job = get_object_or_404(
        DigitisationJob.objects.select_related(
            "agency", "owner_user", "owner_organisation", "output_document"
        ),
        pk=pk,
        agency__in=agencies,
    )
    context = {"job": job, "events": job.events.select_related("actor"), "inputs": job.inputs.all()}
    if request.headers.get("HX-Request"):
        response = render(request, "repository/_job_progress.html", context)
        if job.status in FINISHED_JOB_STATUSES:
            # Reload the whole page once so the result, events and buttons appear.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "repository/digitisation_job_detail.html", context)


@login_required
@require_POST
def digitisation_job_retry(request, pk: int):
    agencies = _require_digitiser(request)
    job = get_object_or_404(DigitisationJob, pk=pk, agency__in=agencies)
    try:
        services.digitisation_job_retry(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đưa việc số hóa vào hàng đợi lại."))
    return redirect("repository:digitisation_job_detail", pk=job.pk)


@login_required
def backfile_new(request):
    agencies = _require_digitiser(request)
    form = BackfileForm(*_bound(request), agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.backfile_batch_create(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                archive=form.cleaned_data["archive"],
                metadata=form.cleaned_data["metadata"],
            )
        except ApplicationError as exc:
            field = "metadata" if exc.code.startswith("csv") else "archive"
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("Đã nhận lô số hóa #%(id)s.") % {"id": batch.pk})
            return redirect("repository:backfile_detail", pk=batch.pk)
    return render(
        request, "repository/backfile_new.html", {"form": form, "columns": services.BACKFILE_COLUMNS}
    )


@login_required
def backfile_detail(request, pk: int):
    agencies = _require_digitiser(request)
    batch = get_object_or_404(BackfileBatch.objects.select_related("agency"), pk=pk, agency__in=agencies)
    rows = batch.rows.select_related("document")
    status = request.GET.get("ket_qua")
    if status:
        rows = rows.filter(status=status)
    if request.GET.get("dinh_dang") == "csv":
        return _backfile_report_csv(batch)
    return render(
        request, "repository/backfile_detail.html", {"batch": batch, "rows": rows, "status": status}
    )


def _backfile_report_csv(batch: BackfileBatch) -> HttpResponse:
    import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bao-cao-lo-{batch.pk}.csv"'
    response.write("\ufeff")  # spreadsheet programs read the BOM as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        ["dong", "tep", "so_dinh_danh", "ma_loai_giay_to", "ten_giay_to", "ket_qua", "ly_do", "ma_giay_to"]
    )
    for row in batch.rows.all():
        writer.writerow(
            map(
                csv_safe,
                [
                    row.row_number,
                    row.file_name,
                    row.owner_identifier,
                    row.document_type_code,
                    row.title,
                    row.get_status_display(),
                    row.reason,
                    row.document_id or "",
                ],
            )
        )
    return response
