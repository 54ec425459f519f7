"""A password registration with somebody else's CCCD gets none of their counter dossiers; the holder of the
receipt proves the dossier is theirs with its code and lookup secret."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.services import dossier_claim
from portal.constants import IdentitySource
from portal.errors import ApplicationError
from tests.dossiers.factories import applicant_data, form_answers, png_upload
from tests.portal.factories import CitizenFactory

AT = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def impostor(province):
    """Registered with a password and the CCCD the desk will receive a dossier for."""
    return CitizenFactory(unverified=True, cccd="079203004512", username="079203004512")


def _received_for(province, cccd):
    citizen = province.citizen
    return services.dossier_receive_in_person(
        actor=province.officer,
        agency=province.centre,
        version=province.version,
        channel=1,
        applicant=applicant_data(citizen, id_number=cccd, name="Lê Thị Thật"),
        form_data=form_answers(citizen, so_cccd=cccd, ho_ten="Lê Thị Thật"),
        uploads=[
            services.ComponentUpload(component=c, upload=png_upload())
            for c in province.components()
            if c.mandatory
        ],
        delivery_method="desk",
    )


def test_an_unverified_account_gets_no_counter_dossier_for_its_cccd(client, province, impostor):
    dossier = _received_for(province, impostor.cccd)
    assert dossier.applicant is None
    client.force_login(impostor)
    assert dossier.code not in client.get(reverse("dossiers:my_dossiers")).content.decode()
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
    assert client.get(reverse("dossiers:withdraw", args=[dossier.pk])).status_code == 404


def test_a_verified_account_receives_its_counter_dossiers(province):
    verified = CitizenFactory(cccd="079203004513", username="079203004513")
    dossier = _received_for(province, verified.cccd)
    assert dossier.applicant == verified


def test_the_receipt_holder_claims_the_dossier_and_is_verified(province, impostor):
    """Here the account is the real person's: they hold the receipt, so code + secret prove it."""
    first = _received_for(province, impostor.cccd)
    second = _received_for(province, impostor.cccd)
    attached = dossier_claim(actor=impostor, code=first.code, secret=first.lookup_secret, at=AT)
    assert sorted(attached) == sorted([first.pk, second.pk])
    impostor.refresh_from_db()
    assert impostor.identity_verified_at == AT and impostor.identity_source == IdentitySource.DOSSIER_CLAIM
    first.refresh_from_db()
    assert first.applicant == impostor


@pytest.mark.parametrize("wrong", ["secret", "cccd"])
def test_a_claim_without_the_receipt_or_for_another_cccd_is_refused(province, impostor, wrong):
    dossier = _received_for(province, impostor.cccd if wrong == "secret" else "079203009999")
    secret = "SAI0000" if wrong == "secret" else dossier.lookup_secret
    with pytest.raises(ApplicationError) as refused:
        dossier_claim(actor=impostor, code=dossier.code, secret=secret, at=AT)
    assert refused.value.code == "claim_refused"
    dossier.refresh_from_db()
    impostor.refresh_from_db()
    assert dossier.applicant is None and not impostor.identity_verified


def test_the_claim_page_attaches_the_dossier_and_wrong_codes_are_counted(
    client, province, impostor, settings
):
    settings.DOSSIER_LOOKUP_LIMIT = 2
    dossier = _received_for(province, impostor.cccd)
    client.force_login(impostor)
    url = reverse("dossiers:claim")
    assert "claim-link" in client.get(reverse("dossiers:my_dossiers")).content.decode()
    wrong = client.post(url, {"ma": dossier.code, "ma_tra_cuu": "SAI000"})
    assert wrong.status_code == 200 and "Mã hồ sơ hoặc mã tra cứu không đúng" in wrong.content.decode()
    response = client.post(url, {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret})
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:my_dossiers")
    assert dossier.code in client.get(reverse("dossiers:my_dossiers")).content.decode()


def test_the_claim_page_stops_guessing(rate_limit_clock, client, province, impostor, settings):
    settings.DOSSIER_LOOKUP_LIMIT = 2
    dossier = _received_for(province, impostor.cccd)
    client.force_login(impostor)
    url = reverse("dossiers:claim")
    for _ in range(2):
        client.post(url, {"ma": dossier.code, "ma_tra_cuu": "SAI000"})
    blocked = client.post(url, {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret})
    assert blocked.status_code == 429
    dossier.refresh_from_db()
    assert dossier.applicant is None


def test_officers_have_no_claim_page(client, province):
    client.force_login(province.officer)
    assert client.get(reverse("dossiers:claim")).status_code == 404


def test_the_code_and_secret_of_ones_own_online_dossier_prove_nothing(province, impostor):
    """An online dossier shows its code and secret to whoever filed it at submission, with no card checked:
    claiming it does not verify the account."""
    from tests.dossiers.factories import submitted

    dossier = submitted(province, impostor)
    with pytest.raises(ApplicationError):
        dossier_claim(actor=impostor, code=dossier.code, secret=dossier.lookup_secret, at=AT)
    impostor.refresh_from_db()
    assert impostor.identity_verified_at is None
