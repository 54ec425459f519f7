from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import OFFICER_KINDS, SYSTEM_KINDS, Channel, ContactKind, Kind

CHOOSABLE = [Channel.SMS, Channel.ZALO, Channel.EMAIL]


def kinds_for(user) -> list[str]:
    return [k for k in Kind.values if k not in SYSTEM_KINDS and (user.is_officer or k not in OFFICER_KINDS)]


class PreferencesForm(forms.Form):
    """One row of checkboxes per kind: SMS, Zalo, e-mail (the inbox is always on)."""

    language = forms.ChoiceField(
        label=_("Ngôn ngữ nhận thông báo"), choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )

    def __init__(self, *args, user, current: dict[str, list[str]], language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["language"] = language
        self.rows = []
        for kind in kinds_for(user):
            cells = []
            for channel in CHOOSABLE:
                name = f"{kind}__{channel}"
                self.fields[name] = forms.BooleanField(
                    required=False,
                    label=f"{Kind(kind).label}: {Channel(channel).label}",
                    initial=channel in current.get(kind, []),
                )
                cells.append(name)
            self.rows.append((Kind(kind).label, [self[name] for name in cells]))

    def choices(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for name, value in self.cleaned_data.items():
            if "__" in name:
                kind, channel = name.split("__", 1)
                chosen.setdefault(kind, [])
                if value:
                    chosen[kind].append(channel)
        return chosen


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại liên hệ"), choices=ContactKind.choices, widget=forms.HiddenInput)
    value = forms.CharField(label=_("Số điện thoại hoặc thư điện tử"), max_length=254)


class VerifyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại liên hệ"), choices=ContactKind.choices, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Mã xác minh"), max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Tiêu đề"), max_length=300, required=False)
    body = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 6}))
    zns_template_id = forms.CharField(label=_("Mã mẫu ZNS đã được Zalo duyệt"), max_length=40, required=False)
