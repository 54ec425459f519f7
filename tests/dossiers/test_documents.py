"""Printed forms (TT 01/2018/TT-VPCP): every field present, Vietnamese text extracted back intact, QR code."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import qrcode
from PIL import ImageChops
from pypdf import PdfReader

from dossiers import services
from dossiers.constants import DocumentKind
from dossiers.documents import lookup_url
from dossiers.models import DossierDocument

from .factories import counter_received, received, submitted

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _pdf(document: DossierDocument) -> PdfReader:
    with document.file.open("rb") as f:
        return PdfReader(io.BytesIO(f.read()))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def receipt(province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = received(province, at=dt.datetime(2025, 11, 17, 9, 5, tzinfo=VN))
    return dossier, DossierDocument.objects.get(dossier=dossier, kind=DocumentKind.RECEIPT)


def test_the_receipt_is_printed_on_reception_and_stored(receipt):
    dossier, document = receipt
    assert document.event == dossier.events.get(action="receive")
    assert document.size > 1000 and len(document.sha256) == 64
    reader = _pdf(document)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points, one page
    assert len(reader.pages) == 1


def test_the_receipt_carries_every_field_of_the_official_form(receipt, province):
    dossier, document = receipt
    text = _text(_pdf(document))
    expected = [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        province.centre.name.upper(),
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Văn An",
        f"Số định danh cá nhân: {province.citizen.cccd}",
        f"Địa chỉ: {dossier.applicant_address}",
        f"Số điện thoại: {dossier.applicant_phone}",
        f"Thư điện tử: {dossier.applicant_email}",
        f"Nội dung yêu cầu giải quyết: {province.version.name}",
        "1. Thành phần hồ sơ nộp gồm:",
        "Đơn đề nghị cấp giấy phép",
        "Bản chính",
        "2. Số lượng hồ sơ: 1 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định: 12 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 17/11/2025",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 05 phút, ngày 03/12/2025",
        "6. Đăng ký nhận kết quả tại: Nhận qua dịch vụ bưu chính công ích tại địa chỉ: 12 Trần Phú, Nha Trang",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 2025, Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Nguyễn Thị Một Cửa",
        f"Mã tra cứu: {dossier.lookup_secret}",
        "ngày 17 tháng 11 năm 2025",
    ]
    missing = [e for e in expected if e not in text]
    assert not missing, f"missing {missing} in: {text}"


def test_the_receipt_qr_code_opens_the_public_status_page(receipt):
    dossier, document = receipt
    url = lookup_url(dossier)
    assert f"ma={dossier.code}" in url and f"ma_tra_cuu={dossier.lookup_secret}" in url
    # the printed URL and the QR code both carry code and secret
    assert url in _text(_pdf(document)).replace(" ", "")
    printed = _pdf(document).pages[0].images[0].image.convert("1")
    expected = qrcode.make(url, box_size=4, border=2).get_image().convert("1")
    assert printed.size == expected.size
    assert ImageChops.difference(printed, expected).getbbox() is None


def test_a_counter_receipt_lists_the_digitised_papers(province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = counter_received(province, set_count=2)
    text = _text(_pdf(dossier.documents.get(kind=DocumentKind.RECEIPT)))
    assert "Đơn đề nghị cấp giấy phép (đã số hóa)" in text
    assert "2. Số lượng hồ sơ: 2 (bộ)" in text
    assert "15 ngày làm việc" in text  # the counter's time limit
    assert "Bộ phận tiếp nhận và trả kết quả — Trung tâm Phục vụ hành chính công tỉnh" in text


def test_the_refusal_form_states_the_reason(province, django_capture_on_commit_callbacks):
    reason = "Hồ sơ đề nghị cấp phép cho công trình thuộc thẩm quyền của Bộ Xây dựng, không thuộc tỉnh."
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.dossier_refuse(dossier=submitted(province), actor=province.officer, reason=reason)
    text = _text(_pdf(dossier.documents.get(kind=DocumentKind.REFUSAL)))
    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Văn An",
        "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        reason,
        "NGƯỜI LẬP PHIẾU",
        f"Mã tra cứu: {dossier.lookup_secret}",
    ):
        assert expected in text, expected


def test_the_completion_request_lists_what_is_missing(province, django_capture_on_commit_callbacks):
    component = province.components()[2]
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.dossier_request_completion(
            dossier=submitted(province),
            actor=province.officer,
            reason="Bản vẽ thiếu mặt cắt và chưa có chữ ký của đơn vị thiết kế.",
            components=[component],
        )
    text = _text(_pdf(dossier.documents.get(kind=DocumentKind.SUPPLEMENT_REQUEST)))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Bản vẽ thiết kế" in text
    assert "Bản vẽ thiếu mặt cắt và chưa có chữ ký của đơn vị thiết kế." in text


def test_printing_twice_keeps_one_document(receipt):
    dossier, document = receipt
    event = dossier.events.get(action="receive")
    again = services.dossier_document_generate(
        dossier_id=dossier.pk, kind=DocumentKind.RECEIPT, event_id=event.pk
    )
    assert again == document
    assert dossier.documents.count() == 1
