"""Writes for the procedure catalogue: procedures, versions and their publication.

A procedure changes only by a new version (quyết định công bố thủ tục hành chính, NĐ 63/2010/NĐ-CP Điều 15 as
amended by NĐ 92/2017/NĐ-CP): a published version is never edited in place, so a dossier keeps the rules of
the version it was received under.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict

from .adapters import CatalogueUnavailable, NationalCatalogueAdapter
from .constants import ProcedureEventKind, SyncStatus, VersionSource, VersionStatus
from .forms_schema import schema_errors
from .models import (
    APPLIED_STATUSES,
    CatalogueSyncRun,
    Component,
    Fee,
    FeeExemption,
    Field,
    Procedure,
    ProcedureEvent,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
)
from .national import (
    RecordError,
    VersionData,
    data_from_record,
    data_from_version,
    differing_keys,
    missing_agencies,
    record_from_data,
    write_version_data,
)
from .text import fold

if TYPE_CHECKING:
    from portal.models import User

STEP_ROLES = {Role.INTAKE_OFFICER, Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER}


def _event(
    *,
    procedure: Procedure,
    kind: str,
    actor: User | None,
    version: ProcedureVersion | None = None,
    data: dict | None = None,
) -> ProcedureEvent:
    return ProcedureEvent.objects.create(
        procedure=procedure, version=version, kind=kind, actor=actor, data=data or {}
    )


def procedure_search_text(*, code: str, name: str) -> str:
    return fold(f"{code} {name}")


@transaction.atomic
def field_get_or_create(*, code: str, name: str) -> Field:
    field, created = Field.objects.get_or_create(code=code, defaults={"name": name})
    if not created and name and field.name != name:
        field.name = name
        field.save(update_fields=["name"])
    return field


@transaction.atomic
def procedure_create(*, code: str, name: str, field: Field, actor: User | None) -> Procedure:
    """Register a procedure code in the provincial catalogue (its content comes with its first version)."""
    code, name = code.strip(), " ".join(name.split())
    if not code or not name:
        raise ApplicationError("Thủ tục phải có mã và tên.")
    if Procedure.objects.filter(code=code).exists():
        raise Conflict(f"Mã thủ tục {code} đã có trong danh mục.")
    procedure = Procedure.objects.create(
        code=code, name=name, field=field, search_text=procedure_search_text(code=code, name=name)
    )
    _event(procedure=procedure, kind=ProcedureEventKind.CREATED, actor=actor, data={"name": name})
    return procedure


def _copy_children(*, source: ProcedureVersion, target: ProcedureVersion) -> None:
    ProcessingTime.objects.bulk_create(
        ProcessingTime(
            version=target, channel=t.channel, amount=t.amount, unit=t.unit, description=t.description
        )
        for t in source.processing_times.all()
    )
    Fee.objects.bulk_create(
        Fee(
            version=target,
            channel=f.channel,
            name=f.name,
            amount=f.amount,
            description=f.description,
            due_after_appraisal=f.due_after_appraisal,
        )
        for f in source.fees.all()
    )
    FeeExemption.objects.bulk_create(
        FeeExemption(
            version=target,
            order=e.order,
            group=e.group,
            fee_name=e.fee_name,
            percent=e.percent,
            legal_basis=e.legal_basis,
            proof=e.proof,
        )
        for e in source.exemptions.all()
    )
    Component.objects.bulk_create(
        Component(
            version=target,
            order=c.order,
            code=c.code,
            name=c.name,
            copy_type=c.copy_type,
            quantity=c.quantity,
            mandatory=c.mandatory,
            template=c.template.name if c.template else "",
            template_name=c.template_name,
            reusable_from_repository=c.reusable_from_repository,
            from_national_database=c.from_national_database,
        )
        for c in source.components.all()
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(
            version=target,
            order=s.order,
            name=s.name,
            role=s.role,
            agency_id=s.agency_id,
            department=s.department,
            share_percent=s.share_percent,
        )
        for s in source.steps.all()
    )
    target.competent_agencies.set(source.competent_agencies.all())
    target.coordinating_agencies.set(source.coordinating_agencies.all())


COPIED_FIELDS = [
    "name",
    "implementation_levels",
    "target_group",
    "service_level",
    "allows_online",
    "allows_online_payment",
    "allows_postal",
    "intake_any_boundary",
    "legal_basis",
    "requirements",
    "result_type",
    "result_validity_months",
    "form_schema",
    "is_inter_agency",
    "sequence",
    "submission_method",
]


@transaction.atomic
def procedure_version_create_draft(
    *,
    procedure: Procedure,
    actor: User | None,
    valid_from: dt.date | None = None,
    copy_from: ProcedureVersion | None = None,
    source: str = VersionSource.LOCAL,
    **fields,
) -> ProcedureVersion:
    """A new draft version, numbered after the last one, copying `copy_from` (default: the latest version).

    Editing a procedure always happens on a draft; published versions stay as they were.
    """
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    latest = procedure.versions.order_by("-number").first()
    if copy_from is None:
        copy_from = latest
    values = {f: getattr(copy_from, f) for f in COPIED_FIELDS} if copy_from else {"name": procedure.name}
    values.update(fields)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=(latest.number + 1) if latest else 1,
        status=VersionStatus.DRAFT,
        valid_from=valid_from or timezone.localdate(),
        source=source,
        **values,
    )
    if copy_from:
        _copy_children(source=copy_from, target=version)
    _event(
        procedure=procedure,
        kind=ProcedureEventKind.DRAFTED,
        actor=actor,
        version=version,
        data={"number": version.number, "copied_from": copy_from.number if copy_from else None},
    )
    return version


@transaction.atomic
def procedure_version_save_draft(
    *, version: ProcedureVersion, actor: User | None, changed: list[str] | None = None
) -> ProcedureVersion:
    """Save an officer's edits to a draft; a version published meanwhile is refused (it is history now)."""
    current = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if current.status != VersionStatus.DRAFT:
        raise Conflict("Phiên bản này đã được công bố, không sửa được nữa; hãy tạo phiên bản mới.")
    version.save()
    _event(
        procedure=version.procedure,
        kind=ProcedureEventKind.DRAFT_EDITED,
        actor=actor,
        version=version,
        data={"fields": sorted(changed or [])},
    )
    return version


