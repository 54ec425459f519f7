"""Messages between officer and applicant on a dossier, with attachments, in the timeline of both sides."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.constants import EventAction
from dossiers.models import DossierMessage
from portal.constants import Role
from portal.errors import ApplicationError, NotPermitted
from tests.portal.factories import AgencyFactory, CitizenFactory, officer_in

from .factories import appraising, png_upload, submitted

QUESTION = "Đề nghị ông cho biết chiều cao tầng 3 theo bản vẽ là 3,6 m hay 3,3 m?"
ANSWER = "Chiều cao tầng 3 là 3,3 m; tôi gửi kèm bản vẽ đã sửa."


def test_officer_and_applicant_exchange_messages_in_the_timeline(client, province):
    # given a dossier in appraisal
    dossier = appraising(province)
    # when the specialist asks and the applicant answers with an attachment
    services.dossier_message_post(dossier=dossier, actor=province.specialist, body=QUESTION)
    reply = services.dossier_message_post(
        dossier=dossier, actor=province.citizen, body=ANSWER, attachment=png_upload("ban-ve-sua.png")
    )
    # then both are kept, marked by side, as timeline events
    assert [m.from_applicant for m in DossierMessage.objects.filter(dossier=dossier)] == [False, True]
    assert reply.attachment_mime == "image/png" and reply.attachment_sha256
    assert dossier.events.filter(action=EventAction.MESSAGE).count() == 2

    # both sides see both messages on the dossier page
    for person in (province.citizen, province.specialist):
        client.force_login(person)
        page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
        assert QUESTION in page and ANSWER in page and "ban-ve-sua.png" in page
        download = client.get(reverse("dossiers:message_attachment", args=[dossier.pk, reply.pk]))
        assert download.status_code == 200

    # the public lookup page never shows them
    client.logout()
    page = client.get(
        reverse("dossiers:lookup"), {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret}
    ).content.decode()
    assert dossier.code in page and QUESTION not in page and ANSWER not in page


def test_a_message_form_error_is_shown_next_to_the_field(client, province):
    dossier = appraising(province)
    client.force_login(province.citizen)
    response = client.post(
        reverse("dossiers:message", args=[dossier.pk]),
        {"body": "Gửi tệp", "attachment": SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 100)},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "không đúng định dạng" in page and "id_attachment_error" in page
    assert not DossierMessage.objects.exists()
    response = client.post(reverse("dossiers:message", args=[dossier.pk]), {"body": QUESTION})
    assert response.status_code == 302 and response.url.endswith("#trao-doi")


@pytest.mark.parametrize("body", ["", "   "])
def test_an_empty_message_is_refused(province, body):
    with pytest.raises(ApplicationError):
        services.dossier_message_post(dossier=appraising(province), actor=province.citizen, body=body)


def test_outsiders_cannot_write(client, province):
    dossier = appraising(province)
    outsider_officer = officer_in(AgencyFactory(), Role.SPECIALIST)
    with pytest.raises(NotPermitted):
        services.dossier_message_post(dossier=dossier, actor=outsider_officer, body=QUESTION)
    with pytest.raises(NotPermitted):
        services.dossier_message_post(dossier=dossier, actor=CitizenFactory(), body=QUESTION)
    client.force_login(CitizenFactory())
    assert client.post(reverse("dossiers:message", args=[dossier.pk]), {"body": QUESTION}).status_code == 404


def test_messages_also_work_before_reception(province):
    dossier = submitted(province)
    message = services.dossier_message_post(dossier=dossier, actor=province.officer, body=QUESTION)
    assert not message.from_applicant
