"""Message templates: the built-in wording per kind, channel and language, the administrators' versions that
replace it, and the checks made when one is saved (known variables only, SMS length, ZNS parameters).

Templates use Django's template language on a restricted engine: `{{ code }}`, `{{ due_date }}`… Only the
variables listed in VARIABLES exist; a template naming another one is refused when saved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import VariableNode
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from .constants import Channel, Kind

_TEXT = Engine(autoescape=False, libraries={}, builtins=["django.template.defaultfilters"])

# Every variable a template may use, with what it means (shown to administrators).
VARIABLES = {
    "name": "Họ tên người nhận",
    "code": "Mã hồ sơ",
    "procedure": "Tên thủ tục",
    "agency": "Cơ quan giải quyết",
    "due_date": "Ngày hẹn trả kết quả (dd/mm/yyyy)",
    "reason": "Lý do, nội dung yêu cầu",
    "message": "Nội dung tin nhắn",
    "amount": "Số tiền (1.250.000 ₫)",
    "link": "Đường dẫn đến hồ sơ",
    "verification_code": "Mã xác minh",
    "due_soon_count": "Số hồ sơ sắp đến hạn",
    "overdue_count": "Số hồ sơ quá hạn",
    "items": "Danh sách hồ sơ (mỗi dòng một hồ sơ)",
    "survey_link": "Đường dẫn phiếu đánh giá",
    "title": "Tiêu đề phản ánh, kiến nghị",
    "secret": "Mã tra cứu (phản ánh) hoặc mã bí mật (lịch hẹn)",
    "appointment_time": "Thời gian hẹn (HH:MM dd/mm/yyyy)",
    "ticket": "Số thứ tự",
    "counter": "Quầy",
}

SAMPLE_CONTEXT = {
    "name": "Nguyễn Văn An",
    "code": "000.00.15.H32-261014-0001",
    "procedure": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "agency": "Sở Xây dựng tỉnh Khánh Hòa",
    "due_date": "28/10/2026",
    "reason": "Bổ sung bản vẽ mặt bằng có chữ ký của đơn vị thiết kế",
    "message": "Ông/bà vui lòng mang bản gốc giấy chứng nhận khi nhận kết quả.",
    "amount": "1.250.000 ₫",
    "link": "https://dichvucong.khanhhoa.gov.vn/ho-so/1/",
    "verification_code": "123456",
    "due_soon_count": "3",
    "overdue_count": "1",
    "items": "000.00.15.H32-261014-0001 (28/10/2026)",
    "survey_link": "https://dichvucong.khanhhoa.gov.vn/danh-gia/1/",
    "title": "Chậm trả kết quả hồ sơ đất đai",
    "secret": "K7P2QX",
    "appointment_time": "08:30 16/10/2026",
    "ticket": "A012",
    "counter": "Quầy 3",
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str  # inbox and e-mail text
    sms: str
    zns: str = "ten={{ name }}\nma_ho_so={{ code }}\ntrang_thai={{ status }}\nngay_hen={{ due_date }}"


_VI: dict[str, Wording] = {
    Kind.SUBMITTED: Wording(
        "Đã nộp hồ sơ {{ procedure }}",
        "Kính gửi {{ name }},\nhồ sơ {{ procedure }} của ông/bà đã được gửi đến {{ agency }} và đang chờ "
        "tiếp nhận.",
        "DVC: Ho so {{ procedure }} da gui den {{ agency }}, dang cho tiep nhan.",
    ),
    Kind.RECEIVED: Wording(
        "Hồ sơ {{ code }} đã được tiếp nhận",
        "Kính gửi {{ name }},\n{{ agency }} đã tiếp nhận hồ sơ {{ code }} ({{ procedure }}). Ngày hẹn trả "
        "kết quả: {{ due_date }}.",
        "DVC: Ho so {{ code }} da duoc tiep nhan. Hen tra ket qua {{ due_date }}.",
    ),
    Kind.REFUSED: Wording(
        "Hồ sơ {{ procedure }} không được tiếp nhận",
        "Kính gửi {{ name }},\nhồ sơ {{ procedure }} không được tiếp nhận. Lý do: {{ reason }}",
        "DVC: Ho so {{ procedure }} khong duoc tiep nhan. Xem ly do tren cong dich vu cong.",
    ),
    Kind.SUPPLEMENT_REQUESTED: Wording(
        "Hồ sơ {{ code }} cần bổ sung",
        "Kính gửi {{ name }},\nhồ sơ {{ code|default:procedure }} cần bổ sung, hoàn thiện: {{ reason }}",
        "DVC: Ho so {{ code|default:procedure }} can bo sung. Xem yeu cau tren cong dich vu cong.",
    ),
    Kind.SUPPLEMENT_ACCEPTED: Wording(
        "Đã nhận hồ sơ bổ sung {{ code }}",
        "Kính gửi {{ name }},\nhồ sơ bổ sung của hồ sơ {{ code|default:procedure }} đã được ghi nhận. "
        "Ngày hẹn trả kết quả: {{ due_date }}.",
        "DVC: Da nhan ho so bo sung {{ code|default:procedure }}.",
    ),
    Kind.FEE_DUE: Wording(
        "Hồ sơ {{ code }}: đề nghị nộp phí, lệ phí",
        "Kính gửi {{ name }},\nhồ sơ {{ code }} cần thực hiện nghĩa vụ tài chính {{ amount }}. {{ reason }}",
        "DVC: Ho so {{ code }} can nop {{ amount }}. Vui long thanh toan tren cong dich vu cong.",
    ),
    Kind.FEE_PAID: Wording(
        "Hồ sơ {{ code }}: đã ghi nhận thanh toán",
        "Kính gửi {{ name }},\nkhoản thanh toán cho hồ sơ {{ code }} đã được ghi nhận; hồ sơ tiếp tục được "
        "giải quyết.",
        "DVC: Da ghi nhan thanh toan ho so {{ code }}.",
    ),
    Kind.FEE_EXEMPTION_REFUSED: Wording(
        "Hồ sơ {{ code|default:procedure }}: không được miễn, giảm phí, lệ phí",
        "Kính gửi {{ name }},\nbộ phận một cửa không chấp nhận đề nghị miễn, giảm phí, lệ phí của hồ sơ "
        "{{ code|default:procedure }}. Lý do: {{ reason }}. Ông/bà nộp đủ phí, lệ phí: {{ amount }}.",
        "DVC: Ho so {{ code|default:procedure }} khong duoc mien, giam phi. Can nop du {{ amount }}.",
    ),
    Kind.APOLOGY: Wording(
        "Hồ sơ {{ code }}: xin lỗi và hẹn lại ngày trả kết quả",
        "Kính gửi {{ name }},\n{{ agency }} xin lỗi vì hồ sơ {{ code }} chưa có kết quả đúng hẹn. Lý do: "
        "{{ reason }}. Ngày hẹn mới: {{ due_date }}.",
        "DVC: Xin loi, ho so {{ code }} duoc hen lai ngay {{ due_date }}.",
    ),
    Kind.TRANSFERRED: Wording(
        "Hồ sơ {{ code }} được chuyển liên thông",
        "Kính gửi {{ name }},\nhồ sơ {{ code }} được chuyển đến cơ quan phối hợp giải quyết; ngày hẹn trả kết "
        "quả không thay đổi ({{ due_date }}).",
        "DVC: Ho so {{ code }} dang duoc lien thong giai quyet.",
    ),
    Kind.RESULT_READY: Wording(
        "Hồ sơ {{ code }} đã có kết quả",
        "Kính gửi {{ name }},\nhồ sơ {{ code }} ({{ procedure }}) đã có kết quả giải quyết.",
        "DVC: Ho so {{ code }} da co ket qua.",
    ),
    Kind.DELIVERED: Wording(
        "Hồ sơ {{ code }}: đã trả kết quả",
        "Kính gửi {{ name }},\nkết quả hồ sơ {{ code }} đã được trả.",
        "DVC: Ket qua ho so {{ code }} da duoc tra.",
    ),
    Kind.OFFICER_MESSAGE: Wording(
        "Tin nhắn về hồ sơ {{ code|default:procedure }}",
        "Kính gửi {{ name }},\ncán bộ xử lý hồ sơ {{ code|default:procedure }} nhắn: {{ message }}",
        "DVC: Co tin nhan moi ve ho so {{ code|default:procedure }}.",
    ),
    Kind.DEADLINE_DIGEST: Wording(
        "Hồ sơ sắp đến hạn: {{ due_soon_count }}, quá hạn: {{ overdue_count }}",
        "Kính gửi {{ name }},\nông/bà đang xử lý {{ due_soon_count }} hồ sơ sắp đến hạn và {{ overdue_count }} "
        "hồ sơ quá hạn:\n{{ items }}",
        "DVC: {{ due_soon_count }} ho so sap den han, {{ overdue_count }} ho so qua han.",
    ),
    Kind.SURVEY_INVITATION: Wording(
        "Mời đánh giá việc giải quyết hồ sơ {{ code }}",
        "Kính gửi {{ name }},\nxin ông/bà dành một phút đánh giá việc giải quyết hồ sơ {{ code }}: "
        "{{ survey_link }}",
        "DVC: Moi danh gia ho so {{ code }}: {{ survey_link }}",
    ),
    Kind.CONTACT_CODE: Wording(
        "Mã xác minh: {{ verification_code }}",
        "Mã xác minh địa chỉ nhận thông báo của ông/bà là {{ verification_code }} (hiệu lực 15 phút).",
        "DVC: Ma xac minh cua ban la {{ verification_code }} (hieu luc 15 phut).",
    ),
    Kind.FEEDBACK_RECEIVED: Wording(
        "Đã tiếp nhận phản ánh {{ code }}",
        'Kính gửi {{ name }},\n{{ agency }} đã tiếp nhận phản ánh, kiến nghị "{{ title }}" với mã {{ code }}, '
        "mã tra cứu {{ secret }}. Hạn trả lời: {{ due_date }}.",
        "DVC: Da tiep nhan phan anh {{ code }}, ma tra cuu {{ secret }}. Han tra loi {{ due_date }}.",
    ),
    Kind.FEEDBACK_ASSIGNED: Wording(
        "Phản ánh {{ code }} được giao cho ông/bà",
        'Kính gửi {{ name }},\nông/bà được giao xử lý phản ánh {{ code }} "{{ title }}". Hạn trả lời: '
        "{{ due_date }}.",
        "DVC: Ban duoc giao xu ly phan anh {{ code }}, han {{ due_date }}.",
    ),
    Kind.FEEDBACK_ANSWERED: Wording(
        "Phản ánh {{ code }} đã được trả lời",
        "Kính gửi {{ name }},\n{{ agency }} đã trả lời phản ánh {{ code }}: {{ message }}",
        "DVC: Phan anh {{ code }} da duoc tra loi. Tra cuu bang ma {{ code }} tren cong dich vu cong.",
    ),
    Kind.FEEDBACK_ESCALATED: Wording(
        "Phản ánh {{ code }} quá hạn chưa trả lời",
        'Kính gửi {{ name }},\nphản ánh {{ code }} "{{ title }}" của {{ agency }} đã quá hạn trả lời '
        "({{ due_date }}) mà chưa được trả lời.",
        "DVC: Phan anh {{ code }} qua han {{ due_date }} chua tra loi.",
    ),
    Kind.APPOINTMENT_CONFIRMED: Wording(
        "Lịch hẹn {{ code }}: {{ appointment_time }}",
        "Kính gửi {{ name }},\nlịch hẹn {{ code }} tại {{ agency }} lúc {{ appointment_time }} đã được xác nhận. "
        "Xuất trình mã này (hoặc mã QR) tại máy lấy số: {{ link }}",
        "DVC: Lich hen {{ code }} tai {{ agency }} luc {{ appointment_time }}. Xuat trinh ma nay khi den.",
    ),
    Kind.APPOINTMENT_CANCELLED: Wording(
        "Đã hủy lịch hẹn {{ code }}",
        "Kính gửi {{ name }},\nlịch hẹn {{ code }} tại {{ agency }} lúc {{ appointment_time }} đã được hủy.",
        "DVC: Lich hen {{ code }} luc {{ appointment_time }} da duoc huy.",
    ),
    Kind.TICKET_CALLED: Wording(
        "Số {{ ticket }}: mời đến {{ counter }}",
        "Kính gửi {{ name }},\nsố thứ tự {{ ticket }} tại {{ agency }} được mời đến {{ counter }}.",
        "DVC: So {{ ticket }} moi den {{ counter }}.",
    ),
}

_EN: dict[str, Wording] = {
    Kind.SUBMITTED: Wording(
        "Application submitted: {{ procedure }}",
        "Dear {{ name }},\nyour application for {{ procedure }} was sent to {{ agency }}.",
        "DVC: Your application was sent to {{ agency }}.",
    ),
    Kind.RECEIVED: Wording(
        "Application {{ code }} received",
        "Dear {{ name }},\n{{ agency }} received application {{ code }} ({{ procedure }}). Result due on "
        "{{ due_date }}.",
        "DVC: Application {{ code }} received. Result due {{ due_date }}.",
    ),
    Kind.REFUSED: Wording(
        "Application not accepted",
        "Dear {{ name }},\nyour application for {{ procedure }} was not accepted. Reason: {{ reason }}",
        "DVC: Your application was not accepted. See the reason on the portal.",
    ),
    Kind.SUPPLEMENT_REQUESTED: Wording(
        "Application {{ code }}: more documents needed",
        "Dear {{ name }},\napplication {{ code|default:procedure }} needs: {{ reason }}",
        "DVC: Application {{ code|default:procedure }} needs more documents.",
    ),
    Kind.SUPPLEMENT_ACCEPTED: Wording(
        "Additional documents received",
        "Dear {{ name }},\nthe documents added to {{ code|default:procedure }} were received.",
        "DVC: Additional documents received for {{ code|default:procedure }}.",
    ),
    Kind.FEE_DUE: Wording(
        "Application {{ code }}: fee due",
        "Dear {{ name }},\napplication {{ code }} requires a payment of {{ amount }}. {{ reason }}",
        "DVC: Application {{ code }}: please pay {{ amount }} on the portal.",
    ),
    Kind.FEE_PAID: Wording(
        "Application {{ code }}: payment recorded",
        "Dear {{ name }},\nthe payment for application {{ code }} was recorded.",
        "DVC: Payment recorded for {{ code }}.",
    ),
    Kind.FEE_EXEMPTION_REFUSED: Wording(
        "Application {{ code|default:procedure }}: fee exemption not accepted",
        "Dear {{ name }},\nthe one-stop desk did not accept the fee exemption or reduction claimed for "
        "application {{ code|default:procedure }}. Reason: {{ reason }}. The full fee is due: {{ amount }}.",
        "DVC: Fee exemption for {{ code|default:procedure }} not accepted. Full fee due: {{ amount }}.",
    ),
    Kind.APOLOGY: Wording(
        "Application {{ code }}: new result date",
        "Dear {{ name }},\nwe apologise: application {{ code }} is late. Reason: {{ reason }}. New date: "
        "{{ due_date }}.",
        "DVC: Application {{ code }} is late; new date {{ due_date }}.",
    ),
    Kind.TRANSFERRED: Wording(
        "Application {{ code }} transferred",
        "Dear {{ name }},\napplication {{ code }} was sent to a partner agency; the date stays {{ due_date }}.",
        "DVC: Application {{ code }} is with a partner agency.",
    ),
    Kind.RESULT_READY: Wording(
        "Application {{ code }}: result ready",
        "Dear {{ name }},\nthe result of application {{ code }} is ready.",
        "DVC: The result of {{ code }} is ready.",
    ),
    Kind.DELIVERED: Wording(
        "Application {{ code }}: result delivered",
        "Dear {{ name }},\nthe result of application {{ code }} was delivered.",
        "DVC: Result of {{ code }} delivered.",
    ),
    Kind.OFFICER_MESSAGE: Wording(
        "Message about {{ code|default:procedure }}",
        "Dear {{ name }},\nthe officer handling {{ code|default:procedure }} writes: {{ message }}",
        "DVC: New message about {{ code|default:procedure }}.",
    ),
    Kind.DEADLINE_DIGEST: Wording(
        "Due soon: {{ due_soon_count }}, overdue: {{ overdue_count }}",
        "Dear {{ name }},\nyou handle {{ due_soon_count }} applications due soon and {{ overdue_count }} "
        "overdue:\n{{ items }}",
        "DVC: {{ due_soon_count }} due soon, {{ overdue_count }} overdue.",
    ),
    Kind.SURVEY_INVITATION: Wording(
        "How did we do on {{ code }}?",
        "Dear {{ name }},\nplease rate how application {{ code }} was handled: {{ survey_link }}",
        "DVC: Please rate application {{ code }}: {{ survey_link }}",
    ),
    Kind.CONTACT_CODE: Wording(
        "Verification code: {{ verification_code }}",
        "Your verification code is {{ verification_code }} (valid for 15 minutes).",
        "DVC: Your verification code is {{ verification_code }} (valid 15 minutes).",
    ),
    Kind.FEEDBACK_RECEIVED: Wording(
        "Feedback {{ code }} received",
        'Dear {{ name }},\n{{ agency }} received your feedback "{{ title }}" as {{ code }}, lookup code '
        "{{ secret }}. Answer due by {{ due_date }}.",
        "DVC: Feedback {{ code }} received, lookup code {{ secret }}. Answer by {{ due_date }}.",
    ),
    Kind.FEEDBACK_ASSIGNED: Wording(
        "Feedback {{ code }} assigned to you",
        'Dear {{ name }},\nyou now handle feedback {{ code }} "{{ title }}". Answer due by {{ due_date }}.',
        "DVC: Feedback {{ code }} assigned to you, due {{ due_date }}.",
    ),
    Kind.FEEDBACK_ANSWERED: Wording(
        "Feedback {{ code }} answered",
        "Dear {{ name }},\n{{ agency }} answered feedback {{ code }}: {{ message }}",
        "DVC: Feedback {{ code }} was answered. Look it up on the portal.",
    ),
    Kind.FEEDBACK_ESCALATED: Wording(
        "Feedback {{ code }} overdue",
        'Dear {{ name }},\nfeedback {{ code }} "{{ title }}" to {{ agency }} passed its answer date '
        "({{ due_date }}) unanswered.",
        "DVC: Feedback {{ code }} overdue since {{ due_date }}.",
    ),
    Kind.APPOINTMENT_CONFIRMED: Wording(
        "Appointment {{ code }}: {{ appointment_time }}",
        "Dear {{ name }},\nyour appointment {{ code }} at {{ agency }} on {{ appointment_time }} is confirmed. "
        "Show this code (or its QR code) at the kiosk: {{ link }}",
        "DVC: Appointment {{ code }} at {{ agency }} on {{ appointment_time }}. Show this code.",
    ),
    Kind.APPOINTMENT_CANCELLED: Wording(
        "Appointment {{ code }} cancelled",
        "Dear {{ name }},\nyour appointment {{ code }} at {{ agency }} on {{ appointment_time }} was cancelled.",
        "DVC: Appointment {{ code }} on {{ appointment_time }} cancelled.",
    ),
    Kind.TICKET_CALLED: Wording(
        "Number {{ ticket }}: please go to {{ counter }}",
        "Dear {{ name }},\nnumber {{ ticket }} at {{ agency }} is called to {{ counter }}.",
        "DVC: Number {{ ticket }}, please go to {{ counter }}.",
    ),
}

# Variables a ZNS template may additionally use: the short state label.
_EXTRA = {"status"}


@dataclass(frozen=True)
class Source:
    """What is used to write one message: subject and body templates, and the ZNS template id."""

    subject: str
    body: str
    zns_template_id: str = ""


def builtin(kind: str, channel: str, language: str) -> Source:
    wording = (_EN if language == "en" else _VI)[kind]
    if channel == Channel.SMS:
        return Source("", wording.sms)
    if channel == Channel.ZALO:
        return Source("", wording.zns, settings.ZALO_ZNS_TEMPLATE_ID)
    return Source(wording.subject, wording.body)


def source_for(kind: str, channel: str, language: str) -> Source:
    """The administrators' template for (kind, channel, language) when there is one, else the built-in."""
    from .models import MessageTemplate

    row = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language).first()
    if row is not None:
        return Source(row.subject, row.body, row.zns_template_id)
    return builtin(kind, channel, language)


