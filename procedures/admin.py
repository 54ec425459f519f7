"""Catalogue officers' screens: procedures, drafts of new versions, publication, import/export and sync.

A published version is read-only here; editing a procedure means creating a draft (a copy of the version in
force), editing it, and publishing it from a date. Every write goes through procedures.services.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.constants import Role
from portal.errors import ApplicationError
from portal.forms import AccessibleFormMixin

from .adapters import national_catalogue_adapter
from .constants import VersionStatus
from .excel import records_from_workbook, workbook_from_records
from .forms_schema import schema_errors
from .models import (
    CatalogueSyncRun,
    Component,
    Fee,
    FeeExemption,
    Field,
    Procedure,
    ProcedureEvent,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
)
from .national import RecordError
from .selectors import catalogue_export_records, procedure_version_in_force
from .services import (
    catalogue_import,
    catalogue_sync,
    procedure_create,
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_version_save_draft,
)

STEP_ROLE_CHOICES = [
    (r.value, r.label) for r in (Role.INTAKE_OFFICER, Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER)
]


class DraftOnlyInline:
    """Children of a published version are history: shown, never edited."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ProcessingTimeForm(forms.ModelForm):
    class Meta:
        model = ProcessingTime
        fields = ["channel", "amount", "unit", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].validators = []
        self.fields["amount"].error_messages["required"] = "Vui lòng nhập thời hạn giải quyết."

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise ValidationError("Thời hạn giải quyết phải lớn hơn 0.")
        return amount


class FeeForm(forms.ModelForm):
    class Meta:
        model = Fee
        fields = ["channel", "name", "amount", "description", "due_after_appraisal"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].validators = []
        self.fields["name"].error_messages["required"] = "Khoản phí, lệ phí phải có tên."
        self.fields["amount"].error_messages["required"] = "Vui lòng nhập mức thu (nhập 0 nếu miễn)."

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise ValidationError("Mức thu không được âm.")
        return amount


