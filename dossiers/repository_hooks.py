"""The dossiers app's side of `repository.hooks`: what Kho dữ liệu asks about dossiers, registered in
`DossiersConfig.ready()` so that the repository never imports this app."""

from __future__ import annotations

from portal.errors import ApplicationError, NotPermitted
from portal.models import Agency, Organisation, User
from repository.hooks import DossierHooks
from repository.selectors import dossier_owner

from . import queues, services
from .archive.permissions import archive_scope, can_view_archive
from .constants import DossierState
from .models import Dossier


def dossier_for_officer(*, user: User, dossier_id: int) -> Dossier | None:
    """The dossier, when it is in the archive the officer may read (their agencies received, handle or
    handled it, or it was transferred to one of them)."""
    dossier = Dossier.objects.select_related("procedure_version").filter(pk=dossier_id).first()
    if dossier is None or not can_view_archive(user, dossier):
        return None
    return dossier


def check_digitisation_target(
    *, agency: Agency, owner: User | Organisation, dossier_id: int, component_id: int
) -> None:
    """A job made for a dossier names one of its components, is done by an agency that received, handles or
    took part in the dossier, and stores the document for the dossier's own applicant."""
    dossier = Dossier.objects.select_related("procedure_version").filter(pk=dossier_id).first()
    if dossier is None or dossier.state == DossierState.DRAFT:
        raise ApplicationError("Không tìm thấy hồ sơ cần số hóa.", code="dossier_not_found")
    if not Dossier.objects.filter(pk=dossier.pk).filter(archive_scope({agency.pk})).exists():
        raise NotPermitted("Hồ sơ không thuộc cơ quan số hóa.")
    if not dossier.procedure_version.components.filter(pk=component_id).exists():
        raise ApplicationError("Thành phần không thuộc thủ tục của hồ sơ.", code="wrong_component")
    holder = dossier_owner(dossier)
    if holder is not None and (type(holder) is not type(owner) or holder.pk != owner.pk):
        raise ApplicationError(
            "Chủ giấy tờ phải là người nộp (hoặc tổ chức) của hồ sơ.", code="owner_not_applicant"
        )


HOOKS = DossierHooks(
    officer_handles_dossier=queues.officer_handles_dossier,
    dossier_for_officer=dossier_for_officer,
    check_digitisation_target=check_digitisation_target,
    attach_digitised=services.dossier_file_attach_digitised,
)
