from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin

from .constants import ImplementationLevel, ServiceLevel


class CatalogueSearchForm(AccessibleFormMixin, forms.Form):
    """The public search: every filter is in the URL, so a search can be bookmarked and shared."""

    q = forms.CharField(
        label=_("Tìm thủ tục"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Ví dụ: cap giay phep xay dung")}),
        error_messages={"max_length": _("Từ khóa không quá %(limit_value)d ký tự.")},
    )
    linh_vuc = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    co_quan = forms.ChoiceField(label=_("Cơ quan giải quyết"), required=False)
    cap = forms.ChoiceField(
        label=_("Cấp thực hiện"), required=False, choices=[("", _("Tất cả"))] + ImplementationLevel.choices
    )
    muc_do = forms.ChoiceField(
        label=_("Mức độ dịch vụ công"), required=False, choices=[("", _("Tất cả"))] + ServiceLevel.choices
    )
    truc_tuyen = forms.BooleanField(label=_("Chỉ thủ tục nộp được trực tuyến"), required=False)

    def __init__(self, *args, fields=(), agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._catalogue_fields = list(fields)
        self.fields["linh_vuc"].choices = [("", _("Tất cả"))] + [(f.code, f.name) for f in fields]
        self.fields["co_quan"].choices = [("", _("Tất cả"))] + [(a.code, a.name) for a in agencies]
        invalid = _("Vui lòng chọn một giá trị trong danh sách.")
        for name in ("linh_vuc", "co_quan", "cap", "muc_do"):
            self.fields[name].error_messages["invalid_choice"] = invalid

    def show_counts(self, facets: dict) -> None:
        """Put the number of matching procedures beside each field and service level."""
        by_field, by_level = facets["field"], facets["service_level"]
        self.fields["linh_vuc"].choices = [("", _("Tất cả"))] + [
            (f.code, f"{f.name} ({by_field.get(f.pk, 0)})") for f in self._catalogue_fields
        ]
        self.fields["muc_do"].choices = [("", _("Tất cả"))] + [
            (value, f"{label} ({by_level.get(value, 0)})") for value, label in ServiceLevel.choices
        ]
