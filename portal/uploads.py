"""Checking uploaded files: type detected from content (not the name), size, emptiness.

Dossier components, Kho dữ liệu uploads and digitised scans all pass through `check_upload`.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .errors import ApplicationError

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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
    """Refuse empty, oversized or disallowed files with a message the applicant understands."""
    allowed = allowed or ALLOWED
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
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
    return CheckedUpload(mime_type=mime, extension=allowed[mime], size=file.size, sha256=sha256_of(file))
