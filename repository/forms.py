from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from portal.models import Organisation, User
from portal.validators import validate_cccd

from . import verification_codes
from .constants import DocumentSource, JobStatus, ValidityFilter
from .selectors import document_type_choices

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Nhập ngày theo dạng dd/mm/yyyy.")},
        **kwargs,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data:
            return single(None, initial) or []  # raises "required" when the field is required
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class DocumentMetadataMixin(forms.Form):
    """Type, title and validity of a document, shared by the citizen upload and the officer's digitisation."""

    document_type = forms.ChoiceField(label=_("Loại giấy tờ"))
    title = forms.CharField(
        label=_("Tên giấy tờ"),
        max_length=300,
        help_text=_("Ví dụ: Giấy khai sinh của Nguyễn Văn An"),
    )
    number = forms.CharField(label=_("Số, ký hiệu"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Cơ quan cấp"), max_length=300, required=False)
    issued_on = date_field(_("Ngày cấp"))
    valid_from = date_field(_("Có hiệu lực từ ngày"))
    valid_to = date_field(_("Hết hiệu lực sau ngày"), help_text=_("Để trống nếu giấy tờ không có thời hạn."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_names = dict(document_type_choices())
        self.fields["document_type"].choices = [("", _("— Chọn loại giấy tờ —")), *self.type_names.items()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and start > end:
            self.add_error("valid_to", _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."))
        return cleaned

    def metadata(self) -> dict:
        data = self.cleaned_data
        code = data["document_type"]
        return {
            "document_type_code": code,
            "document_type_name": self.type_names.get(code, code),
            "title": data["title"],
            "number": data.get("number", ""),
            "issuer": data.get("issuer", ""),
            "issued_on": data.get("issued_on"),
            "valid_from": data.get("valid_from"),
            "valid_to": data.get("valid_to"),
        }


class OwnerChoiceMixin(forms.Form):
    owner = forms.ChoiceField(label=_("Giấy tờ của"), required=False)

    def setup_owner(self, owners) -> None:
        self.owners = {self._key(owner): owner for owner in owners}
        self.fields["owner"].choices = [(self._key(o), self._label(o)) for o in owners]
        if len(owners) <= 1:
            self.fields["owner"].widget = forms.HiddenInput()

    @staticmethod
    def _key(owner) -> str:
        return f"org-{owner.pk}" if isinstance(owner, Organisation) else "me"

    @staticmethod
    def _label(owner) -> str:
        return str(owner.name) if isinstance(owner, Organisation) else str(_("Bản thân tôi"))

    def clean_owner(self):
        key = self.cleaned_data.get("owner") or "me"
        if key not in self.owners:
            raise ValidationError(_("Chọn chủ sở hữu giấy tờ."))
        return self.owners[key]


class DocumentUploadForm(AccessibleFormMixin, OwnerChoiceMixin, DocumentMetadataMixin):
    file = forms.FileField(
        label=_("Tệp giấy tờ"),
        help_text=_("PDF, JPG, PNG hoặc DOCX, tối đa 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
        error_messages={"required": _("Chọn tệp cần tải lên.")},
    )
    consent_to_reuse = forms.BooleanField(
        label=_("Đồng ý sử dụng lại giấy tờ này khi làm thủ tục hành chính"),
        required=False,
        initial=True,
    )

    field_order = ["owner", "document_type", "title", "file"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_owner(owners)
        self.fields["title"].error_messages["required"] = _("Nhập tên giấy tờ.")
        self.fields["document_type"].error_messages["required"] = _("Chọn loại giấy tờ.")


class NewVersionForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(label=_("Tệp mới"), error_messages={"required": _("Chọn tệp cần tải lên.")})
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class ConsentForm(forms.Form):
    consent = forms.BooleanField(required=False)


class RevokeForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do thu hồi"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Nhập lý do thu hồi.")},
    )


class DocumentFilterForm(AccessibleFormMixin, OwnerChoiceMixin, forms.Form):
    """Filters of the "Kho dữ liệu của tôi" list; the values live in the URL."""

    loai = forms.ChoiceField(label=_("Loại giấy tờ"), required=False)
    hieu_luc = forms.ChoiceField(
        label=_("Hiệu lực"), required=False, choices=[("", _("Tất cả")), *ValidityFilter.choices]
    )
    nguon = forms.ChoiceField(
        label=_("Nguồn"), required=False, choices=[("", _("Tất cả")), *DocumentSource.choices]
    )

    def __init__(self, *args, owners, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_owner(owners)
        self.fields["owner"].label = _("Kho của")
        self.fields["loai"].choices = [("", _("Tất cả")), *types]


class VerifyForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF cần xác thực"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    code = forms.CharField(
        label=_("Hoặc mã xác thực in trên văn bản"),
        required=False,
        max_length=60,
        help_text=_(
            "12 ký tự dạng K7QM-X4PA-R9TC, in dưới mã QR của văn bản giấy (không có số 0, 1 và chữ O, I, L)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data.get("code") or ""
        short = verification_codes.normalise(code)
        if len(short) == verification_codes.RANDOM_LENGTH + 1 and not verification_codes.is_well_formed(
            short
        ):
            raise ValidationError(
                _(
                    "Mã xác thực có ký tự bị gõ sai. Kiểm tra lại từng ký tự (mã không có số 0, 1 và chữ O, I, L)."
                )
            )
        return code

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("code"):
            raise ValidationError(_("Chọn tệp PDF hoặc nhập mã xác thực."))
        return cleaned


def owner_by_identifier(identifier: str):
    identifier = identifier.strip().replace(" ", "")
    if len(identifier) == 12 and identifier.isdigit():
        return User.objects.filter(cccd=identifier, account_type="citizen").first()
    return Organisation.objects.filter(tax_code=identifier).first()


class DigitisationJobForm(AccessibleFormMixin, DocumentMetadataMixin):
    agency = forms.ModelChoiceField(label=_("Cơ quan số hóa"), queryset=None, empty_label=None)
    owner_identifier = forms.CharField(
        label=_("Số CCCD hoặc mã số thuế của chủ giấy tờ"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Nhập số CCCD hoặc mã số thuế.")},
    )
    scans = MultipleFileField(
        label=_("Bản quét (theo thứ tự trang)"),
        help_text=_("Chọn một hoặc nhiều ảnh JPG/PNG hoặc tệp PDF; mỗi ảnh là một trang."),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": _("Chọn ít nhất một tệp bản quét.")},
    )

    # Set when the scans are one component of a dossier (links from the dossier page carry them).
    dossier_id = forms.IntegerField(required=False, widget=forms.HiddenInput())
    component_id = forms.IntegerField(required=False, widget=forms.HiddenInput())

    field_order = ["agency", "owner_identifier", "document_type", "title", "scans"]

    def __init__(self, *args, agencies, dossier=None, component=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()
        if component is not None:
            # The component's own type, even when it is not one a person usually keeps (an application form).
            code = component.code or "KHAC"
            self.type_names.setdefault(code, component.name[:120])
            self.fields["document_type"].choices = [
                ("", _("— Chọn loại giấy tờ —")),
                *self.type_names.items(),
            ]
            self.fields["document_type"].initial = code
            self.fields["title"].initial = component.name[:300]
            self.fields["dossier_id"].initial = dossier.pk
            self.fields["component_id"].initial = component.pk
            self.fields["owner_identifier"].initial = dossier.applicant_id_number

    def clean_owner_identifier(self):
        value = self.cleaned_data["owner_identifier"].strip()
        if len(value) == 12:
            validate_cccd(value)
        owner = owner_by_identifier(value)
        if owner is None:
            raise ValidationError(_("Không tìm thấy công dân hoặc tổ chức có số định danh này."))
        return owner


class BackfileForm(AccessibleFormMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Cơ quan số hóa"), queryset=None, empty_label=None)
    archive = forms.FileField(
        label=_("Tệp nén bản quét (.zip)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages={"required": _("Chọn tệp nén chứa các bản quét.")},
    )
    metadata = forms.FileField(
        label=_("Tệp thông tin (.csv, UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": _("Chọn tệp CSV thông tin.")},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class DigitisationJobFilterForm(forms.Form):
    """The digitisation queue's filters in the URL (`?trang_thai=&q=`)."""

    trang_thai = forms.ChoiceField(
        choices=[("", "")] + list(JobStatus.choices),
        required=False,
        error_messages={"invalid_choice": _("Trạng thái lọc không hợp lệ.")},
    )
    q = forms.CharField(
        required=False,
        max_length=100,
        error_messages={
            "max_length": _("Từ khóa tìm kiếm tối đa 100 ký tự."),
            "null_characters_not_allowed": _("Từ khóa tìm kiếm có ký tự không hợp lệ."),
        },
    )