def _compile(text: str):
    return _TEXT.from_string(text)


def variables_in(text: str) -> set[str]:
    """The root names of every variable a template reads (`{{ code|default:procedure }}` reads both)."""
    names: set[str] = set()
    for node in _compile(text).nodelist.get_nodes_by_type(VariableNode):
        expression = node.filter_expression
        names.add(str(expression.var).split(".")[0])
        for _func, args in expression.filters:
            for lookup, arg in args:
                if lookup:
                    names.add(str(arg).split(".")[0])
    return {name for name in names if not name.startswith(("'", '"')) and not name[:1].isdigit()}


def render_text(text: str, context: dict) -> str:
    return _compile(text).render(Context(context, autoescape=False)).strip()


def fold(text: str) -> str:
    """Vietnamese without diacritics (SMS are sent as GSM 7-bit text: cheaper and read on every phone)."""
    stripped = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in stripped if not unicodedata.combining(c))


def zns_params(text: str, context: dict) -> dict[str, str]:
    """`name=value` lines of a ZNS template, rendered."""
    params: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _sep, value = line.partition("=")
        params[key.strip()] = render_text(value, context)
    return params


_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str
    params: dict
    template_id: str


def render(source: Source, *, channel: str, context: dict) -> Rendered:
    if channel == Channel.ZALO:
        params = zns_params(source.body, context)
        return Rendered("", "", "", params, source.zns_template_id)
    subject = render_text(source.subject, context) if source.subject else ""
    body = render_text(source.body, context)
    if channel == Channel.SMS:
        return Rendered("", fold(body)[: settings.SMS_MAX_LENGTH], "", {}, "")
    html = ""
    if channel == Channel.EMAIL:
        html = _email_html(subject=subject, body=body, link=context.get("link", ""))
    return Rendered(subject, body, html, {}, "")


