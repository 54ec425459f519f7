"""States, national status codes and the other closed lists of the dossier lifecycle.

The internal state machine is finer than the national TrangThaiHoSo list (DOMAIN §4.2). Every internal
state maps to exactly one national code (`NATIONAL_STATUS`). `draft` is the one exception in spirit: a
draft exists only in this system and is never sent to the national portal. It is mapped to 1 (Mới đăng ký)
only so that the mapping stays total; the national sync must skip drafts (`is_synced_nationally`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Mới nộp, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    ASSIGNED = "assigned", _("Đã chuyển xử lý")
    APPRAISING = "appraising", _("Đang thẩm định")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ phê duyệt")
    RETURNED_FOR_REWORK = "returned_for_rework", _("Trả lại để xử lý lại")
    TRANSFERRED = "transferred", _("Đã chuyển liên thông")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung, hoàn thiện")
    SUPPLEMENT_RECEIVED = "supplement_received", _("Đã nhận bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    DELIVERED = "delivered", _("Đã trả kết quả")


class NationalStatus(models.IntegerChoices):
    """TrangThaiHoSo of the national portal (Cổng DVC quốc gia)."""

    NEW = 1, _("Mới đăng ký")
    RECEIVED = 2, _("Được tiếp nhận")
    REFUSED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT = 5, _("Yêu cầu bổ sung giấy tờ")
    PAYMENT = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    DONE = 9, _("Đã xử lý xong")
    DELIVERED = 10, _("Đã trả kết quả")


S = DossierState
NATIONAL_STATUS: dict[str, int] = {
    S.DRAFT: NationalStatus.NEW,  # never synced, see module docstring
    S.SUBMITTED: NationalStatus.NEW,
    S.RECEIVED: NationalStatus.RECEIVED,
    S.REFUSED: NationalStatus.REFUSED,
    S.ASSIGNED: NationalStatus.PROCESSING,
    S.APPRAISING: NationalStatus.PROCESSING,
    S.AWAITING_APPROVAL: NationalStatus.PROCESSING,
    S.RETURNED_FOR_REWORK: NationalStatus.PROCESSING,
    S.TRANSFERRED: NationalStatus.PROCESSING,
    S.SUPPLEMENT_REQUESTED: NationalStatus.SUPPLEMENT,
    S.SUPPLEMENT_RECEIVED: NationalStatus.PROCESSING,
    S.AWAITING_PAYMENT: NationalStatus.PAYMENT,
    S.WITHDRAWN: NationalStatus.WITHDRAWN,
    S.STOPPED: NationalStatus.STOPPED,
    S.RESULT_READY: NationalStatus.DONE,
    S.DELIVERED: NationalStatus.DELIVERED,
}

# States after which nothing more happens to the dossier.
FINAL_STATES = frozenset({S.REFUSED, S.WITHDRAWN, S.STOPPED, S.DELIVERED})
# The applicant may withdraw until a result exists (NĐ 118/2025: rút hồ sơ trước khi có kết quả).
WITHDRAWABLE_STATES = (
    S.SUBMITTED,
    S.RECEIVED,
    S.ASSIGNED,
    S.APPRAISING,
    S.AWAITING_APPROVAL,
    S.RETURNED_FOR_REWORK,
    S.TRANSFERRED,
    S.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_RECEIVED,
    S.AWAITING_PAYMENT,
)
# States in which the applicant still edits form and files (a draft, or completing before reception).
APPLICANT_EDITABLE_STATES = frozenset({S.DRAFT, S.SUPPLEMENT_REQUESTED})
# States shown in the intake officer's queue tabs, in order.
INTAKE_QUEUE_STATES = (
    S.SUBMITTED,
    S.SUPPLEMENT_REQUESTED,
    S.RECEIVED,
    S.RESULT_READY,
    S.DELIVERED,
    S.REFUSED,
    S.WITHDRAWN,
)
# With the competent department: the states in which a specialist works on the dossier.
WORKING_STATES = (S.APPRAISING, S.RETURNED_FOR_REWORK, S.SUPPLEMENT_RECEIVED)
# Received and not finished: processing may be stopped (status 8) from any of them.
PROCESSING_STATES = (
    S.RECEIVED,
    S.ASSIGNED,
    S.APPRAISING,
    S.AWAITING_APPROVAL,
    S.RETURNED_FOR_REWORK,
    S.TRANSFERRED,
    S.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_RECEIVED,
    S.AWAITING_PAYMENT,
)
# The desk's active work: waiting for reception or completion, received, result waiting to be handed over.
DESK_ACTIVE_STATES = (S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.RECEIVED, S.RESULT_READY)
# Finished at the desk: these grow without end, so they are counted up to a bound and listed on request.
DESK_FINISHED_STATES = tuple(s for s in INTAKE_QUEUE_STATES if s not in DESK_ACTIVE_STATES)
# States in which the dossier's time runs (DOMAIN §4.4: supplement time is excluded; the wait for a
# financial obligation too when DOSSIER_PAYMENT_STOPS_CLOCK is on, see `clock_running_states`).
CLOCK_STOPPED_STATES = frozenset({S.SUPPLEMENT_REQUESTED})


def clock_running_states(*, payment_stops_clock: bool) -> tuple[str, ...]:
    stopped = set(CLOCK_STOPPED_STATES)
    if payment_stops_clock:
        stopped.add(S.AWAITING_PAYMENT)
    return tuple(s for s in PROCESSING_STATES if s not in stopped)


def national_status(state: str) -> int:
    return int(NATIONAL_STATUS[state])


def is_synced_nationally(state: str) -> bool:
    return state != S.DRAFT


class DeliveryMethod(models.TextChoices):
    """How the applicant receives the result."""

    DESK = "desk", _("Nhận trực tiếp tại bộ phận một cửa")
    POST = "post", _("Nhận qua dịch vụ bưu chính công ích")
    ELECTRONIC = "electronic", _("Nhận bản điện tử (Kho dữ liệu, thư điện tử)")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class EventAction(models.TextChoices):
    SUBMIT = "submit", _("Nộp hồ sơ trực tuyến")
    RECEIVE = "receive", _("Tiếp nhận hồ sơ")
    RECEIVE_AT_COUNTER = "receive_at_counter", _("Tiếp nhận hồ sơ trực tiếp")
    RECEIVE_BY_POST = "receive_by_post", _("Tiếp nhận hồ sơ qua bưu chính")
    REFUSE = "refuse", _("Từ chối tiếp nhận")
    REQUEST_COMPLETION = "request_completion", _("Yêu cầu hoàn thiện hồ sơ")
    COMPLETE = "complete", _("Nộp lại hồ sơ đã hoàn thiện")
    WITHDRAW = "withdraw", _("Rút hồ sơ")
    # processing (each of these is also a handover, see DossierHandover)
    FORWARD = "forward", _("Chuyển hồ sơ đến cơ quan, phòng chuyên môn giải quyết")
    ASSIGN = "assign", _("Phân công chuyên viên xử lý")
    SUBMIT_FOR_APPROVAL = "submit_for_approval", _("Trình phê duyệt kết quả")
    RETURN_FOR_REWORK = "return_for_rework", _("Trả lại để xử lý lại")
    APPROVE = "approve", _("Phê duyệt, ký số kết quả")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    SUPPLEMENT = "supplement", _("Nộp bổ sung hồ sơ")
    REQUEST_PAYMENT = "request_payment", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    RECORD_PAYMENT = "record_payment", _("Ghi nhận đã thực hiện nghĩa vụ tài chính")
    PAY_ONLINE = "pay_online", _("Thanh toán trực tuyến phí, lệ phí")
    TRANSFER = "transfer", _("Chuyển liên thông")
    RETURN_TRANSFER = "return_transfer", _("Cơ quan liên thông trả hồ sơ")
    STOP = "stop", _("Dừng xử lý hồ sơ")
    DELIVER = "deliver", _("Trả kết quả")
    # no state change
    DEADLINE_WARNING = "deadline_warning", _("Cảnh báo thời hạn giải quyết")
    APOLOGY_DRAFT = "apology_draft", _("Lập phiếu xin lỗi và hẹn lại ngày trả kết quả")
    APOLOGY = "apology", _("Xin lỗi và hẹn lại ngày trả kết quả")
    MESSAGE = "message", _("Trao đổi với người nộp")
    FEE_EXEMPTION_REFUSED = "fee_exemption_refused", _("Không chấp nhận miễn, giảm phí, lệ phí")


# Actions the applicant sees on their dossier page besides the public ones (never on the public lookup page).
APPLICANT_VISIBLE_ACTIONS = frozenset({EventAction.MESSAGE, EventAction.FEE_EXEMPTION_REFUSED})


class DeadlineStatus(models.TextChoices):
    """Where a running dossier stands against its appointment (set by the periodic sweep)."""

    ON_TRACK = "on_track", _("Trong hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")


class Outcome(models.TextChoices):
    """Kết quả giải quyết against a deadline (TT 01/2018/TT-VPCP, Mẫu số 05)."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Decision(models.TextChoices):
    """What the appraisal proposes and the approver signs: the result, or a reasoned refusal."""

    GRANT = "grant", _("Giải quyết, cấp kết quả")
    REFUSE = "refuse", _("Từ chối giải quyết (nêu rõ lý do)")


class DocumentKind(models.TextChoices):
    """Forms printed by the one-stop desk (TT 01/2018/TT-VPCP, Mẫu số 01–06)."""

    RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT_REQUEST = "supplement_request", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận, giải quyết hồ sơ")
    APOLOGY = "apology", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    CONTROL_SLIP = "control_slip", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    RESULT_DRAFT = "result_draft", _("Dự thảo kết quả giải quyết")
    RESULT = "result", _("Kết quả giải quyết (đã ký số)")


# Working papers of the agency, never shown to the applicant.
OFFICER_ONLY_DOCUMENTS = frozenset({DocumentKind.RESULT_DRAFT, DocumentKind.CONTROL_SLIP})

# Unambiguous characters for the lookup secret printed on the receipt (no 0/O, 1/I/L).
LOOKUP_SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_SECRET_LENGTH = 6
