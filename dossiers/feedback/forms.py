from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from portal.models import Agency, User
from portal.validators import validate_phone

from .constants import FeedbackCategory


class FeedbackForm(AccessibleFormMixin, forms.Form):
    loai = forms.ChoiceField(
        label=_("Loại phản ánh, kiến nghị"),
        choices=[("", _("— Chọn —")), *FeedbackCategory.choices],
        error_messages={"required": _("Vui lòng chọn loại phản ánh, kiến nghị.")},
    )
    tieu_de = forms.CharField(
        label=_("Tiêu đề"), max_length=200, error_messages={"required": _("Vui lòng nhập tiêu đề.")}
    )
    noi_dung = forms.CharField(
        label=_("Nội dung"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Vui lòng nhập nội dung phản ánh.")},
    )
    ma_thu_tuc = forms.CharField(label=_("Mã thủ tục liên quan (nếu có)"), max_length=30, required=False)
    ma_ho_so = forms.CharField(label=_("Mã hồ sơ liên quan (nếu có)"), max_length=40, required=False)
    co_quan = forms.ModelChoiceField(
        label=_("Cơ quan liên quan (nếu có)"),
        queryset=Agency.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label=_("— Không chọn —"),
    )
    ho_ten = forms.CharField(
        label=_("Họ và tên"), max_length=200, error_messages={"required": _("Vui lòng nhập họ và tên.")}
    )
    dien_thoai = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=15,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    rieng_tu = forms.BooleanField(label=_("Không công khai nội dung phản ánh và trả lời"), required=False)
    tep = forms.FileField(label=_("Tệp đính kèm (PDF, ảnh, DOCX; không bắt buộc)"), required=False)

    def clean(self):
        data = super().clean()
        if (
            not data.get("dien_thoai")
            and not data.get("email")
            and "dien_thoai" not in self.errors
            and "email" not in self.errors
        ):
            self.add_error(
                "dien_thoai", _("Vui lòng để lại số điện thoại hoặc thư điện tử để cơ quan trả lời.")
            )
        return data


class FollowForm(AccessibleFormMixin, forms.Form):
    ma = forms.CharField(
        label=_("Mã phản ánh"), max_length=24, error_messages={"required": _("Vui lòng nhập mã phản ánh.")}
    )
    ma_tra_cuu = forms.CharField(
        label=_("Mã tra cứu"), max_length=12, error_messages={"required": _("Vui lòng nhập mã tra cứu.")}
    )


class AssignForm(AccessibleFormMixin, forms.Form):
    can_bo = forms.ModelChoiceField(label=_("Cán bộ xử lý"), queryset=User.objects.none())

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["can_bo"].queryset = officers if officers is not None else User.objects.none()


class AnswerForm(AccessibleFormMixin, forms.Form):
    tra_loi = forms.CharField(
        label=_("Nội dung trả lời"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Vui lòng nhập nội dung trả lời.")},
    )
