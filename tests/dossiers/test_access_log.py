"""Officers' reads of a dossier are audited; the applicant's own reads are not officers' reads."""

from django.urls import reverse

from dossiers.models import DossierAccessLog

from .factories import submitted


def test_an_officer_opening_a_dossier_is_logged(client, province):
    # given an online dossier waiting at the provincial desk
    dossier = submitted(province)
    client.force_login(province.officer)

    # when the intake officer opens it and downloads the applicant's file
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 200
    upload = dossier.files.first()
    response = client.get(reverse("dossiers:file_download", args=[dossier.pk, upload.pk]))
    assert response.status_code == 200

    # then both reads are in the audit log, with who, what and why
    rows = list(DossierAccessLog.objects.filter(dossier=dossier).order_by("at", "id"))
    assert [(r.user, r.purpose) for r in rows] == [
        (province.officer, DossierAccessLog.Purpose.VIEW),
        (province.officer, DossierAccessLog.Purpose.FILE),
    ]
    assert rows[1].detail == upload.original_name


def test_the_applicant_reading_their_own_dossier_is_not_an_officer_read(client, province):
    dossier = submitted(province)
    client.force_login(province.citizen)
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 200
    assert not DossierAccessLog.objects.exists()


def test_refused_reads_leave_no_log(client, province):
    from portal.constants import Role
    from tests.portal.factories import AgencyFactory, officer_in

    dossier = submitted(province)
    client.force_login(officer_in(AgencyFactory(), Role.INTAKE_OFFICER))
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
    assert not DossierAccessLog.objects.exists()