def version_publication_errors(version: ProcedureVersion) -> list[str]:
    """What prevents publishing the version, as Vietnamese sentences (empty when publishable).

    Mirrors the content a published procedure must carry (NĐ 63/2010/NĐ-CP Điều 8: tên, trình tự, cách thức,
    thành phần hồ sơ, thời hạn, đối tượng, cơ quan thực hiện, kết quả, phí, lệ phí, căn cứ pháp lý).
    """
    errors: list[str] = []
    if not (version.name or "").strip():
        errors.append("Chưa nhập tên thủ tục.")
    if not version.service_level:
        errors.append("Chưa chọn mức độ dịch vụ công trực tuyến.")
    if version.valid_to and version.valid_to <= version.valid_from:
        errors.append("Ngày hết hiệu lực phải sau ngày có hiệu lực.")
    if not version.competent_agencies.exists():
        errors.append("Chưa chọn cơ quan giải quyết.")
    times = list(version.processing_times.all())
    if not times:
        errors.append("Chưa nhập thời hạn giải quyết.")
    for t in times:
        if t.amount is None or t.amount <= 0:
            errors.append("Thời hạn giải quyết phải lớn hơn 0.")
    for fee in version.fees.all():
        if fee.amount is None or fee.amount < 0:
            errors.append(f"Mức thu “{fee.name}” không được âm.")
        if not (fee.name or "").strip():
            errors.append("Có khoản phí, lệ phí chưa có tên.")
    fee_names = {(fee.name or "").strip().casefold() for fee in version.fees.all()}
    for exemption in version.exemptions.all():
        if exemption.fee_name and exemption.fee_name.strip().casefold() not in fee_names:
            errors.append(
                f"Miễn, giảm cho “{exemption.group}” áp dụng cho khoản “{exemption.fee_name}” không có trong "
                "bảng phí, lệ phí."
            )
        if not 1 <= exemption.percent <= 100:
            errors.append(f"Mức miễn, giảm cho “{exemption.group}” phải từ 1 đến 100%.")
    for component in version.components.all():
        if not (component.name or "").strip():
            errors.append(f"Thành phần hồ sơ thứ {component.order} chưa có tên.")
        if component.quantity < 1:
            errors.append(f"Số lượng của thành phần “{component.name}” phải ít nhất là 1.")
    steps = list(version.steps.all())
    if not steps:
        errors.append("Chưa có quy trình nội bộ (các bước xử lý và tỷ lệ thời gian).")
    else:
        total = sum((s.share_percent for s in steps), Decimal(0))
        if total != Decimal(100):
            errors.append(
                f"Tổng tỷ lệ thời gian các bước quy trình nội bộ phải bằng 100% (hiện là {total:g}%)."
            )
        for step in steps:
            if step.role not in STEP_ROLES:
                errors.append(f"Bước {step.order} có vai trò “{step.role}” không hợp lệ.")
    errors.extend(schema_errors(version.form_schema))
    return errors


