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