def _email_html(*, subject: str, body: str, link: str) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "notifications/email/message.html",
        {"subject": subject, "body_html": linebreaks(escape(body)), "link": link},
    )


def check(*, kind: str, channel: str, subject: str, body: str, zns_template_id: str = "") -> dict[str, str]:
    """Problems with a template an administrator wants to save, by field (empty when it may be saved): a
    syntax error, a variable that does not exist, an SMS longer than SMS_MAX_LENGTH once filled with the
    sample dossier, a ZNS parameter with a bad name or longer than ZNS_PARAM_MAX_LENGTH."""
    errors: dict[str, str] = {}
    allowed = set(VARIABLES) | (_EXTRA if channel == Channel.ZALO else set())
    for field, text in (("subject", subject), ("body", body)):
        if not text:
            continue
        try:
            unknown = variables_in(text) - allowed
        except TemplateSyntaxError as exc:
            errors[field] = _("Mẫu viết sai cú pháp: %(error)s") % {"error": exc}
            continue
        if unknown:
            errors[field] = _("Mẫu dùng biến không có: %(names)s.") % {"names": ", ".join(sorted(unknown))}
    if not body.strip():
        errors["body"] = _("Nhập nội dung mẫu.")
    if errors:
        return errors
    sample = sample_context()
    if channel == Channel.SMS:
        length = len(fold(render_text(body, sample)))
        if length > settings.SMS_MAX_LENGTH:
            errors["body"] = _(
                "Tin nhắn với hồ sơ mẫu dài %(length)s ký tự, quá giới hạn %(limit)s ký tự."
            ) % {"length": length, "limit": settings.SMS_MAX_LENGTH}
    if channel == Channel.ZALO:
        if not zns_template_id.strip():
            errors["zns_template_id"] = _("Nhập mã mẫu ZNS đã được Zalo duyệt.")
        for line in body.splitlines():
            if line.strip() and "=" not in line:
                errors["body"] = _("Mỗi dòng của mẫu ZNS có dạng tham_so={{ bien }}.")
                return errors
        params = zns_params(body, {**sample, "status": "Đã tiếp nhận"})
        for name, value in params.items():
            if not _PARAM_NAME.match(name):
                errors["body"] = _("Tên tham số ZNS “%(name)s” không hợp lệ.") % {"name": name}
            elif len(value) > settings.ZNS_PARAM_MAX_LENGTH:
                errors["body"] = _(
                    "Tham số ZNS “%(name)s” dài %(length)s ký tự với hồ sơ mẫu, quá giới hạn %(limit)s."
                ) % {"name": name, "length": len(value), "limit": settings.ZNS_PARAM_MAX_LENGTH}
    if channel in (Channel.EMAIL, Channel.INBOX) and not subject.strip():
        errors["subject"] = _("Nhập tiêu đề.")
    return errors


def sample_context() -> dict:
    """The context of a sample dossier: a real one when the dossiers app offers it, else the built-in."""
    from . import hooks

    provided = hooks.sample_context()
    return {**SAMPLE_CONTEXT, **(provided or {})}
