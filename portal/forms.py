from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import User
from .text import strip_bidi_controls
from .validators import validate_cccd


def without_bidi_controls(data, *, keep=()):
    """Form data with bidirectional control characters removed from every value but the names in `keep`."""
    if hasattr(data, "getlist"):
        cleaned = data.copy()
        for key in cleaned:
            if key not in keep:
                cleaned.setlist(
                    key, [strip_bidi_controls(v) if isinstance(v, str) else v for v in data.getlist(key)]
                )
        return cleaned
    return {
        key: strip_bidi_controls(value) if isinstance(value, str) and key not in keep else value
        for key, value in data.items()
    }


# WCAG 1.3.5 (identify input purpose): the HTML autocomplete token of each field that asks for the person's own
# data, keyed by the account attribute it holds. Forms name these fields after the attribute, with an
# `applicant_` prefix on dossiers; the applicant forms of procedures point at it with `x-prefill`.
AUTOCOMPLETE_BY_ATTRIBUTE = {
    "full_name": "name",
    "date_of_birth": "bday",
    "phone": "tel",
    "email": "email",
    "address": "street-address",
}
AUTOCOMPLETE_ALIASES = {"applicant_name": "full_name", "postal_address": "address"}


def autocomplete_token(name: str, *, attribute: str | None = None) -> str | None:
    """The autocomplete token for a field called `name` (or holding the account `attribute`), None if the field
    is not personal data."""
    attribute = attribute or AUTOCOMPLETE_ALIASES.get(name) or name.removeprefix("applicant_")
    return AUTOCOMPLETE_BY_ATTRIBUTE.get(attribute)


class AccessibleFormMixin:
    """Bootstrap classes on every widget, the input purpose of personal-data fields, error state announced to
    screen readers, and typed text cleaned of bidirectional controls at input (names, addresses, free text;
    passwords are left as typed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            passwords = {
                self.add_prefix(name)
                for name, field in self.fields.items()
                if isinstance(field.widget, forms.PasswordInput)
            }
            self.data = without_bidi_controls(self.data, keep=passwords)
        for name, field in self.fields.items():
            widget = field.widget
            if token := autocomplete_token(name):
                widget.attrs.setdefault("autocomplete", token)
            if isinstance(widget, forms.DateInput) and field.label and "dd/mm/yyyy" not in str(field.label):
                # The browser draws a date box in its own locale's order: say which order we mean.
                field.label = format_lazy("{} (dd/mm/yyyy)", field.label)
                widget.attrs.setdefault("placeholder", "dd/mm/yyyy")
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                # Django's bound field writes aria-invalid and aria-describedby (<id>_helptext <id>_error).
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"


class LoginForm(AccessibleFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Tên đăng nhập hoặc số CCCD"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }


class ProfileForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "address", "date_of_birth"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class CitizenRegistrationForm(AccessibleFormMixin, forms.ModelForm):
    """Local registration for citizens; production deployments log citizens in through VNeID."""

    password1 = forms.CharField(
        label=_("Mật khẩu"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["cccd", "full_name", "date_of_birth", "phone", "email", "address"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cccd"].required = True
        self.fields["full_name"].required = True
        self.fields["cccd"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_cccd(self):
        value = (self.cleaned_data.get("cccd") or "").strip()
        validate_cccd(value)
        if User.objects.filter(username=value).exists() or User.objects.filter(cccd=value).exists():
            raise ValidationError(_("Số CCCD này đã có tài khoản. Hãy đăng nhập."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        return cleaned


class OneTimeCodeForm(AccessibleFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực 6 chữ số"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
        error_messages={
            "min_length": _("Mã xác thực gồm 6 chữ số."),
            "max_length": _("Mã xác thực gồm 6 chữ số."),
        },
    )
