"""Forms of the dossier pages. They parse and show errors; the rules are in services."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessibleFormMixin
from procedures.constants import Channel

from .constants import ApplicantKind, Decision, DeliveryMethod, DossierState

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the dossier version the person saw, so a concurrent change is refused, not overwritten."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("Phiên bản hồ sơ không hợp lệ; hãy tải lại trang và thử lại.")},
    )

    def first_error(self) -> str:
        """The first error message, for actions answered with a message rather than the form."""
        return next(iter(e for errors in self.errors.values() for e in errors), "")


class ApplicantForm(AccessibleFormMixin, VersionedForm):
    applicant_kind = forms.ChoiceField(
        label=_("Người nộp là"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN
    )
    applicant_name = forms.CharField(label=_("Họ và tên (hoặc tên tổ chức)"), max_length=300)
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD) hoặc mã số thuế"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300)
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=15,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    applicant_email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Thư điện tử không hợp lệ, ví dụ ten@example.vn.")},
    )

    def __init__(self, *args, allow_kind: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_kind:
            # Online, the kind follows from who files (the citizen, or the organisation chosen at the start).
            del self.fields["applicant_kind"]
        required = _("Vui lòng nhập %(label)s.")
        for name in ("applicant_name", "applicant_id_number", "applicant_address"):
            label = str(self.fields[name].label)
            self.fields[name].error_messages["required"] = required % {"label": label[:1].lower() + label[1:]}


class FeeExemptionClaimForm(AccessibleFormMixin, forms.Form):
    """The listed target group (if any) the applicant belongs to, for an exemption or reduction of the fees."""

    fee_exemption = forms.ChoiceField(
        label=_("Đối tượng được miễn, giảm phí, lệ phí"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Chọn nếu bạn thuộc một đối tượng dưới đây và đính kèm giấy tờ chứng minh. Bộ phận một cửa kiểm tra "
            "khi tiếp nhận; nếu không đủ điều kiện, bạn nộp đủ phí, lệ phí."
        ),
        error_messages={
            "invalid_choice": _("Chọn một đối tượng trong danh sách, hoặc “Không thuộc đối tượng nào”.")
        },
    )

    def __init__(self, *args, exemptions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.exemptions = {str(e.pk): e for e in exemptions}
        choices = [("", _("Không thuộc đối tượng được miễn, giảm"))]
        for e in exemptions:
            label = f"{e.group} — {e.effect}"
            if e.proof:
                label += " · " + str(_("giấy tờ chứng minh: %(proof)s") % {"proof": e.proof})
            choices.append((str(e.pk), label))
        self.fields["fee_exemption"].choices = choices

    def chosen(self):
        """The FeeExemption chosen, or None (valid form only)."""
        return self.exemptions.get(self.cleaned_data.get("fee_exemption") or "")


class UploadForm(AccessibleFormMixin, VersionedForm):
    file = forms.FileField(
        label=_("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
        error_messages={"required": _("Vui lòng chọn tệp để tải lên.")},
    )


class DeliveryForm(AccessibleFormMixin, VersionedForm):
    delivery_method = forms.ChoiceField(
        label=_("Cách nhận kết quả"),
        choices=DeliveryMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn cách nhận kết quả.")},
    )
    postal_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"),
        max_length=300,
        required=False,
        help_text=_("Chỉ cần khi nhận kết quả qua bưu chính."),
    )
    desk = forms.ModelChoiceField(
        label=_("Nơi tiếp nhận hồ sơ"),
        queryset=None,
        required=False,
        empty_label=None,
    )

    def __init__(self, *args, desks=None, allows_postal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery_method"].widget.attrs["class"] = "form-check-input"
        if not allows_postal:
            self.fields["delivery_method"].choices = [
                c for c in DeliveryMethod.choices if c[0] != DeliveryMethod.POST
            ]
        if desks is not None and len(desks) > 1:
            self.fields["desk"].queryset = desks
        else:
            del self.fields["desk"]


class ReasonForm(AccessibleFormMixin, VersionedForm):
    reason = forms.CharField(
        label=_("Lý do"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Vui lòng nhập lý do.")},
    )


class CompletionRequestForm(ReasonForm):
    components = forms.MultipleChoiceField(
        label=_("Giấy tờ cần bổ sung, hoàn thiện"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Nội dung cần bổ sung, hoàn thiện và lý do")
        self.fields["components"].choices = [(str(c.pk), c.name) for c in components]
        self.fields["components"].widget.attrs["class"] = "form-check-input"


class WithdrawForm(AccessibleFormMixin, VersionedForm):
    reason = forms.CharField(
        label=_("Lý do rút hồ sơ (không bắt buộc)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class PlainTextInput(forms.TextInput):
    """A text box written directly, not through the form renderer's three nested templates (input, attrs):
    the same markup as Django's `text.html`, at a fraction of the cost on a public page hit for every receipt
    scanned."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        # attrs.html's rules, in its order: True writes the bare name, False leaves the attribute out
        written = format_html_join(
            "",
            " {}{}",
            (
                (key, "" if val is True else format_html('="{}"', val))
                for key, val in widget["attrs"].items()
                if val is not False
            ),
        )
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, written)


