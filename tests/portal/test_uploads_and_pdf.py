import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from portal.errors import ApplicationError
from portal.pdf import qr_png_data_uri
from portal.uploads import DOCX_MIME, check_upload
from procedures.excel import records_from_workbook
from procedures.national import RecordError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("don.pdf", PDF, "application/pdf"),
        ("anh.png", PNG, "image/png"),
        ("to-khai.docx", _docx(), DOCX_MIME),
    ],
)
def test_accepted_types_are_detected_from_content(name, content, mime, settings):
    checked = check_upload(SimpleUploadedFile(name, content))
    assert checked.mime_type == mime
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "không đúng định dạng"),
        ("rong.pdf", b"", "rỗng"),
        ("nen.docx", b"PK\x03\x04" + b"\x00" * 50, "không đúng định dạng"),
    ],
)
def test_refused_uploads_say_why_in_vietnamese(name, content, message):
    with pytest.raises(ApplicationError) as error:
        check_upload(SimpleUploadedFile(name, content))
    assert message in error.value.message


def test_oversized_upload_refused(settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ApplicationError, match="vượt quá giới hạn"):
        check_upload(SimpleUploadedFile("lon.pdf", PDF))


def test_qr_data_uri_is_a_png():
    uri = qr_png_data_uri("https://dichvucong.example.vn/tra-cuu?ma=000.00.15.H32-251121-0007")
    assert uri.startswith("data:image/png;base64,")


# ---- issue 17, finding 9: active PDFs, zip bombs, bidi controls -------------------------------------------


def _pdf(extra_catalog: dict | None = None, page_extra: dict | None = None) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    for key, value in (page_extra or {}).items():
        page[NameObject(key)] = value
    for key, value in (extra_catalog or {}).items():
        writer._root_object[NameObject(key)] = value
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def test_a_plain_pdf_is_accepted():
    assert check_upload(SimpleUploadedFile("don.pdf", _pdf())).mime_type == "application/pdf"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_pdf({"/OpenAction": _action("/JavaScript", JS="app.alert(1)")}), id="open-action-js"),
        pytest.param(
            _pdf(
                page_extra={
                    "/AA": DictionaryObject({NameObject("/O"): _action("/URI", URI="https://x.example")})
                }
            ),
            id="page-additional-action",
        ),
        pytest.param(_pdf({"/OpenAction": _action("/Launch", F="cmd.exe")}), id="launch"),
        # names written with #-escapes (/J#53 is /JS) are not found by searching the bytes; pypdf decodes them
        pytest.param(
            _pdf({"/OpenAction": _action("/JavaScript", JS="app.alert(1)")})
            .replace(b"/JS ", b"/J#53 ")
            .replace(b"/JavaScript", b"/Java#53cript"),
            id="escaped-names",
        ),
    ],
)
def test_a_pdf_that_runs_code_is_refused(content):
    with pytest.raises(ApplicationError) as error:
        check_upload(SimpleUploadedFile("ho-so.pdf", content))
    assert error.value.code == "upload_pdf_active"
    assert "JavaScript hoặc lệnh tự chạy" in error.value.message


def _zip_of_zeros(size: int, *, docx: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if docx:
            archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_a_docx_shaped_zip_bomb_is_refused_from_its_directory():
    # given a "DOCX" of 110 MB of zeros, about 100 KB on disk
    bomb = _zip_of_zeros(110 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    with pytest.raises(ApplicationError) as error:
        check_upload(SimpleUploadedFile("to-khai.docx", bomb))

    assert error.value.code == "upload_zip_bomb"
    assert "tệp nén bất thường" in error.value.message


def test_a_zip_under_the_size_limit_but_compressed_too_far_is_refused(settings):
    # 20 MB of zeros stays under 100 MB inflated, but is a thousand times its packed size
    with pytest.raises(ApplicationError, match="tệp nén bất thường"):
        check_upload(SimpleUploadedFile("to-khai.docx", _zip_of_zeros(20 * 1024 * 1024)))


def test_the_catalogue_workbook_import_refuses_a_zip_bomb():
    with pytest.raises(RecordError, match="tệp nén bất thường"):
        records_from_workbook(_zip_of_zeros(110 * 1024 * 1024, docx=False))


def test_bidi_controls_are_removed_from_uploaded_file_names():
    upload = SimpleUploadedFile("hoa-don\u202egpj.pdf", PDF)
    check_upload(upload)
    assert upload.name == "hoa-dongpj.pdf"
