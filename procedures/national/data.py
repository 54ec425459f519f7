"""VersionData: a neutral description of one procedure version, between records and the models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..constants import CopyType, ServiceLevel, TargetGroup, TimeUnit


class RecordError(ValueError):
    """A record that cannot be imported; the message says which field and why, in Vietnamese."""


@dataclass(frozen=True)
class FeeData:
    name: str
    amount: Decimal
    description: str = ""
    due_after_appraisal: bool = False


@dataclass(frozen=True)
class ExemptionData:
    """A listed target group exempted from (100%) or given a reduction of one fee (by name) or of all fees."""

    group: str
    legal_basis: str
    percent: int = 100
    fee_name: str = ""
    proof: str = ""


@dataclass(frozen=True)
class ChannelData:
    time_amount: Decimal
    time_unit: str = TimeUnit.WORKING_DAYS
    time_description: str = ""
    fees: tuple[FeeData, ...] = ()


@dataclass(frozen=True)
class ComponentData:
    name: str
    code: str = ""
    copy_type: str = CopyType.ORIGINAL
    quantity: int = 1
    mandatory: bool = True
    template_name: str = ""
    template_file: str = ""  # storage name; the record carries only its base name
    reusable_from_repository: bool = False
    from_national_database: bool = False


@dataclass(frozen=True)
class StepData:
    order: int
    name: str
    role: str
    share_percent: Decimal
    agency_code: str = ""
    department: str = ""


@dataclass
class VersionData:
    code: str
    name: str
    field_code: str = ""
    field_name: str = ""
    levels: list[str] = field(default_factory=list)
    target_group: str = TargetGroup.BOTH
    service_level: str = ServiceLevel.PARTIAL_ONLINE
    sequence: str = ""
    submission_method: str = ""
    requirements: str = ""
    legal_basis: list[str] = field(default_factory=list)
    result_type: str = ""
    result_validity_months: int | None = None
    decision_number: str = ""
    decision_date: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    channels: dict[int, ChannelData] = field(default_factory=dict)
    components: list[ComponentData] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    coordinating_agencies: list[str] = field(default_factory=list)
    is_inter_agency: bool = False
    allows_online_payment: bool = False
    intake_any_boundary: bool = False
    steps: list[StepData] = field(default_factory=list)
    form_schema: dict = field(default_factory=dict)
    exemptions: list[ExemptionData] = field(default_factory=list)
