"""Demo dossiers for the demo accounts, built through the services (runs after procedures.demo).

A handful of dossiers in several states: a draft, dossiers waiting for the desk, one received with its
receipt, one sent back for completion, one refused, one withdrawn, a walk-in received at the counter and
one filed for the demo company. Then, at Sở Xây dựng, dossiers at every stage of processing: waiting for
assignment, in appraisal, awaiting approval, returned for rework, waiting for a supplement, waiting for a
fee, transferred to Sở Nông nghiệp và Môi trường, overdue, one near its due date with an apology waiting
for approval, and one signed and delivered electronically into the citizen's Kho dữ liệu. Last, a paper
digitised at the desk for a component of a received dossier, and the retention of the dossiers that ended.
Idempotent: each part is added only once. Skipped, with a message, when the catalogue has no procedure
the demo desks receive.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.constants import Role
from portal.models import Agency, Organisation, User
from procedures.forms_schema import field_order
from procedures.models import ProcedureVersion
from repository import services as kho
from repository.demo import scan_png
from repository.models import DigitisationJob

from . import permissions, selectors, services, voice_demo
from .archive import services as archive_services
from .constants import ApplicantKind, Decision, DeliveryMethod, DossierState, EventAction
from .models import Dossier, DossierHandover

CENTRE = "000.00.15.H32"
COMMUNE = "000.31.01.H32"
CITIZEN = "056090001234"
SECOND_CITIZEN = "056185005678"
OFFICER = "motcua"
COMMUNE_OFFICER = "motcua.nhatrang"

# A one-page PDF: enough for the upload check (type is read from the content) and for a viewer.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_PDF, content_type="application/pdf")


def _versions_at(desk: Agency, *, online: bool) -> list[ProcedureVersion]:
    qs = (
        ProcedureVersion.objects.in_force()
        .filter(permissions.version_receivable_at({desk.pk}))
        .filter(components__mandatory=True)
        .distinct()
        .select_related("procedure")
        # Procedures the desk receives for its own agencies first, "any desk" ones after.
        .order_by("intake_any_boundary", "procedure__code")
    )
    if online:
        qs = qs.filter(allows_online=True)
    return list(qs[:4])


def _answers(version: ProcedureVersion, user: User) -> dict:
    """Answers to the version's form: what the account prefills, plus plausible values for the rest."""
    schema = version.form_schema or {}
    properties = schema.get("properties") or {}
    answers = dict(selectors.applicant_prefill(user=user, version=version)["form_data"])
    for name in field_order(schema):
        if name in answers:
            continue
        spec = properties[name]
        if "enum" in spec:
            answers[name] = spec["enum"][0]
        elif spec.get("type") == "boolean":
            answers[name] = True
        elif spec.get("type") in ("integer", "number"):
            answers[name] = spec.get("minimum") or 1
        elif spec.get("format") == "date":
            answers[name] = "2025-01-15"
        elif spec.get("format") == "email":
            answers[name] = user.email or "nguoinop@example.vn"
        elif spec.get("pattern") == "^[0-9]{12}$":
            answers[name] = user.cccd or "056090001234"
        elif name.startswith("dia"):
            answers[name] = user.address or "Khánh Hòa"
        else:
            answers[name] = "Theo giấy tờ đính kèm"
    return answers


def _filed(
    version: ProcedureVersion, citizen: User, *, organisation: Organisation | None = None, submit=True
):
    dossier = services.dossier_create_draft(actor=citizen, version=version, organisation=organisation)
    dossier = services.dossier_update_applicant(
        dossier=dossier,
        actor=citizen,
        applicant=services.ApplicantData(
            kind=dossier.applicant_kind,
            name=dossier.applicant_name,
            id_number=dossier.applicant_id_number,
            address=dossier.applicant_address or citizen.address,
            phone=dossier.applicant_phone or citizen.phone,
            email=dossier.applicant_email or citizen.email,
        ),
        form_data=_answers(version, citizen),
    )
    for component in version.components.filter(mandatory=True):
        services.dossier_attach_file(
            dossier=dossier, actor=citizen, component=component, upload=_pdf("giay-to.pdf")
        )
    dossier = services.dossier_set_delivery(dossier=dossier, actor=citizen, method=DeliveryMethod.ELECTRONIC)
    if submit:
        dossier = services.dossier_submit(dossier=dossier, actor=citizen)
    return dossier


