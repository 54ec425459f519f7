"""The satisfaction survey: once per dossier, only after the result is delivered, online by the applicant or at
the desk on the tablet, results per agency and officer."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from dossiers.models import SatisfactionSurvey
from dossiers.survey import selectors, services
from portal.constants import Role
from portal.errors import ApplicationError, Conflict
from tests.dossiers.factories import received
from tests.portal.factories import CitizenFactory, officer_in

from .conftest import delivered

RATINGS = {"ease_of_access": 5, "publicity": 4, "officer_attitude": 5, "timeliness": 3, "result": 4}
FORM = {**RATINGS, "comment": "Cán bộ hướng dẫn tận tình."}


def test_a_delivered_dossier_is_rated_once(province):
    dossier = delivered(province)
    survey = services.survey_submit(dossier=dossier, ratings=RATINGS, comment="Tốt")
    assert survey.agency == dossier.competent_agency
    assert survey.officer == province.officer
    assert survey.average == pytest.approx(4.2)
    with pytest.raises(Conflict):
        services.survey_submit(dossier=dossier, ratings=RATINGS)
    assert SatisfactionSurvey.objects.filter(dossier=dossier).count() == 1


def test_the_database_refuses_a_second_answer_for_a_dossier(province):
    dossier = delivered(province)
    services.survey_submit(dossier=dossier, ratings=RATINGS)
    with pytest.raises(IntegrityError):
        SatisfactionSurvey.objects.create(
            dossier=dossier,
            agency=dossier.competent_agency,
            desk_agency=dossier.receiving_agency,
            channel="online",
            answered_at=dossier.delivered_at,
            **RATINGS,
        )


def test_a_dossier_not_yet_delivered_cannot_be_rated(province):
    dossier = received(province)
    with pytest.raises(ApplicationError) as error:
        services.survey_submit(dossier=dossier, ratings=RATINGS)
    assert error.value.code == "survey_not_delivered"
    assert not SatisfactionSurvey.objects.exists()


@pytest.mark.parametrize("bad", [0, 6, None])
def test_every_question_needs_a_rating_from_1_to_5(province, bad):
    dossier = delivered(province)
    with pytest.raises(ApplicationError):
        services.survey_submit(dossier=dossier, ratings={**RATINGS, "timeliness": bad})


def test_the_applicant_rates_from_the_dossier_page(client, province):
    dossier = delivered(province)
    client.force_login(province.citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert reverse("survey:rate", args=[dossier.pk]).encode() in page.content
    response = client.post(reverse("survey:rate", args=[dossier.pk]), FORM)
    assert response.status_code == 302
    assert dossier.survey.channel == "online" and dossier.survey.comment == "Cán bộ hướng dẫn tận tình."
    again = client.post(reverse("survey:rate", args=[dossier.pk]), FORM)
    assert "Hồ sơ này đã được đánh giá" in again.content.decode()


def test_another_citizen_cannot_rate_the_dossier(client, province):
    dossier = delivered(province)
    client.force_login(CitizenFactory())
    assert client.post(reverse("survey:rate", args=[dossier.pk]), FORM).status_code == 404
    assert not SatisfactionSurvey.objects.exists()


def test_the_desk_hands_the_tablet_only_for_its_own_dossiers(client, province):
    dossier = delivered(province)
    client.force_login(province.commune_officer)  # an intake officer of another desk
    assert client.get(reverse("survey:desk", args=[dossier.pk])).status_code == 404
    client.force_login(province.officer)
    response = client.post(reverse("survey:desk", args=[dossier.pk]), FORM)
    assert response.status_code == 302
    survey = SatisfactionSurvey.objects.get(dossier=dossier)
    assert survey.channel == "desk" and survey.recorded_by == province.officer


def test_results_per_agency_and_officer(client, province):
    dossier = delivered(province)
    services.survey_submit(dossier=dossier, ratings=RATINGS)
    [agency] = selectors.satisfaction_by_agency()
    assert agency.key == dossier.competent_agency_id and agency.answers == 1
    assert agency.score == pytest.approx(4.2) and agency.percent == pytest.approx(80.0)
    [officer] = selectors.satisfaction_by_officer(agency_ids={dossier.receiving_agency_id})
    assert officer.key == province.officer.pk
    assert selectors.satisfaction_by_agency(agency_ids={province.commune.pk}) == []
    leader = officer_in(province.department, Role.AGENCY_LEADER)
    client.force_login(leader)
    page = client.get(reverse("survey:results"))
    assert page.status_code == 200 and "Sở Xây dựng" in page.content.decode()
    client.force_login(province.citizen)
    assert client.get(reverse("survey:results")).status_code == 404


def test_delivery_invites_the_applicant_to_rate(province, monkeypatch):
    from dossiers import notices

    invited = []
    monkeypatch.setattr(notices, "survey_invite", lambda dossier: invited.append(dossier.pk))
    dossier = delivered(province)
    assert invited == [dossier.pk]


def test_the_invitation_reaches_the_applicants_inbox_with_the_delivery(province):
    from notifications.constants import Channel, Kind
    from notifications.models import Notification

    dossier = delivered(province)
    invitation = Notification.objects.get(kind=Kind.SURVEY_INVITATION, dossier_id=dossier.pk)
    assert invitation.recipient_id == dossier.applicant_id and invitation.channel == Channel.INBOX
    assert reverse("survey:rate", kwargs={"pk": dossier.pk}) in invitation.body