class LookupForm(AccessibleFormMixin, forms.Form):
    ma = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=40,
        help_text=_("In trên giấy tiếp nhận, ví dụ 000.00.15.H32-251121-0007"),
        widget=PlainTextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Vui lòng nhập mã hồ sơ.")},
    )
    ma_tra_cuu = forms.CharField(
        label=_("Mã tra cứu"),
        max_length=12,
        help_text=_("6 ký tự in cạnh mã QR trên giấy tiếp nhận"),
        widget=PlainTextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Vui lòng nhập mã tra cứu.")},
    )


class QueueFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Tìm theo mã hồ sơ, tên, CCCD/MST, điện thoại"), required=False, max_length=100
    )
    trang_thai = forms.ChoiceField(label=_("Trạng thái"), required=False)
    kenh = forms.TypedChoiceField(
        label=_("Kênh"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Tất cả"))] + list(Channel.choices),
    )
    tu_ngay = forms.DateField(label=_("Từ ngày"), required=False, widget=DATE_WIDGET)
    den_ngay = forms.DateField(label=_("Đến ngày"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trang_thai"].choices = [("", _("Tất cả"))] + [(s, DossierState(s).label) for s in states]


class CounterIntakeForm(ApplicantForm):
    """Counter or postal intake: the officer types the applicant's details and attaches each scan."""

    channel = forms.TypedChoiceField(
        label=_("Hình thức tiếp nhận"),
        coerce=int,
        choices=[
            (Channel.COUNTER, _("Trực tiếp tại bộ phận một cửa")),
            (Channel.POSTAL, _("Qua bưu chính công ích")),
        ],
        initial=Channel.COUNTER,
    )
    set_count = forms.IntegerField(label=_("Số bộ hồ sơ"), min_value=1, max_value=50, initial=1)
    delivery_method = DeliveryForm.base_fields["delivery_method"]
    postal_address = DeliveryForm.base_fields["postal_address"]
    # One value per filled-in form, so that sending it twice receives the dossier once.
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, components=(), allows_postal: bool = True, **kwargs):
        super().__init__(*args, allow_kind=True, **kwargs)
        self.fields["submission"].initial = uuid.uuid4()
        self.fields["delivery_method"].widget.attrs["class"] = "form-check-input"
        self.fields["delivery_method"].initial = DeliveryMethod.DESK
        if not allows_postal:
            self.fields["channel"].choices = [(Channel.COUNTER, _("Trực tiếp tại bộ phận một cửa"))]
        self.component_fields = []
        for component in components:
            name = f"component_{component.pk}"
            self.fields[name] = forms.FileField(
                label=f"{component.order}. {component.name} ({component.get_copy_type_display()}, "
                f"{component.quantity} bản)",
                required=component.mandatory,
                help_text=_("Bản quét (PDF, JPEG, PNG hoặc DOCX)"),
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
                error_messages={"required": _("Chưa quét giấy tờ bắt buộc này.")},
            )
            self.fields[name].widget.attrs["class"] = "form-control"
            self.component_fields.append((component, name))

    def component_bound_fields(self):
        return [self[name] for _, name in self.component_fields]


class CounterPickForm(AccessibleFormMixin, forms.Form):
    """Where and for which procedure a counter intake is: `?desk=&thu_tuc=&q=` on the picking page, then the
    intake form's hidden fields."""

    desk = forms.TypedChoiceField(
        label=_("Nơi tiếp nhận"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Nơi tiếp nhận không hợp lệ.")},
    )
    thu_tuc = forms.IntegerField(
        label=_("Thủ tục"),
        required=False,
        min_value=1,
        error_messages={
            "invalid": _("Thủ tục được chọn không hợp lệ."),
            "min_value": _("Thủ tục được chọn không hợp lệ."),
        },
    )
    q = forms.CharField(label=_("Tìm thủ tục theo mã hoặc tên"), required=False, max_length=200)

    def __init__(self, *args, desks=(), **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.desks = list(desks)
        self.fields["desk"].choices = [("", "")] + [(d.pk, d.name) for d in self.desks]

    def chosen_desk(self):
        """The desk asked for, or the officer's first desk."""
        wanted = self.cleaned_data.get("desk") if self.is_bound and self.is_valid() else None
        return next((d for d in self.desks if d.pk == wanted), self.desks[0])


# ---- processing ------------------------------------------------------------------------------------------
class ForwardForm(AccessibleFormMixin, VersionedForm):
    auto_assign = forms.BooleanField(
        label=_("Phân công tự động cho chuyên viên ít việc nhất"), required=False
    )
    note = forms.CharField(
        label=_("Ghi chú khi chuyển (không bắt buộc)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class AssignForm(AccessibleFormMixin, VersionedForm):
    specialist = forms.ModelChoiceField(
        label=_("Chuyên viên xử lý"),
        queryset=None,
        required=False,
        empty_label=_("Tự động: chuyên viên đang có ít hồ sơ nhất"),
    )

    def __init__(self, *args, specialists=None, workloads=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["specialist"]
        field.queryset = specialists
        loads = workloads or {}
        field.label_from_instance = lambda u: (
            _("%(name)s (đang xử lý %(count)s hồ sơ)")
            % {
                "name": u.full_name or u.username,
                "count": loads.get(u.pk, 0),
            }
        )


class ResultDraftForm(AccessibleFormMixin, VersionedForm):
    decision = forms.ChoiceField(
        label=_("Đề xuất"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        initial=Decision.GRANT,
        error_messages={"required": _("Chọn đề xuất giải quyết hoặc từ chối.")},
    )
    opinion = forms.CharField(
        label=_("Ý kiến thẩm định (khi từ chối: lý do từ chối)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Nhập ý kiến thẩm định.")},
    )
    title = forms.CharField(
        label=_("Tên kết quả"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: Giấy phép xây dựng. Bỏ trống khi từ chối."),
    )
    number = forms.CharField(label=_("Số, ký hiệu (không bắt buộc)"), max_length=100, required=False)
    document_type_code = forms.CharField(
        label=_("Mã loại kết quả trong Kho dữ liệu (không bắt buộc)"),
        max_length=60,
        required=False,
        help_text=_("Mã giấy tờ mà thủ tục khác dùng để lấy lại kết quả này, ví dụ GPXD."),
    )
    content = forms.CharField(
        label=_("Nội dung kết quả"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        required=False,
        help_text=_("Hệ thống lập bản PDF từ nội dung này; hoặc tải lên bản dự thảo PDF bên dưới."),
    )
    upload = forms.FileField(
        label=_("Hoặc tải lên dự thảo kết quả (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class DeliverForm(AccessibleFormMixin, VersionedForm):
    method = forms.ChoiceField(
        label=_("Hình thức trả kết quả"),
        choices=[
            (DeliveryMethod.DESK, _("Trả trực tiếp tại bộ phận một cửa")),
            (DeliveryMethod.POST, _("Gửi qua bưu chính công ích")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn hình thức trả kết quả.")},
    )
    collected_by = forms.CharField(
        label=_("Họ tên người nhận kết quả"),
        max_length=200,
        required=False,
        help_text=_("Khi trả trực tiếp: người nộp hoặc người được ủy quyền."),
    )
    tracking_number = forms.CharField(
        label=_("Số hiệu bưu gửi"),
        max_length=40,
        required=False,
        help_text=_("Khi gửi qua bưu chính, ví dụ EB123456789VN."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )

    def __init__(self, *args, allows_post: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].widget.attrs["class"] = "form-check-input"
        if not allows_post:
            self.fields["method"].choices = self.fields["method"].choices[:1]
            del self.fields["tracking_number"]


class ConfirmForm(AccessibleFormMixin, VersionedForm):
    """An action with nothing to type: the version guards against acting on a changed dossier."""


class StoredDocumentPickForm(VersionedForm):
    """A document picked from the applicant's Kho dữ liệu for a component (a button per document)."""

    document = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": _("Chưa chọn giấy tờ trong Kho dữ liệu."),
            "invalid": _("Giấy tờ được chọn không hợp lệ."),
            "min_value": _("Giấy tờ được chọn không hợp lệ."),
        },
    )


class DeskSupplementForm(AccessibleFormMixin, VersionedForm):
    """The papers an applicant brings to the desk to supplement a dossier, one scan field per component."""

    note = forms.CharField(
        label=_("Ghi chú (không bắt buộc)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, components=(), requested_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.component_fields = []
        for component in components:
            name = f"component_{component.pk}"
            self.fields[name] = forms.FileField(
                label=f"{component.order}. {component.name}",
                required=False,
                help_text=_("Được yêu cầu bổ sung") if component.pk in requested_ids else "",
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
            )
            self.fields[name].widget.attrs["class"] = "form-control"
            self.component_fields.append((component, name))

    def uploads(self):
        return [
            (c, self.cleaned_data[name]) for c, name in self.component_fields if self.cleaned_data.get(name)
        ]


class PaymentRequestForm(AccessibleFormMixin, VersionedForm):
    description = forms.CharField(
        label=_("Khoản phải nộp"), max_length=300, help_text=_("Ví dụ: Lệ phí trước bạ nhà, đất")
    )
    amount = forms.DecimalField(
        label=_("Số tiền (đồng)"),
        min_value=1,
        max_digits=14,
        decimal_places=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
        error_messages={
            "invalid": _("Nhập số tiền bằng chữ số, ví dụ 1250000."),
            "min_value": _("Số tiền phải lớn hơn 0."),
            "max_decimal_places": _("Số tiền tính theo đồng, không có phần lẻ."),
        },
    )


class PaymentRecordForm(AccessibleFormMixin, VersionedForm):
    amount = PaymentRequestForm.base_fields["amount"]
    receipt_number = forms.CharField(label=_("Số biên lai"), max_length=60)


class TransferForm(AccessibleFormMixin, VersionedForm):
    to_agency = forms.ModelChoiceField(
        label=_("Cơ quan phối hợp"),
        queryset=None,
        empty_label=_("— Chọn cơ quan —"),
        error_messages={"required": _("Chọn cơ quan chuyển liên thông.")},
    )
    request = forms.CharField(
        label=_("Nội dung đề nghị phối hợp"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Nhập nội dung đề nghị phối hợp.")},
    )
    due_at = forms.DateField(
        label=_("Hạn trả lời (không bắt buộc)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Cuối giờ làm việc của ngày này; không sau ngày hẹn trả kết quả của hồ sơ."),
        error_messages={"invalid": _("Nhập ngày theo dạng ngày/tháng/năm.")},
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies


class TransferReturnForm(AccessibleFormMixin, VersionedForm):
    response = forms.CharField(
        label=_("Kết quả phối hợp"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Nhập kết quả phối hợp.")},
    )
    upload = forms.FileField(
        label=_("Văn bản trả lời (không bắt buộc; PDF, JPEG, PNG hoặc DOCX)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
    )


class ApologyForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do chậm trễ"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Nhập lý do chậm trễ.")},
    )
    new_due_at = forms.DateField(
        label=_("Ngày hẹn trả kết quả mới"),
        widget=DATE_WIDGET,
        help_text=_("Kết quả được hẹn trả vào cuối giờ làm việc của ngày này."),
        error_messages={
            "required": _("Chọn ngày hẹn mới."),
            "invalid": _("Nhập ngày theo dạng ngày/tháng/năm."),
        },
    )


class MessageForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Nội dung trao đổi"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Nhập nội dung trao đổi."), "max_length": _("Tối đa 4.000 ký tự.")},
    )
    attachment = forms.FileField(
        label=_("Tệp đính kèm (không bắt buộc; PDF, JPEG, PNG hoặc DOCX)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx"}),
    )


class WorkQueueFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Tìm theo mã hồ sơ, tên, CCCD/MST, điện thoại"), required=False, max_length=100
    )
    thu_tuc = forms.CharField(label=_("Mã thủ tục"), required=False, max_length=30)
    tu_ngay = forms.DateField(label=_("Tiếp nhận từ ngày"), required=False, widget=DATE_WIDGET)
    den_ngay = forms.DateField(label=_("Đến ngày"), required=False, widget=DATE_WIDGET)


class BulkAssignForm(AccessibleFormMixin, forms.Form):
    ho_so = forms.TypedMultipleChoiceField(
        label=_("Hồ sơ"),
        coerce=int,
        error_messages={"required": _("Chọn ít nhất một hồ sơ để phân công.")},
    )
    specialist = forms.ModelChoiceField(
        label=_("Phân công cho"),
        queryset=None,
        required=False,
        empty_label=_("Tự động: chuyên viên đang có ít hồ sơ nhất"),
    )

    def __init__(self, *args, dossier_ids=(), specialists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ho_so"].choices = [(pk, pk) for pk in dossier_ids]
        self.fields["specialist"].queryset = specialists


class RegisterForm(AccessibleFormMixin, forms.Form):
    MAX_DAYS = 366

    co_quan = forms.ModelChoiceField(
        label=_("Cơ quan"), queryset=None, empty_label=None, error_messages={"required": _("Chọn cơ quan.")}
    )
    tu_ngay = forms.DateField(
        label=_("Từ ngày"),
        widget=DATE_WIDGET,
        error_messages={
            "required": _("Chọn ngày bắt đầu."),
            "invalid": _("Nhập ngày theo dạng ngày/tháng/năm."),
        },
    )
    den_ngay = forms.DateField(
        label=_("Đến ngày"),
        widget=DATE_WIDGET,
        error_messages={
            "required": _("Chọn ngày kết thúc."),
            "invalid": _("Nhập ngày theo dạng ngày/tháng/năm."),
        },
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].queryset = agencies

    def clean(self):
        data = super().clean()
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end:
            if end < start:
                self.add_error("den_ngay", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("den_ngay", _("Mỗi lần xuất tối đa một năm (366 ngày)."))
        return data
