"""The hook Kho dữ liệu calls when a digitisation job made for a dossier component finishes."""

from __future__ import annotations

from dossiers import services
from dossiers.models import DossierFile
from repository import services as kho
from repository.constants import DossierLinkState
from tests.repository.conftest import page_png, upload_file

from .factories import appraising, received


def digitise(province, dossier, code="BAN_VE"):
    component = province.version.components.get(code=code)
    job = kho.digitisation_job_create(
        actor=province.officer,
        agency=province.centre,
        owner=province.citizen,
        files=[upload_file("ban-ve.png", page_png("BẢN VẼ THIẾT KẾ"))],
        document_type_code=component.code,
        document_type_name=component.name,
        title=component.name,
        dossier_id=dossier.pk,
        component_id=component.pk,
    )
    kho.digitisation_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job, component


def test_a_finished_job_flags_the_component_digitised(province):
    # given a dossier in processing and the drawings scanned for it at the desk
    dossier = appraising(province)
    version_before = dossier.version
    # when the digitisation job finishes
    job, component = digitise(province, dossier)
    # then the dossier holds the PDF as a digitised file of that component
    assert job.dossier_link == DossierLinkState.LINKED
    record = DossierFile.objects.get(pk=job.dossier_file_id)
    assert (record.dossier_id, record.component_id, record.digitised) == (dossier.pk, component.pk, True)
    assert record.sha256 == job.output_document.current_version.sha256
    assert record.file.read() == job.output_document.current_version.file.open("rb").read()
    dossier.refresh_from_db()
    assert dossier.version == version_before + 1  # open forms on the dossier become stale


def test_the_hook_is_idempotent(province):
    dossier = received(province)
    job, component = digitise(province, dossier)
    again = services.dossier_file_attach_digitised(
        dossier_id=dossier.pk,
        component_id=component.pk,
        document=job.output_document,
        version=job.output_document.current_version,
        actor=province.officer,
    )
    assert again.pk == job.dossier_file_id
    assert DossierFile.objects.filter(dossier=dossier, component=component, digitised=True).count() == 1


def test_a_withdrawn_dossier_refuses_the_file(province):
    dossier = received(province)
    services.dossier_withdraw(dossier=dossier, actor=province.citizen)
    job, _component = digitise(province, dossier)
    assert job.dossier_link == DossierLinkState.REFUSED
    assert "Đã rút hồ sơ" in job.dossier_link_message
    assert not DossierFile.objects.filter(dossier=dossier, digitised=True, component__code="BAN_VE").exists()