def load(stdout=None) -> None:
    _load_dossiers(stdout)
    citizen = User.objects.filter(username=CITIZEN).first()
    if citizen is not None:
        _digitise_for_a_dossier(citizen)
    # Kho dữ liệu hồ sơ TTHC: the starting retention rules, and the retention of the demo dossiers that have
    # ended (refused, withdrawn).
    archive_services.retention_rules_seed_defaults()
    while archive_services.archive_records_sweep():
        pass
    voice_demo.load(lambda text: stdout.write(text + "\n") if stdout else None)


def _load_dossiers(stdout=None) -> None:
    def say(text: str) -> None:
        if stdout:
            stdout.write(text)

    citizen = User.objects.filter(username=CITIZEN).first()
    second = User.objects.filter(username=SECOND_CITIZEN).first()
    officer = User.objects.filter(username=OFFICER).first()
    centre = Agency.objects.filter(code=CENTRE).first()
    if not (citizen and second and officer and centre):
        say("Hồ sơ mẫu: bỏ qua (chưa có tỉnh mẫu).")
        return
    if Dossier.objects.filter(applicant__in=[citizen, second]).exists():
        say("Hồ sơ mẫu: đã có.")
        _load_processing(say)
        return
    versions = _versions_at(centre, online=True)
    if not versions:
        say(
            "Hồ sơ mẫu: bỏ qua (danh mục chưa có thủ tục trực tuyến do Trung tâm Phục vụ hành chính công tiếp nhận)."
        )
        return
    first, other = versions[0], versions[min(1, len(versions) - 1)]
    with transaction.atomic():
        _filed(first, citizen, submit=False)  # a draft in progress
        _filed(first, citizen)  # waiting at the desk
        _filed(other, second)  # waiting at the desk
        services.dossier_receive(dossier=_filed(first, citizen), actor=officer)
        services.dossier_request_completion(
            dossier=_filed(other, second),
            actor=officer,
            reason="Bản chụp giấy tờ bị mờ, không đọc được số văn bản; đề nghị chụp lại rõ nét và tải lên.",
            components=list(other.components.filter(mandatory=True)[:1]),
        )
        services.dossier_refuse(
            dossier=_filed(other, second),
            actor=officer,
            reason="Công trình đề nghị cấp phép thuộc thẩm quyền của Ủy ban nhân dân cấp xã, đề nghị nộp tại "
            "bộ phận một cửa của phường.",
        )
        services.dossier_withdraw(
            dossier=services.dossier_receive(dossier=_filed(first, citizen), actor=officer),
            actor=citizen,
            reason="Đã nộp nhầm thủ tục.",
        )
        company = Organisation.objects.filter(members__user=citizen).first()
        if company is not None:
            _filed(first, citizen, organisation=company)
        counter_version = (_versions_at(centre, online=False) or [first])[0]
        services.dossier_receive_in_person(
            actor=officer,
            agency=centre,
            version=counter_version,
            channel=1,
            applicant=services.ApplicantData(
                kind=ApplicantKind.CITIZEN,
                name=second.full_name,
                id_number=second.cccd,
                address=second.address,
                phone=second.phone,
                email=second.email,
            ),
            form_data=_answers(counter_version, second),
            uploads=[
                services.ComponentUpload(component=c, upload=_pdf("ban-quet.pdf"))
                for c in counter_version.components.filter(mandatory=True)
            ],
            delivery_method=DeliveryMethod.DESK,
        )
        commune = Agency.objects.filter(code=COMMUNE).first()
        commune_officer = User.objects.filter(username=COMMUNE_OFFICER).first()
        commune_versions = _versions_at(commune, online=True) if commune else []
        if commune_versions and commune_officer:
            services.dossier_receive(dossier=_filed(commune_versions[0], citizen), actor=commune_officer)
    say(f"Hồ sơ mẫu: {Dossier.objects.count()} hồ sơ.")
    _load_processing(say)


