"""Backup and restore of the whole installation: every row of the database and every file of the default storage.

One tar archive (gzip when its name ends in `.gz`):

    database/0001-portal.user.jsonl   one JSON object per line per model (Django's serialization, any database)
    files/<storage name>              each stored file, as the storage (MEDIA_ROOT or S3) names it
    manifest.json                     last: format, migrations, and per model its count, per member its SHA-256

Rows keep their primary keys: history rows, audit logs and JSON payloads refer to each other by id, and looking up
a natural key per foreign key would not scale. Only content types and permissions, which `migrate` creates anew in
every database with its own ids, are written and referred to by natural key. Everything streams: rows are read
with `.iterator()` into a temporary file per model, files are copied chunk by chunk, and restore reads the archive
member by member, inserting rows in batches.

Restore needs an empty database at the same migrations (a fresh `migrate`): it refuses anything else, checks every
checksum before it writes, puts the files back under their own names, then loads all rows in one transaction
(foreign keys are checked at the end) and resets the sequences. Signing keys (PKI_DIR) are not in the archive,
even when they live under MEDIA_ROOT: back them up apart, or keep them on a token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from django.utils import timezone

from .errors import ApplicationError

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
FILES_DIR = "files"
CHUNK = 1024 * 1024
BATCH = 1000
# Rows `migrate` itself creates in every database, with ids of its own: matched by natural key, never by id.
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission"}
# Rows a data migration seeds: a fresh database has them, the backup's own rows replace them.
SEEDED_MODELS = {"dossiers.retentionrule"}
# Not worth keeping: sessions expire and every person simply logs in again.
SKIPPED_MODELS = {"sessions.session"}


class BackupError(ApplicationError):
    code = "backup_refused"


# --- Writing ------------------------------------------------------------------------------------------------------


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; history rows are ordered by the microsecond."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(JSONLSerializer):
    """JSON lines with natural keys only for references to content types and permissions."""

    def handle_fk_field(self, obj, field):
        if field.related_model._meta.label_lower in NATURAL_KEY_MODELS:
            self.use_natural_foreign_keys = True
        try:
            super().handle_fk_field(obj, field)
        finally:
            self.use_natural_foreign_keys = False

    def handle_m2m_field(self, obj, field):
        if field.remote_field.through._meta.auto_created:
            self.use_natural_foreign_keys = field.related_model._meta.label_lower in NATURAL_KEY_MODELS
            try:
                super().handle_m2m_field(obj, field)
            finally:
                self.use_natural_foreign_keys = False


def backed_up_models() -> list[type[Model]]:
    """Every concrete model with a table of its own, in an order where natural keys resolve."""
    app_list = {
        config: [
            model
            for model in config.get_models()
            if model._meta.managed
            and not model._meta.proxy
            and model._meta.label_lower not in SKIPPED_MODELS
            and router.allow_migrate_model(DEFAULT_DB_ALIAS, model)
        ]
        for config in apps.get_app_configs()
    }
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _excluded_prefixes() -> list[str]:
    """Storage names never copied: the signing keys when PKI_DIR lies inside MEDIA_ROOT."""
    pki = Path(getattr(settings, "PKI_DIR", "") or Path(settings.MEDIA_ROOT) / "pki").resolve()
    try:
        relative = pki.relative_to(Path(settings.MEDIA_ROOT).resolve())
    except ValueError:
        return []
    return [f"{relative.as_posix()}/"]


def stored_file_names(storage=None) -> Iterator[str]:
    """Every file of the storage, walking its directories (a local folder or an S3 bucket alike)."""
    storage = storage or default_storage
    excluded = _excluded_prefixes()
    pending = [""]
    while pending:
        directory = pending.pop()
        try:
            directories, files = storage.listdir(directory)
        except FileNotFoundError:
            continue
        for name in sorted(files):
            path = f"{directory}{name}"
            if not any(path.startswith(prefix) for prefix in excluded):
                yield path
        pending.extend(f"{directory}{sub}/" for sub in sorted(directories, reverse=True))


class _HashingReader:
    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, name: str, handle, size: int) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    reader = _HashingReader(handle)
    tar.addfile(info, reader)
    if reader.size != size:
        raise BackupError(f"Tệp {name} thay đổi trong khi sao lưu; hãy chạy lại.")
    return reader.digest.hexdigest()


def backup_write(path: Path, *, progress: Callable[[str], None] = lambda message: None) -> dict:
    """Write the archive to `path` and return its manifest."""
    manifest: dict = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
        "migrations": _applied_migrations(),
        "models": [],
        "files": [],
    }
    mode = "w:gz" if path.name.endswith(".gz") else "w"
    # The archive holds personal data and password hashes: readable by its owner only, never overwritten.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as output, tarfile.open(fileobj=output, mode=mode) as tar:
        for index, model in enumerate(backed_up_models(), start=1):
            label = model._meta.label_lower
            member = f"{DATABASE_DIR}/{index:04d}-{label}.jsonl"
            with tempfile.TemporaryFile() as buffer:
                text = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
                counter = _Counter(model._base_manager.using(DEFAULT_DB_ALIAS).order_by("pk").iterator(2000))
                _Serializer().serialize(
                    counter,
                    stream=text,
                    use_natural_primary_keys=label in NATURAL_KEY_MODELS,
                    cls=_ExactJSONEncoder,
                )
                text.flush()
                size = buffer.tell()
                buffer.seek(0)
                digest = _add(tar, member, buffer, size)
                text.detach()
            manifest["models"].append(
                {"model": label, "member": member, "count": counter.count, "sha256": digest}
            )
            progress(f"{label}: {counter.count}")
        for name in stored_file_names():
            with default_storage.open(name, "rb") as handle:
                size = default_storage.size(name)
                digest = _add(tar, f"{FILES_DIR}/{name}", handle, size)
            manifest["files"].append({"name": name, "size": size, "sha256": digest})
        progress(f"{len(manifest['files'])} tệp")
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        _add(tar, MANIFEST, io.BytesIO(data), len(data))
    return manifest


class _Counter:
    def __init__(self, iterable: Iterable):
        self.iterable, self.count = iterable, 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


# --- Restoring ----------------------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        handle = tar.extractfile(MANIFEST)
    except KeyError as exc:
        raise BackupError("Tệp sao lưu không có manifest.json.") from exc
    manifest = json.load(handle)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Định dạng sao lưu {manifest.get('format')} không được hỗ trợ (cần {FORMAT}).")
    return manifest


def _digest(tar: tarfile.TarFile, member: str) -> str:
    try:
        handle = tar.extractfile(member)
    except KeyError as exc:
        raise BackupError(f"Tệp sao lưu thiếu {member}.") from exc
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name:
        raise BackupError(f"Tên tệp không hợp lệ trong bản sao lưu: {name!r}.")
    return name


def backup_verify(tar: tarfile.TarFile, manifest: dict) -> None:
    """Every member's SHA-256 matches the manifest, before anything is written."""
    members = [(entry["member"], entry["sha256"]) for entry in manifest["models"]]
    members += [(f"{FILES_DIR}/{_safe_name(entry['name'])}", entry["sha256"]) for entry in manifest["files"]]
    broken = [member for member, expected in members if _digest(tar, member) != expected]
    if broken:
        raise BackupError(f"Tệp sao lưu bị hỏng, sai mã SHA-256: {', '.join(broken[:5])}.")


