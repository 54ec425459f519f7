"""Reads of the dossier archive (Kho dữ liệu hồ sơ TTHC): retention of a dossier, every file kept for it
whichever store it lives in, the archive search and the reads of a dossier."""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from portal.models import Agency, User
from repository.constants import DocumentSource
from repository.models import DocumentUse, StoredDocument
from repository.selectors import result_documents

from ..constants import DossierState
from ..models import ArchiveAccessLog, Dossier, RetentionRule
from . import retention
from .constants import ArchiveItemKind, RetentionDue
from .permissions import archive_agency_ids, archive_scope, is_archive_administrator


def retention_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(active=True))


def _finished_on(dossier: Dossier) -> dt.date | None:
    return timezone.localdate(dossier.finished_at) if dossier.finished_at else None


def _field_code(dossier: Dossier) -> str | None:
    procedure = dossier.procedure_version.procedure
    return procedure.field.code if procedure.field_id else None


def dossier_retention(*, dossier: Dossier, rules: list[RetentionRule] | None = None) -> retention.Retention:
    """How long this dossier is kept, from the rules in force now (the field, its results' types, the default)."""
    result_types = result_documents(dossier_id=dossier.pk).values_list("document_type_code", flat=True)
    return retention.resolve(
        retention_rules() if rules is None else rules,
        field_code=_field_code(dossier),
        result_type_codes=list(result_types),
        finished_on=_finished_on(dossier),
    )


@dataclass
class ArchiveItem:
    """One file of a dossier as the archive keeps it, whichever store it lives in."""

    kind: str
    pk: int
    title: str
    file: FieldFile
    original_name: str
    mime_type: str
    size: int
    sha256: str
    created_at: dt.datetime | None
    component_code: str = ""
    component_name: str = ""
    digitised: bool = False
    reused: bool = False
    stored_document: StoredDocument | None = None
    version_number: int | None = None
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(ArchiveItemKind(self.kind).label)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"


