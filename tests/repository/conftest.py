import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from portal.constants import Role
from repository import services
from tests.portal.factories import AgencyFactory, CitizenFactory, OrganisationFactory, officer_in

NOTO = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def page_png(text: str, *, size=(1240, 1754)) -> bytes:
    """A scanned A4 page (150 dpi) with one line of large text, as a desk scanner would produce."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype(NOTO, 64)
    except OSError:
        font = ImageFont.load_default()
    draw.text((120, 200), text, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def text_pdf(*paragraphs: str) -> bytes:
    """A PDF with a text layer, one page per paragraph."""
    from weasyprint import HTML

    body = "".join(f'<section style="page-break-after: always"><p>{p}</p></section>' for p in paragraphs)
    return HTML(string=f"<html><body style='font-family: Noto Sans'>{body}</body></html>").write_pdf()


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def store(owner, *, actor=None, content: bytes | None = None, name="giay-to.pdf", **fields):
    """A document uploaded by its owner through the service."""
    defaults = {
        "document_type_code": "GT_KS_CU",
        "document_type_name": "Giấy khai sinh",
        "title": "Giấy khai sinh",
    }
    defaults.update(fields)
    content = (
        content if content is not None else text_pdf(f"{defaults['title']} {timezone.now().timestamp()}")
    )
    return services.document_upload(
        actor=actor or owner, owner=owner, file=upload_file(name, content), **defaults
    )


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Digitisation tasks run in the test process even when CI points Celery at a real broker."""
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def yesterday(today):
    return today - dt.timedelta(days=1)


@pytest.fixture
def citizen(db):
    return CitizenFactory(full_name="Nguyễn Văn An")


@pytest.fixture
def other_citizen(db):
    return CitizenFactory(full_name="Trần Thị Bình")


@pytest.fixture
def organisation(citizen):
    from portal.models import OrganisationMember

    organisation = OrganisationFactory()
    OrganisationMember.objects.create(organisation=organisation, user=citizen, is_legal_representative=True)
    return organisation


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Sở Xây dựng")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Sở Tư pháp")


@pytest.fixture
def intake_officer(agency):
    return officer_in(agency, Role.INTAKE_OFFICER)


@pytest.fixture
def approver(agency):
    return officer_in(agency, Role.APPROVER)


@pytest.fixture
def specialist(agency):
    return officer_in(agency, Role.SPECIALIST)


@pytest.fixture
def other_agency_officer(other_agency):
    return officer_in(other_agency, Role.INTAKE_OFFICER)


@pytest.fixture
def pki(settings, tmp_path):
    settings.PKI_DIR = str(tmp_path / "pki")
    return tmp_path / "pki"


@pytest.fixture
def certificate(pki, agency):
    return services.signing_certificate_issue(agency=agency)


@pytest.fixture
def issued_result(certificate, approver, citizen, agency, today):
    """A building permit signed by the agency and stored in the citizen's Kho."""
    return services.result_issue(
        actor=approver,
        agency=agency,
        owner=citizen,
        pdf=text_pdf("GIẤY PHÉP XÂY DỰNG số 12/GPXD"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép xây dựng số 12/GPXD",
        number="12/GPXD",
        valid_to=today + dt.timedelta(days=365),
        dossier_id=501,
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache (Redis in CI); each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def province(db):
    """The small province of the dossier tests: a provincial desk, a department served by it, a commune."""
    from tests.dossiers.factories import Province

    return Province()