class FeeExemptionForm(forms.ModelForm):
    class Meta:
        model = FeeExemption
        fields = ["order", "group", "fee_name", "percent", "legal_basis", "proof"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["percent"].validators = []
        self.fields["group"].error_messages["required"] = "Nhập đối tượng được miễn, giảm."
        self.fields["legal_basis"].error_messages["required"] = (
            "Nhập căn cứ pháp lý của việc miễn, giảm (văn bản, điều, khoản)."
        )
        self.fields["percent"].error_messages["required"] = "Nhập mức miễn, giảm (100 nếu miễn toàn bộ)."
        self.fields["percent"].error_messages["invalid"] = "Mức miễn, giảm phải là số nguyên từ 1 đến 100."

    def clean_percent(self):
        percent = self.cleaned_data["percent"]
        if percent is None or not 1 <= percent <= 100:
            raise ValidationError("Mức miễn, giảm phải từ 1 đến 100 (%).")
        return percent


class FeeExemptionFormSet(forms.BaseInlineFormSet):
    """An exemption names a fee of this version's fee table (or none: all fees), and a group is listed once
    per fee."""

    def clean(self):
        super().clean()
        if hasattr(self, "fee_forms"):
            fee_names = {
                (f.cleaned_data.get("name") or "").strip().casefold()
                for f in self.fee_forms
                if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
            }
        else:
            fee_names = {n.strip().casefold() for n in self.instance.fees.values_list("name", flat=True)}
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            fee = (data.get("fee_name") or "").strip()
            if fee and fee.casefold() not in fee_names:
                form.add_error(
                    "fee_name", f"Không có khoản phí, lệ phí “{fee}” trong bảng phí của phiên bản này."
                )
            key = ((data.get("group") or "").strip().casefold(), fee.casefold())
            if key in seen:
                form.add_error("group", "Đối tượng này đã được liệt kê cho cùng khoản phí, lệ phí.")
            seen.add(key)


class ComponentForm(forms.ModelForm):
    class Meta:
        model = Component
        fields = [
            "order",
            "code",
            "name",
            "copy_type",
            "quantity",
            "mandatory",
            "template",
            "template_name",
            "reusable_from_repository",
            "from_national_database",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False  # checked in clean() to give the precise message
        self.fields["quantity"].validators = []

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity is None or quantity < 1:
            raise ValidationError("Số lượng phải ít nhất là 1.")
        return quantity

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or "").strip():
            message = (
                "Thành phần hồ sơ bắt buộc phải có tên."
                if cleaned.get("mandatory")
                else "Thành phần hồ sơ phải có tên."
            )
            self.add_error("name", message)
        return cleaned


class ProcessStepForm(forms.ModelForm):
    role = forms.ChoiceField(label=_("vai trò thực hiện"), choices=STEP_ROLE_CHOICES)

    class Meta:
        model = ProcessStep
        fields = ["order", "name", "role", "agency", "department", "share_percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_percent"].validators = []

    def clean_share_percent(self):
        share = self.cleaned_data["share_percent"]
        if share is None or share <= 0:
            raise ValidationError("Tỷ lệ thời gian của mỗi bước phải lớn hơn 0%.")
        return share


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if rows:
            total = sum((f.cleaned_data.get("share_percent") or Decimal(0) for f in rows), Decimal(0))
            if total != Decimal(100):
                raise ValidationError(
                    f"Tổng tỷ lệ thời gian các bước phải bằng 100% (hiện là {total.normalize():f}%)."
                )


class ProcessingTimeInline(DraftOnlyInline, admin.TabularInline):
    model = ProcessingTime
    form = ProcessingTimeForm


class FeeInline(DraftOnlyInline, admin.TabularInline):
    model = Fee
    form = FeeForm


class FeeExemptionInline(DraftOnlyInline, admin.TabularInline):
    model = FeeExemption
    form = FeeExemptionForm
    formset = FeeExemptionFormSet


class ComponentInline(DraftOnlyInline, admin.StackedInline):
    model = Component
    form = ComponentForm


class ProcessStepInline(DraftOnlyInline, admin.TabularInline):
    model = ProcessStep
    form = ProcessStepForm
    formset = StepFormSet
    autocomplete_fields = ["agency"]


class VersionForm(forms.ModelForm):
    class Meta:
        model = ProcedureVersion
        fields = [
            "decision_number",
            "decision_date",
            "valid_from",
            "valid_to",
            "name",
            "competent_agencies",
            "coordinating_agencies",
            "is_inter_agency",
            "implementation_levels",
            "target_group",
            "service_level",
            "allows_online",
            "allows_online_payment",
            "allows_postal",
            "intake_any_boundary",
            "sequence",
            "submission_method",
            "requirements",
            "legal_basis",
            "result_type",
            "result_validity_months",
            "form_schema",
        ]

    def clean_form_schema(self):
        schema = self.cleaned_data.get("form_schema") or {}
        problems = schema_errors(schema)
        if problems:
            raise ValidationError(problems)
        return schema

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end <= start:
            self.add_error("valid_to", "Ngày hết hiệu lực phải sau ngày có hiệu lực.")
        return cleaned


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = VersionForm
    list_display = [
        "procedure",
        "number",
        "name",
        "status",
        "valid_from",
        "valid_to",
        "decision_number",
        "source",
    ]
    list_filter = ["status", "source", "service_level", "procedure__field"]
    search_fields = ["procedure__code", "name", "decision_number"]
    list_select_related = ["procedure"]
    autocomplete_fields = ["competent_agencies", "coordinating_agencies"]
    readonly_fields = ["procedure", "number", "status", "source", "published_at", "published_by"]
    inlines = [ProcessingTimeInline, FeeInline, FeeExemptionInline, ComponentInline, ProcessStepInline]
    actions = ["publish_selected"]
    change_form_template = "procedures/admin/version_change_form.html"
    fieldsets = [
        (None, {"fields": ["procedure", "number", "status", "source", "published_at", "published_by"]}),
        (_("Quyết định công bố"), {"fields": ["decision_number", "decision_date", "valid_from", "valid_to"]}),
        (
            _("Nội dung thủ tục"),
            {
                "fields": [
                    "name",
                    "competent_agencies",
                    "coordinating_agencies",
                    "is_inter_agency",
                    "implementation_levels",
                    "target_group",
                    "service_level",
                    "allows_online",
                    "allows_online_payment",
                    "allows_postal",
                    "intake_any_boundary",
                    "sequence",
                    "submission_method",
                    "requirements",
                    "legal_basis",
                    "result_type",
                    "result_validity_months",
                ]
            },
        ),
        (_("Biểu mẫu điện tử (JSON Schema)"), {"fields": ["form_schema"], "classes": ["collapse"]}),
    ]

    def has_add_permission(self, request):
        return False  # drafts are created from a procedure (a copy of the version in force)

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # The exemptions are checked against the fee table as submitted in the same form.
        fees = next((f for f in formsets if f.model is Fee), None)
        for formset in formsets:
            if formset.model is FeeExemption and fees is not None:
                formset.fee_forms = fees.forms
        return formsets, inline_instances

    def save_model(self, request, obj, form, change):
        procedure_version_save_draft(version=obj, actor=request.user, changed=form.changed_data)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status == VersionStatus.DRAFT
            and super().has_delete_permission(request, obj)
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/cong-bo/",
                self.admin_site.admin_view(self.publish_view),
                name="procedures_procedureversion_publish",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        version = self.get_object(request, object_id)
        if version is not None and version.status == VersionStatus.DRAFT:
            extra_context["publish_url"] = reverse(
                "admin:procedures_procedureversion_publish", args=[version.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def publish_view(self, request, pk: int):
        version = get_object_or_404(ProcedureVersion.objects.select_related("procedure"), pk=pk)
        if not self.has_change_permission(request, version):
            messages.error(request, "Chỉ công bố được phiên bản dự thảo.")
            return redirect("admin:procedures_procedureversion_change", version.pk)
        form = PublishForm(request.POST or None, initial={"valid_from": version.valid_from})
        if request.method == "POST" and form.is_valid():
            try:
                procedure_version_publish(
                    version=version, actor=request.user, valid_from=form.cleaned_data["valid_from"]
                )
            except ApplicationError as exc:
                for problem in exc.extra.get("errors") or [exc.message]:
                    form.add_error(None, problem)
            else:
                messages.success(
                    request,
                    f"Đã công bố phiên bản {version.number} của thủ tục {version.procedure.code}, "
                    f"hiệu lực từ {form.cleaned_data['valid_from']:%d/%m/%Y}.",
                )
                return redirect("admin:procedures_procedure_change", version.procedure_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Công bố phiên bản {version.number} — {version.procedure.code}",
            "version": version,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "procedures/admin/publish.html", context)

    @admin.action(description=_("Công bố các phiên bản dự thảo đã chọn (hiệu lực theo ngày đã nhập)"))
    def publish_selected(self, request, queryset):
        for version in queryset.select_related("procedure"):
            try:
                procedure_version_publish(version=version, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Đã công bố {version}.", messages.SUCCESS)


class PublishForm(AccessibleFormMixin, forms.Form):
    valid_from = forms.DateField(
        label=_("Có hiệu lực từ ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Vui lòng nhập ngày có hiệu lực.",
            "invalid": "Ngày có hiệu lực không hợp lệ (ngày/tháng/năm).",
        },
    )


class VersionRowInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["link", "status", "decision_number", "valid_from", "valid_to", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("phiên bản"))
    def link(self, version):
        url = reverse("admin:procedures_procedureversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, f"v{version.number}")


class ProcedureCreateForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = ["code", "name", "field"]


class ImportForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục (.json hoặc .xlsx)"),
        error_messages={"required": "Vui lòng chọn tệp danh mục."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        try:
            if name.endswith(".xlsx"):
                return records_from_workbook(upload.read())
            if name.endswith(".json"):
                records = json.loads(upload.read().decode("utf-8"))
                if not isinstance(records, list):
                    raise ValidationError("Tệp JSON phải là một danh sách thủ tục.")
                return records
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError("Tệp JSON không đọc được.") from exc
        except RecordError as exc:
            raise ValidationError(str(exc)) from exc
        raise ValidationError("Chỉ nhận tệp .json hoặc .xlsx.")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "in_force"]
    list_filter = ["field"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    actions = ["create_drafts"]
    change_list_template = "procedures/admin/procedure_changelist.html"

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ProcedureCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["code", "name", "field"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            created = procedure_create(
                code=obj.code, name=obj.name, field=form.cleaned_data["field"], actor=request.user
            )
            obj.pk = created.pk
            obj.refresh_from_db()

    def get_inlines(self, request, obj):
        return [VersionRowInline] if obj is not None else []

    def response_add(self, request, obj, post_url_continue=None):
        draft = procedure_version_create_draft(procedure=obj, actor=request.user)
        messages.success(
            request, "Đã tạo thủ tục và phiên bản dự thảo đầu tiên; hãy nhập nội dung rồi công bố."
        )
        return HttpResponseRedirect(reverse("admin:procedures_procedureversion_change", args=[draft.pk]))

    @admin.display(description=_("đang áp dụng"))
    def in_force(self, procedure):
        version = procedure_version_in_force(procedure)
        return f"v{version.number} từ {version.valid_from:%d/%m/%Y}" if version else "—"

    @admin.action(description=_("Tạo phiên bản mới (dự thảo) từ phiên bản đang áp dụng"))
    def create_drafts(self, request, queryset):
        for procedure in queryset:
            draft = procedure_version_create_draft(procedure=procedure, actor=request.user)
            url = reverse("admin:procedures_procedureversion_change", args=[draft.pk])
            self.message_user(
                request,
                format_html(
                    'Đã tạo <a href="{}">phiên bản dự thảo {}</a> của {}.', url, draft.number, procedure.code
                ),
                messages.SUCCESS,
            )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("nhap/", view(self.import_view), name="procedures_procedure_import"),
            path("xuat/<str:fmt>/", view(self.export_view), name="procedures_procedure_export"),
            path("dong-bo/", view(self.sync_view), name="procedures_procedure_sync"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:procedures_procedure_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = catalogue_import(records=form.cleaned_data["file"], actor=request.user)
            except ApplicationError as exc:
                for problem in exc.extra.get("errors") or [exc.message]:
                    form.add_error("file", problem)
        context = {
            **self.admin_site.each_context(request),
            "title": "Nhập danh mục thủ tục",
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "procedures/admin/import.html", context)

    def export_view(self, request, fmt: str):
        records = catalogue_export_records()
        stamp = timezone.localdate().strftime("%Y%m%d")
        if fmt == "xlsx":
            response = HttpResponse(
                workbook_from_records(records),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="danh-muc-tthc-{stamp}.xlsx"'
            return response
        response = HttpResponse(
            json.dumps(records, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="danh-muc-tthc-{stamp}.json"'
        return response

    def sync_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect("admin:procedures_procedure_changelist")
        run = catalogue_sync(adapter=national_catalogue_adapter(), actor=request.user)
        url = reverse("admin:procedures_cataloguesyncrun_change", args=[run.pk])
        if run.status == "failed":
            messages.error(request, f"Đồng bộ thất bại: {run.error}")
        else:
            messages.success(
                request,
                format_html(
                    'Đồng bộ xong: {} thủ tục mới, {} thay đổi, {} bãi bỏ, {} chờ bổ sung. <a href="{}">Xem báo cáo</a>.',
                    len(run.added),
                    len(run.changed),
                    len(run.retired),
                    len(run.pending),
                    url,
                ),
            )
        return redirect("admin:procedures_procedure_changelist")


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueSyncRun)
class CatalogueSyncRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "source", "status", "added_count", "changed_count", "retired_count"]
    list_filter = ["status"]

    @admin.display(description=_("mới"))
    def added_count(self, run):
        return len(run.added)

    @admin.display(description=_("thay đổi"))
    def changed_count(self, run):
        return len(run.changed)

    @admin.display(description=_("bãi bỏ"))
    def retired_count(self, run):
        return len(run.retired)


@admin.register(ProcedureEvent)
class ProcedureEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "procedure", "version", "kind", "actor"]
    list_filter = ["kind"]
    search_fields = ["procedure__code"]
    list_select_related = ["procedure", "version", "actor"]