@transaction.atomic
def procedure_version_publish(
    *, version: ProcedureVersion, actor: User | None, valid_from: dt.date | None = None
) -> ProcedureVersion:
    """Publish a draft version from `valid_from` (quyết định công bố); the version it replaces ends that day.

    Versions already in force keep their content and only get an end date (valid_to = the new valid_from);
    they become RETIRED once that date has come. Dossiers received under them keep pointing at them.
    """
    procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict("Chỉ công bố được phiên bản đang ở trạng thái dự thảo.")
    if valid_from is not None:
        version.valid_from = valid_from
    errors = version_publication_errors(version)
    if errors:
        raise ApplicationError("Chưa thể công bố phiên bản: " + " ".join(errors), extra={"errors": errors})
    later = procedure.versions.filter(status__in=APPLIED_STATUSES, valid_from__gte=version.valid_from)
    if later.exists():
        raise Conflict(
            "Đã có phiên bản công bố có hiệu lực từ ngày "
            f"{later.order_by('valid_from').first().valid_from:%d/%m/%Y}; "
            "ngày hiệu lực của phiên bản mới phải sau ngày đó."
        )
    today = timezone.localdate()
    superseded = list(
        procedure.versions.filter(status__in=APPLIED_STATUSES, valid_from__lt=version.valid_from)
        .exclude(valid_to__lte=version.valid_from)
        .exclude(pk=version.pk)
    )
    for old in superseded:
        old.valid_to = version.valid_from
        if old.valid_to <= today:
            old.status = VersionStatus.RETIRED
        old.save(update_fields=["valid_to", "status"])
        _event(
            procedure=procedure,
            kind=ProcedureEventKind.SUPERSEDED,
            actor=actor,
            version=old,
            data={"valid_to": old.valid_to.isoformat(), "by_version": version.number},
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "valid_from", "published_at", "published_by"])
    if version.valid_from <= today and (procedure.name != version.name):
        procedure.name = version.name
        procedure.search_text = procedure_search_text(code=procedure.code, name=version.name)
        procedure.save(update_fields=["name", "search_text", "updated_at"])
    _event(
        procedure=procedure,
        kind=ProcedureEventKind.PUBLISHED,
        actor=actor,
        version=version,
        data={
            "number": version.number,
            "valid_from": version.valid_from.isoformat(),
            "decision_number": version.decision_number,
        },
    )
    return version


@transaction.atomic
def procedure_retire(
    *, procedure: Procedure, actor: User | None, on: dt.date | None = None, reason: str = ""
) -> list[ProcedureVersion]:
    """Abolish a procedure (bãi bỏ) from `on`: its versions in force end that day, nothing is deleted."""
    on = on or timezone.localdate()
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    ended = list(
        procedure.versions.filter(status__in=APPLIED_STATUSES).exclude(valid_to__lte=on).order_by("number")
    )
    if not ended:
        raise Conflict(f"Thủ tục {procedure.code} không còn phiên bản nào đang áp dụng.")
    for version in ended:
        version.valid_to = max(on, version.valid_from)
        if version.valid_to <= timezone.localdate():
            version.status = VersionStatus.RETIRED
        version.save(update_fields=["valid_to", "status"])
    _event(
        procedure=procedure,
        kind=ProcedureEventKind.RETIRED,
        actor=actor,
        version=ended[-1],
        data={"on": on.isoformat(), "reason": reason},
    )
    return ended


