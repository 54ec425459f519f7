"""Writes of the dossier archive (Kho dữ liệu hồ sơ TTHC): the retention row of each finished dossier, reads of
its files and its archive package, each logged (Luật Lưu trữ 2024; NĐ 13/2023/NĐ-CP on reads of personal data).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError, NotPermitted
from portal.models import User
from repository.constants import AccessPurpose
from repository.models import DocumentAccessLog
from repository.permissions import user_acts_for

from ..models import ArchiveAccessLog, ArchiveRecord, Dossier, RetentionRule
from . import package as archive_package
from . import selectors
from .constants import ArchiveItemKind
from .permissions import can_view_archive
from .retention import DEFAULT_RULES


class ArchiveItemNotFound(ApplicationError):
    status_code = 404
    code = "archive_item_not_found"


@transaction.atomic
def archive_record_refresh(
    *, dossier: Dossier, rules: list[RetentionRule] | None = None
) -> ArchiveRecord | None:
    """Compute and keep the retention of a finished dossier (Luật Lưu trữ 2024: thời hạn bảo quản, counted from
    the year the matter ended). An unfinished dossier has none yet. Idempotent: run again when rules change."""
    if dossier.finished_at is None:
        return None
    kept = selectors.dossier_retention(dossier=dossier, rules=rules)
    record, _created = ArchiveRecord.objects.update_or_create(
        dossier=dossier,
        defaults={
            "finished_on": kept.finished_on,
            "permanent": kept.permanent,
            "retention_years": kept.years,
            "retain_until": kept.retain_until,
            "basis": kept.basis[:500],
            "legal_basis": kept.legal_basis,
            "computed_at": timezone.now(),
        },
    )
    return record


def archive_records_sweep(*, limit: int = 500) -> int:
    """Give every finished dossier its retention row, and recompute rows older than a rule change or than the
    dossier's end. One transaction per dossier; returns how many rows were written (run until 0)."""
    rules = selectors.retention_rules()
    dossiers = selectors.dossiers_needing_archive_record(limit=limit).select_related(
        "procedure_version__procedure__field"
    )
    written = 0
    for dossier in dossiers:
        if archive_record_refresh(dossier=dossier, rules=rules) is not None:
            written += 1
    return written


def _check_archive_reader(actor: User, dossier: Dossier) -> None:
    if not can_view_archive(actor, dossier):
        raise NotPermitted("Bạn không có quyền khai thác hồ sơ này trong kho lưu trữ.")


def _log_kho_read(actor: User, item: selectors.ArchiveItem, ip_address: str | None) -> None:
    # The holder of a stored document sees every read of it in their Kho, archive reads included.
    document = item.stored_document
    DocumentAccessLog.objects.create(
        document=document,
        version_id=item.pk,
        owner_user_id=document.owner_user_id,
        owner_organisation_id=document.owner_organisation_id,
        accessed_by=actor,
        purpose=AccessPurpose.ARCHIVE,
        by_owner=user_acts_for(actor, document.owner),
        ip_address=ip_address,
    )


@transaction.atomic
def archive_item_read(
    *, actor: User, dossier: Dossier, kind: str, item_id: int, ip_address: str | None = None
) -> selectors.ArchiveItem:
    """Take one file of a dossier out of the archive: only officers of the dossier's agencies and the
    administrator, and every read is logged (DOMAIN §9, NĐ 13/2023/NĐ-CP: audit of reads of personal data)."""
    _check_archive_reader(actor, dossier)
    item = selectors.archive_item(dossier=dossier, kind=kind, pk=item_id)
    if item is None:
        raise ArchiveItemNotFound("Không tìm thấy tệp này trong hồ sơ.")
    ArchiveAccessLog.objects.create(
        dossier=dossier,
        item_kind=kind,
        item_id=item.pk,
        sha256=item.sha256,
        accessed_by=actor,
        ip_address=ip_address,
    )
    if item.stored_document is not None:
        _log_kho_read(actor, item, ip_address)
    return item


@transaction.atomic
def archive_package_export(*, actor: User, dossier: Dossier, ip_address: str | None = None):
    """The dossier's archive package: every file and a manifest (SHA-256, retention), e.g. to hand the dossier
    over to the archive of the province (nộp lưu). The export and each stored document in it are logged."""
    _check_archive_reader(actor, dossier)
    archive = selectors.dossier_archive(dossier=dossier)
    package = archive_package.build(archive, generated_by=actor)
    ArchiveAccessLog.objects.create(
        dossier=dossier,
        item_kind=ArchiveItemKind.PACKAGE,
        sha256=package.sha256,
        accessed_by=actor,
        ip_address=ip_address,
    )
    for item in archive.items:
        if item.stored_document is not None:
            _log_kho_read(actor, item, ip_address)
    return package


@transaction.atomic
def retention_rules_seed_defaults() -> int:
    """Create the starting retention rules that are missing; rules an administrator edited are left alone."""
    created = 0
    for scope, code, name, permanent, years, legal_basis in DEFAULT_RULES:
        _, was_created = RetentionRule.objects.get_or_create(
            scope=scope,
            code=code,
            defaults={"name": name, "permanent": permanent, "years": years, "legal_basis": legal_basis},
        )
        created += was_created
    return created
