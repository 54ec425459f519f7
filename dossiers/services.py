"""Writes of the dossier lifecycle: filing, reception, refusal, completion, withdrawal, codes, documents.

Every state change goes through `_transition`: lock and re-read the row, check the expected version, the
permission and the state machine, call the transition (which only sets fields), save, append the event
row in the same transaction, and schedule the side effects (printed forms now; notifications and the
national sync later) with `transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from portal import outbox
from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import AgencyMembership
from portal.uploads import CheckedUpload, check_upload
from portal.validators import validate_cccd, validate_mst
from portal.working_time import WorkingCalendar, load_calendar
from procedures.constants import Channel
from procedures.forms_schema import validate_applicant_data
from procedures.models import ProcedureVersion, ProcessStep

from . import permissions, selectors
from .archive.services import archive_record_refresh
from .constants import (
    APPLICANT_EDITABLE_STATES,
    FINAL_STATES,
    LOOKUP_SECRET_ALPHABET,
    LOOKUP_SECRET_LENGTH,
    ApplicantKind,
    DeadlineStatus,
    Decision,
    DeliveryMethod,
    DocumentKind,
    DossierState,
    EventAction,
)
from .models import (
    Dossier,
    DossierAccessLog,
    DossierApology,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
    DossierFile,
    DossierHandover,
    DossierMessage,
    Route,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import Agency, Organisation, User
    from procedures.models import Component

S = DossierState
DEFAULT_CODE_PATTERN = "{agency}-{date:%y%m%d}-{number:04d}"
_PHONE = re.compile(r"^(0|\+84)\d{9,10}$")


# ---------------------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------------------
def dossier_code_issue(*, agency: Agency, on: dt.date) -> tuple[str, int]:
    """Next dossier code of `agency` for day `on`: `<agency code>-<YYMMDD>-<NNNN>` (TT 01/2018/TT-VPCP,
    Điều 26; the pattern is the setting DOSSIER_CODE_PATTERN because TT 03/2025/TT-VPCP may change it).

    Gap-free per agency and day: the counter row is locked (`select_for_update`) and incremented in the
    caller's transaction, so a rolled-back reception gives its number back. The first reception of a day
    creates the row in a savepoint; a concurrent creator waits on the unique index, fails, and then locks
    the row the winner created. On SQLite every write transaction is IMMEDIATE, which serialises them.
    """
    with transaction.atomic():
        counter = DossierCodeCounter.objects.select_for_update().filter(agency=agency, date=on).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = DossierCodeCounter.objects.create(agency=agency, date=on, last_number=0)
            except IntegrityError:
                counter = DossierCodeCounter.objects.select_for_update().get(agency=agency, date=on)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    pattern = getattr(settings, "DOSSIER_CODE_PATTERN", "") or DEFAULT_CODE_PATTERN
    return pattern.format(agency=agency.code, date=on, number=counter.last_number), counter.last_number


def _new_lookup_secret() -> str:
    return "".join(secrets.choice(LOOKUP_SECRET_ALPHABET) for _ in range(LOOKUP_SECRET_LENGTH))


def _reception(*, actor: User, desk: Agency, at: dt.datetime) -> dict[str, Any]:
    """The transition arguments every reception decision shares (reception, refusal, counter and postal
    intake): who received it, at which desk and when, the desk's next dossier code for the day and a new
    lookup secret. Call it only once the change will happen, since the code is taken from the counter."""
    code, number = dossier_code_issue(agency=desk, on=timezone.localdate(at))
    return {
        "at": at,
        "by": actor,
        "agency": desk,
        "code": code,
        "number": number,
        "secret": _new_lookup_secret(),
    }


# ---------------------------------------------------------------------------------------------------------
# The one path for state changes
# ---------------------------------------------------------------------------------------------------------
def _record_event(
    *,
    dossier: Dossier,
    actor: User | None,
    action: str,
    from_state: str,
    at: dt.datetime,
    reason: str = "",
    payload: dict | None = None,
    public: bool = True,
) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        actor=actor,
        at=at,
        action=action,
        from_state=from_state,
        to_state=dossier.state,
        reason=reason,
        payload=payload or {},
        public=public,
    )


def _lock(dossier: Dossier, expected_version: int | None) -> Dossier:
    # Lock the dossier row only, not the procedure version joined to it.
    locked = (
        Dossier.objects.select_for_update(of=("self",)).select_related("procedure_version").get(pk=dossier.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới nhất.",
            code="stale_dossier",
        )
    return locked


def _transition(
    *,
    dossier: Dossier,
    actor: User | None,
    method: str,
    action: str,
    expected_version: int | None = None,
    reason: str = "",
    payload: dict | None = None,
    public: bool = True,
    at: dt.datetime | None = None,
    prepare: Callable[[Dossier], dict[str, Any]] | None = None,
    after: Callable[[Dossier, DossierEvent], None] | None = None,
    system: bool = False,
) -> Dossier:
    """Lock → check version, state, permission → transition → save → event → on_commit side effects.

    `prepare(locked)` computes the transition's arguments once the row is locked and checked (a dossier
    code is only issued when the change will happen). `after(dossier, event)` schedules side effects.
    `system=True` is for what the system does by rule inside a person's action it has already checked
    (auto-assignment by workload, placing an electronic result in the Kho): no permission check, and the
    event has no actor.
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(dossier, expected_version)
        bound = getattr(locked, method)
        if not can_proceed(bound):
            raise Conflict(
                f"Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái “{locked.get_state_display()}”.",
                code="transition_not_allowed",
            )
        if not system and not has_transition_perm(bound, actor):
            raise NotPermitted("Bạn không có quyền thực hiện thao tác này với hồ sơ.")
        from_state = locked.state
        kwargs = prepare(locked) if prepare else {}
        bound(**kwargs)
        locked.version = F("version") + 1
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise Conflict(
                "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang.", code="stale_dossier"
            ) from exc
        locked.refresh_from_db(fields=["version"])
        event = _record_event(
            dossier=locked,
            actor=None if system else actor,
            action=action,
            from_state=from_state,
            at=at,
            reason=reason,
            payload=payload,
            public=public,
        )
        if after:
            after(locked, event)
        if locked.state in FINAL_STATES and locked.finished_at:
            _archive_finished(locked)
    return locked


def _archive_finished(dossier: Dossier) -> None:
    """A finished dossier gets its retention period in Kho dữ liệu hồ sơ TTHC at once (Luật Lưu trữ 2024),
    in the same transaction; the nightly archive sweep recomputes it when the rules change."""
    archive_record_refresh(dossier=dossier)


def _schedule_document(dossier: Dossier, kind: str, event: DossierEvent) -> None:
    from . import tasks

    outbox.enqueue(tasks.render_dossier_document, dossier.pk, kind, event.pk)


# ---------------------------------------------------------------------------------------------------------
# Filing online
# ---------------------------------------------------------------------------------------------------------
def _check_version_open(version: ProcedureVersion, *, online: bool, on: dt.date | None = None) -> None:
    if not ProcedureVersion.objects.in_force(on).filter(pk=version.pk).exists():
        raise ApplicationError("Thủ tục này hiện không còn áp dụng.", code="version_not_in_force")
    if online and not version.allows_online:
        raise ApplicationError("Thủ tục này không cho phép nộp hồ sơ trực tuyến.", code="not_online")


@transaction.atomic
def dossier_create_draft(
    *, actor: User, version: ProcedureVersion, organisation: Organisation | None = None
) -> Dossier:
    """Start an online dossier for the actor (or an organisation they represent), prefilled from the
    account and from their earlier dossiers (NĐ 45/2020/NĐ-CP, Điều 9)."""
    if not actor.is_authenticated or not actor.is_citizen:
        raise NotPermitted("Chỉ công dân, tổ chức mới nộp hồ sơ trực tuyến.")
    if organisation is not None and organisation.pk not in permissions.organisation_ids(actor):
        raise NotPermitted("Bạn không phải người đại diện của tổ chức này.")
    _check_version_open(version, online=True)
    prefill = selectors.applicant_prefill(user=actor, version=version, organisation=organisation)
    desk = selectors.preferred_desk(version=version, user=actor)
    return Dossier.objects.create(
        procedure_version=version,
        channel=Channel.ONLINE,
        applicant=actor,
        organisation=organisation,
        created_by=actor,
        receiving_agency=desk,
        competent_agency=selectors.competent_agency_for(
            version=version, desk=desk, applicant_unit_id=actor.administrative_unit_id
        ),
        delivery_method=DeliveryMethod.ELECTRONIC,
        **prefill,
    )


@dataclass
class ApplicantData:
    """What the applicant declares about themselves (snapshot kept on the dossier)."""

    name: str
    id_number: str
    address: str
    phone: str = ""
    email: str = ""
    kind: str = ApplicantKind.CITIZEN


def _applicant_fields(data: ApplicantData) -> dict[str, str]:
    """The applicant's declaration as the dossier's snapshot fields."""
    return {
        "applicant_kind": data.kind,
        "applicant_name": data.name.strip(),
        "applicant_id_number": data.id_number.strip(),
        "applicant_address": data.address.strip(),
        "applicant_phone": data.phone.strip(),
        "applicant_email": data.email.strip(),
    }


