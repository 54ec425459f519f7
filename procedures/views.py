from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .constants import APPLIED_STATUSES_VALUES
from .forms import CatalogueSearchForm
from .models import Component, Procedure
from .selectors import (
    catalogue_facets,
    catalogue_filter_options,
    catalogue_rows,
    procedure_for_page,
    procedure_search,
    procedure_versions,
    version_page_rows,
)

PAGE_SIZE = 20


@require_GET
def catalogue(request):
    options = catalogue_filter_options()
    form = CatalogueSearchForm(request.GET or None, fields=options["fields"], agencies=options["agencies"])
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    fields_by_code = {f.code: f for f in options["fields"]}
    agencies_by_code = {a.code: a for a in options["agencies"]}
    results = catalogue_rows(
        procedure_search(
            query=criteria.get("q", ""),
            field=fields_by_code.get(criteria.get("linh_vuc")),
            agency=agencies_by_code.get(criteria.get("co_quan")),
            level=criteria.get("cap", ""),
            service_level=criteria.get("muc_do", ""),
            online_only=criteria.get("truc_tuyen", False),
        )
    )
    form.show_counts(catalogue_facets(procedure_search(query=criteria.get("q", ""))))
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "procedures/catalogue.html",
        {"form": form, "page": page, "query": criteria.get("q", ""), "searched": bool(request.GET)},
    )


@require_GET
def detail(request, code: str):
    try:
        procedure, version = procedure_for_page(code)
    except Procedure.DoesNotExist:
        raise Http404("Không có thủ tục này.") from None
    history = [v for v in procedure_versions(procedure) if v.status in APPLIED_STATUSES_VALUES]
    context = {
        "procedure": procedure,
        "version": version,
        "history": history,
        "show_process": request.user.is_authenticated and request.user.is_officer,
    }
    if version is not None:
        context.update(version_page_rows(version))
    return render(request, "procedures/detail.html", context)


@require_GET
def template_download(request, pk: int):
    """A component's form template (mẫu đơn, tờ khai); only from versions that were published."""
    component = get_object_or_404(
        Component.objects.select_related("version"), pk=pk, version__status__in=APPLIED_STATUSES_VALUES
    )
    if not component.template:
        raise Http404("Thành phần hồ sơ này không có mẫu.")
    return FileResponse(
        component.template.open("rb"),
        as_attachment=True,
        filename=component.template.name.rsplit("/", 1)[-1],
    )
