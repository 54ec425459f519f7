"""Writes for the procedure catalogue: procedures, versions and their publication.

A procedure changes only by a new version (quyết định công bố thủ tục hành chính, NĐ 63/2010/NĐ-CP Điều 15 as
amended by NĐ 92/2017/NĐ-CP): a published version is never edited in place, so a dossier keeps the rules of
the version it was received under.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict

from .constants import ProcedureEventKind, VersionSource, VersionStatus
from .forms_schema import schema_errors
from .models import (
    APPLIED_STATUSES,
    Component,
    Fee,
    Field,
    Procedure,
    ProcedureEvent,
    ProcedureVersion,
    ProcessingTime,
    ProcessStep,
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
    for component in version.components.all():
        if not (component.name or "").strip():
            errors.append(f"Thành phần hồ sơ thứ {component.order} chưa có tên.")
        if component.quantity < 1:
            errors.append(f"Số lượng của thành phần “{component.name}” phải ít nhất là 1.")
    steps = list(version.steps.all())
    if steps:
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