def _check_target(manifest: dict) -> None:
    backup_migrations = {tuple(item) for item in manifest["migrations"]}
    target_migrations = {tuple(item) for item in _applied_migrations()}
    if backup_migrations != target_migrations:
        differing = sorted(backup_migrations ^ target_migrations)[:5]
        raise BackupError(
            "Cơ sở dữ liệu đích không cùng phiên bản migration với bản sao lưu "
            f"(khác: {', '.join('.'.join(item) for item in differing)}). Chạy migrate đến đúng phiên bản."
        )
    known = {model._meta.label_lower: model for model in backed_up_models()}
    unknown = [entry["model"] for entry in manifest["models"] if entry["model"] not in known]
    if unknown:
        raise BackupError(f"Bản sao lưu có bảng không tồn tại ở đây: {', '.join(unknown)}.")
    filled = [
        f"{label} ({model._base_manager.count()} dòng)"
        for label, model in known.items()
        if label not in NATURAL_KEY_MODELS | SEEDED_MODELS and model._base_manager.exists()
    ]
    if filled:
        raise BackupError(
            "Chỉ phục hồi vào cơ sở dữ liệu trống (vừa chạy migrate). Đang có dữ liệu: "
            + ", ".join(filled[:5])
            + (f" và {len(filled) - 5} bảng khác." if len(filled) > 5 else ".")
        )


