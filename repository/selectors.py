"""Reads for Kho dữ liệu: an owner's documents, what can be reused when filing, officers' job lists."""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from portal.models import Agency, Organisation, User

from . import retention
from .constants import (
    ArchiveItemKind,
    DocumentSource,
    JobStatus,
    RetentionDue,
    ValidityFilter,
)
from .models import (
    ArchiveAccessLog,
    BackfileBatch,
    DigitisationJob,
    DocumentAccessLog,
    DocumentUse,
    RetentionRule,
    StoredDocument,
)
from .permissions import archive_agency_ids, archive_scope, digitising_agencies, is_archive_administrator

if TYPE_CHECKING:
    from dossiers.models import Dossier
    from procedures.models import Component

# Common document types a person holds. Codes are the catalogue's component codes (procedures.Component.code,
# MaGiayTo of the national database) so that a stored document matches the components that accept it.
COMMON_DOCUMENT_TYPES = [
    ("CCCD", "Căn cước công dân / Thẻ căn cước"),
    ("GT_KS_CU", "Giấy khai sinh"),
    ("XN_HON_NHAN", "Giấy xác nhận tình trạng hôn nhân"),
    ("XN_CU_TRU", "Giấy xác nhận thông tin về cư trú"),
    ("GCN_QSDD", "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở"),
    ("GPXD", "Giấy phép xây dựng"),
    ("GCN_DKDN", "Giấy chứng nhận đăng ký doanh nghiệp"),
    ("GCN_HKD", "Giấy chứng nhận đăng ký hộ kinh doanh"),
    ("VAN_BANG", "Văn bằng, chứng chỉ chuyên môn"),
    ("GIAY_SUC_KHOE", "Giấy chứng nhận đủ sức khỏe"),
    ("PHIEU_LLTP", "Phiếu lý lịch tư pháp"),
    ("KHAC", "Giấy tờ khác"),
]


def document_type_choices() -> list[tuple[str, str]]:
    """The common types, then the other component codes of the catalogue that may come from the store."""
    choices: dict[str, str] = dict(COMMON_DOCUMENT_TYPES)
    try:
        from procedures.models import Component

        reusable = Component.objects.exclude(code="").filter(reusable_from_repository=True)
        for code, name in reusable.values_list("code", "name").order_by("code"):
            choices.setdefault(code, name[:120])
    except Exception:  # noqa: BLE001 — the catalogue may not be migrated yet on a fresh database
        pass
    return sorted(choices.items(), key=lambda item: (item[0] == "KHAC", item[1]))


def owners_for(user: User) -> list[User | Organisation]:
    """The user and every organisation the user may act for, in that order."""
    owners: list[User | Organisation] = [user]
    owners.extend(Organisation.objects.filter(members__user=user).order_by("name"))
    return owners


def documents_for_owner(
    *,
    owner: User | Organisation,
    document_type_code: str | None = None,
    validity: str | None = None,
    source: str | None = None,
    on: dt.date | None = None,
) -> QuerySet[StoredDocument]:
    on = on or timezone.localdate()
    documents = (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .select_related("current_version", "issuing_agency")
        .annotate(use_count=Count("uses", distinct=True))
        .order_by("-created_at", "-pk")
    )
    if document_type_code:
        documents = documents.filter(document_type_code=document_type_code)
    if source:
        documents = documents.filter(source=source)
    if validity == ValidityFilter.VALID:
        documents = documents.valid_on(on)
    elif validity == ValidityFilter.EXPIRED:
        documents = documents.expired_on(on)
    elif validity == ValidityFilter.REVOKED:
        documents = documents.filter(revoked_at__isnull=False)
    return documents


def document_types_held(*, owner: User | Organisation) -> list[tuple[str, str]]:
    """The types present in the owner's store, for the filter on the list page."""
    rows = (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .values_list("document_type_code", "document_type_name")
        .distinct()
        .order_by("document_type_name")
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())


