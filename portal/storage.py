"""Files stored inside a database transaction are removed when that transaction rolls back.

A file is written to storage at once, but the row that names it only exists if the transaction commits: a
rollback would leave the file behind with nothing pointing at it (an orphan holding personal data). Every
service that stores files wraps its transaction in `atomic_with_files()` and registers each stored name:

    with atomic_with_files() as files:
        record.file.save(name, content, save=False)
        files.add(record.file)
        record.save()

If the block raises, the transaction has rolled back by the time the files are deleted. Blocks nest: a
block inside another one hands its files to the enclosing block when it succeeds, so a later failure of
the outer transaction (e.g. approval failing after the result was signed and stored) removes them too.
Django has `transaction.on_commit` but no rollback hook; tying the files to the outermost guarded block
is what makes this work without one. A caller that wraps a guarded service in its own plain
`transaction.atomic()` and then fails should use `atomic_with_files()` instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.storage import Storage
from django.db import transaction

logger = logging.getLogger(__name__)

_local = threading.local()


@dataclass
class StoredFiles:
    """Names written to storage by one guarded block."""

    entries: list[tuple[Storage, str]] = field(default_factory=list)

    def add(self, file) -> None:
        """Register a stored `FieldFile` (or anything with `.storage` and `.name`)."""
        self.add_name(file.storage, file.name)

    def add_name(self, storage: Storage, name: str) -> None:
        if name:
            self.entries.append((storage, name))

    def delete_all(self) -> None:
        for storage, name in reversed(self.entries):
            try:
                storage.delete(name)
            except Exception:  # noqa: BLE001 — a file that cannot be removed must not hide the original error
                logger.exception("Could not remove %s after a rollback", name)
        self.entries.clear()


def _stack() -> list[StoredFiles]:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


@contextmanager
def files_removed_on_rollback() -> Iterator[StoredFiles]:
    """Guard a block (put it outside the block's `transaction.atomic()`): the files it registers are deleted
    when the block raises, or handed to the enclosing guard, if any, when it succeeds."""
    stack = _stack()
    files = StoredFiles()
    stack.append(files)
    try:
        yield files
    except BaseException:
        stack.pop()
        files.delete_all()
        raise
    stack.pop()
    if stack:
        stack[-1].entries.extend(files.entries)


@contextmanager
def atomic_with_files(using: str | None = None) -> Iterator[StoredFiles]:
    """`transaction.atomic()` whose stored files are deleted if it rolls back."""
    with files_removed_on_rollback() as files, transaction.atomic(using=using):
        yield files
