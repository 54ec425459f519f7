"""Factories for the procedure catalogue.

`ProcedureVersionFactory()` is a bare draft; `ProcedureVersionFactory(published=True)` (or `published_version()`)
is a version in force today, published through `procedure_version_publish`, with one competent agency, a
processing time per channel (online shorter), fees (online cheaper), three components (the first mandatory,
the second with a form template) and a four-step internal process (intake → specialist → approver → intake).
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from procedures.constants import (
    Channel,
    CopyType,
    ImplementationLevel,
    ServiceLevel,
    TargetGroup,
    VersionStatus,
)
from procedures.models import Component, Fee, Field, Procedure, ProcedureVersion, ProcessingTime, ProcessStep
from procedures.text import fold
from tests.portal.factories import AgencyFactory

APPLICANT_SCHEMA = {
    "type": "object",
    "x-order": ["ho_ten", "so_cccd", "ngay_sinh", "so_dien_thoai", "email", "dia_chi", "so_ban", "cam_ket"],
    "required": ["ho_ten", "so_cccd", "dia_chi", "cam_ket"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "maxLength": 100, "x-prefill": "full_name"},
        "so_cccd": {
            "type": "string",
            "title": "Số CCCD",
            "pattern": "^[0-9]{12}$",
            "x-patternMessage": "Số CCCD gồm đúng 12 chữ số.",
            "x-prefill": "cccd",
        },
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh", "x-prefill": "date_of_birth"},
        "so_dien_thoai": {"type": "string", "title": "Số điện thoại", "maxLength": 15, "x-prefill": "phone"},
        "email": {"type": "string", "format": "email", "title": "Thư điện tử", "x-prefill": "email"},
        "dia_chi": {"type": "string", "title": "Địa chỉ liên hệ", "maxLength": 300, "x-prefill": "address"},
        "so_ban": {"type": "integer", "title": "Số bản đề nghị cấp", "minimum": 1, "maximum": 10},
        "cam_ket": {"type": "boolean", "title": "Tôi cam đoan những nội dung khai trên là đúng sự thật"},
    },
}


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LV{n:04d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")


class ProcedureFactory(DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Cấp giấy phép thử nghiệm số {n}")
    field = factory.SubFactory(FieldFactory)
    search_text = factory.LazyAttribute(lambda p: fold(f"{p.code} {p.name}"))


def _next_number(version) -> int:
    last = version.procedure.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def add_details(version: ProcedureVersion, *, agency=None, with_template: bool = True) -> ProcedureVersion:
    """Give a draft what a real version carries: agency, times, fees, components, internal process."""
    agency = agency or AgencyFactory()
    version.competent_agencies.add(agency)
    ProcessingTime.objects.bulk_create(
        [
            ProcessingTime(version=version, channel=Channel.COUNTER, amount=Decimal(15)),
            ProcessingTime(version=version, channel=Channel.ONLINE, amount=Decimal(12)),
            ProcessingTime(version=version, channel=Channel.POSTAL, amount=Decimal(15)),
        ]
    )
    Fee.objects.bulk_create(
        [
            Fee(version=version, name="Lệ phí cấp giấy phép", amount=Decimal(150000)),
            Fee(version=version, channel=Channel.ONLINE, name="Lệ phí cấp giấy phép", amount=Decimal(75000)),
        ]
    )
    form = Component(
        version=version,
        order=1,
        code="DON_DE_NGHI",
        name="Đơn đề nghị cấp giấy phép",
        copy_type=CopyType.ORIGINAL,
        mandatory=True,
        template_name="Mẫu số 01",
    )
    if with_template:
        form.template.save("mau-don-de-nghi.txt", ContentFile("Mẫu đơn đề nghị".encode()), save=False)
    Component.objects.bulk_create(
        [
            form,
            Component(
                version=version,
                order=2,
                code="CCCD",
                name="Căn cước công dân",
                copy_type=CopyType.CERTIFIED_COPY,
                mandatory=False,
                reusable_from_repository=True,
                from_national_database=True,
            ),
            Component(
                version=version,
                order=3,
                code="BAN_VE",
                name="Bản vẽ thiết kế",
                copy_type=CopyType.COPY,
                quantity=2,
                mandatory=False,
            ),
        ]
    )
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(
                version=version, order=1, name="Tiếp nhận hồ sơ", role="intake", share_percent=Decimal(10)
            ),
            ProcessStep(
                version=version,
                order=2,
                name="Thẩm định hồ sơ",
                role="specialist",
                department="Phòng chuyên môn",
                share_percent=Decimal(60),
            ),
            ProcessStep(
                version=version,
                order=3,
                name="Phê duyệt, ký kết quả",
                role="approver",
                department="Phòng chuyên môn",
                share_percent=Decimal(20),
            ),
            ProcessStep(
                version=version, order=4, name="Trả kết quả", role="intake", share_percent=Decimal(10)
            ),
        ]
    )
    return version


def _details(obj, create, extracted, **kwargs):
    if create and extracted:
        add_details(obj, agency=obj.competent_agencies.first(), **kwargs)


def _publish(obj, create, extracted, **kwargs):
    if create and extracted:
        from procedures.services import procedure_version_publish

        procedure_version_publish(version=obj, actor=kwargs.get("actor"))
        obj.refresh_from_db()


class ProcedureVersionFactory(DjangoModelFactory):
    """A draft version; `published=True` gives a complete version in force today."""

    class Meta:
        model = ProcedureVersion
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            details=factory.PostGeneration(
                lambda obj, create, extracted, **kw: _details(obj, create, True, **kw)
            ),
            publish=factory.PostGeneration(
                lambda obj, create, extracted, **kw: _publish(obj, create, True, **kw)
            ),
        )

    procedure = factory.SubFactory(ProcedureFactory)
    number = factory.LazyAttribute(_next_number)
    status = VersionStatus.DRAFT
    decision_number = factory.Sequence(lambda n: f"{1000 + n}/QĐ-UBND")
    decision_date = factory.LazyFunction(lambda: timezone.localdate())
    valid_from = factory.LazyFunction(lambda: timezone.localdate())
    name = factory.LazyAttribute(lambda v: v.procedure.name)
    implementation_levels = factory.LazyFunction(lambda: [ImplementationLevel.PROVINCE.value])
    target_group = TargetGroup.BOTH
    service_level = ServiceLevel.FULL_ONLINE
    allows_online = True
    allows_online_payment = True
    allows_postal = True
    legal_basis = "Luật Xây dựng số 50/2014/QH13"
    result_type = "Giấy phép"
    form_schema = factory.LazyFunction(lambda: dict(APPLICANT_SCHEMA))

    @factory.post_generation
    def agencies(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.competent_agencies.add(*extracted)

    details = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _details(obj, create, extracted, **kw)
    )
    publish = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _publish(obj, create, extracted, **kw)
    )


def published_version(**kwargs) -> ProcedureVersion:
    """A version in force today with everything intake needs (see module docstring)."""
    return ProcedureVersionFactory(published=True, **kwargs)
