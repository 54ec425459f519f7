from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin

from .constants import QUESTIONS, RATINGS


class SurveyForm(AccessibleFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Góp ý thêm (không bắt buộc)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, question in reversed(QUESTIONS):
            self.fields = {
                name: forms.TypedChoiceField(
                    label=question,
                    choices=RATINGS,
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    error_messages={"required": _("Vui lòng chọn một mức đánh giá.")},
                ),
                **self.fields,
            }

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label in QUESTIONS}

    def questions(self):
        return [self[name] for name, _label in QUESTIONS]


class PeriodForm(AccessibleFormMixin, forms.Form):
    tu_ngay = forms.DateField(label=_("Từ ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    den_ngay = forms.DateField(label=_("Đến ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
