"""Pages of the dossier archive (Kho dữ liệu hồ sơ TTHC) for officers and the administrator: search, one
dossier's files and retention, a logged download of one file and the archive package."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from repository.views import PRIVATE_HEADERS, client_ip

from ..models import Dossier
from . import selectors, services
from .constants import ArchiveItemKind
from .forms import ArchiveFilterForm
from .permissions import can_use_archive, can_view_archive, is_archive_administrator


def _require_archive_user(request) -> None:
    if not can_use_archive(request.user):
        raise Http404


def _archived_dossier(request, pk: int) -> Dossier:
    dossier = get_object_or_404(
        Dossier.objects.select_related(
            "procedure_version__procedure__field", "receiving_agency", "competent_agency"
        ),
        pk=pk,
    )
    if not can_view_archive(request.user, dossier):
        # Not found rather than forbidden: another agency's dossier ids reveal nothing.
        raise Http404(_("Không tìm thấy hồ sơ."))
    return dossier


def _private(response):
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


@login_required
def archive_list(request):
    _require_archive_user(request)
    form = ArchiveFilterForm(
        request.GET or None,
        agencies=selectors.archive_agencies(user=request.user),
        administrator=is_archive_administrator(request.user),
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.ArchiveFilters(
        code=data.get("ma") or "",
        agency_id=data["co_quan"].pk if data.get("co_quan") else None,
        received_from=data.get("tu_ngay"),
        received_to=data.get("den_ngay"),
        retention=data.get("bao_quan") or "",
    )
    page = Paginator(selectors.archive_dossiers(user=request.user, filters=filters), 25).get_page(
        request.GET.get("trang")
    )
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "dossiers/archive/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate()},
    )


@login_required
def archive_detail(request, pk: int):
    dossier = _archived_dossier(request, pk)
    return render(
        request,
        "dossiers/archive/detail.html",
        {
            "archive": selectors.dossier_archive(dossier=dossier),
            "reads": selectors.archive_reads(dossier=dossier, limit=20),
            "today": timezone.localdate(),
        },
    )


@login_required
def archive_download(request, pk: int, kind: str, item_id: int):
    dossier = _archived_dossier(request, pk)
    if kind not in ArchiveItemKind.values or kind == ArchiveItemKind.PACKAGE:
        raise Http404
    try:
        item = services.archive_item_read(
            actor=request.user, dossier=dossier, kind=kind, item_id=item_id, ip_address=client_ip(request)
        )
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("Tệp không còn trên hệ thống lưu trữ.")) from exc
    return _private(
        FileResponse(
            handle,
            as_attachment=request.GET.get("xem") != "1",
            filename=item.original_name or f"{item.key}.bin",
            content_type=item.mime_type,
        )
    )


@login_required
def archive_package(request, pk: int):
    dossier = _archived_dossier(request, pk)
    package = services.archive_package_export(
        actor=request.user, dossier=dossier, ip_address=client_ip(request)
    )
    return _private(
        FileResponse(
            package.file, as_attachment=True, filename=package.filename, content_type="application/zip"
        )
    )
