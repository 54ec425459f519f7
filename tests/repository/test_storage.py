import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
