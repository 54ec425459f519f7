"""The dossier, its state machine, its files, its append-only history and the documents kept with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from portal.append_only import AppendOnlyModel, AppendOnlyQuerySet
from procedures.constants import Channel

from .. import permissions
from ..constants import (
    DESK_ACTIVE_STATES,
    NATIONAL_STATUS,
    PROCESSING_STATES,
    WITHDRAWABLE_STATES,
    WORKING_STATES,
    ApplicantKind,
    DeadlineStatus,
    Decision,
    DeliveryMethod,
    DocumentKind,
    DossierState,
    EventAction,
    NationalStatus,
)
from . import _dossier_document_path, _dossier_file_path

if TYPE_CHECKING:
    from portal.models import Agency, User

S = DossierState


@dataclass(frozen=True)
class Route:
    """Where a transition sends the dossier: agency, department, the role expected to act, the officer."""

    agency: Agency | None = None
    department: str = ""
    role: str = ""
    handler: User | None = None


class Dossier(ConcurrentTransitionMixin, models.Model):
    """One application for one procedure version, from draft to delivered result."""

    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True, null=True, blank=True)
    lookup_secret = models.CharField(_("mã tra cứu"), max_length=12, blank=True)
    # MaHoSo given by the national portal to a dossier filed there (empty for the province's own dossiers).
    national_code = models.CharField(
        _("mã hồ sơ trên Cổng DVC quốc gia"), max_length=60, blank=True, db_index=True
    )
    register_number = models.PositiveIntegerField(_("số thứ tự trong sổ theo dõi"), null=True, blank=True)

    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("thủ tục (phiên bản)"),
    )
    channel = models.PositiveSmallIntegerField(_("kênh nộp"), choices=Channel.choices)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("tài khoản người nộp"),
        help_text=_("Để trống khi người nộp trực tiếp chưa có tài khoản."),
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("tổ chức"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    # What the applicant declared, kept as filed even if the account changes later.
    applicant_kind = models.CharField(
        _("loại đối tượng"), max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("tên người nộp / tổ chức"), max_length=300, blank=True)
    applicant_id_number = models.CharField(_("số CCCD / mã số thuế"), max_length=20, blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    form_data = models.JSONField(_("thông tin tờ khai"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    set_count = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)

    receiving_agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        verbose_name=_("cơ quan tiếp nhận"),
    )
    competent_agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
        verbose_name=_("cơ quan giải quyết"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ tiếp nhận"),
    )

    delivery_method = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=16,
        choices=DeliveryMethod.choices,
        default=DeliveryMethod.DESK,
    )
    postal_address = models.CharField(_("địa chỉ nhận kết quả qua bưu chính"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("ngày nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("ngày hẹn trả ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ngày kết thúc"), null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    # While the applicant supplements (or pays, see DOSSIER_PAYMENT_STOPS_CLOCK) the clock is stopped.
    clock_stopped_at = models.DateTimeField(_("tạm dừng tính thời gian từ"), null=True, blank=True)
    # DuocThanhToanTrucTuyen of the national sync and the index: a fee of this dossier was settled online.
    paid_online = models.BooleanField(_("đã thanh toán trực tuyến"), default=False)
    # The listed target group the applicant claims for a fee exemption or reduction (one of the version's
    # FeeExemption rows); the one-stop desk may refuse the claim with a reason, and then the full fee is owed.
    fee_exemption = models.ForeignKey(
        "procedures.FeeExemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đối tượng miễn, giảm phí, lệ phí"),
    )
    fee_exemption_refused_at = models.DateTimeField(_("từ chối miễn, giảm lúc"), null=True, blank=True)
    fee_exemption_refusal = models.CharField(_("lý do không miễn, giảm"), max_length=500, blank=True)
    deadline_status = models.CharField(
        _("tình trạng thời hạn"),
        max_length=16,
        choices=DeadlineStatus.choices,
        default=DeadlineStatus.ON_TRACK,
    )

    # Where the dossier is now: the agency, department and role expected to act, and the officer holding it.
    current_agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_dossiers",
        verbose_name=_("cơ quan đang xử lý"),
    )
    current_department = models.CharField(_("phòng, ban đang xử lý"), max_length=200, blank=True)
    current_role = models.CharField(_("vai trò đang xử lý"), max_length=24, blank=True)
    current_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
        verbose_name=_("cán bộ đang xử lý"),
    )

    # The result: what the approver signed, and how it reached the applicant.
    decision = models.CharField(_("kết quả giải quyết"), max_length=16, choices=Decision.choices, blank=True)
    delivered_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    collected_by = models.CharField(_("người nhận kết quả"), max_length=200, blank=True)
    postal_tracking_number = models.CharField(_("số hiệu bưu gửi"), max_length=40, blank=True)

    state = FSMField(
        _("trạng thái"), max_length=32, choices=S.choices, default=S.DRAFT, protected=True, db_index=True
    )
    # Bumped by every service that changes the dossier; forms carry it to refuse stale submissions.
    version = models.PositiveIntegerField(_("phiên bản dữ liệu"), default=1)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_agency", "state", "-created_at"], name="dossier_desk_state"),
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant"),
            models.Index(fields=["state", "channel", "-submitted_at"], name="dossier_state_channel"),
            models.Index(fields=["current_agency", "state"], name="dossier_current_agency"),
            models.Index(fields=["current_handler", "state"], name="dossier_current_handler"),
            models.Index(fields=["competent_agency", "deadline_status"], name="dossier_deadline"),
            models.Index(fields=["receiving_agency", "received_at"], name="dossier_register"),
            # The dossiers running at some moment of a day (unfinished, or finished since): the service index's
            # snapshots and live figures pick them with this index instead of reading every dossier.
            models.Index(fields=["finished_at"], name="dossier_finished"),
            # Queues, counts and the deadline sweep read only the dossiers still being processed (a few
            # per cent of the table after some years): partial indexes keep those reads off the history.
            models.Index(
                fields=["current_agency", "state", "due_at"],
                name="dossier_active_current",
                condition=Q(state__in=PROCESSING_STATES),
            ),
            models.Index(
                fields=["competent_agency", "state", "due_at"],
                name="dossier_active_competent",
                condition=Q(state__in=PROCESSING_STATES),
            ),
            models.Index(
                fields=["current_handler", "due_at"],
                name="dossier_active_handler",
                condition=Q(state__in=PROCESSING_STATES),
            ),
            models.Index(
                fields=["receiving_agency", "state", "submitted_at"],
                name="dossier_desk_active",
                condition=Q(state__in=DESK_ACTIVE_STATES),
            ),
            models.Index(
                fields=["procedure_version", "state"],
                name="dossier_waiting_reception",
                condition=Q(state__in=(S.SUBMITTED, S.SUPPLEMENT_REQUESTED), received_at__isnull=True),
            ),
            # Finished dossiers are found by an explicit search, newest reception first.
            models.Index(fields=["competent_agency", "-received_at", "-id"], name="dossier_agency_history"),
            models.Index(fields=["current_agency", "-received_at", "-id"], name="dossier_current_history"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=S.RECEIVED) | Q(code__isnull=False), name="received_dossier_has_code"
            ),
            models.CheckConstraint(
                condition=~Q(delivery_method=DeliveryMethod.POST) | ~Q(postal_address=""),
                name="postal_delivery_has_address",
            ),
        ]

    def __str__(self) -> str:
        return self.code or gettext("Hồ sơ #%(pk)s") % {"pk": self.pk}

    # ---- reads used by templates and guards ----
    @property
    def national_status(self) -> int:
        return int(NATIONAL_STATUS[self.state])

    def get_national_status_display(self) -> str:
        return NationalStatus(self.national_status).label

    @property
    def granted_fee_exemption(self):
        """The claimed exemption while the desk has not refused it (None otherwise)."""
        if self.fee_exemption_id is None or self.fee_exemption_refused_at is not None:
            return None
        return self.fee_exemption

    @property
    def is_before_reception(self) -> bool:
        return self.received_at is None

    @property
    def reference(self) -> str:
        """What to call the dossier before it has a code."""
        return self.code or f"#{self.pk}"

    # ---- transitions: they only set fields; services check, record and schedule ----
    @transition(
        field=state,
        source=S.DRAFT,
        target=S.SUBMITTED,
        conditions=[lambda d: d.channel == Channel.ONLINE],
        permission=lambda d, user: permissions.can_act_as_applicant(user, d),
    )
    def submit(self, *, at, code=None, number=None, secret=None) -> None:
        """Submitted online: the dossier gets its code and lookup secret now (the desk that receives it
        keeps them)."""
        self.submitted_at = at
        if code and not self.code:
            self.code, self.register_number, self.lookup_secret = code, number, secret

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.RECEIVED,
        permission=lambda d, user: permissions.can_intake(user, d),
    )
    def receive(self, *, at, by, agency, code, number, secret, due_at) -> None:
        self._accept(at=at, by=by, agency=agency, code=code, number=number, secret=secret, due_at=due_at)

    @transition(
        field=state,
        source=S.DRAFT,
        target=S.RECEIVED,
        conditions=[lambda d: d.channel in (Channel.COUNTER, Channel.POSTAL)],
        permission=lambda d, user: permissions.can_intake(user, d),
    )
    def receive_in_person(self, *, at, by, agency, code, number, secret, due_at) -> None:
        """Counter or postal intake: the officer creates the dossier already received."""
        self.submitted_at = at
        self._accept(at=at, by=by, agency=agency, code=code, number=number, secret=secret, due_at=due_at)

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.REFUSED,
        permission=lambda d, user: permissions.can_intake(user, d),
    )
    def refuse(self, *, at, by, agency, code, number, secret) -> None:
        self._set_reception(at=at, by=by, agency=agency, code=code, number=number, secret=secret)
        self.finished_at = at

    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.SUPPLEMENT_REQUESTED,
        permission=lambda d, user: permissions.can_intake(user, d),
    )
    def request_completion(self, *, agency) -> None:
        self.receiving_agency = agency

    @transition(
        field=state,
        source=S.SUPPLEMENT_REQUESTED,
        target=S.SUBMITTED,
        # After reception, completing a supplement leads to `supplement_received` (processing issue).
        conditions=[lambda d: d.is_before_reception],
        permission=lambda d, user: permissions.can_act_as_applicant(user, d),
    )
    def complete(self, *, at) -> None:
        self.submitted_at = at

    @transition(
        field=state,
        source=WITHDRAWABLE_STATES,
        target=S.WITHDRAWN,
        permission=lambda d, user: permissions.can_act_as_applicant(user, d),
    )
    def withdraw(self, *, at) -> None:
        self.finished_at = at
        self._route(None)

    # ---- processing (issue: routing along the internal process) ----
    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.ASSIGNED,
        permission=lambda d, user: permissions.can_intake(user, d),
    )
    def forward(self, *, route: Route) -> None:
        """The desk sends the received dossier to the competent agency's department."""
        self._route(route)

    @transition(
        field=state,
        source=S.ASSIGNED,
        target=S.APPRAISING,
        permission=lambda d, user: permissions.can_lead(user, d),
    )
    def assign(self, *, route: Route) -> None:
        self._route(route)

    @transition(
        field=state,
        source=WORKING_STATES,
        target=None,
        permission=lambda d, user: permissions.can_lead(user, d),
    )
    def reassign(self, *, route: Route) -> None:
        """Another specialist takes over; the state does not change."""
        self._route(route)

    @transition(
        field=state,
        source=WORKING_STATES,
        target=S.AWAITING_APPROVAL,
        permission=lambda d, user: permissions.is_handler(user, d),
    )
    def submit_for_approval(self, *, route: Route, decision: str) -> None:
        self.decision = decision
        self._route(route)

    @transition(
        field=state,
        source=S.AWAITING_APPROVAL,
        target=S.RETURNED_FOR_REWORK,
        permission=lambda d, user: permissions.can_lead(user, d),
    )
    def return_for_rework(self, *, route: Route) -> None:
        self._route(route)

    @transition(
        field=state,
        source=S.AWAITING_APPROVAL,
        target=S.RESULT_READY,
        permission=lambda d, user: permissions.can_lead(user, d),
    )
    def approve(self, *, at, route: Route) -> None:
        """Status 9: the result is signed and goes back to the one-stop desk (NgayKetThucXuLy)."""
        self.finished_at = at
        self._route(route)

    @transition(
        field=state,
        source=WORKING_STATES,
        target=S.SUPPLEMENT_REQUESTED,
        conditions=[lambda d: not d.is_before_reception],
        permission=lambda d, user: permissions.is_handler(user, d),
    )
    def request_supplement(self, *, at, route: Route) -> None:
        self.clock_stopped_at = at
        self.supplement_count += 1
        self._route(route)

    @transition(
        field=state,
        source=S.SUPPLEMENT_REQUESTED,
        target=S.SUPPLEMENT_RECEIVED,
        conditions=[lambda d: not d.is_before_reception],
        permission=lambda d, user: permissions.can_supplement(user, d),
    )
    def supplement(self, *, due_at, route: Route) -> None:
        self._restart_clock(due_at=due_at, route=route)

    @transition(
        field=state,
        source=WORKING_STATES,
        target=S.AWAITING_PAYMENT,
        permission=lambda d, user: permissions.is_handler(user, d),
    )
    def request_payment(self, *, at, stop_clock: bool, route: Route) -> None:
        self.clock_stopped_at = at if stop_clock else None
        self._route(route)

    @transition(
        field=state,
        source=S.AWAITING_PAYMENT,
        target=S.APPRAISING,
        permission=lambda d, user: (
            d.receiving_agency_id in permissions.intake_agency_ids(user)
            or permissions.can_work_at_current_agency(user, d)
        ),
    )
    def record_payment(self, *, due_at, route: Route) -> None:
        self._restart_clock(due_at=due_at, route=route)

    @transition(
        field=state,
        source=WORKING_STATES,
        target=S.TRANSFERRED,
        permission=lambda d, user: permissions.is_handler(user, d),
    )
    def transfer(self, *, route: Route) -> None:
        """Liên thông: another agency does its part; code and overall deadline do not change."""
        self._route(route)

    @transition(
        field=state,
        source=S.TRANSFERRED,
        target=S.APPRAISING,
        permission=lambda d, user: permissions.can_work_at_current_agency(user, d),
    )
    def return_transfer(self, *, route: Route) -> None:
        self._route(route)

    @transition(
        field=state,
        source=PROCESSING_STATES,
        target=S.STOPPED,
        permission=lambda d, user: permissions.can_decide(user, d),
    )
    def stop(self, *, at) -> None:
        self.finished_at = at
        self.clock_stopped_at = None
        self._route(None)

    @transition(
        field=state,
        source=S.RESULT_READY,
        target=S.DELIVERED,
        permission=lambda d, user: permissions.can_deliver(user, d),
    )
    def deliver(self, *, at, collected_by: str = "", tracking_number: str = "") -> None:
        self.delivered_at = at
        self.collected_by = collected_by
        self.postal_tracking_number = tracking_number
        self._route(None)

    def _route(self, route: Route | None) -> None:
        route = route or Route()
        self.current_agency = route.agency
        self.current_department = route.department
        self.current_role = route.role
        self.current_handler = route.handler

    def _set_reception(self, *, at, by, agency, code, number, secret) -> None:
        self.received_at = at
        self.received_by = by
        self.receiving_agency = agency
        self.code = code
        self.register_number = number
        self.lookup_secret = secret

    def _accept(self, *, at, by, agency, code, number, secret, due_at) -> None:
        """Received for processing (online or in person): the appointment is set, and kept as the original
        one, and the receiving officer holds the dossier."""
        self._set_reception(at=at, by=by, agency=agency, code=code, number=number, secret=secret)
        self.due_at = self.original_due_at = due_at
        self._route(Route(agency=agency, role="intake", handler=by))

    def _restart_clock(self, *, due_at, route: Route) -> None:
        """The applicant has supplemented or paid: the clock runs again to the appointment moved by the wait."""
        self.clock_stopped_at = None
        self.due_at = due_at
        self._route(route)


