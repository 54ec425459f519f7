import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError
from portal.pdf import qr_png_data_uri
from portal.uploads import DOCX_MIME, check_upload

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
