from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from portal.validators import validate_phone


class BookingForm(AccessibleFormMixin, forms.Form):
    khung_gio = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": _("Vui lòng chọn một khung giờ.")}
    )
    ho_ten = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        error_messages={"required": _("Vui lòng nhập họ và tên.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    dien_thoai = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=15,
        validators=[validate_phone],
        error_messages={"required": _("Vui lòng nhập số điện thoại.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class KioskForm(AccessibleFormMixin, forms.Form):
    ma_lich_hen = forms.CharField(
        label=_("Mã lịch hẹn (quét mã QR hoặc nhập)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True}
        ),
    )


class CallForm(AccessibleFormMixin, forms.Form):
    quay = forms.CharField(
        label=_("Quầy số"), max_length=20, error_messages={"required": _("Vui lòng nhập số quầy.")}
    )
