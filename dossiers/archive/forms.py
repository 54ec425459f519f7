"""The search form of the dossier archive."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from repository.forms import date_field

from .constants import RetentionDue


class ArchiveFilterForm(AccessibleFormMixin, forms.Form):
    """Search of the dossier archive; the values live in the URL so that a search can be shared."""

    ma = forms.CharField(label=_("Mã hồ sơ"), max_length=40, required=False)
    co_quan = forms.ModelChoiceField(
        label=_("Cơ quan"), queryset=None, required=False, empty_label=_("Tất cả cơ quan của tôi")
    )
    tu_ngay = date_field(_("Tiếp nhận từ ngày"))
    den_ngay = date_field(_("Tiếp nhận đến ngày"))
    bao_quan = forms.ChoiceField(
        label=_("Thời hạn bảo quản"), required=False, choices=[("", _("Tất cả")), *RetentionDue.choices]
    )

    def __init__(self, *args, agencies, administrator: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].queryset = agencies
        if administrator:
            self.fields["co_quan"].empty_label = _("Tất cả cơ quan")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("tu_ngay"), cleaned.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", _("“Đến ngày” phải sau hoặc trùng “Từ ngày”."))
        return cleaned
