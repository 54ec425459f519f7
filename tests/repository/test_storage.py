"""The storage switch: with a bucket named, dossier files and Kho dữ liệu documents live in S3-compatible
object storage (checked against a real S3 server, moto's server mode), otherwise under MEDIA_ROOT."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from storages.backends.s3 import S3Storage

from dossiers import services as dossier_services
from repository import services
from tests.dossiers.factories import PDF_BYTES, draft, pdf_upload

from .conftest import store, text_pdf

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import default_storage as s; "
    "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], 'class': type(s._wrapped if hasattr(s, '_wrapped') else s).__name__, "
    "'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None), 'auth': getattr(s, 'querystring_auth', None)}))"
)


def _storage_with(env: dict) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "portal.settings", **env})
    output = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"backend": "django.core.files.storage.FileSystemStorage", "bucket": None}),
        (
            {"AWS_STORAGE_BUCKET_NAME": "portal-media", "AWS_S3_ENDPOINT_URL": "http://minio:9000"},
            {
                "backend": "storages.backends.s3.S3Storage",
                "bucket": "portal-media",
                "endpoint": "http://minio:9000",
            },
        ),
    ],
)
def test_a_bucket_name_switches_files_to_private_object_storage(env, expected):
    storage = _storage_with(env)
    for key, value in expected.items():
        assert storage[key] == value
    if env:
        # Private objects: every URL the storage hands out is signed and expires.
        assert storage["auth"] is True


def test_a_dossier_file_is_written_read_back_and_deleted_in_the_bucket(
    object_storage, province, settings, django_capture_on_commit_callbacks
):
    # given the portal configured for object storage, and a citizen's draft
    assert isinstance(default_storage, S3Storage)
    dossier = draft(province, files=False)
    component = next(c for c in province.components() if c.mandatory)

    # when the citizen attaches a PDF
    record = dossier_services.dossier_attach_file(
        dossier=dossier, actor=province.citizen, component=component, upload=pdf_upload()
    )

    # then the object is in the bucket with the same bytes, nothing is on local disk, and it reads back
    key = record.file.name
    assert key in object_storage.objects()
    assert object_storage.content(key) == PDF_BYTES
    assert not (Path(settings.MEDIA_ROOT) / key).exists()
    with record.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    # links handed out are signed, never public
    assert "Signature=" in record.file.url and "Expires=" in record.file.url

    # when the citizen removes the file from the draft
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_remove_file(dossier_file=record, actor=province.citizen)

    # then the object is gone from the bucket
    assert key not in object_storage.objects()


def test_a_kho_document_is_stored_downloaded_and_erased_in_the_bucket(
    object_storage, citizen, client, django_capture_on_commit_callbacks
):
    # given the portal configured for object storage
    content = text_pdf("Giấy khai sinh lưu trên kho đối tượng")

    # when a citizen uploads a document to their Kho dữ liệu
    document = store(citizen, content=content)

    # then the file and its thumbnail are objects in the bucket, the file with the recorded checksum
    version = document.current_version
    keys = {version.file.name, version.thumbnail.name}
    assert keys <= object_storage.objects()
    assert hashlib.sha256(object_storage.content(version.file.name)).hexdigest() == version.sha256

    # and the owner downloads it through the permission-checked page
    client.force_login(citizen)
    response = client.get(reverse("repository:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content

    # when the owner deletes the unused document
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=citizen, document=document)

    # then its objects are erased from the bucket
    assert not keys & object_storage.objects()