def _check_storage(manifest: dict) -> list[dict]:
    """The files to write; one already there with other content is refused, the same content is kept."""
    missing = []
    for entry in manifest["files"]:
        name = entry["name"]
        if not default_storage.exists(name):
            missing.append(entry)
            continue
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"Kho tệp đích đã có {name} với nội dung khác; hãy dùng kho tệp trống.")
    return missing


def _insert(model: type[Model], batch: list) -> None:
    """Rows of an empty table go in by multi-row INSERT as they were: raw, like loaddata's own save (timestamps
    with auto_now keep their value), without save() or signals — a restore is not a change."""
    objects = [item.object for item in batch]
    if model._meta.parents:
        for item in batch:
            item.save(using=DEFAULT_DB_ALIAS)
        return
    fields = [field for field in model._meta.local_concrete_fields if not field.generated]
    size = max(connections[DEFAULT_DB_ALIAS].ops.bulk_batch_size(fields, objects), 1)
    for start in range(0, len(objects), size):
        model._base_manager._insert(
            objects[start : start + size], fields=fields, using=DEFAULT_DB_ALIAS, raw=True
        )
    for field_name in {name for item in batch for name in item.m2m_data}:
        m2m = model._meta.get_field(field_name)
        through = m2m.remote_field.through
        source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
        through._base_manager.using(DEFAULT_DB_ALIAS).bulk_create(
            [
                through(**{source: item.object.pk, target: related})
                for item in batch
                for related in item.m2m_data.get(field_name, [])
            ]
        )


def _load_model(tar: tarfile.TarFile, entry: dict, model: type[Model]) -> int:
    label = entry["model"]
    text = io.TextIOWrapper(tar.extractfile(entry["member"]), encoding="utf-8")
    objects = serializers.deserialize("jsonl", text, using=DEFAULT_DB_ALIAS, ignorenonexistent=False)
    if label in NATURAL_KEY_MODELS:
        # Already created by migrate under ids of this database: matched and updated by natural key.
        count = 0
        for item in objects:
            item.save(using=DEFAULT_DB_ALIAS)
            count += 1
        return count
    if label in SEEDED_MODELS:
        model._base_manager.using(DEFAULT_DB_ALIAS).all().delete()
    count, batch = 0, []
    for item in objects:
        batch.append(item)
        if len(batch) >= BATCH:
            _insert(model, batch)
            count, batch = count + len(batch), []
    if batch:
        _insert(model, batch)
        count += len(batch)
    return count


def backup_restore(path: Path, *, progress: Callable[[str], None] = lambda message: None) -> RestoreReport:
    """Load an archive into an empty database and storage; refuses a database with data, or a damaged archive."""
    report = RestoreReport()
    with tarfile.open(path, "r:*") as tar:
        manifest = _read_manifest(tar)
        _check_target(manifest)
        backup_verify(tar, manifest)
        to_write = _check_storage(manifest)
        progress("Đã kiểm tra mã SHA-256 của bản sao lưu.")

        written = []
        try:
            for entry in to_write:
                saved = default_storage.save(
                    entry["name"], File(tar.extractfile(f"{FILES_DIR}/{entry['name']}"))
                )
                written.append(saved)
                if saved != entry["name"]:
                    raise BackupError(f"Kho tệp đã lưu {entry['name']} dưới tên khác ({saved}).")
            report.files = len(manifest["files"])

            known = {model._meta.label_lower: model for model in backed_up_models()}
            connection = connections[DEFAULT_DB_ALIAS]
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                for entry in manifest["models"]:
                    model = known[entry["model"]]
                    count = _load_model(tar, entry, model)
                    if count != entry["count"]:
                        raise BackupError(
                            f"{entry['model']}: đọc được {count} dòng, manifest ghi {entry['count']}."
                        )
                    report.rows[entry["model"]] = count
                    progress(f"{entry['model']}: {count}")
                connection.check_constraints(table_names=[model._meta.db_table for model in known.values()])
                sequences = connection.ops.sequence_reset_sql(no_style(), list(known.values()))
                with connection.cursor() as cursor:
                    for statement in sequences:
                        cursor.execute(statement)
        except Exception:
            for name in written:
                default_storage.delete(name)
            raise
    return report