SXD = "000.00.20.H32"
SNNMT = "000.00.22.H32"
SPECIALIST = "chuyenvien.sxd"
HEAD = "lanhdaophong.sxd"


def _received_at(version: ProcedureVersion, citizen: User, officer: User, at):
    dossier = _filed(version, citizen, submit=False)
    dossier = services.dossier_submit(dossier=dossier, actor=citizen, at=at - dt.timedelta(hours=1))
    return services.dossier_receive(dossier=dossier, actor=officer, at=at)


def _received_for_due_soon(version: ProcedureVersion, now):
    """The earliest reception (whole days back) whose appointment is still more than a day away."""
    chosen = now - dt.timedelta(days=1)
    for days in range(1, 120):
        candidate = now - dt.timedelta(days=days)
        due = selectors.appointment_for(version=version, channel=2, received_at=candidate)
        if due is None or due <= now + dt.timedelta(days=1):
            break
        chosen = candidate
    return chosen


def _load_processing(say) -> None:
    """Dossiers of Sở Xây dựng at every stage of processing (see the module docstring)."""
    if DossierHandover.objects.filter(action=EventAction.FORWARD).exists():
        say("Hồ sơ mẫu đang giải quyết: đã có.")
        return
    names = [CITIZEN, OFFICER, SPECIALIST, HEAD]
    people = {u.username: u for u in User.objects.filter(username__in=names)}
    sxd, snnmt = Agency.objects.filter(code=SXD).first(), Agency.objects.filter(code=SNNMT).first()
    centre = Agency.objects.filter(code=CENTRE).first()
    version = None
    if sxd and centre:
        version = (
            ProcedureVersion.objects.in_force()
            .filter(permissions.version_receivable_at({centre.pk}))
            .filter(competent_agencies=sxd, allows_online=True, components__mandatory=True)
            .filter(processing_times__isnull=False)
            .distinct()
            .order_by("procedure__code")
            .first()
        )
    if version is None or len(people) < len(names) or snnmt is None:
        say("Hồ sơ mẫu đang giải quyết: bỏ qua (chưa có thủ tục của Sở Xây dựng hoặc tài khoản mẫu).")
        return
    citizen, officer = people[CITIZEN], people[OFFICER]
    specialist, head = people[SPECIALIST], people[HEAD]
    if kho.signing_certificate_current(sxd) is None:
        kho.signing_certificate_issue(agency=sxd)
    now = timezone.now()
    draft = services.ResultDraft(
        decision=Decision.GRANT,
        opinion="Hồ sơ đầy đủ, hợp lệ; công trình phù hợp quy hoạch chi tiết đã được phê duyệt.",
        title="Giấy phép xây dựng",
        number="27/GPXD",
        document_type_code="GPXD",
        content="Cấp cho ông Nguyễn Văn An được xây dựng công trình nhà ở riêng lẻ tại thửa đất số 215, tờ bản "
        "đồ số 12, phường Nha Trang, tỉnh Khánh Hòa.\nQuy mô: 3 tầng, tổng diện tích sàn 280 m².\n"
        "Giấy phép có hiệu lực khởi công trong 12 tháng kể từ ngày cấp.",
    )

    def appraising(at):
        dossier = _received_at(version, citizen, officer, at)
        dossier = services.dossier_forward(dossier=dossier, actor=officer, at=at + dt.timedelta(minutes=30))
        return services.dossier_assign(
            dossier=dossier, actor=head, specialist=specialist, at=at + dt.timedelta(hours=1)
        )

    with transaction.atomic():
        waiting = _received_at(version, citizen, officer, now - dt.timedelta(hours=3))
        services.dossier_forward(dossier=waiting, actor=officer, at=now - dt.timedelta(hours=2))
        appraising(now - dt.timedelta(days=2))
        services.dossier_submit_for_approval(
            dossier=appraising(now - dt.timedelta(days=5)), actor=specialist, draft=draft
        )
        services.dossier_return_for_rework(
            dossier=services.dossier_submit_for_approval(
                dossier=appraising(now - dt.timedelta(days=6)), actor=specialist, draft=draft
            ),
            actor=head,
            reason="Ghi rõ cốt nền công trình và chỉ giới xây dựng trong nội dung giấy phép.",
        )
        services.dossier_request_supplement(
            dossier=appraising(now - dt.timedelta(days=4)),
            actor=specialist,
            reason="Bản vẽ mặt bằng móng chưa có chữ ký của chủ nhiệm thiết kế; đề nghị bổ sung bản có đủ "
            "chữ ký và đóng dấu của đơn vị thiết kế.",
        )
        services.dossier_request_payment(
            dossier=appraising(now - dt.timedelta(days=3)),
            actor=specialist,
            amount=Decimal(1250000),
            description="Phí thẩm định thiết kế xây dựng",
        )
        services.dossier_transfer(
            dossier=appraising(now - dt.timedelta(days=7)),
            actor=specialist,
            to_agency=snnmt,
            request="Đề nghị Sở Nông nghiệp và Môi trường xác nhận mục đích sử dụng đất của thửa đất số 215, "
            "tờ bản đồ số 12.",
        )
        appraising(now - dt.timedelta(days=45))  # overdue
        near = appraising(_received_for_due_soon(version, now))
        if near.due_at and near.due_at > now:
            services.dossier_apology_draft(
                dossier=near,
                actor=specialist,
                reason="Phải chờ ý kiến của Sở Nông nghiệp và Môi trường về mục đích sử dụng đất.",
                new_due_at=near.due_at + dt.timedelta(days=7),
            )
        delivered = services.dossier_submit_for_approval(
            dossier=appraising(now - dt.timedelta(days=8)), actor=specialist, draft=draft
        )
        services.dossier_approve(dossier=delivered, actor=head)
        services.dossier_deadlines_sweep(agency_id=sxd.pk, now=now)
    say("Hồ sơ mẫu đang giải quyết: đã tạo tại Sở Xây dựng.")


