"""`manage.py backup` and `manage.py restore`: every row and every stored file comes back, into an empty database."""

import importlib
import io
import json
import shutil
import tarfile

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dossiers.models import Dossier, DossierEvent, DossierFile, RetentionRule
from portal.backup import NATURAL_KEY_MODELS, backed_up_models, stored_file_names
from repository.models import StoredDocument
from tests.dossiers.factories import Province, counter_received, draft, received, submitted
from tests.portal.factories import CitizenFactory
from tests.repository.conftest import store, text_pdf


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def filled(province):
    """Dossiers in several states with their events and files, and a document in a citizen's Kho."""
    dossiers = [
        received(province),
        submitted(province, CitizenFactory()),
        draft(province),
        counter_received(province),
    ]
    store(province.citizen, content=text_pdf("Giấy khai sinh của Nguyễn Văn An"), name="khai-sinh.pdf")
    default_storage.save("khac/ghi-chu.txt", io.BytesIO("Tệp không thuộc bản ghi nào".encode()))
    # the province changed a seeded retention rule: the backup's value must win over a fresh seed
    RetentionRule.objects.filter(pk=RetentionRule.objects.order_by("pk").first().pk).update(
        permanent=False, years=15
    )
    return dossiers


def _rows() -> dict[str, list[dict]]:
    """Every row of every backed-up table, by primary key (content types and permissions have ids per database)."""
    return {
        model._meta.label_lower: list(model._base_manager.order_by("pk").values())
        for model in backed_up_models()
        if model._meta.label_lower not in NATURAL_KEY_MODELS
    }


def _differences(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> dict:
    """Table → (id, column, before, after) for every value that is not the same; empty when all came back."""
    differences = {}
    for label in before.keys() | after.keys():
        old, new = before.get(label, []), after.get(label, [])
        if len(old) != len(new):
            differences[label] = f"{len(old)} rows before, {len(new)} after"
            continue
        changed = [
            (row.get("id"), column, row[column], other.get(column))
            for row, other in zip(old, new, strict=True)
            for column in row
            if row[column] != other.get(column)
        ]
        if changed:
            differences[label] = changed
    return differences


def _files() -> dict[str, bytes]:
    contents = {}
    for name in stored_file_names():
        with default_storage.open(name, "rb") as handle:
            contents[name] = handle.read()
    return contents


def _backup(tmp_path, name="sao-luu.tar.gz"):
    path = tmp_path / name
    call_command("backup", output=str(path), stdout=io.StringIO())
    return path


def _empty_database_and_storage():
    """What a new server has after `migrate`: content types, permissions and the seeded retention rules only."""
    # PostgreSQL will not TRUNCATE under foreign-key checks still deferred in the test's transaction.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    seeding = importlib.import_module("repository.migrations.0003_default_retention_rules")
    seeding.seed(django_apps, None)
    shutil.rmtree(settings.MEDIA_ROOT)


def test_a_backup_restored_into_an_empty_database_gives_back_every_dossier_event_and_file(filled, tmp_path):
    # given dossiers with events and files, and what the database and storage hold
    rows, files = _rows(), _files()
    assert (
        len(rows["dossiers.dossier"]) == 4 and rows["dossiers.dossierevent"] and rows["dossiers.dossierfile"]
    )
    assert "khac/ghi-chu.txt" in files
    assert {f.file.name for f in DossierFile.objects.all()} <= set(files)

    # when the installation is backed up, the database flushed, the storage wiped, and the backup restored
    path = _backup(tmp_path)
    _empty_database_and_storage()
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists() and _files() == {}
    out = io.StringIO()
    call_command("restore", str(path), stdout=out)

    # then every row is back with its id and values (to the microsecond), and every file with its content
    assert _differences(rows, _rows()) == {}
    assert _files() == files
    assert "Đã phục hồi" in out.getvalue()
    for dossier_file in DossierFile.objects.all():
        with dossier_file.file.open("rb") as handle:
            assert handle.read() == files[dossier_file.file.name]
    assert StoredDocument.objects.count() == 1
    for document in StoredDocument.objects.all():
        with document.current_version.file.open("rb") as handle:
            assert handle.read() == files[document.current_version.file.name]
    # and the restored database goes on working: new rows take ids after the restored ones
    new = submitted(Province(), CitizenFactory())
    assert new.pk > max(row["id"] for row in rows["dossiers.dossier"])


def test_the_manifest_counts_rows_and_fingerprints_files(filled, tmp_path):
    path = _backup(tmp_path)

    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="đã tồn tại"):
        call_command("backup", output=str(path), stdout=io.StringIO())
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        counts = {entry["model"]: entry["count"] for entry in manifest["models"]}
        names = set(tar.getnames())

    assert counts["dossiers.dossier"] == 4
    assert counts["dossiers.dossierevent"] == DossierEvent.objects.count()
    assert "sessions.session" not in counts
    files = {entry["name"]: entry for entry in manifest["files"]}
    assert set(files) == set(_files())
    import hashlib

    with default_storage.open("khac/ghi-chu.txt", "rb") as handle:
        assert files["khac/ghi-chu.txt"]["sha256"] == hashlib.sha256(handle.read()).hexdigest()
    assert {f"files/{name}" for name in files} <= names