def documents_reusable_for(
    owner: User | Organisation, component_code: str, *, on: dt.date | None = None
) -> QuerySet[StoredDocument]:
    """Documents the owner can pick instead of uploading for a component (once-only, NĐ 45/2020 Điều 17).

    Valid on `on`, consented to reuse, not revoked, not deleted, of the component's type code; newest first.
    """
    on = on or timezone.localdate()
    if not component_code:
        return StoredDocument.objects.none()
    return (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .valid_on(on)
        .filter(consent_to_reuse=True, document_type_code=component_code, current_version__isnull=False)
        .select_related("current_version", "issuing_agency")
        .order_by("-issued_on", "-created_at")
    )


def documents_held_by(
    owner: User | Organisation, *, on: dt.date | None = None
) -> dict[str, list[StoredDocument]]:
    """At the desk: what the applicant already holds, valid and reusable, by type code.

    The officer must not ask again for a document of a type listed here (once-only).
    """
    on = on or timezone.localdate()
    held: dict[str, list[StoredDocument]] = defaultdict(list)
    documents = (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .valid_on(on)
        .filter(consent_to_reuse=True)
        .select_related("current_version")
        .order_by("document_type_code", "-created_at")
    )
    for document in documents:
        held[document.document_type_code].append(document)
    return dict(held)


def document_uses(*, document: StoredDocument) -> QuerySet[DocumentUse]:
    return document.uses.select_related("version", "used_by").order_by("-used_at")


def uses_for_dossier(*, dossier_id: int) -> dict[int, DocumentUse]:
    """The components of a dossier that took a document from the store, by component id (flagged reused)."""
    uses = DocumentUse.objects.filter(dossier_id=dossier_id).select_related("document", "version")
    return {use.component_id: use for use in uses}


def document_reads(*, document: StoredDocument, limit: int = 50) -> QuerySet[DocumentAccessLog]:
    """Who read this document: shown to the owner."""
    return document.access_logs.select_related("accessed_by").order_by("-accessed_at")[:limit]


VERIFY_MAX_BYTES = 20 * 1024 * 1024


def document_for_verification(*, pk: int, token: str) -> StoredDocument | None:
    return (
        StoredDocument.objects.select_related("current_version", "issuing_agency")
        .filter(pk=pk, verification_token=token)
        .first()
    )


def document_for_verification_code(code: str) -> StoredDocument | None:
    """The document of a verification code printed under the QR code (`<id>-<token>`), if it exists."""
    pk, _sep, token = (code or "").strip().partition("-")
    if not pk.isdigit() or not token:
        return None
    return document_for_verification(pk=int(pk), token=token)


def verify_stored_document(document: StoredDocument):
    """Check the stored original of a signed result as it is now (signature, certificate, revocation)."""
    from .signing import verify_signed_pdf

    with document.current_version.file.open("rb") as handle:
        return verify_signed_pdf(handle.read())


def results_issued(*, owner: User | Organisation) -> QuerySet[StoredDocument]:
    return documents_for_owner(owner=owner, source=DocumentSource.ISSUED_RESULT)


def digitisation_jobs_for(
    *, user: User, status: str | None = None, owner_query: str | None = None
) -> QuerySet[DigitisationJob]:
    jobs = DigitisationJob.objects.filter(agency__in=digitising_agencies(user)).select_related(
        "agency", "owner_user", "owner_organisation", "created_by", "output_document"
    )
    if status:
        jobs = jobs.filter(status=status)
    if owner_query:
        jobs = jobs.filter(
            Q(owner_user__cccd=owner_query)
            | Q(owner_organisation__tax_code=owner_query)
            | Q(title__icontains=owner_query)
        )
    return jobs


def digitisation_counts(*, user: User) -> dict[str, int]:
    counts = dict(
        DigitisationJob.objects.filter(agency__in=digitising_agencies(user))
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in JobStatus.values}