@transaction.atomic
def versions_mark_retired(*, today: dt.date | None = None) -> int:
    """Daily housekeeping: published versions whose end date has come are shown as no longer in force."""
    today = today or timezone.localdate()
    return ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_to__lte=today).update(
        status=VersionStatus.RETIRED
    )


# ------------------------------------------------------------------------------------- import and national sync


@dataclass
class CatalogueReport:
    """What an import or a sync did, per procedure code."""

    added: list[str] = dc_field(default_factory=list)
    changed: list[dict] = dc_field(default_factory=list)  # {"code", "fields", "version"}
    retired: list[str] = dc_field(default_factory=list)
    unchanged: list[str] = dc_field(default_factory=list)
    drafts: list[dict] = dc_field(default_factory=list)  # {"code", "problems"}: saved, not publishable yet
    errors: list[str] = dc_field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.added)} thủ tục mới, {len(self.changed)} thay đổi, {len(self.retired)} bãi bỏ, "
            f"{len(self.unchanged)} không đổi, {len(self.drafts)} chờ bổ sung, {len(self.errors)} lỗi"
        )


def _base_version(procedure: Procedure) -> ProcedureVersion | None:
    """The version a record is compared with: the one in force, else the newest one."""
    from .selectors import procedure_version_in_force

    return procedure_version_in_force(procedure) or procedure.versions.order_by("-number").first()


def _valid_from_for_change(
    *, data: VersionData, current: ProcedureVersion | None, today: dt.date, latest_start: dt.date | None
) -> dt.date:
    """A change applies from its decision's effective date; a date already covered by a published version
    (the national record changed without a new date, or the date is in the past) means from today."""
    wanted = data.valid_from or today
    floor = latest_start or (current.valid_from if current else None)
    if floor is not None and wanted <= floor:
        wanted = max(today, floor + dt.timedelta(days=1))
    return wanted


def _parse_record(
    record: dict,
) -> tuple[Procedure | None, ProcedureVersion | None, VersionData | None, VersionData]:
    """The procedure a record is about, the version it is compared with, and the merged data. RecordError."""
    code = str(record.get("MaTTHC") or "").strip() if isinstance(record, dict) else ""
    procedure = Procedure.objects.filter(code=code).first() if code else None
    base_version = _base_version(procedure) if procedure else None
    base = data_from_version(base_version) if base_version else None
    data = data_from_record(record, base)
    missing = missing_agencies(data)
    if missing:
        raise RecordError(f"{data.code}: mã cơ quan chưa có trong hệ thống: {', '.join(missing)}.")
    return procedure, base_version, base, data


def _apply_record(
    *,
    record: dict,
    actor: User | None,
    source: str,
    report: CatalogueReport,
    added_kind: str,
    changed_kind: str,
) -> None:
    procedure, base_version, base, data = _parse_record(record)
    today = timezone.localdate()
    field = field_get_or_create(code=data.field_code, name=data.field_name or data.field_code)
    if procedure is None:
        procedure = procedure_create(code=data.code, name=data.name, field=field, actor=actor)
        version = procedure_version_create_draft(
            procedure=procedure, actor=actor, valid_from=data.valid_from or today, source=source
        )
        write_version_data(version, data)
        report.added.append(procedure.code)
        _event(procedure=procedure, kind=added_kind, actor=actor, version=version, data={"source": source})
    else:
        before = record_from_data(base) if base else None
        after = record_from_data(data)
        if before == after and procedure.field_id == field.pk:
            report.unchanged.append(procedure.code)
            return
        if procedure.field_id != field.pk:
            procedure.field = field
            procedure.save(update_fields=["field", "updated_at"])
        if base_version is not None and base_version.status == VersionStatus.DRAFT:
            version = base_version  # an unpublished draft is still being prepared: complete it
        else:
            latest_start = (
                procedure.versions.filter(status__in=APPLIED_STATUSES)
                .order_by("-valid_from")
                .values_list("valid_from", flat=True)
            ).first()
            version = procedure_version_create_draft(
                procedure=procedure,
                actor=actor,
                copy_from=base_version,
                source=source,
                valid_from=_valid_from_for_change(
                    data=data, current=base_version, today=today, latest_start=latest_start
                ),
            )
        write_version_data(version, data)
        changed = differing_keys(before or {}, after)
        report.changed.append({"code": procedure.code, "fields": changed, "version": version.number})
        _event(
            procedure=procedure,
            kind=changed_kind,
            actor=actor,
            version=version,
            data={"source": source, "fields": changed},
        )
    version.refresh_from_db()
    problems = version_publication_errors(version)
    if problems:
        report.drafts.append({"code": procedure.code, "problems": problems})
        return
    procedure_version_publish(version=version, actor=actor)


