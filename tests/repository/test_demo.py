from portal import demo as portal_demo
from repository import demo, signing
from repository.constants import DocumentSource, VerificationStatus
from repository.models import SigningCertificate, StoredDocument


def test_demo_store_loads_twice_and_its_result_verifies(db, pki):
    # given the demo province
    portal_demo.load()
    # when the Kho demo is loaded twice
    demo.load()
    demo.load()
    # then nothing is duplicated
    assert StoredDocument.objects.count() == 5
    assert SigningCertificate.objects.filter(revoked_at__isnull=True).values("agency").distinct().count() == (
        SigningCertificate.objects.count()
    )
    # and the signed building permit verifies as valid
    permit = StoredDocument.objects.get(source=DocumentSource.ISSUED_RESULT)
    with permit.current_version.file.open("rb") as handle:
        assert signing.verify_signed_pdf(handle.read()).status == VerificationStatus.VALID
    digitised = StoredDocument.objects.get(source=DocumentSource.DIGITISED)
    assert digitised.current_version.page_count == 2


def test_with_the_demo_dossiers_the_archive_and_a_digitisation_for_a_dossier_load_twice(db, pki):
    import json
    from pathlib import Path

    from dossiers import demo as dossier_demo
    from dossiers.models import Dossier
    from procedures.services import catalogue_import
    from repository.constants import DossierLinkState
    from repository.models import ArchiveRecord, DigitisationJob

    # given the demo province with its catalogue and dossiers
    portal_demo.load()
    catalogue = Path(__file__).resolve().parents[2] / "procedures" / "data" / "catalogue_khanh_hoa.json"
    catalogue_import(records=json.loads(catalogue.read_text(encoding="utf-8")), actor=None)
    dossier_demo.load()

    # when the Kho demo is loaded twice
    demo.load()
    demo.load()

    # then every finished demo dossier has its retention row
    finished = Dossier.objects.filter(finished_at__isnull=False)
    assert finished.exists()
    assert set(ArchiveRecord.objects.values_list("dossier_id", flat=True)) == set(
        finished.values_list("pk", flat=True)
    )
    # and one paper was digitised for a component of a received dossier, once
    job = DigitisationJob.objects.get(dossier_id__isnull=False)
    assert job.output_document.origin_dossier_id == job.dossier_id
    assert job.dossier_link in (DossierLinkState.PENDING, DossierLinkState.LINKED)
