"""Digitisation made for one component of a dossier: when the job completes, the repository hands the PDF to
the dossiers app through its extension point (`repository.hooks.DossierHooks.attach_digitised`, registered by
the dossiers app as `dossiers.services.dossier_file_attach_digitised`) so that the component ends up with a
file flagged digitised; refusals are shown, passing trouble is retried by the nightly sweep.

Most tests register, in place of the dossiers side, a function honouring the documented contract (it copies the
version into a DossierFile marked digitised), and check everything the repository does around it; the last
ones use the dossiers app's own implementation.
"""

from dataclasses import replace

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

import dossiers.services as dossier_services
from dossiers.archive.tasks import archive_sweep
from dossiers.models import DossierFile
from dossiers.repository_hooks import HOOKS
from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from repository import hooks as repository_hooks
from repository import services, tasks
from repository.constants import DossierLinkState, JobStatus
from repository.models import DigitisationEvent, StoredDocument
from tests.dossiers.factories import draft, submitted
from tests.portal.factories import CitizenFactory, officer_in

from .conftest import page_png, upload_file


def attach_digitised(*, dossier_id, component_id, document, version, actor):
    """The contract of the dossiers hook, as the repository relies on it (see module docstring)."""
    existing = DossierFile.objects.filter(
        dossier_id=dossier_id, component_id=component_id, digitised=True, sha256=version.sha256
    ).first()
    if existing:
        return existing
    record = DossierFile(
        dossier_id=dossier_id,
        component_id=component_id,
        original_name=version.original_name,
        sha256=version.sha256,
        mime_type=version.mime_type,
        size=version.size,
        digitised=True,
        uploaded_by=actor,
    )
    with version.file.open("rb") as source:
        record.file.save("so-hoa.pdf", ContentFile(source.read()), save=False)
    record.save()
    return record


def use_attach(monkeypatch, attach) -> None:
    """Register `attach` as the dossiers side of the hook (None: no dossiers app registered in this process)."""
    registered = None if attach is None else replace(HOOKS, attach_digitised=attach)
    monkeypatch.setattr(repository_hooks, "_registered", registered)


@pytest.fixture
def hook(monkeypatch):
    calls = []

    def recording(**kwargs):
        calls.append(kwargs)
        return attach_digitised(**kwargs)

    use_attach(monkeypatch, recording)
    return calls


@pytest.fixture
def received(province):
    return dossier_services.dossier_receive(dossier=submitted(province), actor=province.officer)


def _component(province, code):
    return next(c for c in province.components() if c.code == code)


def _digitise(province, dossier, component, *, text="BẢN VẼ THIẾT KẾ", owner=None, agency=None):
    job = services.digitisation_job_create(
        actor=province.officer,
        agency=agency or province.centre,
        owner=owner or province.citizen,
        files=[upload_file("ban-ve.png", page_png(text))],
        document_type_code=component.code,
        document_type_name=component.name,
        title=component.name,
        dossier_id=dossier.pk,
        component_id=component.pk,
    )
    return job


def test_a_finished_job_puts_its_pdf_into_the_dossier_marked_digitised(province, received, hook):
    # given scans of the drawings handed in for the dossier
    component = _component(province, "BAN_VE")
    job = _digitise(province, received, component)
    assert job.dossier_link == DossierLinkState.PENDING

    # when the job runs (the Celery task, in process)
    tasks.digitise_scans.delay(job.pk)

    # then the document is in the applicant's Kho, and the dossier's component has it, flagged digitised
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.dossier_link == DossierLinkState.LINKED
    dossier_file = DossierFile.objects.get(pk=job.dossier_file_id)
    assert (dossier_file.dossier_id, dossier_file.component_id, dossier_file.digitised) == (
        received.pk,
        component.pk,
        True,
    )
    version = job.output_document.current_version
    assert dossier_file.sha256 == version.sha256
    assert job.output_document.origin_dossier_id == received.pk
    # and the hook got exactly the documented arguments
    assert hook == [
        {
            "dossier_id": received.pk,
            "component_id": component.pk,
            "document": job.output_document,
            "version": version,
            "actor": province.officer,
        }
    ]
    assert DigitisationEvent.objects.filter(job=job, message__contains="Đã gắn tệp số hóa").exists()


def test_linking_twice_does_not_attach_twice(province, received, hook):
    job = _digitise(province, received, _component(province, "BAN_VE"))
    services.digitisation_job_run(job_id=job.pk)

    again = services.digitisation_job_link_dossier(job_id=job.pk)

    assert again == DossierLinkState.LINKED
    assert len(hook) == 1
    assert DossierFile.objects.filter(dossier=received, digitised=True, component__code="BAN_VE").count() == 1


