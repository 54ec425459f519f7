"""ProcedureVersion ⇄ VersionData: reading a version for export, writing imported data into a draft version."""

from __future__ import annotations

from decimal import Decimal

from portal.models import Agency

from ..constants import Channel
from ..models import Component, Fee, FeeExemption, ProcedureVersion, ProcessingTime, ProcessStep
from .data import ChannelData, ComponentData, ExemptionData, FeeData, StepData, VersionData

# ---------------------------------------------------------------------------------------------- model → data


def data_from_version(version: ProcedureVersion) -> VersionData:
    procedure = version.procedure
    channels: dict[int, ChannelData] = {}
    offered = [Channel.COUNTER, *([Channel.ONLINE] if version.allows_online else [])]
    offered += [Channel.POSTAL] if version.allows_postal else []
    for channel in offered:
        time = version.time_limit(channel)
        if time is None:
            continue
        fees = tuple(
            FeeData(f.name, Decimal(f.amount), f.description, f.due_after_appraisal)
            for f in sorted(version.fees_for(channel), key=lambda f: (f.name, f.pk))
        )
        channels[int(channel)] = ChannelData(Decimal(time.amount), time.unit, time.description, fees)
    return VersionData(
        code=procedure.code,
        name=version.name,
        field_code=procedure.field.code,
        field_name=procedure.field.name,
        levels=list(version.implementation_levels or []),
        target_group=version.target_group,
        service_level=version.service_level,
        sequence=version.sequence,
        submission_method=version.submission_method,
        requirements=version.requirements,
        legal_basis=[line.strip() for line in version.legal_basis.splitlines() if line.strip()],
        result_type=version.result_type,
        result_validity_months=version.result_validity_months,
        decision_number=version.decision_number,
        decision_date=version.decision_date,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        channels=channels,
        components=[
            ComponentData(
                name=c.name,
                code=c.code,
                copy_type=c.copy_type,
                quantity=c.quantity,
                mandatory=c.mandatory,
                template_name=c.template_name,
                template_file=c.template.name if c.template else "",
                reusable_from_repository=c.reusable_from_repository,
                from_national_database=c.from_national_database,
            )
            for c in sorted(version.components.all(), key=lambda c: (c.order, c.pk))
        ],
        agencies=sorted(a.code for a in version.competent_agencies.all()),
        coordinating_agencies=sorted(a.code for a in version.coordinating_agencies.all()),
        is_inter_agency=version.is_inter_agency,
        allows_online_payment=version.allows_online_payment,
        intake_any_boundary=version.intake_any_boundary,
        steps=[
            StepData(
                order=s.order,
                name=s.name,
                role=s.role,
                share_percent=Decimal(s.share_percent),
                agency_code=s.agency.code if s.agency_id else "",
                department=s.department,
            )
            for s in sorted(version.steps.all(), key=lambda s: s.order)
        ],
        form_schema=version.form_schema or {},
        exemptions=[
            ExemptionData(
                group=e.group,
                legal_basis=e.legal_basis,
                percent=e.percent,
                fee_name=e.fee_name,
                proof=e.proof,
            )
            for e in sorted(version.exemptions.all(), key=lambda e: (e.order, e.pk))
        ],
    )


# ------------------------------------------------------------------------------------------- data → version


def _collapse_times(version: ProcedureVersion, channels: dict[int, ChannelData]) -> list[ProcessingTime]:
    """One general row for the most common time, channel rows only where a channel differs."""
    keyed = {ch: (c.time_amount, c.time_unit, c.time_description) for ch, c in channels.items()}
    values = list(keyed.values())
    common = max(values, key=values.count)
    rows = [
        ProcessingTime(version=version, channel=None, amount=common[0], unit=common[1], description=common[2])
    ]
    rows += [
        ProcessingTime(version=version, channel=ch, amount=v[0], unit=v[1], description=v[2])
        for ch, v in sorted(keyed.items())
        if v != common
    ]
    return rows


