"""Kho dữ liệu of the demo province: signing certificates for every agency, and a filled store for the first
demo citizen (uploads, a digitised certificate, a signed building permit, an expired ID card) and the demo
company. Idempotent: documents are looked up by owner and title before being created.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.demo import CITIZENS, ORGANISATION
from portal.models import Agency, Organisation, User

from . import services
from .models import StoredDocument

SXD = "000.00.20.H32"
DESK = "000.00.15.H32"


def _pdf(title: str, lines: list[str]) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{line}</p>" for line in lines)
    html = (
        "<html><body style=\"font-family: 'Noto Sans', 'DejaVu Sans'; margin: 2cm\">"
        "<p style='text-align:center'><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>"
        f"<h1 style='text-align:center; font-size: 18pt'>{title}</h1>{body}</body></html>"
    )
    return HTML(string=html).write_pdf()


def scan_png(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 56)
    except OSError:
        font = ImageFont.load_default()
    for index, line in enumerate(text.splitlines()):
        draw.text((120, 200 + 90 * index), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def _held(owner, title: str) -> bool:
    return StoredDocument.objects.visible().owned_by(owner).filter(title=title).exists()


def load(stdout=None) -> None:
    for agency in Agency.objects.filter(active=True):
        if services.signing_certificate_current(agency) is None:
            services.signing_certificate_issue(agency=agency)

    citizen = User.objects.get(username=CITIZENS[0][0])
    company = Organisation.objects.get(tax_code=ORGANISATION[0])
    today = timezone.localdate()

    if not _held(citizen, "Giấy khai sinh — Nguyễn Văn An"):
        services.document_upload(
            actor=citizen,
            owner=citizen,
            file=SimpleUploadedFile(
                "giay-khai-sinh.pdf",
                _pdf(
                    "GIẤY KHAI SINH",
                    ["Họ và tên: NGUYỄN VĂN AN", "Ngày sinh: 15/03/1990", "Nơi sinh: Nha Trang, Khánh Hòa"],
                ),
            ),
            document_type_code="GT_KS_CU",
            document_type_name="Giấy khai sinh",
            title="Giấy khai sinh — Nguyễn Văn An",
            issuer="UBND phường Lộc Thọ",
            issued_on=dt.date(1990, 3, 20),
        )
    if not _held(citizen, "Chứng minh nhân dân (cũ)"):
        services.document_upload(
            actor=citizen,
            owner=citizen,
            file=SimpleUploadedFile("cmnd.png", scan_png("CHỨNG MINH NHÂN DÂN\nSố 225000111\nNGUYỄN VĂN AN")),
            document_type_code="CCCD",
            document_type_name="Căn cước công dân / Thẻ căn cước",
            title="Chứng minh nhân dân (cũ)",
            issuer="Công an tỉnh Khánh Hòa",
            valid_from=dt.date(2008, 5, 1),
            valid_to=dt.date(2023, 5, 1),
        )
    if not _held(citizen, "Giấy chứng nhận quyền sử dụng đất thửa 215"):
        officer = User.objects.get(username="motcua")
        job = services.digitisation_job_create(
            actor=officer,
            agency=Agency.objects.get(code=DESK),
            owner=citizen,
            files=[
                SimpleUploadedFile(
                    "gcn-trang-1.png", scan_png("GIẤY CHỨNG NHẬN\nQUYỀN SỬ DỤNG ĐẤT\nThửa đất số 215")
                ),
                SimpleUploadedFile("gcn-trang-2.png", scan_png("Sơ đồ thửa đất\nDiện tích 120 m2")),
            ],
            document_type_code="GCN_QSDD",
            document_type_name="Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở",
            title="Giấy chứng nhận quyền sử dụng đất thửa 215",
            number="CS 01234",
            issuer="Sở Tài nguyên và Môi trường tỉnh Khánh Hòa",
            issued_on=dt.date(2018, 6, 12),
        )
        # Run now rather than through the broker, so that the demo is complete when the command returns.
        services.digitisation_job_run(job_id=job.pk)
    if not _held(citizen, "Giấy phép xây dựng số 15/GPXD"):
        services.result_issue(
            actor=User.objects.get(username="lanhdaophong.sxd"),
            agency=Agency.objects.get(code=SXD),
            owner=citizen,
            pdf=_pdf(
                "GIẤY PHÉP XÂY DỰNG",
                [
                    "Số: 15/GPXD",
                    "Cấp cho: ông Nguyễn Văn An",
                    "Địa điểm: thửa đất số 215, phường Nha Trang, tỉnh Khánh Hòa",
                    "Công trình: nhà ở riêng lẻ, 3 tầng, tổng diện tích sàn 280 m²",
                    "Giấy phép có hiệu lực khởi công trong 12 tháng kể từ ngày cấp.",
                ],
            ),
            document_type_code="GPXD",
            document_type_name="Giấy phép xây dựng",
            title="Giấy phép xây dựng số 15/GPXD",
            number="15/GPXD",
            valid_to=today + dt.timedelta(days=365),
            filename="giay-phep-xay-dung-15.pdf",
        )
    if not _held(company, "Giấy chứng nhận đăng ký doanh nghiệp"):
        services.document_upload(
            actor=citizen,
            owner=company,
            file=SimpleUploadedFile(
                "gcn-dkdn.pdf",
                _pdf(
                    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",
                    ["CÔNG TY TNHH XÂY DỰNG BIỂN XANH", f"Mã số doanh nghiệp: {company.tax_code}"],
                ),
            ),
            document_type_code="GCN_DKDN",
            document_type_name="Giấy chứng nhận đăng ký doanh nghiệp",
            title="Giấy chứng nhận đăng ký doanh nghiệp",
            issuer="Sở Tài chính tỉnh Khánh Hòa",
            issued_on=dt.date(2019, 9, 9),
        )
    if stdout:
        count = StoredDocument.objects.visible().count()
        stdout.write(f"Kho dữ liệu: {count} giấy tờ; chứng thư ký số thử nghiệm cho mọi cơ quan.")