def test_without_the_hook_the_job_completes_and_waits(province, received, monkeypatch):
    # given a job for a dossier, run by a worker where the dossiers app has registered nothing
    job = _digitise(province, received, _component(province, "BAN_VE"))
    use_attach(monkeypatch, None)

    # when the job runs
    assert services.digitisation_job_run(job_id=job.pk) == "done"

    # then the document is stored and the link waits; nothing is attached
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.dossier_link == DossierLinkState.PENDING
    assert StoredDocument.objects.filter(pk=job.output_document_id).exists()
    assert not DossierFile.objects.filter(dossier=received, digitised=True).exists()

    # when the hook appears and the nightly sweep runs
    use_attach(monkeypatch, attach_digitised)
    outcome = archive_sweep.delay().get()

    # then the waiting job is attached
    job.refresh_from_db()
    assert outcome["digitised_linked"] == 1
    assert job.dossier_link == DossierLinkState.LINKED
    assert DossierFile.objects.get(pk=job.dossier_file_id).digitised


def test_a_refusal_of_the_dossier_is_recorded_and_not_retried(province, received, monkeypatch):
    # given the dossier side refuses (e.g. the dossier was withdrawn meanwhile)
    def refusing(**kwargs):
        raise Conflict("Hồ sơ đã rút, không nhận thêm tệp.")

    use_attach(monkeypatch, refusing)
    job = _digitise(province, received, _component(province, "BAN_VE"))

    # when
    services.digitisation_job_run(job_id=job.pk)

    # then the digitisation itself stands, the refusal is shown on the job, and the sweep leaves it alone
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.output_document is not None
    assert job.dossier_link == DossierLinkState.REFUSED
    assert job.dossier_link_message == "Hồ sơ đã rút, không nhận thêm tệp."
    use_attach(monkeypatch, attach_digitised)
    assert services.digitisation_jobs_link_pending() == 0


def test_passing_trouble_on_the_dossier_side_is_retried(province, received, monkeypatch):
    # given the dossier side fails for a reason that may pass (storage down)
    def failing(**kwargs):
        raise OSError("bộ lưu trữ tạm thời không truy cập được")

    use_attach(monkeypatch, failing)
    job = _digitise(province, received, _component(province, "BAN_VE"))

    # when the job runs, then it is done and the link still pending
    assert services.digitisation_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.dossier_link == DossierLinkState.PENDING

    # when storage is back and the sweep runs
    use_attach(monkeypatch, attach_digitised)
    assert services.digitisation_jobs_link_pending() == 1
    job.refresh_from_db()
    assert job.dossier_link == DossierLinkState.LINKED


def test_a_duplicate_scan_still_reaches_the_dossier(province, received, hook):
    # given the same paper was digitised into the applicant's Kho before, outside any dossier
    earlier = services.digitisation_job_create(
        actor=province.officer,
        agency=province.centre,
        owner=province.citizen,
        files=[upload_file("ban-ve.png", page_png("BẢN VẼ SỐ 5"))],
        document_type_code="BAN_VE",
        document_type_name="Bản vẽ",
        title="Bản vẽ",
    )
    services.digitisation_job_run(job_id=earlier.pk)
    earlier.refresh_from_db()

    # when it is scanned again for the dossier
    job = _digitise(province, received, _component(province, "BAN_VE"), text="BẢN VẼ SỐ 5")
    services.digitisation_job_run(job_id=job.pk)

    # then no second copy is kept in Kho, and the dossier gets the existing one
    job.refresh_from_db()
    assert job.duplicate and job.output_document == earlier.output_document
    assert job.dossier_link == DossierLinkState.LINKED
    assert hook[0]["document"] == earlier.output_document


# --- what a job for a dossier must name -----------------------------------------------------------------


def test_a_component_of_another_procedure_is_refused(province, received):
    from tests.dossiers.factories import Province

    foreign = Province().components()[0]

    with pytest.raises(ApplicationError, match="Thành phần không thuộc thủ tục của hồ sơ"):
        _digitise(province, received, foreign)


def test_a_dossier_of_another_agency_is_refused(province, received):
    other_desk = province.commune

    with pytest.raises(NotPermitted):
        services.digitisation_job_create(
            actor=province.commune_officer,
            agency=other_desk,
            owner=province.citizen,
            files=[upload_file("a.png", page_png("A"))],
            document_type_code="BAN_VE",
            document_type_name="Bản vẽ",
            title="Bản vẽ",
            dossier_id=received.pk,
            component_id=_component(province, "BAN_VE").pk,
        )


