"""Kho dữ liệu: verification of a signed result and digitisation of a 10-page scan, in process.

Targets: the public verification page answers within 100 ms (p95 of `verify_signed_pdf` on a signed result), and
a 10-page scan (150 dpi PNG pages) becomes one PDF with a thumbnail within 2 s without OCR. Signing one result
with an encrypted key is timed and printed. OCR time per page
with tesseract (Vietnamese) is printed, not checked: it depends on the machine and runs in the background queue.
The script uses a throw-away test database (`test_<name>` of DATABASE_URL) and a temporary PKI_DIR.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ["PKI_DIR"] = tempfile.mkdtemp(prefix="bench-pki-")
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-media-")
# Sign as production does: the key is encrypted and opened with the passphrase from the environment.
os.environ.setdefault("SIGNING_KEY_PASSPHRASE", "bench-passphrase")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_databases, teardown_databases  # noqa: E402

VERIFY_P95_MS = 100.0
SCAN_PAGES = 10
SCAN_SECONDS = 2.0
RUNS = 30


def _page(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1240, 1754), "white")
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 48)
    except OSError:
        font = ImageFont.load_default()
    draw = ImageDraw.Draw(image)
    for line in range(12):
        draw.text((100, 150 + line * 110), f"{text} — dòng {line + 1}", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def main() -> int:
    from weasyprint import HTML

    from portal.constants import AccountType, AgencyLevel, Role, UnitLevel
    from portal.models import AdministrativeUnit, Agency, User
    from portal.services import officer_assign
    from repository import processing, services, signing

    unit = AdministrativeUnit.objects.create(code="99999", name="Phường Đo", level=UnitLevel.COMMUNE)
    agency = Agency.objects.create(
        code="000.00.20.H99", name="Sở Xây dựng", level=AgencyLevel.PROVINCE, administrative_unit=unit
    )
    approver = User.objects.create(username="duyet", full_name="Lãnh đạo", account_type=AccountType.OFFICER)
    officer_assign(user=approver, agency=agency, role=Role.APPROVER)
    citizen = User.objects.create(username="056090009999", cccd="056090009999", full_name="Người Đo")
    services.signing_certificate_issue(agency=agency)
    pdf = HTML(string="<h1>GIẤY PHÉP XÂY DỰNG</h1><p>Số 1/GPXD</p>").write_pdf()
    start = time.perf_counter()
    document = services.result_issue(
        actor=approver,
        agency=agency,
        owner=citizen,
        pdf=pdf,
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép",
    )
    print(f"result_issue (encrypted key, no TSA): {(time.perf_counter() - start) * 1000:.0f} ms")
    with document.current_version.file.open("rb") as handle:
        signed = handle.read()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = signing.verify_signed_pdf(signed)
        timings.append((time.perf_counter() - start) * 1000)
        assert result.is_valid, result.message
    p95 = statistics.quantiles(timings, n=20)[18]
    print(
        f"verify_signed_pdf: median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms (mục tiêu < {VERIFY_P95_MS:.0f})"
    )

    pages = [(_page(f"Trang {n + 1}"), "image/png") for n in range(SCAN_PAGES)]
    start = time.perf_counter()
    merged = processing.images_and_pdfs_to_pdf(pages)
    processing.thumbnail_png(merged, "application/pdf")
    scan_seconds = time.perf_counter() - start
    print(
        f"{SCAN_PAGES} trang quét → PDF + ảnh thu nhỏ: {scan_seconds:.2f} s (mục tiêu < {SCAN_SECONDS:.0f})"
    )
    if processing.ocr_available():
        start = time.perf_counter()
        processing.extract_text(processing.images_and_pdfs_to_pdf(pages[:2]))
        print(f"OCR (tesseract): {(time.perf_counter() - start) / 2:.2f} s/trang")
    else:
        print("OCR: chưa cài tesseract, bỏ qua")
    return 0 if p95 < VERIFY_P95_MS and scan_seconds < SCAN_SECONDS else 1


if __name__ == "__main__":
    old = setup_databases(verbosity=0, interactive=False)
    try:
        code = main()
    finally:
        teardown_databases(old, verbosity=0)
        import shutil

        shutil.rmtree(os.environ["PKI_DIR"], ignore_errors=True)
        shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)
    sys.exit(code)