@transaction.atomic
def catalogue_import(
    *, records: list[dict], actor: User | None, source: str = VersionSource.IMPORT, strict: bool = True
) -> CatalogueReport:
    """Import procedures in the national catalogue's field names (JSON or Excel, see procedures.national).

    A new code creates the procedure; a changed record creates and publishes a new version (never an edit
    of a published one); an identical record changes nothing. With `strict`, one bad record refuses the whole
    file, with every problem listed; otherwise bad records are skipped and reported.
    """
    report = CatalogueReport()
    if strict:
        problems = []
        for position, record in enumerate(records, start=1):
            try:
                _parse_record(record)
            except RecordError as exc:
                problems.append(f"Thủ tục thứ {position}: {exc}")
        if problems:
            raise ApplicationError(
                "Tệp danh mục có lỗi, chưa nhập thủ tục nào. " + " ".join(problems),
                extra={"errors": problems},
            )
    for record in records:
        try:
            with transaction.atomic():
                _apply_record(
                    record=record,
                    actor=actor,
                    source=source,
                    report=report,
                    added_kind=ProcedureEventKind.IMPORTED,
                    changed_kind=ProcedureEventKind.IMPORTED,
                )
        except RecordError as exc:
            if strict:
                raise ApplicationError(str(exc)) from exc
            report.errors.append(str(exc))
    return report


def catalogue_sync(*, adapter: NationalCatalogueAdapter, actor: User | None = None) -> CatalogueSyncRun:
    """Bring the provincial catalogue in line with the national procedure database (NĐ 63/2010/NĐ-CP Điều 24:
    procedures are published through the national database).

    New codes are added, changed ones get a new published version, codes no longer listed are retired from
    today. Records that cannot be applied are skipped and reported. The national database is read before the
    transaction that applies it opens (no transaction waits on the network); the run row is kept either way.
    """
    run = CatalogueSyncRun.objects.create(source=adapter.describe(), triggered_by=actor)
    try:
        records = list(adapter.fetch_procedures())
    except CatalogueUnavailable as exc:
        run.status, run.error, run.finished_at = SyncStatus.FAILED, str(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    try:
        report = _apply_national_records(records=records, actor=actor, run=run)
    except Exception as exc:
        run.status, run.error, run.finished_at = SyncStatus.FAILED, f"Lỗi khi áp dụng: {exc}", timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.added, run.changed, run.retired, run.pending = (
        report.added,
        report.changed,
        report.retired,
        report.drafts,
    )
    run.unchanged_count = len(report.unchanged)
    run.error = "\n".join(report.errors)
    run.status = SyncStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def _apply_national_records(
    *, records: list[dict], actor: User | None, run: CatalogueSyncRun
) -> CatalogueReport:
    report = CatalogueReport()
    listed = set()
    for record in records:
        code = str(record.get("MaTTHC") or "").strip() if isinstance(record, dict) else ""
        listed.add(code)
        try:
            with transaction.atomic():
                _apply_record(
                    record=record,
                    actor=actor,
                    source=VersionSource.NATIONAL,
                    report=report,
                    added_kind=ProcedureEventKind.SYNC_ADDED,
                    changed_kind=ProcedureEventKind.SYNC_CHANGED,
                )
        except (RecordError, ApplicationError) as exc:
            report.errors.append(str(getattr(exc, "message", exc)))
    in_force = Procedure.objects.filter(versions__in=ProcedureVersion.objects.in_force()).distinct()
    for procedure in in_force.exclude(code__in=listed).order_by("code"):
        procedure_retire(
            procedure=procedure, actor=actor, reason=f"Không còn trong CSDL quốc gia ({run.source})"
        )
        _event(procedure=procedure, kind=ProcedureEventKind.SYNC_RETIRED, actor=actor, data={"run": run.pk})
        report.retired.append(procedure.code)
    return report