class DossierFile(models.Model):
    """One file of one component (thành phần hồ sơ): uploaded, scanned at the desk, or reused.

    A file picked from Kho dữ liệu is stored here too (with `reused`), so the dossier keeps its own copy
    whatever happens to the stored document; the repository links its document to this row later.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(
        "procedures.Component",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("thành phần hồ sơ"),
    )
    file = models.FileField(_("tệp"), upload_to=_dossier_file_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64)
    mime_type = models.CharField(_("định dạng"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    digitised = models.BooleanField(_("được số hóa tại bộ phận một cửa"), default=False)
    reused = models.BooleanField(_("lấy từ Kho dữ liệu"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp hồ sơ")
        verbose_name_plural = _("tệp hồ sơ")
        ordering = ["component__order", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DossierEventQuerySet(AppendOnlyQuerySet):
    def public(self) -> DossierEventQuerySet:
        return self.filter(public=True)


class DossierEvent(AppendOnlyModel):
    """One row per state change (and later, per handover and message). Never updated or deleted.

    The KPI index is computed from these rows, not from the current state (QĐ 766/QĐ-TTg).
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    action = models.CharField(_("thao tác"), max_length=40, choices=EventAction.choices)
    from_state = models.CharField(_("từ trạng thái"), max_length=32, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=32)
    reason = models.TextField(_("lý do, nội dung"), blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    public = models.BooleanField(_("hiện trên trang tra cứu công khai"), default=False)

    objects = DossierEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("lịch sử hồ sơ")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_timeline")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d/%m/%Y %H:%M} {self.get_action_display()}"

    def get_to_state_display(self) -> str:
        return DossierState(self.to_state).label if self.to_state in DossierState.values else self.to_state

    @property
    def to_national_status(self) -> int | None:
        return NATIONAL_STATUS.get(self.to_state)


class DossierCodeCounter(models.Model):
    """Last dossier number issued by one agency on one day (mã hồ sơ, DOMAIN §4.3). Locked row per day."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm mã hồ sơ")
        verbose_name_plural = _("bộ đếm mã hồ sơ")
        constraints = [models.UniqueConstraint(fields=["agency", "date"], name="uniq_code_counter_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.date:%d/%m/%Y}: {self.last_number}"


class DossierDocument(models.Model):
    """A PDF kept with the dossier and downloadable: the forms the desk prints (receipt, refusal…), the draft
    result and the signed result."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("loại giấy tờ"), max_length=32, choices=DocumentKind.choices)
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(upload_to=_dossier_document_path, max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # A signed result put into the applicant's Kho dữ liệu (kind=result).
    kho_document = models.ForeignKey(
        "repository.StoredDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("giấy tờ đã in")
        verbose_name_plural = _("giấy tờ đã in")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="uniq_document_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.dossier}"

    # File names in Vietnamese without diacritics, as people say the form's name.
    DOWNLOAD_STEMS = {
        "receipt": "bien-nhan",
        "supplement_request": "phieu-yeu-cau-bo-sung",
        "refusal": "phieu-tu-choi",
        "apology": "phieu-xin-loi",
        "control_slip": "phieu-kiem-soat",
        "result_draft": "du-thao-ket-qua",
        "result": "ket-qua",
    }

    @property
    def download_name(self) -> str:
        reference = (self.dossier.code or str(self.dossier_id)).replace(".", "_")
        return f"{self.DOWNLOAD_STEMS.get(self.kind, 'giay-to')}-{reference}.pdf"
