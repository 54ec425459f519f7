"""The one path for state changes, and what every stage shares: the row lock, event rows, stored files.

A transition reads top to bottom in its service:

    with transition(dossier, actor=actor, method="receive", expected_version=expected_version) as t:
        ...checks and arguments computed on the locked row, `t.dossier`...
        event = t.apply(EventAction.RECEIVE, at=at, arguments={...})
        ...handover rows and side effects, scheduled with `transaction.on_commit`...
    return t.dossier

`transition` locks and re-reads the row, checks the expected version, the state machine and the
permission; `apply` calls the django-fsm transition (which only sets fields), saves, and appends the event
row, all in the same transaction. A finished dossier gets its archive record before the transaction ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from portal import outbox
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.storage import StoredFiles, atomic_with_files
from portal.uploads import CheckedUpload, check_upload

from .. import documents, selectors, tasks
from ..archive.services import archive_record_refresh
from ..constants import FINAL_STATES, DossierState
from ..models import Dossier, DossierAccessLog, DossierDocument, DossierEvent, DossierFile
from ..national.sync import national_sync_report_event
from ..notifications import dossier_notify_event
from .codes import PROVISIONAL_PREFIX, dossier_code_assign

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import User
    from procedures.models import Component

S = DossierState


def record_event(
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
    event = DossierEvent.objects.create(
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
    if dossier.code and dossier.code.startswith(PROVISIONAL_PREFIX):
        # A reception takes its number last (see codes): the event is announced once it has its code.
        dossier.__dict__.setdefault("_unannounced_events", []).append(event)
    else:
        announce_event(dossier, event)
    return event


def announce_event(dossier: Dossier, event: DossierEvent) -> None:
    """The applicant's notifications and the national portal's report of an event, written in the event's
    transaction: they commit or roll back with it."""
    dossier_notify_event(dossier=dossier, event=event)
    national_sync_report_event(event)


def dossier_number(*, dossier: Dossier, agency, at: dt.datetime) -> None:
    """The last step of a reception's transaction: take the desk's next code for the dossier received under a
    provisional one, then announce the events written meanwhile (their notifications carry the real code)."""
    dossier_code_assign(dossier=dossier, agency=agency, at=at)
    for event in dossier.__dict__.pop("_unannounced_events", []):
        announce_event(dossier, event)


def lock_dossier(dossier: Dossier, expected_version: int | None) -> Dossier:
    # Lock the dossier row only, not the procedure version joined to it.
    locked = (
        Dossier.objects.select_for_update(of=("self",)).select_related("procedure_version").get(pk=dossier.pk)
    )
    check_expected_version(locked, expected_version)
    return locked


def check_expected_version(dossier: Dossier, expected_version: int | None) -> None:
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(
            "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới nhất.",
            code="stale_dossier",
        )


def check_transition(dossier: Dossier, method: str, actor: User | None, *, system: bool = False) -> None:
    """The state machine allows `method` from the dossier's state, and `actor` may call it."""
    bound = getattr(dossier, method)
    if not can_proceed(bound):
        raise Conflict(
            f"Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái “{dossier.get_state_display()}”.",
            code="transition_not_allowed",
        )
    if not system and not has_transition_perm(bound, actor):
        raise NotPermitted("Bạn không có quyền thực hiện thao tác này với hồ sơ.")


@dataclass
class Transition:
    """One checked state change of one locked dossier; `apply` performs it once."""

    dossier: Dossier
    actor: User | None
    method: str
    system: bool
    event: DossierEvent | None = None

    def apply(
        self,
        action: str,
        *,
        at: dt.datetime,
        arguments: dict[str, Any] | None = None,
        reason: str = "",
        payload: dict | None = None,
        public: bool = True,
    ) -> DossierEvent:
        """Call the transition with `arguments`, save the row (version + 1) and append the event row."""
        locked = self.dossier
        from_state = locked.state
        getattr(locked, self.method)(**(arguments or {}))
        locked.version = F("version") + 1
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise Conflict(
                "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang.", code="stale_dossier"
            ) from exc
        locked.version = _saved_version(locked)
        self.event = record_event(
            dossier=locked,
            actor=None if self.system else self.actor,
            action=action,
            from_state=from_state,
            at=at,
            reason=reason,
            payload=payload,
            public=public,
        )
        return self.event


