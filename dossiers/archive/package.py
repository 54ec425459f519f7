"""The archive package of one dossier: a zip of every file kept for it and a `manifest.json` describing them.

The manifest lists, for each file, its path in the zip, what it is, the SHA-256 recorded when it was stored
and the SHA-256 of the bytes actually packed, so that whoever receives the package (the archive of the
province, an inspector) can check that nothing changed; a file whose content no longer matches its record is
packed and flagged, and a file missing from storage is listed as missing rather than silently skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils import timezone

from procedures.text import fold

from .constants import ArchiveItemKind
from .selectors import ArchiveItem, DossierArchive

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = "kho-du-lieu/goi-luu-tru-ho-so/1"
FOLDERS = {
    ArchiveItemKind.DOSSIER_FILE: "thanh-phan-ho-so",
    ArchiveItemKind.PRINTED_FORM: "van-ban-co-quan-lap",
    ArchiveItemKind.MESSAGE_FILE: "trao-doi",
    ArchiveItemKind.TRANSFER_FILE: "lien-thong",
    ArchiveItemKind.RESULT: "ket-qua",
    ArchiveItemKind.KHO_DOCUMENT: "kho-du-lieu",
}
_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass
class Package:
    file: IO[bytes]
    filename: str
    sha256: str
    size: int
    manifest: dict


def _slug(text: str, limit: int = 60) -> str:
    return _UNSAFE.sub("-", fold(text)).strip("-")[:limit].strip("-") or "tep"


def _extension(item: ArchiveItem) -> str:
    for name in (item.original_name, item.file.name or ""):
        if "." in name:
            extension = name.rsplit(".", 1)[-1].lower()
            if extension.isalnum() and len(extension) <= 5:
                return extension
    return "bin"


def package_filename(archive: DossierArchive) -> str:
    reference = archive.dossier.code or f"ho-so-{archive.dossier.pk}"
    return f"luu-tru-{reference.replace('.', '_')}.zip"


def _copy_into(zipped: zipfile.ZipFile, path: str, item: ArchiveItem) -> tuple[str, int]:
    """Stream the item's file into the zip; returns the SHA-256 and size of what was packed."""
    digest = hashlib.sha256()
    size = 0
    with item.file.open("rb") as source, zipped.open(path, "w", force_zip64=True) as target:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return digest.hexdigest(), size


def _dossier_manifest(archive: DossierArchive) -> dict:
    dossier = archive.dossier
    version = dossier.procedure_version
    procedure = version.procedure

    def agency(a):
        return {"code": a.code, "name": a.name} if a is not None else None

    def when(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "id": dossier.pk,
        "code": dossier.code,
        "procedure": {
            "code": procedure.code,
            "name": version.name,
            "version": version.number,
            "field": procedure.field.code if procedure.field_id else None,
        },
        "channel": dossier.channel,
        "state": dossier.state,
        "national_status": dossier.national_status,
        "applicant": {"name": dossier.applicant_name, "kind": dossier.applicant_kind},
        "receiving_agency": agency(dossier.receiving_agency),
        "competent_agency": agency(dossier.competent_agency),
        "submitted_at": when(dossier.submitted_at),
        "received_at": when(dossier.received_at),
        "due_at": when(dossier.due_at),
        "finished_at": when(dossier.finished_at),
    }


def _integrity(recorded: str, actual: str) -> str:
    if not recorded:
        return "unrecorded"  # no checksum was kept when the file was stored; the one computed now is listed
    return "ok" if recorded == actual else "mismatch"


def build(archive: DossierArchive, *, generated_by) -> Package:
    """Write the zip to a temporary file (spilled to disk past a few MB) and return it rewound."""
    retention = archive.retention.as_manifest()
    entries = []
    counters: dict[str, int] = {}
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 — the response closes it
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for item in archive.items:
            counters[item.kind] = counters.get(item.kind, 0) + 1
            path = f"{FOLDERS[item.kind]}/{counters[item.kind]:02d}-{_slug(item.title)}.{_extension(item)}"
            entry = {
                "path": path,
                "kind": item.kind,
                "kind_label": item.kind_label,
                "title": item.title,
                "component": {"code": item.component_code, "name": item.component_name}
                if item.component_name
                else None,
                "original_name": item.original_name,
                "mime_type": item.mime_type,
                "size": item.size,
                "sha256_recorded": item.sha256,
                "created_at": timezone.localtime(item.created_at).isoformat() if item.created_at else None,
                "digitised": item.digitised,
                "reused": item.reused,
                "retention": retention,
            }
            if item.stored_document is not None:
                entry["kho_document"] = {
                    "id": item.stored_document.pk,
                    "version": item.version_number,
                    "source": item.stored_document.source,
                    "owner": item.stored_document.owner_label,
                }
            try:
                sha256, size = _copy_into(zipped, path, item)
            except (FileNotFoundError, OSError):
                entry.update(path=None, sha256=None, integrity="missing")
            else:
                entry.update(sha256=sha256, size=size, integrity=_integrity(item.sha256, sha256))
            entries.append(entry)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "generated_at": timezone.localtime().isoformat(),
            "generated_by": {"username": generated_by.username, "name": str(generated_by)},
            "dossier": _dossier_manifest(archive),
            "retention": retention,
            "files": entries,
            "summary": {
                "count": len(entries),
                "missing": sum(1 for e in entries if e["integrity"] == "missing"),
                "mismatch": sum(1 for e in entries if e["integrity"] == "mismatch"),
                "unrecorded": sum(1 for e in entries if e["integrity"] == "unrecorded"),
            },
        }
        zipped.writestr(MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=2))
    size = spool.tell()
    spool.seek(0)
    digest = hashlib.sha256()
    while chunk := spool.read(_CHUNK):
        digest.update(chunk)
    spool.seek(0)
    return Package(
        file=spool,
        filename=package_filename(archive),
        sha256=digest.hexdigest(),
        size=size,
        manifest=manifest,
    )