def test_the_owner_must_be_the_applicant(province, received):
    with pytest.raises(ApplicationError, match="Chủ giấy tờ phải là người nộp"):
        _digitise(province, received, _component(province, "BAN_VE"), owner=CitizenFactory())


def test_a_draft_is_not_a_dossier_to_digitise_for(province):
    with pytest.raises(ApplicationError, match="Không tìm thấy hồ sơ cần số hóa"):
        _digitise(province, draft(province), _component(province, "BAN_VE"))


def test_dossier_and_component_go_together(province, received):
    with pytest.raises(ApplicationError, match="cả hồ sơ và thành phần"):
        services.digitisation_job_create(
            actor=province.officer,
            agency=province.centre,
            owner=province.citizen,
            files=[upload_file("a.png", page_png("A"))],
            document_type_code="BAN_VE",
            document_type_name="Bản vẽ",
            title="Bản vẽ",
            dossier_id=received.pk,
        )


# --- the officer's pages --------------------------------------------------------------------------------


def test_the_desk_digitises_a_component_from_a_link_on_the_dossier_page(
    client, province, received, hook, django_capture_on_commit_callbacks
):
    # given the link the dossier page offers for one component
    component = _component(province, "BAN_VE")
    client.force_login(province.officer)
    url = reverse("repository:digitisation_job_new") + f"?ho_so={received.pk}&thanh_phan={component.pk}"

    # when the officer opens it, the form is prefilled for that component and applicant
    page = client.get(url)
    html = page.content.decode()
    assert 'data-testid="for-dossier"' in html and component.name in html
    form = page.context["form"]
    assert form["owner_identifier"].value() == province.citizen.cccd
    assert form["document_type"].value() == "BAN_VE"

    # and sends the scans (the task runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "agency": province.centre.pk,
                "owner_identifier": province.citizen.cccd,
                "document_type": "BAN_VE",
                "title": component.name,
                "dossier_id": received.pk,
                "component_id": component.pk,
                "scans": [upload_file("trang-1.png", page_png("BẢN VẼ MẶT BẰNG"))],
            },
        )

    # then the job ran, the dossier has the file, and the job page says so
    assert response.status_code == 302
    job_page = client.get(response["Location"]).content.decode()
    assert 'data-state="linked"' in job_page
    assert DossierFile.objects.filter(dossier=received, component=component, digitised=True).count() == 1


def test_another_agencys_dossier_cannot_be_named_in_the_link(client, province, received):
    client.force_login(province.commune_officer)
    url = reverse("repository:digitisation_job_new") + f"?ho_so={received.pk}&thanh_phan=1"

    assert client.get(url).status_code == 404


def test_a_specialist_of_the_competent_department_may_digitise_for_it(province, received, hook):
    specialist = officer_in(province.department, Role.SPECIALIST)

    job = services.digitisation_job_create(
        actor=specialist,
        agency=province.department,
        owner=province.citizen,
        files=[upload_file("a.png", page_png("PHỤ LỤC"))],
        document_type_code="BAN_VE",
        document_type_name="Bản vẽ",
        title="Bản vẽ",
        dossier_id=received.pk,
        component_id=_component(province, "BAN_VE").pk,
    )
    services.digitisation_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.dossier_link == DossierLinkState.LINKED


# --- with the dossiers app's own hook -------------------------------------------------------------------


def test_with_the_dossiers_hook_the_component_is_flagged_digitised(province, received):
    # given scans of the drawings for a received dossier, and the dossiers app's real hook
    component = _component(province, "BAN_VE")
    job = _digitise(province, received, component)

    # when the job runs
    services.digitisation_job_run(job_id=job.pk)

    # then the dossier has the file, marked digitised, with the stored document's content
    job.refresh_from_db()
    assert job.dossier_link == DossierLinkState.LINKED
    dossier_file = DossierFile.objects.get(pk=job.dossier_file_id)
    assert dossier_file.digitised and dossier_file.component == component
    assert dossier_file.sha256 == job.output_document.current_version.sha256


def test_with_the_dossiers_hook_a_withdrawn_dossier_refuses_the_file(province, received):
    # given a job queued for a dossier the applicant then withdraws
    job = _digitise(province, received, _component(province, "BAN_VE"))
    dossier_services.dossier_withdraw(dossier=received, actor=province.citizen, reason="Không làm nữa")

    # when the job runs
    services.digitisation_job_run(job_id=job.pk)

    # then the document stays in the applicant's Kho and the job says why the dossier did not take it
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.output_document is not None
    assert job.dossier_link == DossierLinkState.REFUSED
    assert "không nhận thêm tệp số hóa" in job.dossier_link_message
    assert not DossierFile.objects.filter(dossier=received, digitised=True).exists()