@contextmanager
def transition(
    dossier: Dossier,
    *,
    actor: User | None,
    method: str,
    expected_version: int | None = None,
    system: bool = False,
) -> Iterator[Transition]:
    """Lock → check version, state, permission → (the caller: checks, `apply`, side effects) → archive.

    `system=True` is for what the system does by rule inside a person's action it has already checked
    (auto-assignment by workload, placing an electronic result in the Kho): no permission check, and the
    event has no actor. A finished dossier gets its retention period in Kho dữ liệu hồ sơ TTHC at once
    (Luật Lưu trữ 2024), in the same transaction; the nightly archive sweep recomputes it when rules change.
    """
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        check_transition(locked, method, actor, system=system)
        change = Transition(dossier=locked, actor=actor, method=method, system=system)
        yield change
        if change.event is None:
            raise RuntimeError(f"The transition {method} was checked but never applied.")
        if locked.state in FINAL_STATES and locked.finished_at:
            archive_record_refresh(dossier=locked)


def schedule_document(dossier: Dossier, kind: str, event: DossierEvent) -> None:
    """Print the form for the event once the transaction has committed."""
    outbox.enqueue(tasks.render_dossier_document, dossier.pk, kind, event.pk)


def bump_version(dossier: Dossier, fields: Iterable[str]) -> None:
    dossier.version = F("version") + 1
    dossier.save(update_fields=[*fields, "version"])
    dossier.version = _saved_version(dossier)


def _saved_version(dossier: Dossier) -> int:
    """The version just written (an F() expression until read back). Read as a value rather than with
    `refresh_from_db`, which in django-fsm lifts the state field's protection for the whole class while it
    runs — another thread's transition then fails with "Direct state modification is not allowed"."""
    return Dossier.objects.filter(pk=dossier.pk).values_list("version", flat=True).get()


def store_upload(
    *,
    dossier: Dossier,
    component: Component | None,
    upload: UploadedFile,
    actor: User,
    digitised: bool,
    files: StoredFiles,
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
    files.add(record.file)
    record.save()
    return record


def copy_stored_version(
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


def store_pdf(
    *,
    dossier: Dossier,
    kind: str,
    event: DossierEvent | None,
    pdf: bytes,
    files: StoredFiles,
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
    files.add(record.file)
    record.save()
    return record


def check_component(dossier: Dossier, component: Component | None) -> None:
    if component is not None and component.version_id != dossier.procedure_version_id:
        raise ApplicationError("Thành phần hồ sơ không thuộc thủ tục này.", code="wrong_component")


def applicant_unit(dossier: Dossier) -> int | None:
    return dossier.applicant.administrative_unit_id if dossier.applicant_id else None


def reason_required(
    reason: str, *, field: str = "reason", what: str = "lý do", message: str | None = None
) -> str:
    """The reason, stripped; refused when shorter than 10 characters (a reason must say something)."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        message = message or f"Nhập {what} cụ thể (ít nhất 10 ký tự)."
        raise ApplicationError(message, code="reason_required", extra={"errors": {field: message}})
    return reason


def field_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, extra={"errors": {field: message}})


def check_upload_for(field: str, upload: UploadedFile, **options: Any) -> CheckedUpload:
    """`check_upload`, its refusal reported next to the form field that carried the file."""
    try:
        return check_upload(upload, **options)
    except ApplicationError as exc:
        raise field_error(field, exc.message, code=exc.code) from exc


def last_event(dossier: Dossier, action: str) -> DossierEvent | None:
    return dossier.events.filter(action=action).order_by("-at", "-id").first()


def dossier_document_generate(*, dossier_id: int, kind: str, event_id: int | None) -> DossierDocument:
    """Render and store one printed form for one event. Idempotent: a form already printed for the event
    is returned as it is."""
    existing = DossierDocument.objects.filter(dossier_id=dossier_id, kind=kind, event_id=event_id).first()
    if existing:
        return existing
    dossier = selectors.dossier_detail(pk=dossier_id)
    event = DossierEvent.objects.get(pk=event_id) if event_id else None
    pdf = documents.render(dossier=dossier, kind=kind, event=event)
    try:
        with atomic_with_files() as files:
            record = store_pdf(dossier=dossier, kind=kind, event=event, pdf=pdf, files=files)
    except IntegrityError:
        # Printed concurrently by another worker: keep theirs.
        return DossierDocument.objects.get(dossier_id=dossier_id, kind=kind, event_id=event_id)
    return record


def dossier_record_officer_read(*, dossier: Dossier, actor: User, purpose: str, detail: str = "") -> None:
    """Audit an officer's read of a dossier (personal data of the applicant); the applicant's own reads and
    citizens' reads are not officers' reads and are not logged here."""
    if not actor.is_officer or dossier.applicant_id == actor.pk:
        return
    DossierAccessLog.objects.create(dossier=dossier, user=actor, purpose=purpose, detail=detail[:200])