def _digitise_for_a_dossier(citizen: User) -> None:
    """A paper the citizen brings to the desk for a component of their received dossier still without a file,
    digitised for that dossier. Skipped when the demo has no such dossier, or when done before."""
    if DigitisationJob.objects.filter(owner_user=citizen, dossier_id__isnull=False).exists():
        return
    dossiers = Dossier.objects.filter(applicant=citizen, state=DossierState.RECEIVED).select_related(
        "procedure_version", "receiving_agency"
    )
    for dossier in dossiers.order_by("pk"):
        filed = set(dossier.files.values_list("component_id", flat=True))
        component = next(
            (c for c in dossier.procedure_version.components.order_by("order", "pk") if c.pk not in filed),
            None,
        )
        officer = User.objects.filter(
            agency_memberships__agency=dossier.receiving_agency,
            agency_memberships__role=Role.INTAKE_OFFICER,
            agency_memberships__active=True,
        ).first()
        if component is not None and officer is not None:
            break
    else:
        return
    job = kho.digitisation_job_create(
        actor=officer,
        agency=dossier.receiving_agency,
        owner=citizen,
        files=[SimpleUploadedFile("bo-sung.png", scan_png(f"{component.name[:40].upper()}\nNGUYỄN VĂN AN"))],
        document_type_code=component.code or "KHAC",
        document_type_name=component.name[:300],
        title=f"{component.name[:250]} — hồ sơ {dossier.code}",
        dossier_id=dossier.pk,
        component_id=component.pk,
    )
    kho.digitisation_job_run(job_id=job.pk)
