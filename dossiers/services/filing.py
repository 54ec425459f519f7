"""Filing online: the applicant's draft, its details, files and delivery choice, submission, completion
before reception, withdrawal; and files added to a running dossier from Kho dữ liệu (digitisation)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.storage import atomic_with_files, files_removed_on_rollback
from portal.validators import validate_cccd, validate_mst
from procedures.constants import Channel
from procedures.forms_schema import field_labels, validate_applicant_data
from procedures.models import FeeExemption, ProcedureVersion
from repository.selectors import documents_reusable_for
from repository.services import document_record_use

from .. import payment_hooks, permissions, selectors
from ..constants import APPLICANT_EDITABLE_STATES, FINAL_STATES, ApplicantKind, DeliveryMethod, EventAction
from ..models import Dossier, DossierFile
from .codes import submission_reference
from .core import (
    S,
    applicant_unit,
    bump_version,
    check_component,
    copy_stored_version,
    lock_dossier,
    store_upload,
    transition,
)
from .handovers import close_open_handover

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import Agency, Organisation, User
    from procedures.models import Component

_PHONE = re.compile(r"^(0|\+84)\d{9,10}$")


# "Leave the claimed fee exemption as it is" (None means: no claim).
UNCHANGED = object()


def check_version_open(version: ProcedureVersion, *, online: bool, on: dt.date | None = None) -> None:
    if not ProcedureVersion.objects.in_force(on).filter(pk=version.pk).exists():
        raise ApplicationError("Thủ tục này hiện không còn áp dụng.", code="version_not_in_force")
    if online and not version.allows_online:
        raise ApplicationError("Thủ tục này không cho phép nộp hồ sơ trực tuyến.", code="not_online")


@transaction.atomic
def dossier_create_draft(
    *, actor: User, version: ProcedureVersion, organisation: Organisation | None = None
) -> Dossier:
    """Start an online dossier for the actor (or an organisation they represent), prefilled from the
    account and from their earlier dossiers (NĐ 45/2020/NĐ-CP, Điều 9)."""
    if not actor.is_authenticated or not actor.is_citizen:
        raise NotPermitted("Chỉ công dân, tổ chức mới nộp hồ sơ trực tuyến.")
    if organisation is not None and organisation.pk not in permissions.organisation_ids(actor):
        raise NotPermitted("Bạn không phải người đại diện của tổ chức này.")
    check_version_open(version, online=True)
    prefill = selectors.applicant_prefill(user=actor, version=version, organisation=organisation)
    desk = selectors.preferred_desk(version=version, user=actor)
    return Dossier.objects.create(
        procedure_version=version,
        channel=Channel.ONLINE,
        applicant=actor,
        organisation=organisation,
        created_by=actor,
        receiving_agency=desk,
        competent_agency=selectors.competent_agency_for(
            version=version, desk=desk, applicant_unit_id=actor.administrative_unit_id
        ),
        delivery_method=DeliveryMethod.ELECTRONIC,
        **prefill,
    )


@dataclass
class ApplicantData:
    """What the applicant declares about themselves (snapshot kept on the dossier)."""

    name: str
    id_number: str
    address: str
    phone: str = ""
    email: str = ""
    kind: str = ApplicantKind.CITIZEN


def applicant_fields(data: ApplicantData) -> dict[str, str]:
    """The applicant's declaration as the dossier's snapshot fields."""
    return {
        "applicant_kind": data.kind,
        "applicant_name": data.name.strip(),
        "applicant_id_number": data.id_number.strip(),
        "applicant_address": data.address.strip(),
        "applicant_phone": data.phone.strip(),
        "applicant_email": data.email.strip(),
    }


def validate_applicant(data: ApplicantData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["applicant_name"] = "Nhập họ và tên người nộp hoặc tên tổ chức."
    if not data.address.strip():
        errors["applicant_address"] = "Nhập địa chỉ."
    validator = validate_mst if data.kind == ApplicantKind.ORGANISATION else validate_cccd
    try:
        validator(data.id_number.strip())
    except ValidationError as exc:
        errors["applicant_id_number"] = exc.messages[0]
    if data.phone and not _PHONE.match(re.sub(r"[\s.]", "", data.phone)):
        # Landlines are fine here (an organisation's switchboard), unlike the mobile number of an account.
        errors["applicant_phone"] = (
            "Số điện thoại không hợp lệ (10 hoặc 11 chữ số, ví dụ 0905123456 hoặc 02583822000)."
        )
    if not data.phone and not data.email:
        errors["applicant_phone"] = "Nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ."
    return errors


def validate_form_data(*, version: ProcedureVersion, data: dict) -> tuple[dict, dict[str, str]]:
    """Clean the answers to the version's applicant form; returns (cleaned, errors by field)."""
    try:
        cleaned = validate_applicant_data(version.form_schema or {}, data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return data, {k: v[0].messages[0] for k, v in exc.error_dict.items()}
        return data, {"__all__": exc.messages[0]}
    return cleaned, {}


def _editable(dossier: Dossier, actor: User, expected_version: int | None) -> Dossier:
    locked = lock_dossier(dossier, expected_version)
    if not permissions.can_act_as_applicant(actor, locked):
        raise NotPermitted("Bạn không có quyền sửa hồ sơ này.")
    if locked.state not in APPLICANT_EDITABLE_STATES:
        raise Conflict("Hồ sơ đã nộp, không thể sửa.", code="not_editable")
    return locked


def _files_before_request(locked: Dossier) -> int:
    request = locked.events.filter(action=EventAction.REQUEST_SUPPLEMENT).order_by("-at", "-id").first()
    if request is None:
        return 2**63 - 1
    return int(request.payload.get("last_file_id", 2**63 - 1))


def _only_files_after_reception(locked: Dossier) -> None:
    if not locked.is_before_reception:
        raise Conflict(
            "Hồ sơ đã được tiếp nhận: chỉ bổ sung giấy tờ theo yêu cầu, không sửa thông tin đã nộp.",
            code="received_dossier",
        )


@transaction.atomic
def dossier_update_applicant(
    *,
    dossier: Dossier,
    actor: User,
    applicant: ApplicantData,
    form_data: dict,
    expected_version: int | None = None,
    fee_exemption: FeeExemption | None | object = UNCHANGED,
) -> Dossier:
    """Save the applicant's details and form answers on a draft (or while completing it), and, when given,
    the fee exemption claimed (one of the version's listed target groups, or None for no claim)."""
    locked = _editable(dossier, actor, expected_version)
    _only_files_after_reception(locked)
    errors = validate_applicant(applicant)
    cleaned, form_errors = validate_form_data(version=locked.procedure_version, data=form_data)
    errors.update({f"form_{k}": v for k, v in form_errors.items()})
    if fee_exemption is not UNCHANGED:
        errors.update(check_fee_exemption(locked.procedure_version, fee_exemption))
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_applicant", extra={"errors": errors})
    fields = applicant_fields(applicant)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.form_data = cleaned
    changed = [*fields, "form_data"]
    if fee_exemption is not UNCHANGED:
        changed += _claim_fee_exemption(locked, fee_exemption)
    bump_version(locked, changed)
    return locked


def check_fee_exemption(version: ProcedureVersion, exemption: FeeExemption | None) -> dict[str, str]:
    """A claim names one of the exemptions listed for the dossier's own procedure version."""
    if exemption is None or exemption.version_id == version.pk:
        return {}
    return {"fee_exemption": "Đối tượng miễn, giảm phí, lệ phí không có trong danh sách của thủ tục này."}


def _claim_fee_exemption(locked: Dossier, exemption: FeeExemption | None) -> list[str]:
    """Record the claim; a changed claim is looked at afresh by the desk (a refusal of the earlier one lapses)."""
    new_id = exemption.pk if exemption is not None else None
    if new_id == locked.fee_exemption_id:
        return []
    locked.fee_exemption = exemption
    locked.fee_exemption_refused_at = None
    locked.fee_exemption_refusal = ""
    return ["fee_exemption", "fee_exemption_refused_at", "fee_exemption_refusal"]


def check_delivery(version: ProcedureVersion, method: str, postal_address: str) -> dict[str, str]:
    errors = {}
    if method not in DeliveryMethod.values:
        errors["delivery_method"] = "Chọn cách nhận kết quả."
    elif method == DeliveryMethod.POST:
        if not version.allows_postal:
            errors["delivery_method"] = "Thủ tục này không trả kết quả qua bưu chính."
        elif not postal_address.strip():
            errors["postal_address"] = "Nhập địa chỉ nhận kết quả qua bưu chính."
    return errors


@transaction.atomic
def dossier_set_delivery(
    *,
    dossier: Dossier,
    actor: User,
    method: str,
    postal_address: str = "",
    desk: Agency | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Choose how to receive the result (desk, post with an address, electronic) and the receiving desk."""
    locked = _editable(dossier, actor, expected_version)
    _only_files_after_reception(locked)
    errors = check_delivery(locked.procedure_version, method, postal_address)
    if (
        desk is not None
        and not permissions.desks_for_version(locked.procedure_version).filter(pk=desk.pk).exists()
    ):
        errors["desk"] = "Bộ phận một cửa này không tiếp nhận thủ tục đã chọn."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_delivery", extra={"errors": errors})
    locked.delivery_method = method
    locked.postal_address = postal_address.strip() if method == DeliveryMethod.POST else ""
    fields = ["delivery_method", "postal_address"]
    if desk is not None:
        locked.receiving_agency = desk
        locked.competent_agency = selectors.competent_agency_for(
            version=locked.procedure_version, desk=desk, applicant_unit_id=applicant_unit(locked)
        )
        fields += ["receiving_agency", "competent_agency"]
    bump_version(locked, fields)
    return locked


@dataclass
class ComponentUpload:
    component: Component | None
    upload: UploadedFile


def dossier_attach_file(
    *,
    dossier: Dossier,
    actor: User,
    component: Component | None,
    upload: UploadedFile,
    expected_version: int | None = None,
) -> DossierFile:
    """Attach one uploaded file to a component of a draft. Type is checked from the content (PDF, JPEG,
    PNG, DOCX), size against UPLOAD_MAX_BYTES."""
    with atomic_with_files() as files:
        locked = _editable(dossier, actor, expected_version)
        check_component(locked, component)
        record = store_upload(
            dossier=locked, component=component, upload=upload, actor=actor, digitised=False, files=files
        )
        bump_version(locked, [])
    return record


def dossier_attach_stored_document(
    *,
    dossier: Dossier,
    actor: User,
    component: Component,
    document,
    expected_version: int | None = None,
) -> DossierFile:
    """Take a document from the applicant's Kho dữ liệu instead of uploading it again (once-only,
    NĐ 45/2020/NĐ-CP Điều 17). The use is recorded in the repository (which pins the version used) and the
    dossier keeps its own copy in the dossier store, marked reused for the KPI index (QĐ 766/QĐ-TTg, 3.3)."""
    with atomic_with_files() as files:
        locked = _editable(dossier, actor, expected_version)
        check_component(locked, component)
        owner = locked.organisation or locked.applicant
        if owner is None or not documents_reusable_for(owner, component.code).filter(pk=document.pk).exists():
            raise ApplicationError(
                "Giấy tờ này không dùng được cho thành phần hồ sơ đã chọn.", code="not_reusable"
            )
        use = document_record_use(
            document=document, dossier_id=locked.pk, component_id=component.pk, actor=actor
        )
        version = use.version
        existing = locked.files.filter(component=component, reused=True, sha256=version.sha256).first()
        if existing:
            return existing
        record = copy_stored_version(
            dossier=locked,
            component=component,
            version=version,
            original_name=version.original_name,
            actor=actor,
            stem="kho",
            default_extension="bin",
            reused=True,
        )
        files.add(record.file)
        record.save()
        bump_version(locked, [])
    return record


@transaction.atomic
def dossier_remove_file(
    *, dossier_file: DossierFile, actor: User, expected_version: int | None = None
) -> None:
    locked = _editable(dossier_file.dossier, actor, expected_version)
    if not locked.is_before_reception and dossier_file.pk <= _files_before_request(locked):
        raise Conflict(
            "Giấy tờ đã được tiếp nhận không xóa được; chỉ xóa được tệp vừa tải lên để bổ sung.",
            code="received_file",
        )
    name = dossier_file.file.name
    DossierFile.objects.filter(pk=dossier_file.pk, dossier=locked).delete()
    bump_version(locked, [])
    storage = dossier_file.file.storage
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def dossier_delete_draft(*, dossier: Dossier, actor: User) -> None:
    """Discard a draft that was never submitted (nothing was sent anywhere, so nothing is kept)."""
    locked = lock_dossier(dossier, None)
    if locked.state != S.DRAFT or not permissions.can_act_as_applicant(actor, locked):
        raise NotPermitted("Chỉ xóa được hồ sơ nháp của chính bạn.")
    names = [f.file.name for f in locked.files.all()]
    storage = DossierFile._meta.get_field("file").storage
    locked.files.all().delete()
    locked.delete()
    transaction.on_commit(lambda: [storage.delete(n) for n in names])


def submission_problems(*, dossier: Dossier) -> list[str]:
    """Everything that stops a dossier from being submitted, in the applicant's words."""
    problems = []
    applicant = ApplicantData(
        name=dossier.applicant_name,
        id_number=dossier.applicant_id_number,
        address=dossier.applicant_address,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
        kind=dossier.applicant_kind,
    )
    if validate_applicant(applicant):
        problems.append("Thông tin người nộp chưa đầy đủ hoặc chưa hợp lệ.")
    _, form_errors = validate_form_data(version=dossier.procedure_version, data=dossier.form_data or {})
    if form_errors:
        labels = field_labels(dossier.procedure_version.form_schema or {})
        named = [
            f"{labels.get(name, name)}: {message}" for name, message in form_errors.items() if name in labels
        ]
        problems.append(
            "Tờ khai chưa đầy đủ hoặc chưa hợp lệ — " + "; ".join(named) if named else "Tờ khai chưa hợp lệ."
        )
    storage = DossierFile._meta.get_field("file").storage
    for status in selectors.component_statuses(dossier=dossier):
        if not status.complete:
            problems.append(f"Chưa đính kèm: {status.component.name}.")
        for f in status.files:
            # A file row whose content never reached the storage would leave the dossier without it.
            if not storage.exists(f.file.name):
                problems.append(f"Tệp “{f.original_name}” bị lỗi khi tải lên, vui lòng tải lại.")
    if check_delivery(dossier.procedure_version, dossier.delivery_method, dossier.postal_address):
        problems.append("Chưa chọn cách nhận kết quả hợp lệ.")
    if dossier.receiving_agency_id is None:
        problems.append("Không có bộ phận một cửa nào tiếp nhận thủ tục này.")
    problems.extend(payment_hooks.submission_problems(dossier=dossier))
    return problems


def dossier_submit(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Submit an online dossier (status 1, Mới đăng ký). Refused while any mandatory component, detail
    or delivery choice is missing, so a submitted dossier always has its files."""
    at = at or timezone.now()
    with transition(dossier, actor=actor, method="submit", expected_version=expected_version) as t:
        check_version_open(t.dossier.procedure_version, online=True, on=timezone.localdate(at))
        _check_complete(t.dossier)
        reference = {}
        if t.dossier.receiving_agency_id and not t.dossier.code:
            reference = submission_reference(desk=t.dossier.receiving_agency, at=at)
        t.apply(EventAction.SUBMIT, at=at, arguments={"at": at, **reference}, payload=_public(reference))
    return t.dossier


def _public(reference: dict) -> dict:
    """What the submission event records of the reference (the code; never the lookup secret)."""
    return {"code": reference["code"]} if reference else {}


def dossier_complete(*, dossier: Dossier, actor: User, expected_version: int | None = None) -> Dossier:
    """Send back a dossier the desk asked to complete before reception; it returns to the intake queue."""
    at = timezone.now()
    with transition(dossier, actor=actor, method="complete", expected_version=expected_version) as t:
        _check_complete(t.dossier)
        t.apply(EventAction.COMPLETE, at=at, arguments={"at": at})
    return t.dossier


def _check_complete(locked: Dossier) -> None:
    problems = submission_problems(dossier=locked)
    if problems:
        raise ApplicationError(
            "Hồ sơ chưa đủ để nộp.", code="incomplete_dossier", extra={"problems": problems}
        )


def dossier_withdraw(
    *, dossier: Dossier, actor: User, reason: str = "", expected_version: int | None = None
) -> Dossier:
    """The applicant withdraws the dossier (status 7) before a result exists (NĐ 118/2025/NĐ-CP). The step
    in progress, if any, ends with the withdrawal."""
    at = timezone.now()
    with transition(dossier, actor=actor, method="withdraw", expected_version=expected_version) as t:
        event = t.apply(EventAction.WITHDRAW, at=at, arguments={"at": at}, reason=(reason or "").strip())
        close_open_handover(t.dossier, at=event.at)
    return t.dossier


def dossier_file_attach_digitised(
    *, dossier_id: int, component_id: int, document, version, actor: User
) -> DossierFile:
    """Put the PDF of a finished digitisation job into the dossier as a file of its component, marked
    digitised (TT 01/2023/TT-VPCP; counted by the index, QĐ 766/QĐ-TTg 3.2). Runs in the caller's
    transaction; the same content for the same component returns the file already there. Refused, with the
    reason, when the dossier is finished or the component is not one of its procedure's."""

    locked = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id).first()
    if locked is None:
        raise ApplicationError("Không tìm thấy hồ sơ.", code="dossier_not_found")
    if locked.state == S.DRAFT or locked.state in FINAL_STATES or locked.state == S.RESULT_READY:
        raise Conflict(
            f"Hồ sơ đang ở trạng thái “{locked.get_state_display()}”, không nhận thêm tệp số hóa.",
            code="dossier_closed",
        )
    agencies = {locked.receiving_agency_id, locked.competent_agency_id, locked.current_agency_id}
    if not (agencies & permissions.officer_agency_ids(actor)):
        raise NotPermitted("Người số hóa không thuộc cơ quan tiếp nhận hoặc giải quyết hồ sơ.")
    component = locked.procedure_version.components.filter(pk=component_id).first()
    if component is None:
        raise ApplicationError("Thành phần không thuộc thủ tục của hồ sơ.", code="wrong_component")
    existing = locked.files.filter(component=component, sha256=version.sha256).first()
    if existing is not None:
        return existing
    with files_removed_on_rollback() as files:
        record = copy_stored_version(
            dossier=locked,
            component=component,
            version=version,
            original_name=version.original_name or f"{document.title}.pdf",
            actor=actor,
            stem="so-hoa",
            default_extension="pdf",
            digitised=True,
        )
        files.add(record.file)
        record.save()
        bump_version(locked, [])
    return record
