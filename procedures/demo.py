"""Demo catalogue: 47 procedures of the demo province, loaded through the import service.

The catalogue ships as `data/catalogue_khanh_hoa.json` in the national field names. Form templates named in it
(TenTepMauDon) are generated as small .docx forms before the import links them. Idempotent: procedures already
in the catalogue are left alone (a later sync or an officer's new version is never reverted).
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from .adapters import load_demo_catalogue
from .docx import docx_form
from .forms_schema import field_labels
from .models import FeeExemption, Procedure
from .national import TEMPLATE_DIR
from .services import catalogue_import

DEFAULT_LINES = [
    "Họ và tên",
    "Ngày, tháng, năm sinh",
    "Số định danh cá nhân",
    "Nơi cư trú",
    "Số điện thoại",
    "Nội dung đề nghị",
]


def ensure_templates(records: list[dict]) -> int:
    """Write the .docx template of every component that names one and has none stored yet."""
    written = 0
    for record in records:
        labels = list(field_labels(record.get("BieuMauDienTu") or {}).values())
        labels = [label for label in labels if not label.startswith("Tôi cam đoan")] or DEFAULT_LINES
        agencies = record.get("CoQuanThucHien") or []
        recipient = "Ủy ban nhân dân xã, phường" if len(agencies) > 1 else "Cơ quan giải quyết thủ tục"
        for group in record.get("ThanhPhanHoSo") or []:
            for item in group.get("GiayTo") or []:
                name = item.get("TenTepMauDon")
                path = f"{TEMPLATE_DIR}/{name}"
                if not name or default_storage.exists(path):
                    continue
                title = item["TenGiayTo"].split(" (")[0]
                form_number = item.get("TenMauDon") or ""
                content = docx_form(
                    title=title,
                    subtitle=f"{form_number + ' — ' if form_number and form_number != title else ''}{record['TenTTHC']}",
                    recipient=recipient,
                    lines=labels,
                    closing="Tôi xin cam đoan những nội dung khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật.",
                )
                default_storage.save(path, ContentFile(content))
                written += 1
    return written


@transaction.atomic
def load(stdout=None) -> None:
    records = load_demo_catalogue()
    ensure_templates(records)
    existing = set(Procedure.objects.values_list("code", flat=True))
    report = catalogue_import(records=[r for r in records if r["MaTTHC"] not in existing], actor=None)
    exempted = add_civil_status_exemptions()
    if stdout:
        stdout.write(f"Danh mục thủ tục: {report.summary()}; miễn lệ phí hộ tịch ở {exempted} thủ tục.")


# Luật Hộ tịch 2014, Điều 11 khoản 1 điểm a: no civil-status registration fee for these groups (the national
# record has no field for exemptions, so the demo adds them to the local catalogue).
CIVIL_STATUS_EXEMPTIONS = [
    (
        "Người thuộc gia đình có công với cách mạng",
        "Giấy tờ chứng minh là người có công hoặc thân nhân người có công",
    ),
    ("Người thuộc hộ nghèo", "Giấy chứng nhận hộ nghèo còn hiệu lực"),
    ("Người khuyết tật", "Giấy xác nhận khuyết tật"),
]
CIVIL_STATUS_BASIS = "Điểm a khoản 1 Điều 11 Luật Hộ tịch năm 2014"


def add_civil_status_exemptions() -> int:
    """List the exempted groups on the civil-status procedures in force that charge a registration fee
    (lệ phí), unless their version lists exemptions already. Returns how many versions got them."""
    added = 0
    for procedure in Procedure.objects.filter(field__name__icontains="hộ tịch").order_by("code"):
        version = procedure.current_version()
        if version is None or version.exemptions.exists():
            continue
        if not version.fees.filter(name__istartswith="Lệ phí", amount__gt=0).exists():
            continue
        FeeExemption.objects.bulk_create(
            FeeExemption(
                version=version,
                order=order,
                group=group,
                percent=100,
                legal_basis=CIVIL_STATUS_BASIS,
                proof=proof,
            )
            for order, (group, proof) in enumerate(CIVIL_STATUS_EXEMPTIONS, start=1)
        )
        added += 1
    return added
