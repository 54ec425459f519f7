"""Dashboard filters (kept in the URL) and the target form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from portal.models import AdministrativeUnit, Agency
from procedures.constants import Channel
from procedures.models import Procedure

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERRORS = {"invalid": _("Nhập ngày theo dạng ngày/tháng/năm.")}
BY_CHOICES = [
    ("agency", _("Cơ quan")),
    ("procedure", _("Thủ tục")),
    ("unit", _("Xã, phường (đơn vị hành chính)")),
    ("channel", _("Kênh nộp")),
]


def _attributes(attrs: dict) -> str:
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False and value is not None
    )


class QuickSelect(forms.Select):
    """The same `<select>` as Django's, written in Python: rendering one template per option was most of the
    dashboard's filter form's cost (two lists of a province's agencies and communes at every request)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            format_html(
                '<option value="{}"{}>{}</option>',
                "" if option["value"] is None else option["value"],
                mark_safe(_attributes(option["attrs"])),  # noqa: S308 — built by format_html above
                option["label"],
            )
            for _group, choices, _index in widget["optgroups"]
            for option in choices
        ]
        start = format_html('<select name="{}"{}>', name, mark_safe(_attributes(widget["attrs"])))  # noqa: S308
        return mark_safe(start + "".join(options) + "</select>")  # noqa: S308 — every part escaped above


class DashboardFilterForm(AccessibleFormMixin, forms.Form):
    MAX_DAYS = 731

    tu_ngay = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
    )
    den_ngay = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
    )
    co_quan = forms.ModelChoiceField(
        label=_("Cơ quan"), queryset=None, required=False, empty_label=_("Toàn tỉnh"), widget=QuickSelect
    )
    # A province has thousands of procedures: typed by code (the breakdown's links fill it), not listed.
    thu_tuc = forms.ModelChoiceField(
        label=_("Mã thủ tục"),
        queryset=Procedure.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1.009972"}),
        error_messages={"invalid_choice": _("Không có thủ tục mang mã này.")},
    )
    # Only the units that have an agency (the communes with their People's Committee, the province).
    don_vi = forms.ModelChoiceField(
        label=_("Đơn vị hành chính"),
        queryset=AdministrativeUnit.objects.filter(
            pk__in=Agency.objects.filter(active=True).values("administrative_unit")
        ).order_by("name"),
        required=False,
        empty_label=_("Tất cả"),
        widget=QuickSelect,
    )
    kenh = forms.TypedChoiceField(
        label=_("Kênh nộp"),
        choices=[("", _("Tất cả"))] + Channel.choices,
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    theo = forms.ChoiceField(
        label=_("Phân tích theo"), choices=BY_CHOICES, required=False, widget=QuickSelect
    )

    def __init__(self, *args, agencies, whole_province: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].queryset = agencies
        if not whole_province:
            self.fields["co_quan"].empty_label = None
        # The lists are drawn from (pk, name) pairs: no model instance per option (validation still asks the
        # queryset).
        for name in ("co_quan", "don_vi"):
            field = self.fields[name]
            empty = [("", field.empty_label)] if field.empty_label is not None else []
            field.widget.choices = empty + list(field.queryset.values_list("pk", "name"))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        first, last = data.get("tu_ngay"), data.get("den_ngay")
        last = min(last or today, today)
        first = first or dt.date(last.year, 1, 1)
        if first > last:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        if (last - first).days > self.MAX_DAYS:
            raise forms.ValidationError(_("Chọn khoảng thời gian không quá 2 năm."))
        data["tu_ngay"], data["den_ngay"] = first, last
        data["theo"] = data.get("theo") or "agency"
        return data


class TargetForm(AccessibleFormMixin, forms.Form):
    chi_so = forms.ChoiceField(label=_("Chỉ số"), choices=())
    co_quan = forms.ModelChoiceField(
        label=_("Cơ quan"), queryset=None, required=False, empty_label=_("Toàn tỉnh"), widget=QuickSelect
    )
    nam = forms.IntegerField(label=_("Năm"), min_value=2022, max_value=2100)
    gia_tri = forms.DecimalField(
        label=_("Chỉ tiêu (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        error_messages={"max_value": _("Chỉ tiêu không quá 100%."), "min_value": _("Chỉ tiêu không âm.")},
    )

    def __init__(self, *args, indicators, agencies, whole_province: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chi_so"].choices = [(i.code, f"{i.label} {i.name}") for i in indicators]
        self.fields["co_quan"].queryset = agencies
        if not whole_province:
            self.fields["co_quan"].required = True
            self.fields["co_quan"].empty_label = None