def _collapse_fees(version: ProcedureVersion, channels: dict[int, ChannelData]) -> list[Fee]:
    """A fee charged on every channel becomes a general row (its most common amount) with channel rows for the
    channels that differ; a fee charged on some channels only stays on those channels."""
    rows: list[Fee] = []
    names = sorted({f.name for c in channels.values() for f in c.fees})
    for name in names:
        per_channel = {ch: [f for f in c.fees if f.name == name] for ch, c in channels.items()}
        single = all(len(v) == 1 for v in per_channel.values())
        if single:
            variants = [v[0] for v in per_channel.values()]
            common = max(variants, key=variants.count)
            rows.append(Fee(version=version, channel=None, **_fee_fields(common)))
            rows += [
                Fee(version=version, channel=ch, **_fee_fields(v[0]))
                for ch, v in sorted(per_channel.items())
                if v[0] != common
            ]
        else:
            rows += [
                Fee(version=version, channel=ch, **_fee_fields(fee))
                for ch, fees in sorted(per_channel.items())
                for fee in fees
            ]
    return rows


def _fee_fields(fee: FeeData) -> dict:
    return {
        "name": fee.name,
        "amount": fee.amount,
        "description": fee.description,
        "due_after_appraisal": fee.due_after_appraisal,
    }


def missing_agencies(data: VersionData) -> list[str]:
    codes = (
        set(data.agencies)
        | set(data.coordinating_agencies)
        | {s.agency_code for s in data.steps if s.agency_code}
    )
    known = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
    return sorted(codes - known)


def write_version_data(version: ProcedureVersion, data: VersionData) -> None:
    """Overwrite a draft version with `data` (its children are replaced). Only drafts are ever written."""
    version.name = data.name
    version.implementation_levels = list(data.levels)
    version.target_group = data.target_group
    version.service_level = data.service_level
    version.allows_online = Channel.ONLINE in data.channels
    version.allows_postal = Channel.POSTAL in data.channels
    version.allows_online_payment = data.allows_online_payment
    version.intake_any_boundary = data.intake_any_boundary
    version.is_inter_agency = data.is_inter_agency
    version.sequence = data.sequence
    version.submission_method = data.submission_method
    version.requirements = data.requirements
    version.legal_basis = "\n".join(data.legal_basis)
    version.result_type = data.result_type
    version.result_validity_months = data.result_validity_months
    version.decision_number = data.decision_number
    version.decision_date = data.decision_date
    version.valid_to = data.valid_to
    version.form_schema = data.form_schema
    version.save()
    version.processing_times.all().delete()
    version.fees.all().delete()
    version.components.all().delete()
    version.steps.all().delete()
    version.exemptions.all().delete()
    ProcessingTime.objects.bulk_create(_collapse_times(version, data.channels))
    Fee.objects.bulk_create(_collapse_fees(version, data.channels))
    Component.objects.bulk_create(
        Component(
            version=version,
            order=position,
            code=c.code,
            name=c.name,
            copy_type=c.copy_type,
            quantity=c.quantity,
            mandatory=c.mandatory,
            template=c.template_file,
            template_name=c.template_name,
            reusable_from_repository=c.reusable_from_repository,
            from_national_database=c.from_national_database,
        )
        for position, c in enumerate(data.components, start=1)
    )
    agencies = {a.code: a for a in Agency.objects.filter(code__in={s.agency_code for s in data.steps})}
    ProcessStep.objects.bulk_create(
        ProcessStep(
            version=version,
            order=s.order,
            name=s.name,
            role=s.role,
            agency=agencies.get(s.agency_code),
            department=s.department,
            share_percent=s.share_percent,
        )
        for s in data.steps
    )
    FeeExemption.objects.bulk_create(
        FeeExemption(
            version=version,
            order=position,
            group=e.group,
            fee_name=e.fee_name,
            percent=e.percent,
            legal_basis=e.legal_basis,
            proof=e.proof,
        )
        for position, e in enumerate(data.exemptions, start=1)
    )
    version.competent_agencies.set(Agency.objects.filter(code__in=data.agencies))
    version.coordinating_agencies.set(Agency.objects.filter(code__in=data.coordinating_agencies))
