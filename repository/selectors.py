"""Reads for Kho dữ liệu: an owner's documents, what can be reused when filing, officers' job lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.models import Organisation, User
from procedures.models import Component

from . import verification_codes
from .constants import (
    DocumentSource,
    JobStatus,
    ValidityFilter,
)
from .models import (
    BackfileBatch,
    DigitisationJob,
    DocumentAccessLog,
    DocumentUse,
    StoredDocument,
)
from .permissions import digitising_agencies

if TYPE_CHECKING:
    from .hooks import DossierLike

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
    """The document of a verification code printed under the QR code, if it exists: the short code
    (`K7QM-X4PA-R9TC`, typed in any case, with or without hyphens) or, on papers printed before it, `<id>-<token>`."""
    short = verification_codes.normalise(code)
    if verification_codes.is_well_formed(short):
        return (
            StoredDocument.objects.select_related("current_version", "issuing_agency")
            .filter(verification_code=short)
            .first()
        )
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


def dossier_owner(dossier: DossierLike) -> User | Organisation | None:
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


def documents_held_for_dossier(dossier: DossierLike, *, on: dt.date | None = None) -> HeldComponents:
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


def component_is_held(dossier: DossierLike, component: Component, *, on: dt.date | None = None) -> bool:
    """Whether the applicant already holds, valid and reusable, a document of this component's type.

    The processing side refuses a supplement request (yêu cầu bổ sung) for such a component: the officer takes
    the document from Kho dữ liệu instead (NĐ 45/2020/NĐ-CP Điều 9, once-only).
    """
    owner = dossier_owner(dossier)
    if owner is None or not component.code:
        return False
    return _held_documents(owner, {component.code}, on or timezone.localdate()).exists()


def result_documents(*, dossier_id: int) -> QuerySet[StoredDocument]:
    """The results issued for a dossier and stored in the applicant's Kho (signed electronic results)."""
    return StoredDocument.objects.filter(
        origin_dossier_id=dossier_id, source=DocumentSource.ISSUED_RESULT
    ).select_related("current_version")
