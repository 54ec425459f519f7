"""Building dossiers for tests, always through the services (never by setting the state)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dossiers import services
from dossiers.constants import DeliveryMethod
from dossiers.models import Dossier
from portal.constants import AgencyLevel, Role
from tests.portal.factories import AdministrativeUnitFactory, AgencyFactory, CitizenFactory, officer_in
from tests.procedures.factories import published_version

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf_upload(name: str = "don-de-nghi.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name: str = "ban-scan.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class Province:
    """A small province: a provincial one-stop centre, a department without a desk (served by the centre),
    a commune with its own desk, intake officers at both desks, and a published procedure of the department."""

    def __init__(self, **version_kwargs):
        self.unit = AdministrativeUnitFactory(level="province", name="Tỉnh Khánh Hòa")
        self.commune_unit = AdministrativeUnitFactory(parent=self.unit)
        self.centre = AgencyFactory(
            name="Trung tâm Phục vụ hành chính công tỉnh",
            level=AgencyLevel.PROVINCE,
            administrative_unit=self.unit,
            has_one_stop_desk=True,
            address="04 Phan Chu Trinh, phường Nha Trang",
        )
        self.department = AgencyFactory(
            name="Sở Xây dựng",
            level=AgencyLevel.PROVINCE,
            administrative_unit=self.unit,
            has_one_stop_desk=False,
        )
        self.commune = AgencyFactory(
            name="Ủy ban nhân dân phường Thử Nghiệm",
            level=AgencyLevel.COMMUNE,
            administrative_unit=self.commune_unit,
            has_one_stop_desk=True,
        )
        self.officer = officer_in(self.centre, Role.INTAKE_OFFICER, full_name="Nguyễn Thị Một Cửa")
        self.commune_officer = officer_in(self.commune, Role.INTAKE_OFFICER)
        self.specialist = officer_in(self.department, Role.SPECIALIST, full_name="Võ Minh Xây")
        self.approver = officer_in(self.department, Role.APPROVER, full_name="Đặng Quốc Duyệt")
        version_kwargs.setdefault("valid_from", dt.date(2024, 1, 1))
        self.version = published_version(agencies=[self.department], **version_kwargs)
        self.citizen = CitizenFactory(full_name="Nguyễn Văn An")

    def components(self):
        return list(self.version.components.order_by("order"))


def applicant_data(citizen, **overrides) -> services.ApplicantData:
    values = {
        "name": citizen.full_name,
        "id_number": citizen.cccd,
        "address": citizen.address or "12 Trần Phú, phường Nha Trang",
        "phone": citizen.phone or "0905123456",
        "email": citizen.email,
    }
    values.update(overrides)
    return services.ApplicantData(**values)


def form_answers(citizen, **overrides) -> dict:
    answers = {
        "ho_ten": citizen.full_name,
        "so_cccd": citizen.cccd,
        "dia_chi": citizen.address or "12 Trần Phú",
        "so_ban": 1,
        "cam_ket": True,
    }
    answers.update(overrides)
    return answers


def draft(province: Province, citizen=None, *, files: bool = True) -> Dossier:
    """A complete online draft, ready to submit."""
    citizen = citizen or province.citizen
    dossier = services.dossier_create_draft(actor=citizen, version=province.version)
    dossier = services.dossier_update_applicant(
        dossier=dossier, actor=citizen, applicant=applicant_data(citizen), form_data=form_answers(citizen)
    )
    if files:
        for component in province.components():
            if component.mandatory:
                services.dossier_attach_file(
                    dossier=dossier, actor=citizen, component=component, upload=pdf_upload()
                )
    return services.dossier_set_delivery(
        dossier=dossier, actor=citizen, method=DeliveryMethod.POST, postal_address="12 Trần Phú, Nha Trang"
    )


def submitted(province: Province, citizen=None, *, at: dt.datetime | None = None) -> Dossier:
    citizen = citizen or province.citizen
    return services.dossier_submit(dossier=draft(province, citizen), actor=citizen, at=at)


def received(province: Province, citizen=None, *, at: dt.datetime | None = None) -> Dossier:
    """Submitted half an hour before `at` (default now), received at `at`."""
    at = at or timezone.now()
    dossier = submitted(province, citizen, at=at - dt.timedelta(minutes=30))
    return services.dossier_receive(dossier=dossier, actor=province.officer, at=at)


def counter_received(province: Province, *, channel: int = 1, at: dt.datetime | None = None, **kw) -> Dossier:
    citizen = province.citizen
    return services.dossier_receive_in_person(
        actor=province.officer,
        agency=province.centre,
        version=province.version,
        channel=channel,
        applicant=applicant_data(citizen),
        form_data=form_answers(citizen),
        uploads=[
            services.ComponentUpload(component=c, upload=png_upload())
            for c in province.components()
            if c.mandatory
        ],
        delivery_method=kw.pop("delivery_method", DeliveryMethod.DESK),
        at=at,
        **kw,
    )


# ---- processing --------------------------------------------------------------------------------------------


def signing_ready(province: Province) -> None:
    """A development signing certificate for the department (PKI_DIR is under the test's MEDIA_ROOT)."""
    from repository.services import signing_certificate_issue

    signing_certificate_issue(agency=province.department)


def forwarded(province: Province, *, at: dt.datetime | None = None, **kw) -> Dossier:
    at = at or timezone.now()
    dossier = received(province, at=at - dt.timedelta(minutes=10), **kw)
    return services.dossier_forward(dossier=dossier, actor=province.officer, at=at)


def appraising(province: Province, *, at: dt.datetime | None = None, **kw) -> Dossier:
    at = at or timezone.now()
    dossier = forwarded(province, at=at - dt.timedelta(minutes=5), **kw)
    return services.dossier_assign(
        dossier=dossier, actor=province.approver, specialist=province.specialist, at=at
    )


def result_draft(decision: str = "grant", **overrides) -> services.ResultDraft:
    values = {
        "decision": decision,
        "opinion": "Hồ sơ đầy đủ, hợp lệ; đủ điều kiện cấp giấy phép theo quy định.",
        "title": "Giấy phép xây dựng",
        "number": "15/GPXD",
        "content": "Cấp cho ông Nguyễn Văn An được xây dựng nhà ở riêng lẻ tại thửa đất số 215, "
        "phường Nha Trang, tỉnh Khánh Hòa.",
    }
    if decision == "refuse":
        values.update(opinion="Công trình không phù hợp quy hoạch chi tiết tỷ lệ 1/500 đã được phê duyệt.")
    values.update(overrides)
    return services.ResultDraft(**values)


def awaiting_approval(province: Province, *, at: dt.datetime | None = None, decision: str = "grant", **kw):
    at = at or timezone.now()
    dossier = appraising(province, at=at - dt.timedelta(minutes=5), **kw)
    return services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft(decision), at=at
    )
