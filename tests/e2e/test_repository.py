import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.constants import Role
from portal.models import Agency, User
from repository import services
from repository.models import StoredDocument
from tests.portal.factories import officer_in

from .conftest import login

pytestmark = pytest.mark.e2e

CITIZEN = "056090001234"


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """The digitisation task runs inside the live server even when CI points Celery at a real broker."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def pki(settings, tmp_path):
    settings.PKI_DIR = str(tmp_path / "pki")


def _pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p style='font-family: Noto Sans'>{text}</p>").write_pdf()


def _png(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(image).text(
        (120, 200),
        text,
        fill="black",
        font=ImageFont.truetype("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 64),
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _issue_permit(*, valid_to=None) -> StoredDocument:
    agency = Agency.objects.get(code="000.00.20.H32")
    services.signing_certificate_issue(agency=agency)
    return services.result_issue(
        actor=User.objects.get(username="lanhdaophong.sxd"),
        agency=agency,
        owner=User.objects.get(username=CITIZEN),
        pdf=_pdf("GIẤY PHÉP XÂY DỰNG số 15/GPXD"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép xây dựng số 15/GPXD",
        valid_to=valid_to or timezone.localdate() + dt.timedelta(days=365),
    )


def _open_menu(page):
    menu = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")  # the stylesheet decides whether the menu is folded
    if menu.is_visible():
        menu.click()


def test_citizen_manages_their_kho_on_a_phone(demo_site, pki, browser):
    # given a citizen who received a signed building permit
    permit = _issue_permit()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    login(page, demo_site.url, CITIZEN)
    # when they open their Kho from the menu
    _open_menu(page)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Kho dữ liệu của tôi"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kho dữ liệu của tôi")
    expect(page.get_by_test_id("document-list")).to_contain_text("Giấy phép xây dựng số 15/GPXD")
    # and upload their birth certificate
    page.get_by_role("link", name="Tải giấy tờ lên").click()
    page.get_by_label("Loại giấy tờ").select_option(label="Giấy khai sinh")
    page.get_by_label("Tên giấy tờ").fill("Giấy khai sinh của tôi")
    scan = _png("GIẤY KHAI SINH")
    page.get_by_label("Tệp giấy tờ").set_input_files(
        {"name": "gks.png", "mimeType": "image/png", "buffer": scan}
    )
    page.get_by_role("button", name="Lưu vào Kho").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy khai sinh của tôi")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # then uploading the same file again is refused next to the field, summarised at the top
    page.goto(f"{demo_site.url}/kho-du-lieu/tai-len/")
    page.get_by_label("Loại giấy tờ").select_option(label="Giấy khai sinh")
    page.get_by_label("Tên giấy tờ").fill("Lần nữa")
    page.get_by_label("Tệp giấy tờ").set_input_files(
        {"name": "lai.png", "mimeType": "image/png", "buffer": scan}
    )
    page.get_by_role("button", name="Lưu vào Kho").click()
    expect(page.get_by_role("alert")).to_contain_text("đã có trong Kho dữ liệu")
    # and the permit can be downloaded but not deleted
    page.goto(f"{demo_site.url}/kho-du-lieu/?hieu_luc=valid")
    page.get_by_role("link", name="Giấy phép xây dựng số 15/GPXD").click()
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == "ket-qua.pdf"
    expect(page.get_by_text("không thể xóa")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("access-log")).to_contain_text("Tải về")
    # and the upload is deleted
    page.goto(f"{demo_site.url}/kho-du-lieu/")
    page.get_by_role("link", name="Giấy khai sinh của tôi").click()
    page.get_by_role("link", name="Xóa giấy tờ").click()
    page.get_by_role("button", name="Xóa giấy tờ").click()
    expect(page.get_by_role("status")).to_contain_text("Đã xóa “Giấy khai sinh của tôi”")
    expect(page.get_by_test_id("document-list")).not_to_contain_text("Giấy khai sinh của tôi")
    assert StoredDocument.objects.filter(pk=permit.pk, deleted_at__isnull=True).exists()
    context.close()


def test_anyone_verifies_a_signed_result_and_sees_it_revoked(demo_site, pki, page, tmp_path):
    # given a signed permit the citizen shows to a bank
    permit = _issue_permit()
    copy = tmp_path / "giay-phep.pdf"
    with permit.current_version.file.open("rb") as handle:
        copy.write_bytes(handle.read())
    # when the bank uploads it on the public verification page
    page.goto(f"{demo_site.url}/kho-du-lieu/xac-thuc/")
    page.get_by_label("Tệp PDF cần xác thực").set_input_files(str(copy))
    page.get_by_role("button", name="Xác thực", exact=True).click()
    result = page.get_by_test_id("verification-result")
    expect(result).to_have_attribute("data-status", "valid")
    expect(result).to_contain_text("Sở Xây dựng")
    # and after the agency revokes it, the QR link says so
    services.document_revoke(
        actor=officer_in(permit.issuing_agency, Role.SPECIALIST),
        document=permit,
        reason="Cấp sai vị trí thửa đất",
    )
    page.goto(services.verification_url(permit).replace("http://127.0.0.1:8000", demo_site.url))
    expect(result).to_have_attribute("data-status", "revoked")
    expect(result).to_contain_text("Cấp sai vị trí thửa đất")


def test_officer_digitises_a_multi_page_scan_and_follows_it(demo_site, page):
    login(page, demo_site.url, "motcua")
    page.goto(f"{demo_site.url}/kho-du-lieu/so-hoa/")
    page.get_by_role("link", name="Số hóa giấy tờ").click()
    page.get_by_label("Số CCCD hoặc mã số thuế của chủ giấy tờ").fill(CITIZEN)
    page.get_by_label("Loại giấy tờ").select_option(
        label="Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở"
    )
    page.get_by_label("Tên giấy tờ").fill("Giấy chứng nhận thửa 215")
    page.get_by_label("Bản quét (theo thứ tự trang)").set_input_files(
        [
            {"name": "trang-1.png", "mimeType": "image/png", "buffer": _png("GIẤY CHỨNG NHẬN")},
            {"name": "trang-2.png", "mimeType": "image/png", "buffer": _png("Sơ đồ thửa đất")},
        ]
    )
    page.get_by_role("button", name="Gửi số hóa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Số hóa #\d+: Giấy chứng nhận thửa 215")
    )
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("job-result")).to_contain_text("2 trang")
    # the citizen now holds it
    document = StoredDocument.objects.get(title="Giấy chứng nhận thửa 215")
    assert document.owner.username == CITIZEN and document.current_version.page_count == 2


def test_a_citizen_files_a_second_dossier_reusing_a_result_without_uploading(demo_site, pki, browser):
    from dossiers.models import Dossier
    from procedures.models import Component
    from procedures.services import procedure_version_publish
    from repository.models import DocumentUse
    from tests.procedures.factories import ProcedureVersionFactory

    # given a citizen whose building permit was issued electronically into their Kho
    permit = _issue_permit()
    # and a procedure (extending the permit) that asks for the permit already granted
    department = Agency.objects.get(code="000.00.20.H32")
    version = ProcedureVersionFactory(details=True, agencies=[department], valid_from=dt.date(2024, 1, 1))
    version.components.filter(code="DON_DE_NGHI").update(mandatory=False)
    Component.objects.create(
        version=version,
        order=4,
        code="GPXD",
        name="Giấy phép xây dựng đã được cấp",
        mandatory=True,
        reusable_from_repository=True,
    )
    procedure_version_publish(version=version, actor=None)

    # when the citizen files online on a phone
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = context.new_page()
    login(page, demo_site.url, CITIZEN)
    page.goto(f"{demo_site.url}/ho-so/nop/{version.pk}/")
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    page.get_by_role("link", name="Thông tin người nộp và tờ khai").click()
    page.get_by_label("Số bản đề nghị cấp").fill("1")
    page.get_by_label("Tôi cam đoan những nội dung khai trên là đúng sự thật").check()
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    # and, for the permit, picks the one in their Kho instead of uploading a file
    page.get_by_role("link", name="Giấy phép xây dựng đã được cấp").click()
    stored = page.get_by_test_id("stored-documents")
    expect(stored).to_contain_text("Giấy phép xây dựng số 15/GPXD")
    stored.get_by_role("button", name="Dùng giấy tờ này Giấy phép xây dựng số 15/GPXD").click()
    page.get_by_role("link", name="Kiểm tra và nộp hồ sơ").click()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    context.close()

    # then the dossier was filed with no upload at all: its only file is the reused permit
    dossier = Dossier.objects.get(procedure_version=version)
    files = list(dossier.files.select_related("component"))
    assert [(f.component.code, f.reused) for f in files] == [("GPXD", True)]
    assert files[0].sha256 == permit.current_version.sha256
    # and the Kho records where the permit was used
    use = DocumentUse.objects.get(document=permit)
    assert (use.dossier_id, use.component_id) == (dossier.pk, files[0].component_id)
