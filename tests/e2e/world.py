"""Dossiers for browser tests, built through the services on the demo province (the demo catalogue is not
loaded in tests, so the procedure comes from the catalogue factories)."""

from __future__ import annotations

import datetime as dt

from dossiers import services
from dossiers.constants import DeliveryMethod
from portal.models import Agency, User
from tests.dossiers import factories
from tests.procedures.factories import APPLICANT_SCHEMA, published_version

# A construction permit's form asks the class of the building: a choice stored as a value, shown as its name.
PERMIT_SCHEMA = {
    **APPLICANT_SCHEMA,
    "x-order": [*APPLICANT_SCHEMA["x-order"], "cap_cong_trinh"],
    "properties": {
        **APPLICANT_SCHEMA["properties"],
        "cap_cong_trinh": {
            "type": "string",
            "title": "Cấp công trình",
            "enum": ["cap_ii", "cap_iii"],
            "x-enumNames": ["Cấp II", "Cấp III"],
        },
    },
}


class DemoProvince(factories.Province):
    """The factories' province made of the demo accounts: a permit of Sở Xây dựng received at the centre."""

    def __init__(self):
        self.centre = Agency.objects.get(code="000.00.15.H32")
        self.department = Agency.objects.get(code="000.00.20.H32")
        self.officer = User.objects.get(username="motcua")
        self.specialist = User.objects.get(username="chuyenvien.sxd")
        self.approver = User.objects.get(username="lanhdaophong.sxd")
        self.citizen = User.objects.get(username="056090001234")
        self.version = published_version(
            agencies=[self.department], valid_from=dt.date(2024, 1, 1), form_schema=PERMIT_SCHEMA
        )


def permit_draft(province: DemoProvince):
    """A permit the demo citizen has filled in online for a class II building, ready to submit."""
    citizen = province.citizen
    dossier = services.dossier_create_draft(actor=citizen, version=province.version)
    dossier = services.dossier_update_applicant(
        dossier=dossier,
        actor=citizen,
        applicant=factories.applicant_data(citizen),
        form_data=factories.form_answers(citizen, cap_cong_trinh="cap_ii"),
    )
    for component in province.components():
        if component.mandatory:
            services.dossier_attach_file(
                dossier=dossier, actor=citizen, component=component, upload=factories.pdf_upload()
            )
    return services.dossier_set_delivery(dossier=dossier, actor=citizen, method=DeliveryMethod.DESK)


def permit_submitted(province: DemoProvince):
    return services.dossier_submit(dossier=permit_draft(province), actor=province.citizen)


def dossiers_at_every_desk_stage(province: DemoProvince) -> dict:
    """One dossier per stage the desk and the department see."""
    received = permit_submitted(province)
    received = services.dossier_receive(dossier=received, actor=province.officer)
    return {
        "submitted": permit_submitted(province),
        "received": received,
        "appraising": factories.appraising(province),
    }
