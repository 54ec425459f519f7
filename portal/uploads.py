"""Checking uploaded files: type detected from content (not the name), size, emptiness, active content.

Dossier components, Kho dữ liệu uploads and digitised scans all pass through `check_upload`. Besides the type
and size it refuses what would attack the officer who opens the file: a PDF carrying JavaScript or actions
that run by themselves, and a zip (DOCX, XLSX, scan archives) that inflates far beyond its size.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .errors import ApplicationError
from .text import strip_bidi_controls

logger = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP_MIMES = {DOCX_MIME, "application/zip"}
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX_MIME: "docx",
}


@dataclass(frozen=True)
class CheckedUpload:
    mime_type: str
    extension: str
    size: int
    sha256: str


def _is_docx(file) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)


def check_zip_inflation(file, *, name: str = "tệp", max_inflated: int | None = None) -> None:
    """Refuse a zip bomb from its central directory, before anything inflates it.

    The sizes are those the archive declares; Python's zipfile never inflates a member beyond its declared
    size, so they bound the work of every reader in this code base (openpyxl included).
    """
    max_inflated = max_inflated or settings.UPLOAD_MAX_INFLATED_BYTES
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return  # not a zip: the type check decides
    finally:
        file.seek(0)
    inflated = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if (
        len(members) > settings.UPLOAD_MAX_ZIP_MEMBERS
        or inflated > max_inflated
        or (inflated > ZIP_RATIO_FLOOR and inflated / packed > settings.UPLOAD_MAX_ZIP_RATIO)
    ):
        raise ApplicationError(
            f"Tệp “{name}” là tệp nén bất thường (giải nén ra {inflated / 1048576:.0f} MB, "
            f"gấp {inflated / packed:.0f} lần dung lượng tệp) nên không được nhận. "
            "Hãy lưu lại tài liệu bằng phần mềm văn phòng hoặc gửi bản PDF.",
            code="upload_zip_bomb",
        )


# A small document may compress very well (an almost empty DOCX); the ratio matters only past this size.
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
# Keys and action types of a PDF that run code or open things without the reader asking: JavaScript,
# additional actions (/AA: on open, on close, on page view, on field focus…), launching programs, forms
# that submit themselves, embedded Flash/3D/media runners.
_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute"}
_PDF_RAW_ACTIVE = re.compile(rb"/(?:JavaScript|JS|AA|Launch)[\s/<(\[]")
_PDF_RAW_JAVASCRIPT = b"/JavaScript"
_PDF_MAX_OBJECTS = 500_000


def _pdf_value_is_active(value, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if isinstance(value, DictionaryObject):
        if _PDF_ACTIVE_KEYS.intersection(value.keys()):
            return True
        if value.get("/S") in _PDF_ACTIVE_ACTIONS:
            return True
        return any(
            _pdf_value_is_active(item, depth + 1)
            for item in value.values()
            if not isinstance(item, IndirectObject)
        )
    if isinstance(value, ArrayObject):
        return any(
            _pdf_value_is_active(item, depth + 1) for item in value if not isinstance(item, IndirectObject)
        )
    return False


def pdf_has_active_content(data: bytes) -> bool:
    """Whether a PDF carries JavaScript or actions that run by themselves.

    Every object is read with pypdf, those in compressed object streams too, so that a name hidden by
    compression or by #-escapes (`/J#53`) is still found. A file pypdf cannot read is searched as raw bytes;
    the bytes are searched for the one long, unambiguous name in any case (objects outside the cross-reference
    table, which a viewer's repair would still find).
    """
    if _PDF_RAW_JAVASCRIPT in data:
        return True
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        numbers = [(num, gen) for gen, nums in reader.xref.items() for num in nums]
        numbers += [(num, 0) for num in reader.xref_objStm]
        if _pdf_value_is_active(reader.trailer):
            return True
        for num, gen in numbers[:_PDF_MAX_OBJECTS]:
            try:
                value = reader.get_object(IndirectObject(num, gen, reader))
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
                continue
            if _pdf_value_is_active(value):
                return True
        return False
    except Exception:  # pypdf raises many unrelated types on a damaged file
        logger.info("PDF not readable by pypdf; searching its bytes for active content", exc_info=True)
        return bool(_PDF_RAW_ACTIVE.search(data))


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def check_upload(
    file: UploadedFile, *, allowed: dict[str, str] | None = None, max_bytes: int | None = None
) -> CheckedUpload:
    """Refuse empty, oversized, disallowed or active files with a message the applicant understands.

    Also removes bidirectional controls from the file's name, which callers store after the check."""
    allowed = allowed or ALLOWED
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if getattr(file, "name", None):
        # the name is kept and printed (file lists, receipts): an RTL override would show it reversed
        file.name = strip_bidi_controls(file.name)
    name = getattr(file, "name", "tệp")
    if not file.size:
        raise ApplicationError(f"Tệp “{name}” rỗng.", code="upload_empty")
    if file.size > max_bytes:
        raise ApplicationError(
            f"Tệp “{name}” dung lượng {file.size / 1048576:.1f} MB, vượt quá giới hạn {max_bytes / 1048576:.0f} MB.",
            code="upload_too_large",
        )
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/zip" or (mime == DOCX_MIME) or (not mime and head.startswith(b"PK")):
        mime = DOCX_MIME if _is_docx(file) else "application/zip"
    if mime not in allowed:
        names = ", ".join(sorted({ext.upper() for ext in allowed.values()}))
        raise ApplicationError(
            f"Tệp “{name}” không đúng định dạng cho phép ({names}). Nội dung tệp không phải tài liệu hợp lệ.",
            code="upload_type",
        )
    if mime in ZIP_MIMES:
        check_zip_inflation(
            file, name=name, max_inflated=max(settings.UPLOAD_MAX_INFLATED_BYTES, 2 * max_bytes)
        )
    if mime == "application/pdf":
        file.seek(0)
        data = file.read()
        file.seek(0)
        if pdf_has_active_content(data):
            raise ApplicationError(
                f"Tệp “{name}” có chứa mã JavaScript hoặc lệnh tự chạy nên không được nhận. "
                "Hãy in lại tài liệu ra PDF (chức năng “In ra PDF”) rồi gửi bản đó.",
                code="upload_pdf_active",
            )
    return CheckedUpload(mime_type=mime, extension=allowed[mime], size=file.size, sha256=sha256_of(file))