@dataclass
class DossierArchive:
    dossier: Dossier
    retention: retention.Retention
    items: list[ArchiveItem] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        return sum(item.size for item in self.items)

    def of_kind(self, kind: str) -> list[ArchiveItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def groups(self) -> list[tuple[str, list[ArchiveItem]]]:
        return [
            (label, self.of_kind(value)) for value, label in ArchiveItemKind.choices if self.of_kind(value)
        ]


def _version_item(kind: str, document: StoredDocument, version, note: str = "") -> ArchiveItem:
    return ArchiveItem(
        kind=kind,
        pk=version.pk,
        title=document.title,
        file=version.file,
        original_name=version.original_name,
        mime_type=version.mime_type,
        size=version.size,
        sha256=version.sha256,
        created_at=version.created_at,
        component_code=document.document_type_code,
        component_name=document.document_type_name,
        digitised=document.source in (DocumentSource.DIGITISED, DocumentSource.BACKFILE),
        reused=kind == ArchiveItemKind.KHO_DOCUMENT and bool(note),
        stored_document=document,
        version_number=version.number,
        note=note,
    )


def _stored_size(field) -> int:
    try:
        return field.size
    except (FileNotFoundError, OSError):
        return 0


def dossier_archive_items(*, dossier: Dossier) -> list[ArchiveItem]:
    """Every file kept for a dossier: its component files (uploaded, scanned, copied from Kho), the forms and
    documents the agencies made for it, attachments of the messages with the applicant, the answers of agencies
    it was transferred to, the results issued for it, and the Kho documents it used or were digitised for it."""
    items: list[ArchiveItem] = []
    for f in dossier.files.select_related("component").order_by("component__order", "uploaded_at", "pk"):
        items.append(
            ArchiveItem(
                kind=ArchiveItemKind.DOSSIER_FILE,
                pk=f.pk,
                title=f.component.name if f.component_id else f.original_name,
                file=f.file,
                original_name=f.original_name,
                mime_type=f.mime_type,
                size=f.size,
                sha256=f.sha256,
                created_at=f.uploaded_at,
                component_code=f.component.code if f.component_id else "",
                component_name=f.component.name if f.component_id else "",
                digitised=f.digitised,
                reused=f.reused,
            )
        )
    results = [
        document
        for document in result_documents(dossier_id=dossier.pk).order_by("created_at", "pk")
        if document.current_version is not None
    ]
    # A signed result is kept both with the dossier and in the holder's Kho, byte for byte: list it once, as
    # the result, so that reading it shows in the holder's own access log too.
    result_hashes = {document.current_version.sha256 for document in results}
    for d in dossier.documents.order_by("created_at", "pk"):
        if d.sha256 in result_hashes:
            continue
        items.append(
            ArchiveItem(
                kind=ArchiveItemKind.PRINTED_FORM,
                pk=d.pk,
                title=d.get_kind_display(),
                file=d.file,
                original_name=d.download_name,
                mime_type="application/pdf",
                size=d.size,
                sha256=d.sha256,
                created_at=d.created_at,
            )
        )
    for message in dossier.messages.exclude(attachment="").order_by("created_at", "pk"):
        items.append(
            ArchiveItem(
                kind=ArchiveItemKind.MESSAGE_FILE,
                pk=message.pk,
                title=message.attachment_name or "Tệp đính kèm",
                file=message.attachment,
                original_name=message.attachment_name,
                mime_type=message.attachment_mime or "application/octet-stream",
                size=message.attachment_size or 0,
                sha256=message.attachment_sha256,
                created_at=message.created_at,
                note="Người nộp gửi" if message.from_applicant else "Cán bộ gửi",
            )
        )
    for transfer in dossier.transfers.exclude(response_file="").select_related("to_agency"):
        items.append(
            ArchiveItem(
                kind=ArchiveItemKind.TRANSFER_FILE,
                pk=transfer.pk,
                title=f"Kết quả phối hợp của {transfer.to_agency.name}",
                file=transfer.response_file,
                original_name=transfer.response_file_name or transfer.response_file.name.rsplit("/", 1)[-1],
                mime_type=mimetypes.guess_type(transfer.response_file_name or transfer.response_file.name)[0]
                or "application/octet-stream",
                size=_stored_size(transfer.response_file),
                # No checksum was recorded for these; the package computes the actual one.
                sha256="",
                created_at=transfer.returned_at,
            )
        )
    for document in results:
        items.append(_version_item(ArchiveItemKind.RESULT, document, document.current_version))
    seen: set[int] = set()
    uses = (
        DocumentUse.objects.filter(dossier_id=dossier.pk)
        .select_related("document", "version")
        .order_by("used_at", "pk")
    )
    for use in uses:
        if use.version_id not in seen:
            seen.add(use.version_id)
            items.append(
                _version_item(
                    ArchiveItemKind.KHO_DOCUMENT,
                    use.document,
                    use.version,
                    note=f"Sử dụng thay bản nộp mới lúc {timezone.localtime(use.used_at):%d/%m/%Y %H:%M}",
                )
            )
    digitised = (
        StoredDocument.objects.filter(origin_dossier_id=dossier.pk, current_version__isnull=False)
        .exclude(source=DocumentSource.ISSUED_RESULT)
        .select_related("current_version")
        .order_by("created_at", "pk")
    )
    for document in digitised:
        if document.current_version_id not in seen:
            seen.add(document.current_version_id)
            items.append(_version_item(ArchiveItemKind.KHO_DOCUMENT, document, document.current_version))
    return items


def dossier_archive(*, dossier: Dossier) -> DossierArchive:
    return DossierArchive(
        dossier=dossier,
        retention=dossier_retention(dossier=dossier),
        items=dossier_archive_items(dossier=dossier),
    )


def archive_item(*, dossier: Dossier, kind: str, pk: int) -> ArchiveItem | None:
    """One file of the dossier's archive. Only files linked to this dossier are found, whatever the id."""
    return next((i for i in dossier_archive_items(dossier=dossier) if i.kind == kind and i.pk == pk), None)


@dataclass(frozen=True)
class ArchiveFilters:
    code: str = ""
    agency_id: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    retention: str = ""


def archive_agencies(*, user: User) -> QuerySet[Agency]:
    """Agencies the user may filter the archive by: all for the administrator, else the officer's own."""
    if is_archive_administrator(user):
        return Agency.objects.order_by("code")
    return Agency.objects.filter(pk__in=archive_agency_ids(user)).order_by("code")


def archive_dossiers(*, user: User, filters: ArchiveFilters, on: dt.date | None = None) -> QuerySet[Dossier]:
    """Dossiers in the archive the user may read (every filed dossier of their agencies; all for the
    administrator), newest reception first. A page costs a fixed number of queries."""
    on = on or timezone.localdate()
    qs = Dossier.objects.exclude(state=DossierState.DRAFT)
    if not is_archive_administrator(user):
        qs = qs.filter(archive_scope(archive_agency_ids(user)))
    if filters.code:
        qs = qs.filter(code__icontains=filters.code.strip())
    if filters.agency_id:
        qs = qs.filter(archive_scope({filters.agency_id}))
    if filters.received_from:
        qs = qs.filter(received_at__date__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_at__date__lte=filters.received_to)
    if filters.retention == RetentionDue.EXPIRED:
        qs = qs.filter(archive_record__retain_until__lt=on)
    elif filters.retention == RetentionDue.WITHIN_YEAR:
        qs = qs.filter(
            archive_record__retain_until__gte=on,
            archive_record__retain_until__lte=on + dt.timedelta(days=365),
        )
    elif filters.retention == RetentionDue.PERMANENT:
        qs = qs.filter(archive_record__permanent=True)
    elif filters.retention == RetentionDue.PENDING:
        qs = qs.filter(archive_record__isnull=True)
    return qs.select_related(
        "procedure_version__procedure", "receiving_agency", "competent_agency", "archive_record"
    ).order_by(F("received_at").desc(nulls_last=True), "-submitted_at", "-pk")


def dossiers_needing_archive_record(*, limit: int = 500) -> QuerySet[Dossier]:
    """Finished dossiers whose retention row is missing, or older than the dossier's end or a rule change."""
    finished = Dossier.objects.filter(finished_at__isnull=False)
    latest_rule_change = (
        RetentionRule.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    )
    stale = Q(archive_record__isnull=True) | Q(archive_record__computed_at__lt=F("finished_at"))
    if latest_rule_change is not None:
        stale |= Q(archive_record__computed_at__lt=latest_rule_change)
    return finished.filter(stale).order_by("finished_at", "pk")[:limit]


def archive_reads(*, dossier: Dossier, limit: int = 50) -> QuerySet[ArchiveAccessLog]:
    return dossier.archive_reads.select_related("accessed_by").order_by("-accessed_at", "-pk")[:limit]
