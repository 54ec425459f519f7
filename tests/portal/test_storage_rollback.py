"""`portal.storage`: files stored inside a transaction that rolls back are removed."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from portal.storage import atomic_with_files, files_removed_on_rollback

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path / "files")


def _store(storage, files, name: str) -> str:
    stored = storage.save(name, ContentFile(b"content"))
    files.add_name(storage, stored)
    return stored


def test_files_of_a_committed_block_stay(storage):
    with atomic_with_files() as files:
        name = _store(storage, files, "a.txt")
    assert storage.exists(name)


def test_files_of_a_failed_block_go(storage):
    with pytest.raises(RuntimeError), atomic_with_files() as files:
        name = _store(storage, files, "a.txt")
        raise RuntimeError("rolled back")
    assert not storage.exists(name)


def test_an_inner_success_is_undone_by_an_outer_failure(storage):
    with pytest.raises(RuntimeError), atomic_with_files() as outer:
        kept_until_now = _store(storage, outer, "outer.txt")
        with atomic_with_files() as inner:
            inner_name = _store(storage, inner, "inner.txt")
        assert storage.exists(inner_name)
        raise RuntimeError("the outer transaction rolls back")
    assert not storage.exists(inner_name)
    assert not storage.exists(kept_until_now)


def test_an_inner_failure_caught_by_the_caller_removes_only_its_own_files(storage):
    with atomic_with_files() as outer:
        outer_name = _store(storage, outer, "outer.txt")
        with pytest.raises(RuntimeError), atomic_with_files() as inner:
            inner_name = _store(storage, inner, "inner.txt")
            raise RuntimeError("the savepoint rolls back")
    assert storage.exists(outer_name)
    assert not storage.exists(inner_name)


def test_a_guard_without_its_own_transaction_hands_its_files_to_the_enclosing_one(storage):
    with pytest.raises(RuntimeError), atomic_with_files():
        with files_removed_on_rollback() as files:
            name = _store(storage, files, "a.txt")
        raise RuntimeError("rolled back")
    assert not storage.exists(name)