def _validate_applicant(data: ApplicantData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["applicant_name"] = "Nhập họ và tên người nộp hoặc tên tổ chức."
    if not data.address.strip():
        errors["applicant_address"] = "Nhập địa chỉ."
    validator = validate_mst if data.kind == ApplicantKind.ORGANISATION else validate_cccd
    try:
        validator(data.id_number.strip())
    except ValidationError as exc:
        errors["applicant_id_number"] = exc.messages[0]
    if data.phone and not _PHONE.match(re.sub(r"[\s.]", "", data.phone)):
        # Landlines are fine here (an organisation's switchboard), unlike the mobile number of an account.
        errors["applicant_phone"] = (
            "Số điện thoại không hợp lệ (10 hoặc 11 chữ số, ví dụ 0905123456 hoặc 02583822000)."
        )
    if not data.phone and not data.email:
        errors["applicant_phone"] = "Nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ."
    return errors


def validate_form_data(*, version: ProcedureVersion, data: dict) -> tuple[dict, dict[str, str]]:
    """Clean the answers to the version's applicant form; returns (cleaned, errors by field)."""
    try:
        cleaned = validate_applicant_data(version.form_schema or {}, data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return data, {k: v[0].messages[0] for k, v in exc.error_dict.items()}
        return data, {"__all__": exc.messages[0]}
    return cleaned, {}


def _editable(dossier: Dossier, actor: User, expected_version: int | None) -> Dossier:
    locked = _lock(dossier, expected_version)
    if not permissions.can_act_as_applicant(actor, locked):
        raise NotPermitted("Bạn không có quyền sửa hồ sơ này.")
    if locked.state not in APPLICANT_EDITABLE_STATES:
        raise Conflict("Hồ sơ đã nộp, không thể sửa.", code="not_editable")
    return locked


def _files_before_request(locked: Dossier) -> int:
    request = locked.events.filter(action=EventAction.REQUEST_SUPPLEMENT).order_by("-at", "-id").first()
    if request is None:
        return 2**63 - 1
    return int(request.payload.get("last_file_id", 2**63 - 1))


def _only_files_after_reception(locked: Dossier) -> None:
    if not locked.is_before_reception:
        raise Conflict(
            "Hồ sơ đã được tiếp nhận: chỉ bổ sung giấy tờ theo yêu cầu, không sửa thông tin đã nộp.",
            code="received_dossier",
        )


def _bump(dossier: Dossier, fields: Iterable[str]) -> None:
    dossier.version = F("version") + 1
    dossier.save(update_fields=[*fields, "version"])
    dossier.refresh_from_db(fields=["version"])


@transaction.atomic
def dossier_update_applicant(
    *,
    dossier: Dossier,
    actor: User,
    applicant: ApplicantData,
    form_data: dict,
    expected_version: int | None = None,
) -> Dossier:
    """Save the applicant's details and form answers on a draft (or while completing it)."""
    locked = _editable(dossier, actor, expected_version)
    _only_files_after_reception(locked)
    errors = _validate_applicant(applicant)
    cleaned, form_errors = validate_form_data(version=locked.procedure_version, data=form_data)
    errors.update({f"form_{k}": v for k, v in form_errors.items()})
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_applicant", extra={"errors": errors})
    fields = _applicant_fields(applicant)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.form_data = cleaned
    _bump(locked, [*fields, "form_data"])
    return locked


def _check_delivery(version: ProcedureVersion, method: str, postal_address: str) -> dict[str, str]:
    errors = {}
    if method not in DeliveryMethod.values:
        errors["delivery_method"] = "Chọn cách nhận kết quả."
    elif method == DeliveryMethod.POST:
        if not version.allows_postal:
            errors["delivery_method"] = "Thủ tục này không trả kết quả qua bưu chính."
        elif not postal_address.strip():
            errors["postal_address"] = "Nhập địa chỉ nhận kết quả qua bưu chính."
    return errors


@transaction.atomic
def dossier_set_delivery(
    *,
    dossier: Dossier,
    actor: User,
    method: str,
    postal_address: str = "",
    desk: Agency | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Choose how to receive the result (desk, post with an address, electronic) and the receiving desk."""
    locked = _editable(dossier, actor, expected_version)
    _only_files_after_reception(locked)
    errors = _check_delivery(locked.procedure_version, method, postal_address)
    if (
        desk is not None
        and not permissions.desks_for_version(locked.procedure_version).filter(pk=desk.pk).exists()
    ):
        errors["desk"] = "Bộ phận một cửa này không tiếp nhận thủ tục đã chọn."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_delivery", extra={"errors": errors})
    locked.delivery_method = method
    locked.postal_address = postal_address.strip() if method == DeliveryMethod.POST else ""
    fields = ["delivery_method", "postal_address"]
    if desk is not None:
        locked.receiving_agency = desk
        locked.competent_agency = selectors.competent_agency_for(
            version=locked.procedure_version, desk=desk, applicant_unit_id=_applicant_unit(locked)
        )
        fields += ["receiving_agency", "competent_agency"]
    _bump(locked, fields)
    return locked


@contextmanager
def _files_removed_on_error() -> Iterator[list[str]]:
    """Files stored by a block that then fails would be orphans: remove them.

    Use it outside the transaction (`with _files_removed_on_error() as stored, transaction.atomic():`), so
    the database has rolled back before the files go.
    """
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        storage = DossierFile._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


def _store_file(
    *,
    dossier: Dossier,
    component: Component | None,
    upload: UploadedFile,
    actor: User,
    digitised: bool,
    stored: list[str],
) -> DossierFile:
    checked = check_upload(upload)
    record = DossierFile(
        dossier=dossier,
        component=component,
        original_name=(upload.name or "tep")[:255],
        sha256=checked.sha256,
        mime_type=checked.mime_type,
        size=checked.size,
        digitised=digitised,
        uploaded_by=actor,
    )
    upload.seek(0)
    record.file.save(f"upload.{checked.extension}", upload, save=False)
    stored.append(record.file.name)
    record.save()
    return record


def _file_from_version(
    *,
    dossier: Dossier,
    component: Component,
    version,
    original_name: str,
    actor: User,
    stem: str,
    default_extension: str,
    reused: bool = False,
    digitised: bool = False,
) -> DossierFile:
    """An unsaved file row holding the dossier's own copy of a stored document version from Kho dữ liệu
    (the copy stays with the dossier whatever later happens to the stored document)."""
    record = DossierFile(
        dossier=dossier,
        component=component,
        original_name=original_name[:255],
        sha256=version.sha256,
        mime_type=version.mime_type,
        size=version.size,
        reused=reused,
        digitised=digitised,
        uploaded_by=actor,
    )
    extension = version.file.name.rsplit(".", 1)[-1] if "." in version.file.name else default_extension
    with version.file.open("rb") as source:
        record.file.save(f"{stem}.{extension}", source, save=False)
    return record


def _applicant_unit(dossier: Dossier) -> int | None:
    return dossier.applicant.administrative_unit_id if dossier.applicant_id else None


def _check_component(dossier: Dossier, component: Component | None) -> None:
    if component is not None and component.version_id != dossier.procedure_version_id:
        raise ApplicationError("Thành phần hồ sơ không thuộc thủ tục này.", code="wrong_component")


def dossier_attach_file(
    *,
    dossier: Dossier,
    actor: User,
    component: Component | None,
    upload: UploadedFile,
    expected_version: int | None = None,
) -> DossierFile:
    """Attach one uploaded file to a component of a draft. Type is checked from the content (PDF, JPEG,
    PNG, DOCX), size against UPLOAD_MAX_BYTES."""
    with _files_removed_on_error() as stored, transaction.atomic():
        locked = _editable(dossier, actor, expected_version)
        _check_component(locked, component)
        record = _store_file(
            dossier=locked, component=component, upload=upload, actor=actor, digitised=False, stored=stored
        )
        _bump(locked, [])
    return record


def dossier_attach_stored_document(
    *,
    dossier: Dossier,
    actor: User,
    component: Component,
    document,
    expected_version: int | None = None,
) -> DossierFile:
    """Take a document from the applicant's Kho dữ liệu instead of uploading it again (once-only,
    NĐ 45/2020/NĐ-CP Điều 17). The use is recorded in the repository (which pins the version used) and the
    dossier keeps its own copy in the dossier store, marked reused for the KPI index (QĐ 766/QĐ-TTg, 3.3)."""
    from repository.selectors import documents_reusable_for
    from repository.services import document_record_use

    with _files_removed_on_error() as stored, transaction.atomic():
        locked = _editable(dossier, actor, expected_version)
        _check_component(locked, component)
        owner = locked.organisation or locked.applicant
        if owner is None or not documents_reusable_for(owner, component.code).filter(pk=document.pk).exists():
            raise ApplicationError(
                "Giấy tờ này không dùng được cho thành phần hồ sơ đã chọn.", code="not_reusable"
            )
        use = document_record_use(
            document=document, dossier_id=locked.pk, component_id=component.pk, actor=actor
        )
        version = use.version
        existing = locked.files.filter(component=component, reused=True, sha256=version.sha256).first()
        if existing:
            return existing
        record = _file_from_version(
            dossier=locked,
            component=component,
            version=version,
            original_name=version.original_name,
            actor=actor,
            stem="kho",
            default_extension="bin",
            reused=True,
        )
        stored.append(record.file.name)
        record.save()
        _bump(locked, [])
    return record


@transaction.atomic
def dossier_remove_file(
    *, dossier_file: DossierFile, actor: User, expected_version: int | None = None
) -> None:
    locked = _editable(dossier_file.dossier, actor, expected_version)
    if not locked.is_before_reception and dossier_file.pk <= _files_before_request(locked):
        raise Conflict(
            "Giấy tờ đã được tiếp nhận không xóa được; chỉ xóa được tệp vừa tải lên để bổ sung.",
            code="received_file",
        )
    name = dossier_file.file.name
    DossierFile.objects.filter(pk=dossier_file.pk, dossier=locked).delete()
    _bump(locked, [])
    storage = dossier_file.file.storage
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def dossier_delete_draft(*, dossier: Dossier, actor: User) -> None:
    """Discard a draft that was never submitted (nothing was sent anywhere, so nothing is kept)."""
    locked = _lock(dossier, None)
    if locked.state != S.DRAFT or not permissions.can_act_as_applicant(actor, locked):
        raise NotPermitted("Chỉ xóa được hồ sơ nháp của chính bạn.")
    names = [f.file.name for f in locked.files.all()]
    storage = DossierFile._meta.get_field("file").storage
    locked.files.all().delete()
    locked.delete()
    transaction.on_commit(lambda: [storage.delete(n) for n in names])


def submission_problems(*, dossier: Dossier) -> list[str]:
    """Everything that stops a dossier from being submitted, in the applicant's words."""
    problems = []
    applicant = ApplicantData(
        name=dossier.applicant_name,
        id_number=dossier.applicant_id_number,
        address=dossier.applicant_address,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
        kind=dossier.applicant_kind,
    )
    if _validate_applicant(applicant):
        problems.append("Thông tin người nộp chưa đầy đủ hoặc chưa hợp lệ.")
    _, form_errors = validate_form_data(version=dossier.procedure_version, data=dossier.form_data or {})
    if form_errors:
        problems.append("Tờ khai chưa đầy đủ hoặc chưa hợp lệ.")
    storage = DossierFile._meta.get_field("file").storage
    for status in selectors.component_statuses(dossier=dossier):
        if not status.complete:
            problems.append(f"Chưa đính kèm: {status.component.name}.")
        for f in status.files:
            # A file row whose content never reached the storage would leave the dossier without it.
            if not storage.exists(f.file.name):
                problems.append(f"Tệp “{f.original_name}” bị lỗi khi tải lên, vui lòng tải lại.")
    if _check_delivery(dossier.procedure_version, dossier.delivery_method, dossier.postal_address):
        problems.append("Chưa chọn cách nhận kết quả hợp lệ.")
    if dossier.receiving_agency_id is None:
        problems.append("Không có bộ phận một cửa nào tiếp nhận thủ tục này.")
    return problems


def dossier_submit(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Submit an online dossier (status 1, Mới đăng ký). Refused while any mandatory component, detail
    or delivery choice is missing, so a submitted dossier always has its files."""
    at = at or timezone.now()

    def prepare(locked: Dossier) -> dict:
        _check_version_open(locked.procedure_version, online=True, on=timezone.localdate(at))
        problems = submission_problems(dossier=locked)
        if problems:
            raise ApplicationError(
                "Hồ sơ chưa đủ để nộp.", code="incomplete_dossier", extra={"problems": problems}
            )
        return {"at": at}

    return _transition(
        dossier=dossier,
        actor=actor,
        method="submit",
        action=EventAction.SUBMIT,
        expected_version=expected_version,
        at=at,
        prepare=prepare,
    )


def dossier_complete(*, dossier: Dossier, actor: User, expected_version: int | None = None) -> Dossier:
    """Send back a dossier the desk asked to complete before reception; it returns to the intake queue."""

    def prepare(locked: Dossier) -> dict:
        problems = submission_problems(dossier=locked)
        if problems:
            raise ApplicationError(
                "Hồ sơ chưa đủ để nộp.", code="incomplete_dossier", extra={"problems": problems}
            )
        return {"at": timezone.now()}

    return _transition(
        dossier=dossier,
        actor=actor,
        method="complete",
        action=EventAction.COMPLETE,
        expected_version=expected_version,
        prepare=prepare,
    )


# ---------------------------------------------------------------------------------------------------------
# Reception by the one-stop desk
# ---------------------------------------------------------------------------------------------------------
def _desk(actor: User, dossier: Dossier, agency: Agency | None) -> Agency:
    from portal.models import Agency

    desks = permissions.intake_desks_of(actor, dossier)
    if not desks:
        raise NotPermitted("Bạn không có quyền tiếp nhận hồ sơ này.")
    if agency is not None:
        if agency.pk not in desks:
            raise NotPermitted("Bạn không tiếp nhận hồ sơ tại cơ quan này.")
        return agency
    return Agency.objects.get(pk=desks[0])


def dossier_receive(
    *,
    dossier: Dossier,
    actor: User,
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Accept an online dossier at the desk (status 2, Được tiếp nhận; NĐ 118/2025/NĐ-CP, Điều 15): issue
    the dossier code and lookup secret, compute the appointment from the version's time limit for the
    channel on the working calendar, and print the receipt (TT 01/2018/TT-VPCP, Mẫu số 01)."""
    at = at or timezone.now()

    def prepare(locked: Dossier) -> dict:
        desk = _desk(actor, locked, agency)
        if locked.submitted_at and at < locked.submitted_at:
            raise ApplicationError(
                "Thời điểm tiếp nhận không thể trước thời điểm nộp hồ sơ.", code="bad_time"
            )
        reception = _reception(actor=actor, desk=desk, at=at)
        due = selectors.appointment_for(
            version=locked.procedure_version, channel=locked.channel, received_at=at
        )
        if locked.competent_agency_id is None or locked.receiving_agency_id != desk.pk:
            locked.competent_agency = selectors.competent_agency_for(
                version=locked.procedure_version, desk=desk
            )
        return {**reception, "due_at": due}

    try:
        return _transition(
            dossier=dossier,
            actor=actor,
            method="receive",
            action=EventAction.RECEIVE,
            expected_version=expected_version,
            at=at,
            prepare=prepare,
            after=lambda d, e: _after_reception(d, e, actor),
        )
    except Conflict as exc:
        # The officer sent the same form again (a double click, a reload, a retry after a lost answer): their
        # reception already went through, so answer with it instead of a conflict, and issue no second code.
        already = _received_by(dossier, actor) if exc.code == "stale_dossier" else None
        if already is None:
            raise
        return already


def _received_by(dossier: Dossier, actor: User) -> Dossier | None:
    """The dossier, when it stands received and its reception was this officer's."""
    current = Dossier.objects.get(pk=dossier.pk)
    if current.received_at is None:
        return None
    received = DossierEvent.objects.filter(dossier=current, action=EventAction.RECEIVE, actor=actor)
    return current if received.exists() else None


def dossier_refuse(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Refuse an online dossier at reception (status 3) with the reason, and print the refusal form
    (Phiếu từ chối tiếp nhận, giải quyết hồ sơ, TT 01/2018/TT-VPCP Mẫu số 03).

    The refusal is the desk's reception decision, so the dossier gets its code here too: the register
    (Sổ theo dõi hồ sơ) lists it and the national portal receives it with status 3.
    """
    reason = _reason_required(reason, what="lý do từ chối")
    at = at or timezone.now()

    def prepare(locked: Dossier) -> dict:
        return _reception(actor=actor, desk=_desk(actor, locked, agency), at=at)

    return _transition(
        dossier=dossier,
        actor=actor,
        method="refuse",
        action=EventAction.REFUSE,
        expected_version=expected_version,
        reason=reason,
        at=at,
        prepare=prepare,
        after=lambda d, e: _schedule_document(d, DocumentKind.REFUSAL, e),
    )


def dossier_request_completion(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    components: Iterable[Component] = (),
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask the applicant to complete an online dossier before it is received (status 5), listing what
    and why (NĐ 118/2025/NĐ-CP, Điều 15: hướng dẫn hoàn thiện hồ sơ một lần, đầy đủ). No code is issued
    and no deadline runs; this does not count as a supplement request during processing."""
    reason = _reason_required(
        reason, message="Nêu cụ thể nội dung cần bổ sung, hoàn thiện (ít nhất 10 ký tự)."
    )
    components = list(components)
    for component in components:
        _check_component(dossier, component)

    def prepare(locked: Dossier) -> dict:
        return {"agency": _desk(actor, locked, agency)}

    return _transition(
        dossier=dossier,
        actor=actor,
        method="request_completion",
        action=EventAction.REQUEST_COMPLETION,
        expected_version=expected_version,
        reason=reason,
        payload={"components": [{"id": c.pk, "name": c.name} for c in components]},
        at=at,
        prepare=prepare,
        after=lambda d, e: _schedule_document(d, DocumentKind.SUPPLEMENT_REQUEST, e),
    )


def dossier_withdraw(
    *, dossier: Dossier, actor: User, reason: str = "", expected_version: int | None = None
) -> Dossier:
    """The applicant withdraws the dossier (status 7) before a result exists (NĐ 118/2025/NĐ-CP). The step
    in progress, if any, ends with the withdrawal."""
    return _transition(
        dossier=dossier,
        actor=actor,
        method="withdraw",
        action=EventAction.WITHDRAW,
        expected_version=expected_version,
        reason=(reason or "").strip(),
        prepare=lambda locked: {"at": timezone.now()},
        after=lambda d, e: _close_open_handover(d, at=e.at),
    )


@dataclass
class ComponentUpload:
    component: Component | None
    upload: UploadedFile


def dossier_receive_in_person(
    *,
    actor: User,
    agency: Agency,
    version: ProcedureVersion,
    channel: int,
    applicant: ApplicantData,
    form_data: dict,
    uploads: list[ComponentUpload],
    delivery_method: str,
    postal_address: str = "",
    set_count: int = 1,
    at: dt.datetime | None = None,
    submission: str = "",
) -> Dossier:
    """Counter (channel 1) or postal (channel 3) intake: the officer types the form and scans every
    paper; each scanned component is marked digitised (TT 01/2023/TT-VPCP). The dossier is created
    directly in `received` with its code, appointment and receipt — or not at all: a failed scan or a
    missing mandatory component leaves nothing behind, not even the stored files.

    `submission` identifies one filled-in form: sent again by the same officer, it returns the dossier it
    made the first time instead of a second dossier with a second code."""
    if channel not in (Channel.COUNTER, Channel.POSTAL):
        raise ApplicationError("Kênh tiếp nhận không hợp lệ.", code="wrong_channel")
    if channel == Channel.POSTAL and not version.allows_postal:
        raise ApplicationError("Thủ tục này không tiếp nhận qua bưu chính.", code="not_postal")
    if agency.pk not in permissions.intake_agency_ids(actor):
        raise NotPermitted("Bạn không tiếp nhận hồ sơ tại cơ quan này.")
    _check_version_open(version, online=False)
    if not permissions.desks_for_version(version).filter(pk=agency.pk).exists():
        raise ApplicationError(
            f"{agency.name} không tiếp nhận thủ tục này (thủ tục không tiếp nhận ngoài địa giới hành chính).",
            code="wrong_desk",
        )
    errors = _validate_applicant(applicant)
    cleaned, form_errors = validate_form_data(version=version, data=form_data)
    errors.update({f"form_{k}": v for k, v in form_errors.items()})
    errors.update(_check_delivery(version, delivery_method, postal_address))
    for upload in uploads:
        if upload.component is not None and upload.component.version_id != version.pk:
            raise ApplicationError("Thành phần hồ sơ không thuộc thủ tục này.", code="wrong_component")
    given = {u.component.pk for u in uploads if u.component is not None}
    for component in selectors.components_of(version=version):
        if component.mandatory and component.pk not in given:
            errors[f"component_{component.pk}"] = f"Chưa quét giấy tờ: {component.name}."
    if set_count < 1:
        errors["set_count"] = "Số bộ hồ sơ phải từ 1 trở lên."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_intake", extra={"errors": errors})

    from portal.models import Organisation, User

    account = None
    organisation = None
    if applicant.kind == ApplicantKind.ORGANISATION:
        organisation = Organisation.objects.filter(tax_code=applicant.id_number.strip()).first()
    else:
        # Only an account whose identity was proven receives a dossier it did not file (see dossier_claim).
        account = User.objects.filter(
            cccd=applicant.id_number.strip(), identity_verified_at__isnull=False
        ).first()
    at = at or timezone.now()
    action = EventAction.RECEIVE_AT_COUNTER if channel == Channel.COUNTER else EventAction.RECEIVE_BY_POST
    with _files_removed_on_error() as stored, transaction.atomic():
        if submission:
            # The officer's row is locked so that two copies of one form are taken one after the other.
            list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
            earlier = (
                DossierEvent.objects.filter(
                    actor=actor,
                    action__in=(EventAction.RECEIVE_AT_COUNTER, EventAction.RECEIVE_BY_POST),
                    payload__submission=submission,
                )
                .select_related("dossier")
                .first()
            )
            if earlier is not None:
                return earlier.dossier
        dossier = Dossier.objects.create(
            procedure_version=version,
            channel=channel,
            applicant=account,
            organisation=organisation,
            created_by=actor,
            **_applicant_fields(applicant),
            form_data=cleaned,
            set_count=set_count,
            receiving_agency=agency,
            competent_agency=selectors.competent_agency_for(
                version=version,
                desk=agency,
                applicant_unit_id=account.administrative_unit_id if account else None,
            ),
            delivery_method=delivery_method,
            postal_address=postal_address.strip() if delivery_method == DeliveryMethod.POST else "",
        )
        for upload in uploads:
            _store_file(
                dossier=dossier,
                component=upload.component,
                upload=upload.upload,
                actor=actor,
                digitised=True,
                stored=stored,
            )

        def prepare(locked: Dossier) -> dict:
            reception = _reception(actor=actor, desk=agency, at=at)
            due = selectors.appointment_for(version=version, channel=channel, received_at=at)
            return {**reception, "due_at": due}

        dossier = _transition(
            dossier=dossier,
            actor=actor,
            method="receive_in_person",
            action=action,
            at=at,
            prepare=prepare,
            payload={"digitised_files": len(uploads), **({"submission": submission} if submission else {})},
            after=lambda d, e: _after_reception(d, e, actor),
        )
    return dossier


# ---------------------------------------------------------------------------------------------------------
# Printed forms
# ---------------------------------------------------------------------------------------------------------
def dossier_document_generate(*, dossier_id: int, kind: str, event_id: int | None) -> DossierDocument:
    """Render and store one printed form for one event. Idempotent: a form already printed for the event
    is returned as it is."""
    from . import documents

    existing = DossierDocument.objects.filter(dossier_id=dossier_id, kind=kind, event_id=event_id).first()
    if existing:
        return existing
    dossier = selectors.dossier_detail(pk=dossier_id)
    event = DossierEvent.objects.get(pk=event_id) if event_id else None
    pdf = documents.render(dossier=dossier, kind=kind, event=event)
    try:
        with _files_removed_on_error() as stored, transaction.atomic():
            record = _store_document(dossier=dossier, kind=kind, event=event, pdf=pdf, stored=stored)
    except IntegrityError:
        # Printed concurrently by another worker: keep theirs.
        return DossierDocument.objects.get(dossier_id=dossier_id, kind=kind, event_id=event_id)
    return record


# ---------------------------------------------------------------------------------------------------------
# Processing: handovers along the internal process (quy trình nội bộ)
# ---------------------------------------------------------------------------------------------------------
DESK_DEPARTMENT = "Bộ phận tiếp nhận và trả kết quả"


def _payment_stops_clock() -> bool:
    return bool(getattr(settings, "DOSSIER_PAYMENT_STOPS_CLOCK", True))


def _open_handover(dossier: Dossier) -> DossierHandover | None:
    return DossierHandover.objects.open().filter(dossier=dossier).order_by("-handed_at", "-id").first()


def _close_open_handover(dossier: Dossier, *, at: dt.datetime) -> DossierHandover | None:
    previous = _open_handover(dossier)
    if previous is not None:
        previous.close(at=at, outcome=selectors.deadline_outcome(finished_at=at, due_at=previous.step_due_at))
    return previous


def _step_due(
    dossier: Dossier,
    step: ProcessStep | None,
    at: dt.datetime,
    *,
    calendar: WorkingCalendar,
    previous: DossierHandover | None = None,
    minutes: float | None = None,
) -> dt.datetime | None:
    """The step's deadline: its share of the legal time from the handover (NĐ 118/2025/NĐ-CP: each step of
    the internal process has its time), never after the dossier's own appointment. A step that continues
    with another officer (reassignment) keeps its deadline; `minutes` overrides the share (time left)."""
    if previous is not None and step is not None and previous.step_id == step.pk and previous.step_due_at:
        return previous.step_due_at
    if minutes is None:
        if step is None:
            return dossier.due_at
        total = selectors.total_working_minutes(
            version=dossier.procedure_version, channel=dossier.channel, calendar=calendar
        )
        if total is None:
            return dossier.due_at
        minutes = float(step.share_percent) / 100 * total
    due = calendar.add_working_minutes(calendar.counting_start(at, apply_cutoff=False), max(minutes, 0))
    return min(due, dossier.due_at) if dossier.due_at else due


def _hand_over(
    *,
    dossier: Dossier,
    event: DossierEvent,
    from_user: User | None,
    to_user: User | None = None,
    to_agency: Agency | None = None,
    to_department: str = "",
    to_role: str = "",
    step: ProcessStep | None = None,
    step_due_at: dt.datetime | None = None,
    due_from_step: bool = True,
    minutes: float | None = None,
    note: str = "",
    final: bool = False,
    calendar: WorkingCalendar | None = None,
) -> DossierHandover:
    """Close the open handover (its outcome against its step deadline) and append the next one.

    `final` rows (the result handed to the applicant) are closed at once, their outcome measured against
    the dossier's appointment.
    """
    at = event.at
    calendar = calendar or load_calendar()
    previous = _close_open_handover(dossier, at=at)
    if due_from_step:
        step_due_at = _step_due(dossier, step, at, calendar=calendar, previous=previous, minutes=minutes)
    return DossierHandover.objects.create(
        dossier=dossier,
        event=event,
        action=event.action,
        step=step,
        from_user=from_user,
        from_agency=previous.to_agency if previous else dossier.receiving_agency,
        to_user=to_user,
        to_agency=to_agency,
        to_department=to_department,
        to_role=to_role,
        handed_at=at,
        step_due_at=step_due_at,
        completed_at=at if final else None,
        outcome=selectors.deadline_outcome(finished_at=at, due_at=step_due_at) if final else "",
        note=note,
    )


def _hand_over_along_route(
    *,
    dossier: Dossier,
    event: DossierEvent,
    actor: User | None,
    step: ProcessStep | None,
    minutes: float | None = None,
    note: str = "",
    calendar: WorkingCalendar,
) -> DossierHandover:
    """The handover to where the transition has just routed the dossier (its current agency, department,
    role and officer), for `step` of the internal process."""
    return _hand_over(
        dossier=dossier,
        event=event,
        from_user=actor,
        to_user=dossier.current_handler,
        to_agency=dossier.current_agency,
        to_department=dossier.current_department,
        to_role=dossier.current_role,
        step=step,
        minutes=minutes,
        note=note,
        calendar=calendar,
    )


def _after_reception(dossier: Dossier, event: DossierEvent, actor: User) -> None:
    """The first handover: the desk holds the dossier for the reception step (Bước 1)."""
    step = selectors.process_step(version=dossier.procedure_version, role=Role.INTAKE_OFFICER)
    DossierHandover.objects.create(
        dossier=dossier,
        event=event,
        action=event.action,
        step=step,
        from_user=dossier.applicant,
        from_agency=None,
        to_user=actor,
        to_agency=dossier.receiving_agency,
        to_department=(step.department if step else "") or DESK_DEPARTMENT,
        to_role=Role.INTAKE_OFFICER,
        handed_at=event.at,
        step_due_at=_step_due(dossier, step, event.at, calendar=load_calendar()),
    )
    _schedule_document(dossier, DocumentKind.RECEIPT, event)


def _reason_required(
    reason: str, *, field: str = "reason", what: str = "lý do", message: str | None = None
) -> str:
    """The reason, stripped; refused when shorter than 10 characters (a reason must say something)."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        message = message or f"Nhập {what} cụ thể (ít nhất 10 ký tự)."
        raise ApplicationError(message, code="reason_required", extra={"errors": {field: message}})
    return reason


def _field_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, extra={"errors": {field: message}})


def _check_upload_for(field: str, upload: UploadedFile, **options: Any) -> CheckedUpload:
    """`check_upload`, its refusal reported next to the form field that carried the file."""
    try:
        return check_upload(upload, **options)
    except ApplicationError as exc:
        raise _field_error(field, exc.message, code=exc.code) from exc


def _last_event(dossier: Dossier, action: str) -> DossierEvent | None:
    return dossier.events.filter(action=action).order_by("-at", "-id").first()


def _auto_assign(dossier: Dossier, *, at: dt.datetime) -> Dossier:
    """Give the dossier to the least-loaded specialist of the department, as the system."""
    specialist = selectors.least_loaded_specialist(
        agency=dossier.current_agency, department=dossier.current_department
    )
    if specialist is None:
        return dossier
    return _assign(dossier=dossier, actor=None, specialist=specialist, at=at, system=True)


def dossier_forward(
    *,
    dossier: Dossier,
    actor: User,
    auto_assign: bool = False,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The desk sends a received dossier to the competent agency's department (NĐ 118/2025/NĐ-CP, Điều 16:
    chuyển hồ sơ đến cơ quan có thẩm quyền giải quyết). With `auto_assign`, or when nobody in the agency
    can assign, the system gives it at once to the least-loaded specialist (assignment by workload)."""
    at = at or timezone.now()
    calendar = load_calendar()
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        agency = locked.competent_agency
        if agency is None:
            raise ApplicationError(
                "Hồ sơ chưa xác định cơ quan giải quyết; liên hệ quản trị để cập nhật thủ tục.",
                code="no_competent_agency",
            )
        step = selectors.process_step(version=locked.procedure_version, role=Role.SPECIALIST)
        state["step"] = step
        department = step.department if step else ""
        return {"route": Route(agency=agency, department=department, role=Role.SPECIALIST)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_over_along_route(
            dossier=locked, event=event, actor=actor, step=state["step"], note=note, calendar=calendar
        )

    with transaction.atomic():
        dossier = _transition(
            dossier=dossier,
            actor=actor,
            method="forward",
            action=EventAction.FORWARD,
            expected_version=expected_version,
            reason=(note or "").strip(),
            at=at,
            prepare=prepare,
            after=after,
        )
        nobody_assigns = not AgencyMembership.objects.filter(
            agency=dossier.current_agency, role__in=permissions.LEADING_ROLES, active=True
        ).exists()
        if auto_assign or nobody_assigns:
            dossier = _auto_assign(dossier, at=at)
    return dossier


def _check_specialist(agency: Agency, specialist: User) -> None:
    if not AgencyMembership.objects.filter(
        agency=agency, user=specialist, role=Role.SPECIALIST, active=True, user__is_active=True
    ).exists():
        raise _field_error(
            "specialist", f"{specialist} không phải chuyên viên của {agency.name}.", code="not_a_specialist"
        )


def _assign(
    *,
    dossier: Dossier,
    actor: User | None,
    specialist: User,
    at: dt.datetime,
    expected_version: int | None = None,
    system: bool = False,
) -> Dossier:
    calendar = load_calendar()

    def prepare(locked: Dossier) -> dict:
        _check_specialist(locked.current_agency, specialist)
        return {
            "route": Route(
                agency=locked.current_agency,
                department=locked.current_department,
                role=Role.SPECIALIST,
                handler=specialist,
            )
        }

    def after(locked: Dossier, event: DossierEvent) -> None:
        # The specialist takes over the step in progress.
        previous = _open_handover(locked)
        _hand_over_along_route(
            dossier=locked,
            event=event,
            actor=actor,
            step=previous.step if previous else None,
            calendar=calendar,
        )

    locked_state = Dossier.objects.filter(pk=dossier.pk).values_list("state", flat=True).first()
    return _transition(
        dossier=dossier,
        actor=actor,
        method="assign" if locked_state == S.ASSIGNED else "reassign",
        action=EventAction.ASSIGN,
        expected_version=expected_version,
        reason=f"Phân công: {specialist.full_name or specialist.username}",
        payload={"specialist_id": specialist.pk, "auto": system},
        public=False,
        at=at,
        prepare=prepare,
        after=after,
        system=system,
    )


def dossier_assign(
    *,
    dossier: Dossier,
    actor: User,
    specialist: User | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The department head assigns (or reassigns) a specialist; without one, the least-loaded specialist of
    the department is chosen (assignment by workload)."""
    at = at or timezone.now()
    if specialist is None:
        agency = dossier.current_agency
        if agency is None or not permissions.can_lead(actor, dossier):
            raise NotPermitted("Bạn không có quyền phân công xử lý hồ sơ này.")
        specialist = selectors.least_loaded_specialist(agency=agency, department=dossier.current_department)
        if specialist is None:
            raise _field_error("specialist", f"{agency.name} chưa có chuyên viên nào.", code="no_specialist")
    return _assign(
        dossier=dossier, actor=actor, specialist=specialist, at=at, expected_version=expected_version
    )


@dataclass
class BulkAssignResult:
    assigned: list[Dossier]
    failed: dict[int, str]


def dossiers_assign_bulk(
    *, dossiers: Iterable[Dossier], actor: User, specialist: User | None = None
) -> BulkAssignResult:
    """Assign several dossiers at once (one transaction each: one refusal does not undo the others).
    Without a specialist each dossier goes to whoever is least loaded at that moment."""
    result = BulkAssignResult(assigned=[], failed={})
    for dossier in dossiers:
        try:
            result.assigned.append(dossier_assign(dossier=dossier, actor=actor, specialist=specialist))
        except ApplicationError as exc:
            result.failed[dossier.pk] = exc.message
    return result


@dataclass
class ResultDraft:
    """What the specialist proposes for signature: the result (or the reasoned refusal) and its record."""

    decision: str
    opinion: str
    title: str = ""
    number: str = ""
    document_type_code: str = ""
    content: str = ""
    upload: UploadedFile | None = None


PDF_ONLY = {"application/pdf": "pdf"}


def _draft_pdf(dossier: Dossier, draft: ResultDraft, actor: User) -> tuple[bytes, dict[str, str]]:
    """The PDF to sign: uploaded by the specialist, or generated from the text typed (result or refusal)."""
    from . import documents

    errors: dict[str, str] = {}
    opinion_min = 10
    if len((draft.opinion or "").strip()) < opinion_min:
        errors["opinion"] = (
            "Nhập lý do từ chối cụ thể (ít nhất 10 ký tự)."
            if draft.decision == Decision.REFUSE
            else "Nhập ý kiến thẩm định (ít nhất 10 ký tự)."
        )
    if draft.decision not in Decision.values:
        errors["decision"] = "Chọn đề xuất giải quyết hoặc từ chối."
    if draft.decision == Decision.GRANT and not draft.title.strip():
        errors["title"] = "Nhập tên kết quả (ví dụ: Giấy phép xây dựng)."
    if draft.decision == Decision.GRANT and draft.upload is None and len(draft.content.strip()) < 10:
        errors["content"] = "Tải lên dự thảo kết quả (PDF) hoặc nhập nội dung kết quả để hệ thống lập."
    if draft.document_type_code and not re.fullmatch(r"[A-Za-z0-9_.\-]{2,60}", draft.document_type_code):
        errors["document_type_code"] = "Mã loại kết quả chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới."
    if errors:
        raise ApplicationError("Dự thảo kết quả chưa hợp lệ.", code="invalid_draft", extra={"errors": errors})
    if draft.upload is not None:
        _check_upload_for("upload", draft.upload, allowed=PDF_ONLY)
        draft.upload.seek(0)
        return draft.upload.read(), {}
    pdf = documents.render_result(
        dossier=dossier,
        decision=draft.decision,
        title=draft.title.strip(),
        number=draft.number.strip(),
        content=draft.content.strip(),
        reason=draft.opinion.strip(),
        officer=actor,
    )
    return pdf, {}


def _store_document(
    *,
    dossier: Dossier,
    kind: str,
    event: DossierEvent | None,
    pdf: bytes,
    stored: list[str],
    kho_document=None,
) -> DossierDocument:
    record = DossierDocument(
        dossier=dossier,
        kind=kind,
        event=event,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        kho_document=kho_document,
    )
    record.file.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    stored.append(record.file.name)
    record.save()
    return record


def dossier_submit_for_approval(
    *,
    dossier: Dossier,
    actor: User,
    draft: ResultDraft,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist ends the appraisal and submits the draft result — or a refusal with its reason
    (NĐ 118/2025/NĐ-CP: hồ sơ không đủ điều kiện giải quyết thì trả lại kèm văn bản nêu rõ lý do) — to the
    department head."""
    at = at or timezone.now()
    calendar = load_calendar()
    if not permissions.is_handler(actor, dossier):
        raise NotPermitted("Chỉ chuyên viên được phân công mới trình kết quả của hồ sơ này.")
    pdf, _ = _draft_pdf(dossier, draft, actor)
    if draft.decision == Decision.REFUSE and not draft.title.strip():
        draft.title = "Văn bản trả lời từ chối giải quyết hồ sơ"
    prefix = "KQ" if draft.decision == Decision.GRANT else "TUCHOI"
    code = draft.document_type_code.strip() or f"{prefix}.{dossier.procedure_version.procedure.code}"
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        step = selectors.process_step(version=locked.procedure_version, role=Role.APPROVER)
        state["step"] = step
        department = (step.department if step else "") or locked.current_department
        return {
            "route": Route(agency=locked.current_agency, department=department, role=Role.APPROVER),
            "decision": draft.decision,
        }

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_over_along_route(
            dossier=locked, event=event, actor=actor, step=state["step"], calendar=calendar
        )
        _store_document(dossier=locked, kind=DocumentKind.RESULT_DRAFT, event=event, pdf=pdf, stored=stored)

    with _files_removed_on_error() as stored:
        return _transition(
            dossier=dossier,
            actor=actor,
            method="submit_for_approval",
            action=EventAction.SUBMIT_FOR_APPROVAL,
            expected_version=expected_version,
            reason=draft.opinion.strip(),
            payload={
                "decision": draft.decision,
                "result": {
                    "title": draft.title.strip(),
                    "number": draft.number.strip(),
                    "document_type_code": code,
                    "document_type_name": dossier.procedure_version.result_type or draft.title.strip(),
                },
            },
            public=False,
            at=at,
            prepare=prepare,
            after=after,
        )


def dossier_return_for_rework(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The department head sends the draft back to the specialist who submitted it, saying what to redo."""
    reason = _reason_required(reason, what="nội dung cần xử lý lại")
    at = at or timezone.now()
    calendar = load_calendar()
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        submitted = _last_event(locked, EventAction.SUBMIT_FOR_APPROVAL)
        specialist = submitted.actor if submitted else None
        step = selectors.process_step(version=locked.procedure_version, role=Role.SPECIALIST)
        state.update(step=step, specialist=specialist)
        department = (step.department if step else "") or locked.current_department
        return {
            "route": Route(
                agency=locked.current_agency, department=department, role=Role.SPECIALIST, handler=specialist
            )
        }

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_over_along_route(
            dossier=locked, event=event, actor=actor, step=state["step"], note=reason, calendar=calendar
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="return_for_rework",
        action=EventAction.RETURN_FOR_REWORK,
        expected_version=expected_version,
        reason=reason,
        public=False,
        at=at,
        prepare=prepare,
        after=after,
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar as cal

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, cal.monthrange(year, month)[1]))


def _result_owner(dossier: Dossier):
    """Whose Kho the result goes into: the organisation filed for, else the applicant's citizen account."""
    if dossier.organisation_id:
        return dossier.organisation
    if dossier.applicant_id and dossier.applicant.is_citizen:
        return dossier.applicant
    return None


def _sign_result(*, dossier: Dossier, actor: User, pdf: bytes, record: dict, at: dt.datetime):
    """Sign the result with the agency's certificate (PAdES, NĐ 23/2025/NĐ-CP); put it into the applicant's
    Kho when they have an account (NĐ 45/2020/NĐ-CP Điều 16), with the version's validity. Returns the signed
    bytes and the stored document (None for a walk-in applicant without an account)."""
    from repository import services as kho
    from repository import signing

    agency = dossier.current_agency
    owner = _result_owner(dossier)
    issued_on = timezone.localdate(at)
    months = dossier.procedure_version.result_validity_months
    valid_to = (
        _add_months(issued_on, months) - dt.timedelta(days=1)
        if months and dossier.decision == Decision.GRANT
        else None
    )
    filename = f"ket-qua-{(dossier.code or str(dossier.pk)).replace('.', '_')}.pdf"
    if owner is not None:
        document = kho.result_issue(
            actor=actor,
            agency=agency,
            owner=owner,
            pdf=pdf,
            document_type_code=record.get("document_type_code")
            or f"KQ.{dossier.procedure_version.procedure.code}",
            document_type_name=(record.get("document_type_name") or record.get("title") or "Kết quả")[:300],
            title=(record.get("title") or dossier.procedure_version.name)[:300],
            number=record.get("number", "")[:100],
            issued_on=issued_on,
            valid_from=issued_on,
            valid_to=valid_to,
            dossier_id=dossier.pk,
            filename=filename,
        )
        with document.current_version.file.open("rb") as handle:
            return handle.read(), document
    certificate = kho.signing_certificate_current(agency)
    if certificate is None:
        raise ApplicationError(
            f"{agency.name} chưa có chứng thư ký số còn hiệu lực. Quản trị viên cần cấp hoặc nạp chứng thư "
            "(lệnh create_signing_certificates).",
            code="no_signing_certificate",
        )
    page = f"{settings.SITE_URL}{reverse('repository:verify')}"
    signed = signing.sign_pdf(
        pdf,
        certificate=certificate,
        verification_url=page,
        signer_name=agency.name,
        reason=f"Kết quả giải quyết thủ tục hành chính: {record.get('title') or dossier.procedure_version.name}"[
            :200
        ],
        location=agency.address,
        signed_at=at,
    )
    return signed, None


def dossier_approve(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """The department head approves and signs the result digitally (status 9, Đã xử lý xong); the result
    goes back to the one-stop desk. A result to be received electronically is placed in the applicant's
    Kho dữ liệu and the dossier is delivered at once (status 10)."""
    at = at or timezone.now()
    calendar = load_calendar()
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        draft = locked.documents.filter(kind=DocumentKind.RESULT_DRAFT).order_by("-created_at", "-id").first()
        submitted = _last_event(locked, EventAction.SUBMIT_FOR_APPROVAL)
        if draft is None or submitted is None:
            raise Conflict("Hồ sơ chưa có dự thảo kết quả để ký.", code="no_draft")
        with draft.file.open("rb") as handle:
            pdf = handle.read()
        signed, kho_document = _sign_result(
            dossier=locked, actor=actor, pdf=pdf, record=submitted.payload.get("result", {}), at=at
        )
        step = selectors.process_step(version=locked.procedure_version, role=Role.INTAKE_OFFICER, last=True)
        state.update(signed=signed, kho_document=kho_document, step=step)
        department = (step.department if step else "") or DESK_DEPARTMENT
        return {
            "at": at,
            "route": Route(agency=locked.receiving_agency, department=department, role=Role.INTAKE_OFFICER),
        }

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_over_along_route(
            dossier=locked, event=event, actor=actor, step=state["step"], calendar=calendar
        )
        _store_document(
            dossier=locked,
            kind=DocumentKind.RESULT,
            event=event,
            pdf=state["signed"],
            stored=stored,
            kho_document=state["kho_document"],
        )

    with _files_removed_on_error() as stored, transaction.atomic():
        dossier = _transition(
            dossier=dossier,
            actor=actor,
            method="approve",
            action=EventAction.APPROVE,
            expected_version=expected_version,
            at=at,
            prepare=prepare,
            after=after,
        )
        if dossier.delivery_method == DeliveryMethod.ELECTRONIC and state["kho_document"] is not None:
            dossier = _deliver(
                dossier=dossier,
                actor=None,
                at=at,
                method=DeliveryMethod.ELECTRONIC,
                system=True,
                note="Kết quả điện tử đã được đưa vào Kho dữ liệu của người nộp.",
            )
    return dossier


def _deliver(
    *,
    dossier: Dossier,
    actor: User | None,
    at: dt.datetime,
    method: str,
    collected_by: str = "",
    tracking_number: str = "",
    note: str = "",
    expected_version: int | None = None,
    system: bool = False,
) -> Dossier:
    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_user=locked.applicant,
            to_role=Role.CITIZEN,
            due_from_step=False,
            step_due_at=locked.due_at,
            final=True,
            note=note,
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="deliver",
        action=EventAction.DELIVER,
        expected_version=expected_version,
        reason=note,
        payload={"method": method, "collected_by": collected_by, "tracking_number": tracking_number},
        at=at,
        prepare=lambda locked: {"at": at, "collected_by": collected_by, "tracking_number": tracking_number},
        after=after,
        system=system,
    )


_TRACKING = re.compile(r"^[A-Z0-9]{8,20}$")


def dossier_deliver(
    *,
    dossier: Dossier,
    actor: User,
    method: str | None = None,
    collected_by: str = "",
    tracking_number: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The desk returns the result (status 10, Đã trả kết quả): handed over at the desk to the person named,
    or sent by public post with its tracking number (Quyết định 45/2016/QĐ-TTg, bưu chính công ích)."""
    at = at or timezone.now()
    method = method or dossier.delivery_method
    collected_by = (collected_by or "").strip()
    tracking_number = re.sub(r"\s", "", tracking_number or "").upper()
    if method == DeliveryMethod.DESK:
        if len(collected_by) < 3:
            raise _field_error("collected_by", "Nhập họ tên người nhận kết quả.")
        note = f"Trả kết quả tại bộ phận một cửa cho {collected_by}."
    elif method == DeliveryMethod.POST:
        if not dossier.postal_address:
            raise _field_error("method", "Hồ sơ không đăng ký nhận kết quả qua bưu chính (chưa có địa chỉ).")
        if not _TRACKING.match(tracking_number):
            raise _field_error(
                "tracking_number", "Số hiệu bưu gửi gồm 8–20 chữ in hoa và chữ số, ví dụ EB123456789VN."
            )
        note = f"Gửi kết quả qua bưu chính công ích, số hiệu bưu gửi {tracking_number}."
    elif method == DeliveryMethod.ELECTRONIC:
        has_kho = dossier.documents.filter(kind=DocumentKind.RESULT, kho_document__isnull=False).exists()
        if not has_kho:
            raise _field_error(
                "method",
                "Người nộp không có tài khoản để nhận kết quả điện tử; trả kết quả tại bộ phận một cửa.",
            )
        note = "Kết quả điện tử đã có trong Kho dữ liệu của người nộp."
    else:
        raise _field_error("method", "Chọn cách trả kết quả.")
    return _deliver(
        dossier=dossier,
        actor=actor,
        at=at,
        method=method,
        collected_by=collected_by,
        tracking_number=tracking_number,
        note=note,
        expected_version=expected_version,
    )


# ---------------------------------------------------------------------------------------------------------
# Supplement requests during processing (status 5) and financial obligations (status 6)
# ---------------------------------------------------------------------------------------------------------
def _component_held(dossier: Dossier, component: Component) -> bool:
    """Whether the applicant already holds, valid and reusable, a document of this component's type."""
    from repository.selectors import component_is_held

    return component_is_held(dossier, component)


def _check_not_held(dossier: Dossier, components: Iterable[Component]) -> None:
    """Once-only (NĐ 45/2020/NĐ-CP Điều 9): what the applicant's Kho dữ liệu holds is not asked for again."""
    held = [c for c in components if _component_held(dossier, c)]
    if held:
        names = "; ".join(c.name for c in held)
        message = (
            f"Người nộp đã có trong Kho dữ liệu giấy tờ còn hiệu lực: {names}. Không yêu cầu nộp lại; "
            "cán bộ khai thác giấy tờ này từ Kho dữ liệu."
        )
        raise ApplicationError(message, code="held_in_kho", extra={"errors": {"components": message}})


def _route_keeping_handler(locked: Dossier, role: str) -> Route:
    """The same agency, department and officer; only who is expected to act changes (the applicant while
    the dossier waits for them, the specialist when it comes back)."""
    return Route(
        agency=locked.current_agency,
        department=locked.current_department,
        role=role,
        handler=locked.current_handler,
    )


def _hand_to_applicant(
    *, dossier: Dossier, event: DossierEvent, actor: User, note: str, calendar: WorkingCalendar
) -> DossierHandover:
    """The dossier waits for the applicant (to supplement or to pay): no step deadline runs meanwhile."""
    return _hand_over(
        dossier=dossier,
        event=event,
        from_user=actor,
        to_user=dossier.applicant,
        to_role=Role.CITIZEN,
        due_from_step=False,
        step_due_at=None,
        note=note,
        calendar=calendar,
    )


def _hand_back_after_wait(
    *,
    dossier: Dossier,
    event: DossierEvent,
    actor: User | None,
    request: DossierEvent | None,
    resume_step_time: bool = True,
    note: str = "",
    calendar: WorkingCalendar,
) -> DossierHandover:
    """Back to the specialist once the applicant has supplemented or paid, for the step that was open when
    `request` asked them (its id is kept in the request's payload). With `resume_step_time` the step's
    deadline runs on from the working time it had left when the clock stopped, instead of a fresh share."""
    payload = request.payload if request else {}
    step = ProcessStep.objects.filter(pk=payload.get("step_id")).first() if payload.get("step_id") else None
    return _hand_over_along_route(
        dossier=dossier,
        event=event,
        actor=actor,
        step=step,
        minutes=payload.get("step_remaining_minutes") if resume_step_time else None,
        note=note,
        calendar=calendar,
    )


def _remaining_step_minutes(dossier: Dossier, at: dt.datetime, calendar: WorkingCalendar) -> tuple:
    current = _open_handover(dossier)
    if current is None or current.step_due_at is None:
        return (current.step_id if current else None), None
    return current.step_id, max(calendar.working_minutes_between(at, current.step_due_at), 0)


def dossier_request_supplement(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    components: Iterable[Component] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist asks the applicant, once and completely, for what is missing and why (status 5, Phiếu
    yêu cầu bổ sung, hoàn thiện hồ sơ, TT 01/2018/TT-VPCP Mẫu số 02). The clock stops until the applicant
    supplements (DOMAIN §4.4); the request is counted: two or more count as late in the index
    (QĐ 766/QĐ-TTg). Components the applicant already holds in Kho dữ liệu are not asked for again."""
    reason = _reason_required(reason, what="nội dung cần bổ sung, hoàn thiện và lý do")
    components = list(components)
    for component in components:
        _check_component(dossier, component)
    _check_not_held(dossier, components)
    at = at or timezone.now()
    calendar = load_calendar()
    payload: dict[str, Any] = {"components": [{"id": c.pk, "name": c.name} for c in components]}

    def prepare(locked: Dossier) -> dict:
        step_id, minutes = _remaining_step_minutes(locked, at, calendar)
        last_file = locked.files.order_by("-pk").values_list("pk", flat=True).first() or 0
        payload.update(
            step_id=step_id,
            step_remaining_minutes=minutes,
            count=locked.supplement_count + 1,
            # Files above this id were added for the supplement (the applicant may still remove those).
            last_file_id=last_file,
        )
        return {"at": at, "route": _route_keeping_handler(locked, Role.CITIZEN)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_to_applicant(dossier=locked, event=event, actor=actor, note=reason, calendar=calendar)
        _schedule_document(locked, DocumentKind.SUPPLEMENT_REQUEST, event)

    return _transition(
        dossier=dossier,
        actor=actor,
        method="request_supplement",
        action=EventAction.REQUEST_SUPPLEMENT,
        expected_version=expected_version,
        reason=reason,
        payload=payload,
        at=at,
        prepare=prepare,
        after=after,
    )


def _resume_after_wait(
    locked: Dossier, *, at: dt.datetime, calendar: WorkingCalendar
) -> tuple[dt.datetime | None, float]:
    """The appointment pushed forward by the working time the dossier waited with the clock stopped."""
    if locked.clock_stopped_at is None or locked.due_at is None:
        return locked.due_at, 0.0
    waited = max(calendar.working_minutes_between(locked.clock_stopped_at, at), 0.0)
    if waited == 0:
        return locked.due_at, 0.0
    return calendar.add_working_minutes(locked.due_at, waited), waited


def _missing_after_request(locked: Dossier, request: DossierEvent | None) -> list[str]:
    """Requested components that have received no file since the request."""
    if request is None:
        return []
    requested = {c["id"]: c["name"] for c in request.payload.get("components", [])}
    supplied = set(
        locked.files.filter(
            pk__gt=request.payload.get("last_file_id", 0), component_id__in=requested
        ).values_list("component_id", flat=True)
    )
    return [name for pk, name in requested.items() if pk not in supplied]


def _supplement(
    *,
    dossier: Dossier,
    actor: User,
    at: dt.datetime,
    expected_version: int | None,
    note: str,
    before: Callable[[Dossier], None] | None = None,
) -> Dossier:
    calendar = load_calendar()
    state: dict[str, Any] = {}
    payload: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        if before is not None:
            before(locked)
        request = _last_event(locked, EventAction.REQUEST_SUPPLEMENT)
        missing = _missing_after_request(locked, request)
        if missing:
            problems = [f"Chưa bổ sung: {name}." for name in missing]
            raise ApplicationError(
                "Hồ sơ chưa bổ sung đủ.", code="incomplete_supplement", extra={"problems": problems}
            )
        due_at, waited = _resume_after_wait(locked, at=at, calendar=calendar)
        state.update(request=request)
        payload.update(waited_minutes=round(waited, 1), previous_due_at=locked.due_at, due_at=due_at)
        return {"due_at": due_at, "route": _route_keeping_handler(locked, Role.SPECIALIST)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        _hand_back_after_wait(
            dossier=locked, event=event, actor=actor, request=state["request"], note=note, calendar=calendar
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="supplement",
        action=EventAction.SUPPLEMENT,
        expected_version=expected_version,
        reason=note,
        payload=payload,
        at=at,
        prepare=prepare,
        after=after,
    )


def dossier_supplement_complete(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """The applicant sends the supplemented dossier back online. The clock restarts: the appointment moves
    by the working time spent waiting (supplement time is excluded, DOMAIN §4.4); the original one is kept."""
    return _supplement(
        dossier=dossier,
        actor=actor,
        at=at or timezone.now(),
        expected_version=expected_version,
        note="Người nộp đã bổ sung hồ sơ trực tuyến.",
    )


def dossier_supplement_at_desk(
    *,
    dossier: Dossier,
    actor: User,
    uploads: list[ComponentUpload],
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant brings the missing papers to the desk that received the dossier; the officer scans
    them (marked digitised) and the dossier goes back to the specialist."""
    at = at or timezone.now()
    if not uploads:
        raise _field_error("uploads", "Quét ít nhất một giấy tờ người nộp mang đến bổ sung.")

    def store(locked: Dossier) -> None:
        if locked.receiving_agency_id not in permissions.intake_agency_ids(actor):
            raise NotPermitted("Chỉ bộ phận một cửa đã tiếp nhận hồ sơ mới nhận bổ sung trực tiếp.")
        for upload in uploads:
            _check_component(locked, upload.component)
            _store_file(
                dossier=locked,
                component=upload.component,
                upload=upload.upload,
                actor=actor,
                digitised=True,
                stored=stored,
            )

    with _files_removed_on_error() as stored, transaction.atomic():
        return _supplement(
            dossier=dossier,
            actor=actor,
            at=at,
            expected_version=expected_version,
            note=(note or "").strip() or "Người nộp bổ sung hồ sơ trực tiếp tại bộ phận một cửa.",
            before=store,
        )


def dossier_request_payment(
    *,
    dossier: Dossier,
    actor: User,
    amount: Decimal,
    description: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist asks the applicant to pay an amount known only after appraisal (status 6, Yêu cầu thực
    hiện nghĩa vụ tài chính). While waiting the clock stops when DOSSIER_PAYMENT_STOPS_CLOCK is on (time to
    fulfil financial obligations is not counted in the processing time) [configurable]."""
    from .models import DossierObligation

    description = (description or "").strip()
    errors = {}
    if len(description) < 5:
        errors["description"] = "Nhập nội dung khoản phải nộp (ví dụ: Lệ phí trước bạ)."
    if amount is None or amount <= 0 or amount != amount.quantize(Decimal(1)):
        errors["amount"] = "Số tiền phải là số đồng, lớn hơn 0."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_obligation", extra={"errors": errors})
    at = at or timezone.now()
    calendar = load_calendar()
    stop_clock = _payment_stops_clock()
    payload: dict[str, Any] = {"amount": str(amount), "description": description}

    def prepare(locked: Dossier) -> dict:
        step_id, minutes = _remaining_step_minutes(locked, at, calendar)
        payload.update(step_id=step_id, step_remaining_minutes=minutes)
        return {"at": at, "stop_clock": stop_clock, "route": _route_keeping_handler(locked, Role.CITIZEN)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        DossierObligation.objects.create(
            dossier=locked, description=description, amount=amount, requested_by=actor, requested_at=at
        )
        _hand_to_applicant(
            dossier=locked,
            event=event,
            actor=actor,
            note=f"{description}: {_money(amount)}",
            calendar=calendar,
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="request_payment",
        action=EventAction.REQUEST_PAYMENT,
        expected_version=expected_version,
        reason=f"{description}: {_money(amount)}",
        payload=payload,
        at=at,
        prepare=prepare,
        after=after,
    )


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f} ₫".replace(",", ".")


def dossier_record_payment(
    *,
    dossier: Dossier,
    actor: User | None,
    amount: Decimal,
    receipt_number: str,
    channel: str = "desk",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    system: bool = False,
) -> Dossier:
    """Record that the outstanding obligation was paid — at the desk with the receipt number for now; the
    payments module calls this with `system=True` on a verified provider notification. The amount must be
    the full amount owed; the dossier returns to the specialist and the clock restarts."""
    from .models import DossierObligation

    receipt_number = (receipt_number or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9/\-.]{3,60}", receipt_number):
        raise _field_error("receipt_number", "Nhập số biên lai (chữ, số, dấu / - .).")
    at = at or timezone.now()
    calendar = load_calendar()
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        outstanding = list(DossierObligation.objects.filter(dossier=locked, paid_at__isnull=True))
        owed = sum((o.amount for o in outstanding), Decimal(0))
        if not outstanding:
            raise Conflict("Hồ sơ không còn khoản nào phải nộp.", code="nothing_owed")
        if amount != owed:
            raise _field_error(
                "amount", f"Số tiền phải nộp là {_money(owed)}; số tiền đã nhập {_money(amount)}."
            )
        state["outstanding"] = outstanding
        due_at, _ = _resume_after_wait(locked, at=at, calendar=calendar)
        return {"due_at": due_at, "route": _route_keeping_handler(locked, Role.SPECIALIST)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        for obligation in state["outstanding"]:
            obligation.paid_amount = obligation.amount
            obligation.paid_at = at
            obligation.receipt_number = receipt_number
            obligation.payment_channel = channel
            obligation.recorded_by = actor
            obligation.save(
                update_fields=["paid_amount", "paid_at", "receipt_number", "payment_channel", "recorded_by"]
            )
        # The step's time left was frozen only if the payment stopped the clock; otherwise it ran on.
        _hand_back_after_wait(
            dossier=locked,
            event=event,
            actor=actor,
            request=_last_event(locked, EventAction.REQUEST_PAYMENT),
            resume_step_time=_payment_stops_clock(),
            calendar=calendar,
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="record_payment",
        action=EventAction.RECORD_PAYMENT,
        expected_version=expected_version,
        reason=f"Đã nộp {_money(amount)}, biên lai số {receipt_number}.",
        payload={"amount": str(amount), "receipt_number": receipt_number, "channel": channel},
        at=at,
        prepare=prepare,
        after=after,
        system=system,
    )


# ---------------------------------------------------------------------------------------------------------
# Inter-agency transfer (liên thông), stopping processing
# ---------------------------------------------------------------------------------------------------------
def dossier_transfer(
    *,
    dossier: Dossier,
    actor: User,
    to_agency: Agency,
    request: str,
    due_at: dt.datetime | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Send the dossier to another agency, of the same level or another level, for its part (liên thông,
    NĐ 118/2025/NĐ-CP): it works on the dossier in its own queue and sends it back. The dossier keeps its
    code and its overall appointment; the answer is due by `due_at` (at the latest the appointment)."""
    from .models import DossierTransfer

    request = _reason_required(request, field="request", what="nội dung đề nghị phối hợp")
    at = at or timezone.now()
    calendar = load_calendar()
    errors = {}
    if not to_agency.active:
        errors["to_agency"] = f"{to_agency.name} không còn hoạt động."
    if due_at is not None and due_at <= at:
        errors["due_at"] = "Hạn trả lời phải sau thời điểm chuyển."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_transfer", extra={"errors": errors})
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        if to_agency.pk == locked.current_agency_id:
            raise _field_error("to_agency", "Chọn một cơ quan khác với cơ quan đang xử lý hồ sơ.")
        if due_at is not None and locked.due_at and due_at > locked.due_at:
            raise _field_error(
                "due_at",
                f"Hạn trả lời không được sau ngày hẹn trả kết quả của hồ sơ "
                f"({timezone.localtime(locked.due_at):%H:%M %d/%m/%Y}).",
            )
        state.update(from_agency=locked.current_agency, from_department=locked.current_department)
        return {"route": Route(agency=to_agency, role=Role.SPECIALIST)}

    def after(locked: Dossier, event: DossierEvent) -> None:
        DossierTransfer.objects.create(
            dossier=locked,
            from_agency=state["from_agency"],
            from_department=state["from_department"],
            to_agency=to_agency,
            sent_by=actor,
            sent_at=at,
            request=request,
            due_at=due_at,
        )
        _hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_agency=to_agency,
            to_role=Role.SPECIALIST,
            due_from_step=False,
            step_due_at=due_at or locked.due_at,
            note=request,
            calendar=calendar,
        )

    return _transition(
        dossier=dossier,
        actor=actor,
        method="transfer",
        action=EventAction.TRANSFER,
        expected_version=expected_version,
        reason=f"Chuyển liên thông đến {to_agency.name}.",
        payload={"to_agency_id": to_agency.pk, "request": request, "due_at": due_at},
        at=at,
        prepare=prepare,
        after=after,
    )


def dossier_return_transfer(
    *,
    dossier: Dossier,
    actor: User,
    response: str,
    upload: UploadedFile | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The agency that received the transfer sends its answer (and a document, e.g. its written opinion)
    back to the specialist who sent it."""
    from .models import DossierTransfer

    response = _reason_required(response, field="response", what="kết quả phối hợp")
    at = at or timezone.now()
    calendar = load_calendar()
    checked = _check_upload_for("upload", upload) if upload is not None else None
    state: dict[str, Any] = {}

    def prepare(locked: Dossier) -> dict:
        transfer = DossierTransfer.objects.select_for_update().get(dossier=locked, returned_at__isnull=True)
        state["transfer"] = transfer
        return {
            "route": Route(
                agency=transfer.from_agency,
                department=transfer.from_department,
                role=Role.SPECIALIST,
                handler=transfer.sent_by,
            )
        }

    def after(locked: Dossier, event: DossierEvent) -> None:
        transfer = state["transfer"]
        transfer.returned_at = at
        transfer.returned_by = actor
        transfer.response = response
        if upload is not None:
            upload.seek(0)
            transfer.response_file.save(f"phoi-hop.{checked.extension}", upload, save=False)
            stored.append(transfer.response_file.name)
            transfer.response_file_name = (upload.name or "")[:255]
        transfer.save()
        _hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_user=transfer.sent_by,
            to_agency=transfer.from_agency,
            to_department=transfer.from_department,
            to_role=Role.SPECIALIST,
            due_from_step=False,
            step_due_at=locked.due_at,
            note=response,
            calendar=calendar,
        )

    with _files_removed_on_error() as stored:
        return _transition(
            dossier=dossier,
            actor=actor,
            method="return_transfer",
            action=EventAction.RETURN_TRANSFER,
            expected_version=expected_version,
            reason="Cơ quan phối hợp đã trả kết quả liên thông.",
            payload={"response": response},
            at=at,
            prepare=prepare,
            after=after,
        )


def dossier_stop(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The competent agency's leadership stops processing (status 8, Dừng xử lý) with the reason, e.g. the
    applicant did not supplement within the time given, or the matter is before a court."""
    reason = _reason_required(reason, what="lý do dừng xử lý")
    at = at or timezone.now()
    return _transition(
        dossier=dossier,
        actor=actor,
        method="stop",
        action=EventAction.STOP,
        expected_version=expected_version,
        reason=reason,
        at=at,
        prepare=lambda locked: {"at": at},
        after=lambda d, e: _close_open_handover(d, at=at),
    )


# ---------------------------------------------------------------------------------------------------------
# Deadlines: the periodic sweep and the apology with a new appointment
# ---------------------------------------------------------------------------------------------------------
def _warning_share() -> float:
    return float(getattr(settings, "DEADLINE_WARNING_SHARE", 0.2))


def dossier_deadlines_sweep(*, agency_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark the running dossiers of one competent agency on track, due soon (less than
    DEADLINE_WARNING_SHARE of the legal time left) or overdue, with an event row when that changes, so
    officers and leaders are warned and overdue dossiers escalate (DOMAIN §4.4). Dossiers whose clock is
    stopped keep their mark. Idempotent: a second run at the same moment changes nothing."""
    now = now or timezone.now()
    calendar = load_calendar()
    share = _warning_share()
    running = selectors.running_states()
    scope = Q(competent_agency_id=agency_id) | Q(competent_agency__isnull=True, receiving_agency_id=agency_id)
    dossiers = (
        Dossier.objects.filter(scope, state__in=running, due_at__isnull=False)
        .select_related("procedure_version")
        .prefetch_related("procedure_version__processing_times")
        .only("pk", "state", "channel", "due_at", "clock_stopped_at", "deadline_status", "procedure_version")
        .order_by("pk")
    )
    changed = {status: 0 for status in DeadlineStatus.values}
    for dossier in dossiers.iterator(chunk_size=500):
        status = selectors.deadline_status_for(
            dossier=dossier, now=now, calendar=calendar, warning_share=share
        )
        if status == dossier.deadline_status:
            continue
        with transaction.atomic():
            updated = Dossier.objects.filter(
                pk=dossier.pk,
                state=dossier.state,
                due_at=dossier.due_at,
                deadline_status=dossier.deadline_status,
            ).update(deadline_status=status)
            if not updated:
                continue  # changed meanwhile by a person; the next sweep looks again
            DossierEvent.objects.create(
                dossier_id=dossier.pk,
                actor=None,
                at=now,
                action=EventAction.DEADLINE_WARNING,
                from_state=dossier.state,
                to_state=dossier.state,
                reason=str(DeadlineStatus(status).label),
                payload={
                    "deadline_status": status,
                    "previous": dossier.deadline_status,
                    "due_at": dossier.due_at,
                },
                public=False,
            )
        changed[status] += 1
    return changed


def _deadline_status_now(locked: Dossier, at: dt.datetime) -> str:
    return selectors.deadline_status_for(
        dossier=locked, now=at, calendar=load_calendar(), warning_share=_warning_share()
    )


def _check_before_due(dossier: Dossier, at: dt.datetime) -> None:
    if dossier.due_at is None:
        raise Conflict("Hồ sơ không có ngày hẹn trả kết quả.", code="no_due_date")
    if at >= dossier.due_at:
        raise Conflict(
            "Phiếu xin lỗi và hẹn lại phải được phát hành trước ngày hẹn trả kết quả "
            f"({timezone.localtime(dossier.due_at):%H:%M %d/%m/%Y}); hồ sơ đã quá hạn.",
            code="apology_too_late",
        )


def dossier_apology_draft(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    new_due_at: dt.datetime,
    at: dt.datetime | None = None,
) -> DossierApology:
    """The officer responsible drafts the apology with a new appointment and the reason for lateness
    (Phiếu xin lỗi và hẹn lại ngày trả kết quả, TT 01/2018/TT-VPCP Mẫu số 04; NĐ 118/2025/NĐ-CP: issued
    before the due date). A leader approves it before it reaches the applicant."""
    reason = _reason_required(reason, what="lý do chậm trễ")
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(dossier, None)
        if not permissions.can_draft_apology(actor, locked):
            raise NotPermitted("Bạn không xử lý hồ sơ này nên không lập được phiếu xin lỗi.")
        if locked.state not in selectors.running_states():
            raise Conflict(
                f"Không lập phiếu xin lỗi khi hồ sơ đang ở trạng thái “{locked.get_state_display()}”.",
                code="not_running",
            )
        _check_before_due(locked, at)
        if new_due_at <= locked.due_at:
            raise _field_error(
                "new_due_at",
                f"Ngày hẹn mới phải sau ngày hẹn hiện tại ({timezone.localtime(locked.due_at):%H:%M %d/%m/%Y}).",
            )
        apology = DossierApology.objects.create(
            dossier=locked,
            reason=reason,
            previous_due_at=locked.due_at,
            new_due_at=new_due_at,
            drafted_by=actor,
            drafted_at=at,
        )
        _record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.APOLOGY_DRAFT,
            from_state=locked.state,
            at=at,
            reason=reason,
            payload={"apology_id": apology.pk, "new_due_at": new_due_at},
            public=False,
        )
    return apology


def dossier_apology_approve(
    *, apology: DossierApology, actor: User, at: dt.datetime | None = None
) -> DossierApology:
    """A leader of the competent agency approves the apology before the due date: the appointment moves to
    the new date (the original appointment stays recorded), the applicant sees it in the timeline and the
    form is printed."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(apology.dossier, None)
        apology = DossierApology.objects.select_for_update().get(pk=apology.pk)
        if not permissions.can_decide(actor, locked):
            raise NotPermitted("Chỉ lãnh đạo cơ quan giải quyết mới duyệt phiếu xin lỗi.")
        if apology.is_approved:
            raise Conflict("Phiếu xin lỗi này đã được duyệt.", code="already_approved")
        if locked.state not in selectors.running_states():
            raise Conflict(
                f"Không duyệt phiếu xin lỗi khi hồ sơ đang ở trạng thái “{locked.get_state_display()}”.",
                code="not_running",
            )
        if apology.previous_due_at != locked.due_at:
            raise Conflict(
                "Ngày hẹn của hồ sơ đã thay đổi sau khi lập phiếu; lập lại phiếu xin lỗi.",
                code="stale_apology",
            )
        _check_before_due(locked, at)
        locked.due_at = apology.new_due_at
        locked.deadline_status = _deadline_status_now(locked, at)
        _bump(locked, ["due_at", "deadline_status"])
        event = _record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.APOLOGY,
            from_state=locked.state,
            at=at,
            reason=apology.reason,
            payload={
                "apology_id": apology.pk,
                "previous_due_at": apology.previous_due_at,
                "new_due_at": apology.new_due_at,
                "original_due_at": locked.original_due_at,
            },
            public=True,
        )
        apology.approved_by = actor
        apology.approved_at = at
        apology.event = event
        apology.save(update_fields=["approved_by", "approved_at", "event"])
        _schedule_document(locked, DocumentKind.APOLOGY, event)
    return apology


# ---------------------------------------------------------------------------------------------------------
# Messages between officer and applicant
# ---------------------------------------------------------------------------------------------------------
def dossier_message_post(
    *,
    dossier: Dossier,
    actor: User,
    body: str,
    attachment: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> DossierMessage:
    """A message on the dossier between the applicant and the officers handling it, with an optional
    attachment, kept in the timeline of both sides (TT 21/2023/TT-BTTTT: trao đổi trong quá trình giải
    quyết). Never on the public lookup page."""
    body = (body or "").strip()
    if not body:
        raise _field_error("body", "Nhập nội dung trao đổi.")
    if len(body) > 4000:
        raise _field_error("body", "Nội dung trao đổi tối đa 4.000 ký tự.")
    checked = _check_upload_for("attachment", attachment) if attachment is not None else None
    at = at or timezone.now()
    with _files_removed_on_error() as stored, transaction.atomic():
        locked = _lock(dossier, None)
        if not permissions.can_message(actor, locked):
            raise NotPermitted("Bạn không tham gia giải quyết hồ sơ này nên không gửi được trao đổi.")
        from_applicant = permissions.can_act_as_applicant(actor, locked)
        event = _record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.MESSAGE,
            from_state=locked.state,
            at=at,
            reason=body,
            payload={"from_applicant": from_applicant},
            public=False,
        )
        message = DossierMessage(
            dossier=locked,
            event=event,
            author=actor,
            from_applicant=from_applicant,
            body=body,
            created_at=at,
        )
        if attachment is not None:
            attachment.seek(0)
            message.attachment.save(f"trao-doi.{checked.extension}", attachment, save=False)
            stored.append(message.attachment.name)
            message.attachment_name = (attachment.name or "tep")[:255]
            message.attachment_mime = checked.mime_type
            message.attachment_size = checked.size
            message.attachment_sha256 = checked.sha256
        message.save()
    return message


# ---------------------------------------------------------------------------------------------------------
# Hook for Kho dữ liệu: a digitisation job made for a dossier component has finished
# ---------------------------------------------------------------------------------------------------------
def dossier_file_attach_digitised(
    *, dossier_id: int, component_id: int, document, version, actor: User
) -> DossierFile:
    """Put the PDF of a finished digitisation job into the dossier as a file of its component, marked
    digitised (TT 01/2023/TT-VPCP; counted by the index, QĐ 766/QĐ-TTg 3.2). Runs in the caller's
    transaction; the same content for the same component returns the file already there. Refused, with the
    reason, when the dossier is finished or the component is not one of its procedure's."""

    locked = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id).first()
    if locked is None:
        raise ApplicationError("Không tìm thấy hồ sơ.", code="dossier_not_found")
    if locked.state == S.DRAFT or locked.state in FINAL_STATES or locked.state == S.RESULT_READY:
        raise Conflict(
            f"Hồ sơ đang ở trạng thái “{locked.get_state_display()}”, không nhận thêm tệp số hóa.",
            code="dossier_closed",
        )
    agencies = {locked.receiving_agency_id, locked.competent_agency_id, locked.current_agency_id}
    if not (agencies & permissions.officer_agency_ids(actor)):
        raise NotPermitted("Người số hóa không thuộc cơ quan tiếp nhận hoặc giải quyết hồ sơ.")
    component = locked.procedure_version.components.filter(pk=component_id).first()
    if component is None:
        raise ApplicationError("Thành phần không thuộc thủ tục của hồ sơ.", code="wrong_component")
    existing = locked.files.filter(component=component, sha256=version.sha256).first()
    if existing is not None:
        return existing
    record = _file_from_version(
        dossier=locked,
        component=component,
        version=version,
        original_name=version.original_name or f"{document.title}.pdf",
        actor=actor,
        stem="so-hoa",
        default_extension="pdf",
        digitised=True,
    )
    name = record.file.name
    storage = record.file.storage
    try:
        record.save()
    except Exception:
        storage.delete(name)
        raise
    _bump(locked, [])
    return record


def dossier_record_officer_read(*, dossier: Dossier, actor: User, purpose: str, detail: str = "") -> None:
    """Audit an officer's read of a dossier (personal data of the applicant); the applicant's own reads and
    citizens' reads are not officers' reads and are not logged here."""
    if not actor.is_officer or dossier.applicant_id == actor.pk:
        return
    DossierAccessLog.objects.create(dossier=dossier, user=actor, purpose=purpose, detail=detail[:200])