def backfile_batches_for(*, user: User) -> QuerySet[BackfileBatch]:
    return BackfileBatch.objects.filter(agency__in=digitising_agencies(user)).select_related(
        "agency", "created_by"
    )


# --- What the applicant already holds, for the desk (once-only) ----------------------------------------


@dataclass(frozen=True)
class HeldComponent:
    """One component of a dossier's procedure and the valid documents of its type the applicant holds."""

    component: Component
    documents: list[StoredDocument]

    @property
    def held(self) -> bool:
        return bool(self.documents)


class HeldComponents(list):
    """The per-component answer of `documents_held_for_dossier`: a list, with two shortcuts for templates."""

    @property
    def any_held(self) -> bool:
        return any(entry.held for entry in self)

    @property
    def held_only(self) -> list[HeldComponent]:
        return [entry for entry in self if entry.held]


def dossier_owner(dossier: Dossier) -> User | Organisation | None:
    """Whose Kho a dossier draws on: the organisation it was filed for, else the applicant's account."""
    return dossier.organisation or dossier.applicant


def _held_documents(owner, codes: set[str], on: dt.date) -> QuerySet[StoredDocument]:
    # Exactly what filing may take instead of an upload (documents_reusable_for), for several codes at once.
    return (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .valid_on(on)
        .filter(consent_to_reuse=True, current_version__isnull=False, document_type_code__in=codes)
        .select_related("current_version", "issuing_agency")
        .order_by("document_type_code", "-issued_on", "-created_at")
    )


def documents_held_for_dossier(dossier: Dossier, *, on: dt.date | None = None) -> HeldComponents:
    """Per component of the dossier's procedure version, the valid documents of that component's type that the
    applicant already holds in Kho dữ liệu and lets agencies reuse.

    NĐ 45/2020/NĐ-CP Điều 9 and 17 (once-only): the desk must not ask for these again. Components without a
    type code, and dossiers of a walk-in without an account, hold nothing. Two queries whatever the size.
    """
    on = on or timezone.localdate()
    components = list(dossier.procedure_version.components.order_by("order", "pk"))
    owner = dossier_owner(dossier)
    codes = {c.code for c in components if c.code}
    by_code: dict[str, list[StoredDocument]] = defaultdict(list)
    if owner is not None and codes:
        for document in _held_documents(owner, codes, on):
            by_code[document.document_type_code].append(document)
    return HeldComponents(
        HeldComponent(component=c, documents=list(by_code.get(c.code, [])) if c.code else [])
        for c in components
    )


def component_is_held(dossier: Dossier, component: Component, *, on: dt.date | None = None) -> bool:
    """Whether the applicant already holds, valid and reusable, a document of this component's type.

    The processing side refuses a supplement request (yêu cầu bổ sung) for such a component: the officer takes
    the document from Kho dữ liệu instead (NĐ 45/2020/NĐ-CP Điều 9, once-only).
    """
    owner = dossier_owner(dossier)
    if owner is None or not component.code:
        return False
    return _held_documents(owner, {component.code}, on or timezone.localdate()).exists()


# --- Kho dữ liệu hồ sơ TTHC: the dossier archive -------------------------------------------------------


def retention_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(active=True))


def _finished_on(dossier: Dossier) -> dt.date | None:
    return timezone.localdate(dossier.finished_at) if dossier.finished_at else None


def _field_code(dossier: Dossier) -> str | None:
    procedure = dossier.procedure_version.procedure
    return procedure.field.code if procedure.field_id else None


def result_documents(*, dossier_id: int) -> QuerySet[StoredDocument]:
    """The results issued for a dossier and stored in the applicant's Kho (signed electronic results)."""
    return StoredDocument.objects.filter(
        origin_dossier_id=dossier_id, source=DocumentSource.ISSUED_RESULT
    ).select_related("current_version")


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
    from dossiers.constants import DossierState
    from dossiers.models import Dossier

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
    from dossiers.models import Dossier

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