def test_signing_keys_under_media_root_stay_out_of_the_backup(settings, filled, tmp_path):
    settings.PKI_DIR = str(settings.MEDIA_ROOT / "pki")
    default_storage.save("pki/agencies/x/1.key", io.BytesIO(b"-----BEGIN PRIVATE KEY-----"))

    with tarfile.open(_backup(tmp_path)) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))

    assert not [entry for entry in manifest["files"] if entry["name"].startswith("pki/")]


def test_restore_refuses_a_database_that_has_data(filled, tmp_path):
    path = _backup(tmp_path)
    shutil.rmtree(settings.MEDIA_ROOT)

    with pytest.raises(CommandError, match=r"cơ sở dữ liệu trống.*portal\.agency \(3 dòng\).* bảng khác\."):
        call_command("restore", str(path), stdout=io.StringIO())
    assert _files() == {}


def _rewrite(path, target, change):
    """Copy the archive, passing the member `target` through `change` (the manifest is kept as it was)."""
    damaged = path.with_name("hong.tar")
    with tarfile.open(path) as source, tarfile.open(damaged, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == target:
                data = change(data)
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return damaged


@pytest.mark.parametrize("member", ["files/khac/ghi-chu.txt", "database"])
def test_restore_refuses_a_damaged_archive_before_writing_anything(filled, tmp_path, member):
    path = _backup(tmp_path)
    with tarfile.open(path) as tar:
        if member == "database":
            member = next(name for name in tar.getnames() if name.endswith("dossiers.dossier.jsonl"))
    damaged = _rewrite(path, member, lambda data: data.replace(b"a", b"b", 1) + b" ")
    _empty_database_and_storage()

    with pytest.raises(CommandError, match=f"sai mã SHA-256: {member}"):
        call_command("restore", str(damaged), stdout=io.StringIO())

    assert not Dossier.objects.exists()
    assert _files() == {}


def test_restore_refuses_an_archive_of_other_migrations(filled, tmp_path):
    path = _backup(tmp_path)

    def older(data):
        manifest = json.loads(data)
        manifest["migrations"] = [
            item for item in manifest["migrations"] if item != ["dossiers", "0001_initial"]
        ]
        return json.dumps(manifest).encode()

    damaged = _rewrite(path, "manifest.json", older)
    _empty_database_and_storage()

    with pytest.raises(CommandError, match="không cùng phiên bản migration.*dossiers.0001_initial"):
        call_command("restore", str(damaged), stdout=io.StringIO())
