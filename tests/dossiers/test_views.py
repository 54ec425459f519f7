"""The dossier pages, used as a person would with a plain browser (no JavaScript)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import services
from dossiers.constants import DossierState
from dossiers.models import Dossier
from portal.constants import Role
from tests.portal.factories import CitizenFactory, officer_in

from .factories import PDF_BYTES, counter_received, draft, pdf_upload, png_upload, received, submitted


def url(name, *args, **kwargs):
    return reverse(f"dossiers:{name}", args=args, kwargs=kwargs)


# ---- online filing ----------------------------------------------------------------------------------------


def test_a_citizen_files_online_step_by_step(client, province):
    citizen = province.citizen
    client.force_login(citizen)
    version = province.version
    # the start page explains what is needed, then "Bắt đầu" creates a prefilled draft
    start = client.get(url("file_online", version_pk=version.pk))
    assert "Đơn đề nghị cấp giấy phép" in start.content.decode()
    response = client.post(url("file_online", version_pk=version.pk))
    dossier = Dossier.objects.get(applicant=citizen)
    assert response.url == url("edit", dossier.pk)
    assert dossier.applicant_name == citizen.full_name and dossier.applicant_id_number == citizen.cccd
    assert dossier.form_data["ho_ten"] == citizen.full_name  # prefilled from the account
    # the applicant form, with its schema part
    page = client.get(url("edit_applicant", dossier.pk)).content.decode()
    assert citizen.cccd in page and 'name="tk-so_ban"' in page
    response = client.post(
        url("edit_applicant", dossier.pk),
        {
            "version": dossier.version,
            "applicant_name": citizen.full_name,
            "applicant_id_number": citizen.cccd,
            "applicant_address": "12 Trần Phú, phường Nha Trang",
            "applicant_phone": "0905123456",
            "applicant_email": "an@example.vn",
            "tk-ho_ten": citizen.full_name,
            "tk-so_cccd": citizen.cccd,
            "tk-dia_chi": "12 Trần Phú",
            "tk-so_ban": "2",
            "tk-cam_ket": "on",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    # each component on its own page
    component = province.components()[0]
    response = client.post(
        url("edit_component", dossier.pk, component.pk),
        {"version": dossier.version, "file": pdf_upload("don.pdf")},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    # how to receive the result
    response = client.post(
        url("edit_delivery", dossier.pk),
        {"version": dossier.version, "delivery_method": "post", "postal_address": "12 Trần Phú, Nha Trang"},
    )
    assert response.status_code == 302
    # check your answers, then submit
    review = client.get(url("review", dossier.pk)).content.decode()
    assert "Hồ sơ chưa thể nộp" not in review and "don.pdf" in review and "Số bản đề nghị cấp" in review
    dossier.refresh_from_db()
    response = client.post(url("review", dossier.pk), {"version": dossier.version})
    assert response.url == url("detail", dossier.pk)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.form_data["so_ban"] == 2 and dossier.postal_address == "12 Trần Phú, Nha Trang"
    detail = client.get(url("detail", dossier.pk)).content.decode()
    assert "Mới nộp, chờ tiếp nhận" in detail and "Rút hồ sơ" in detail


def test_answers_of_earlier_dossiers_prefill_the_next(province):
    # given a first dossier where the applicant asked for 3 copies
    first = draft(province)
    services.dossier_update_applicant(
        dossier=first,
        actor=province.citizen,
        applicant=services.ApplicantData(
            name=first.applicant_name, id_number=first.applicant_id_number, address="Số 1", phone="0905123456"
        ),
        form_data={**first.form_data, "so_ban": 3, "cam_ket": True},
    )
    # when they start a second dossier of the same procedure
    second = services.dossier_create_draft(actor=province.citizen, version=province.version)
    # then the answer is proposed again (the account still wins for account fields)
    assert second.form_data["so_ban"] == 3
    assert second.form_data["ho_ten"] == province.citizen.full_name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, "không đúng định dạng cho phép"),
        ("trong.pdf", b"", "rỗng"),
        ("ghi-chu.txt", "Chỉ là văn bản".encode(), "không đúng định dạng cho phép"),
    ],
)
def test_a_bad_upload_is_explained_next_to_the_field(client, province, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = draft(province, files=False)
    client.force_login(province.citizen)
    component = province.components()[0]
    response = client.post(
        url("edit_component", dossier.pk, component.pk),
        {"version": dossier.version, "file": SimpleUploadedFile(name, content)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary' in html and message in html
    assert 'aria-invalid="true"' in html or "is-invalid" in html
    assert not dossier.files.exists()


def test_an_oversized_upload_is_refused(client, province, settings):
    settings.UPLOAD_MAX_BYTES = 50
    dossier = draft(province, files=False)
    client.force_login(province.citizen)
    response = client.post(
        url("edit_component", dossier.pk, province.components()[0].pk),
        {"version": dossier.version, "file": pdf_upload()},
    )
    assert "vượt quá giới hạn" in response.content.decode()


def test_submitting_without_the_mandatory_file_is_refused_with_the_reason(client, province):
    dossier = draft(province, files=False)
    client.force_login(province.citizen)
    response = client.post(url("review", dossier.pk), {"version": dossier.version})
    html = response.content.decode()
    assert "Hồ sơ chưa thể nộp" in html and "Chưa đính kèm: Đơn đề nghị cấp giấy phép." in html
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT


def test_a_file_lost_from_storage_blocks_submission(province):
    dossier = draft(province)
    stored = dossier.files.get()
    stored.file.storage.delete(stored.file.name)
    problems = services.submission_problems(dossier=dossier)
    assert any("bị lỗi khi tải lên" in p for p in problems)


def test_a_failed_counter_intake_leaves_no_dossier_and_no_file(province, monkeypatch):
    # given the second scan fails while the dossier is being stored
    from dossiers.services import reception as module

    original = module.store_upload
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(module, "store_upload", flaky)
    component = province.components()[0]
    optional = province.components()[1]
    from .factories import applicant_data, form_answers

    with pytest.raises(OSError):
        services.dossier_receive_in_person(
            actor=province.officer,
            agency=province.centre,
            version=province.version,
            channel=1,
            applicant=applicant_data(province.citizen),
            form_data=form_answers(province.citizen),
            uploads=[
                services.ComponentUpload(component=component, upload=png_upload()),
                services.ComponentUpload(component=optional, upload=png_upload()),
            ],
            delivery_method="desk",
        )
    # then nothing is left: no dossier, no number taken, no file on disk
    from django.conf import settings

    assert not Dossier.objects.exists()
    media = settings.MEDIA_ROOT / "dossiers"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_another_citizen_cannot_see_or_edit_a_dossier(client, province):
    dossier = draft(province)
    client.force_login(CitizenFactory())
    for name in ("detail", "edit", "edit_applicant", "review"):
        assert client.get(url(name, dossier.pk)).status_code == 404
    file_pk = dossier.files.first().pk
    assert client.get(url("file_download", dossier.pk, file_pk)).status_code == 404


def test_a_submitted_dossier_can_no_longer_be_edited(client, province):
    dossier = submitted(province)
    client.force_login(province.citizen)
    response = client.get(url("edit_applicant", dossier.pk))
    assert response.status_code == 302 and response.url == url("detail", dossier.pk)


# ---- the intake officer -----------------------------------------------------------------------------------


def test_the_officer_receives_from_the_dossier_page(client, province, django_capture_on_commit_callbacks):
    dossier = submitted(province)
    client.force_login(province.officer)
    page = client.get(url("detail", dossier.pk)).content.decode()
    assert "Tiếp nhận hồ sơ" in page and "Từ chối tiếp nhận" in page and "Yêu cầu hoàn thiện" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("receive", dossier.pk), {"version": dossier.version}, follow=True)
    dossier.refresh_from_db()
    html = response.content.decode()
    assert dossier.state == DossierState.RECEIVED
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in html and dossier.lookup_secret in html
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    # the receipt is downloadable by officer and applicant, and by nobody else
    receipt = client.get(url("document", dossier.pk, "receipt"))
    assert receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    client.force_login(province.citizen)
    assert client.get(url("document", dossier.pk, "receipt")).status_code == 200
    client.force_login(CitizenFactory())
    assert client.get(url("document", dossier.pk, "receipt")).status_code == 404


def test_a_stale_reception_click_is_refused_politely(client, province):
    dossier = submitted(province)
    seen = dossier.version
    services.dossier_withdraw(dossier=dossier, actor=province.citizen)
    client.force_login(province.officer)
    response = client.post(url("receive", dossier.pk), {"version": seen}, follow=True)
    assert "vừa được người khác cập nhật" in response.content.decode()


def test_refusing_needs_a_reason(client, province):
    dossier = submitted(province)
    client.force_login(province.officer)
    response = client.post(url("refuse", dossier.pk), {"version": dossier.version, "reason": "ngắn"})
    assert "ít nhất 10 ký tự" in response.content.decode()
    response = client.post(
        url("refuse", dossier.pk),
        {"version": dossier.version, "reason": "Không thuộc thẩm quyền giải quyết của tỉnh."},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REFUSED


def test_request_completion_then_the_applicant_completes(client, province):
    dossier = submitted(province)
    component = province.components()[0]
    client.force_login(province.officer)
    client.post(
        url("request_completion", dossier.pk),
        {
            "version": dossier.version,
            "reason": "Đơn chưa ký, đề nghị ký và tải lên lại.",
            "components": [component.pk],
        },
    )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUPPLEMENT_REQUESTED
    client.force_login(province.citizen)
    edit = client.get(url("edit", dossier.pk)).content.decode()
    assert "Đơn chưa ký, đề nghị ký và tải lên lại." in edit
    client.post(
        url("edit_component", dossier.pk, component.pk),
        {"version": dossier.version, "file": pdf_upload("don-ky.pdf")},
    )
    dossier.refresh_from_db()
    response = client.post(url("review", dossier.pk), {"version": dossier.version})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED


def test_withdrawal_from_the_page(client, province):
    dossier = received(province)
    client.force_login(province.citizen)
    response = client.post(
        url("withdraw", dossier.pk), {"version": dossier.version, "reason": "Đã có kết quả khác."}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.WITHDRAWN
    assert (
        "Rút hồ sơ"
        not in client.get(url("detail", dossier.pk)).content.decode().split('data-testid="actions"')[1][:300]
    )


def test_counter_intake_page(client, province, django_capture_on_commit_callbacks):
    client.force_login(province.officer)
    # pick the procedure (search ignores diacritics)
    pick = client.get(url("counter_intake"), {"q": "cap giay phep thu nghiem"}).content.decode()
    assert province.version.name in pick
    page = client.get(url("counter_intake"), {"thu_tuc": province.version.pk}).content.decode()
    component = province.components()[0]
    assert f'name="component_{component.pk}"' in page
    data = {
        "thu_tuc": province.version.pk,
        "desk": province.centre.pk,
        "channel": "1",
        "applicant_kind": "citizen",
        "applicant_name": "Trần Thị Bình",
        "applicant_id_number": "056185005678",
        "applicant_address": "45 Thống Nhất, phường Phan Rang",
        "applicant_phone": "0914234567",
        "applicant_email": "",
        "set_count": "1",
        "delivery_method": "desk",
        "postal_address": "",
        "tk-ho_ten": "Trần Thị Bình",
        "tk-so_cccd": "056185005678",
        "tk-dia_chi": "45 Thống Nhất",
        "tk-cam_ket": "on",
    }
    # missing the mandatory scan: the error is next to the field
    response = client.post(url("counter_intake"), data)
    assert "Chưa quét giấy tờ bắt buộc này." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("counter_intake"), {**data, f"component_{component.pk}": png_upload()})
    dossier = Dossier.objects.get(applicant_id_number="056185005678")
    assert response.url == url("detail", dossier.pk)
    assert dossier.state == DossierState.RECEIVED and dossier.channel == 1 and dossier.applicant is None
    assert dossier.files.get().digitised
    assert dossier.documents.filter(kind="receipt").exists()


def test_counter_intake_is_for_intake_officers(client, province):
    client.force_login(province.specialist)
    assert client.get(url("counter_intake")).status_code == 403
    client.force_login(province.citizen)
    assert client.get(url("intake_queue")).status_code == 403


# ---- queues and lists -------------------------------------------------------------------------------------


def test_the_queue_counts_filters_and_searches(client, province):
    waiting = [submitted(province) for _ in range(3)]
    done = received(province)
    client.force_login(province.officer)
    page = client.get(url("intake_queue")).content.decode()
    # default tab: dossiers waiting for reception, with counts per state
    assert page.count('href="/ho-so/') >= 3
    assert (
        'data-state="submitted">Mới nộp, chờ tiếp nhận <span class="badge text-bg-light border">3</span>'
        in page
    )
    assert 'data-state="received">Đã tiếp nhận <span class="badge text-bg-light border">1</span>' in page
    by_code = client.get(url("intake_queue"), {"q": done.code, "trang_thai": ""}).content.decode()
    assert done.code in by_code and waiting[0].reference not in by_code
    by_name = client.get(url("intake_queue"), {"q": "Nguyễn Văn", "trang_thai": "received"}).content.decode()
    assert done.code in by_name


def test_the_commune_desk_does_not_see_the_provincial_queue(client, province):
    submitted(province)
    client.force_login(province.commune_officer)
    page = client.get(url("intake_queue")).content.decode()
    assert "Không có hồ sơ nào." in page


def test_the_postal_operator_sees_postal_dossiers_of_its_agency(client, province):
    postal = officer_in(province.centre, Role.POSTAL)
    by_post = counter_received(province, channel=3)
    at_desk = counter_received(province, channel=1)
    client.force_login(postal)
    page = client.get(url("intake_queue"), {"trang_thai": ""}).content.decode()
    assert by_post.code in page and at_desk.code not in page


def test_the_postal_operator_reads_only_what_carrying_needs(client, province):
    postal = officer_in(province.centre, Role.POSTAL)
    by_post = counter_received(province, channel=3)
    at_desk = counter_received(province, channel=1)
    client.force_login(postal)
    page = client.get(reverse("dossiers:detail", args=[by_post.pk])).content.decode()
    assert by_post.code in page and by_post.applicant_name in page
    assert by_post.applicant_id_number not in page and by_post.lookup_secret not in page
    file = by_post.files.first()
    assert client.get(reverse("dossiers:file_download", args=[by_post.pk, file.pk])).status_code == 404
    assert client.get(reverse("dossiers:document", args=[by_post.pk, "receipt"])).status_code == 404
    assert client.get(reverse("dossiers-api:detail", args=[by_post.pk])).status_code == 404
    assert client.get(reverse("dossiers:detail", args=[at_desk.pk])).status_code == 404


@pytest.mark.parametrize("size", [10, 50])
def test_the_queue_uses_a_bounded_number_of_queries(client, province, size):
    """The same number of queries for 10 or 50 rows (no query per dossier)."""
    for _ in range(3):
        received(province)
    client.force_login(province.officer)
    client.get(url("intake_queue"))  # warm the session

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("intake_queue"), {"trang_thai": "", "so_dong": page_size})
        assert response.status_code == 200
        return len(queries)

    small = count(10)
    for _ in range(size):
        counter_received(province)
    big = count(size)
    assert big == small, f"{small} queries for 3 rows, {big} for {size + 3} rows"
    assert big <= 15


def test_my_dossiers_lists_only_mine_and_my_organisations(client, province):
    mine = received(province)
    other = CitizenFactory()
    theirs = submitted(province, other)
    client.force_login(province.citizen)
    page = client.get(url("my_dossiers")).content.decode()
    assert mine.code in page and url("detail", theirs.pk) not in page


def test_file_download_keeps_the_original_name(client, province):
    dossier = draft(province)
    client.force_login(province.citizen)
    f = dossier.files.get()
    response = client.get(url("file_download", dossier.pk, f.pk))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "don-de-nghi.pdf" in response["Content-Disposition"]


def test_kho_du_lieu_asks_whether_the_officer_handles_the_dossier(province):
    from dossiers.queues import officer_handles_dossier

    dossier = submitted(province)
    elsewhere = officer_in(province.commune, Role.SPECIALIST)
    postal = officer_in(province.centre, Role.POSTAL)
    ask = lambda user: officer_handles_dossier(user=user, dossier_ids={dossier.pk})  # noqa: E731
    assert ask(province.officer)  # the desk that receives it
    assert not ask(elsewhere) and not ask(postal) and not ask(province.citizen)
    assert not officer_handles_dossier(user=province.officer, dossier_ids={draft(province).pk})


def test_a_document_from_kho_du_lieu_stands_in_for_an_upload(client, province):
    from repository.models import DocumentUse
    from repository.services import document_upload

    # given the citizen keeps a certified copy of their ID card in Kho dữ liệu
    stored = document_upload(
        actor=province.citizen,
        owner=province.citizen,
        file=pdf_upload("cccd.pdf"),
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="Căn cước công dân của tôi",
    )
    dossier = draft(province)
    component = next(c for c in province.components() if c.code == "CCCD")
    client.force_login(province.citizen)
    # the component page offers it
    page = client.get(url("edit_component", dossier.pk, component.pk)).content.decode()
    assert "Căn cước công dân của tôi" in page and "Dùng giấy tờ này" in page
    # when they pick it
    response = client.post(
        url("use_stored_document", dossier.pk, component.pk),
        {"document": stored.pk, "version": dossier.version},
    )
    assert response.status_code == 302
    # then the dossier holds its own copy, marked reused, and the store records the use
    f = dossier.files.get(component=component)
    assert f.reused and not f.digitised and f.sha256 == stored.current_version.sha256
    assert DocumentUse.objects.filter(
        document=stored, dossier_id=dossier.pk, component_id=component.pk
    ).exists()


def test_another_persons_stored_document_cannot_be_used(province):
    from portal.errors import ApplicationError
    from repository.services import document_upload

    other = CitizenFactory()
    stored = document_upload(
        actor=other,
        owner=other,
        file=pdf_upload("cccd-khac.pdf"),
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="CCCD người khác",
    )
    dossier = draft(province)
    component = next(c for c in province.components() if c.code == "CCCD")
    with pytest.raises(ApplicationError, match="không dùng được"):
        services.dossier_attach_stored_document(
            dossier=dossier, actor=province.citizen, component=component, document=stored
        )
    assert not dossier.files.filter(component=component).exists()


def test_the_admin_shows_dossiers_read_only(client, province):
    from tests.portal.factories import UserFactory

    dossier = received(province)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    listing = client.get("/quan-tri/dossiers/dossier/")
    assert listing.status_code == 200 and dossier.code in listing.content.decode()
    page = client.get(f"/quan-tri/dossiers/dossier/{dossier.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert dossier.lookup_secret not in page.content.decode()
