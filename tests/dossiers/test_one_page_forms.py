"""The forms the desk hands over fit one A4 page, with the national heading on one line (read back from the
PDF with poppler's pdftotext, as a person reads the printed page)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dossiers import documents, services
from dossiers.constants import DocumentKind, EventAction

from .factories import received, submitted

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

A4_POINTS = (595, 842)


def _pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (round(float(v)) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert (width, height) == A4_POINTS, size
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _assert_one_page_with_heading(pdf: bytes, tmp_path) -> str:
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 1, f"{len(pages)} pages"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0], pages[0][:600]
    return pages[0]


def _event(dossier, action):
    return dossier.events.filter(action=action).order_by("-at", "-pk").first()


def test_the_receipt_of_a_long_dossier_fits_one_page_signatures_included(province, tmp_path):
    province.version.name = (
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II (công trình không theo tuyến; "
        "theo tuyến trong đô thị; tín ngưỡng, tôn giáo; tượng đài, tranh hoành tráng; theo giai đoạn)"
    )
    province.version.save(update_fields=["name"])
    dossier = received(province)
    page = _assert_one_page_with_heading(
        documents.render(
            dossier=dossier, kind=DocumentKind.RECEIPT, event=_event(dossier, EventAction.RECEIVE)
        ),
        tmp_path,
    )
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in page and "NGƯỜI NỘP HỒ SƠ" in page


def test_the_refusal_fits_one_page(province, tmp_path):
    dossier = services.dossier_refuse(
        dossier=submitted(province),
        actor=province.officer,
        reason="Thủ tục không thuộc thẩm quyền tiếp nhận.",
    )
    _assert_one_page_with_heading(
        documents.render(
            dossier=dossier, kind=DocumentKind.REFUSAL, event=_event(dossier, EventAction.REFUSE)
        ),
        tmp_path,
    )


def test_the_completion_request_fits_one_page(province, tmp_path):
    dossier = services.dossier_request_completion(
        dossier=submitted(province),
        actor=province.officer,
        reason="Đơn đề nghị chưa có chữ ký của người nộp; bản vẽ thiếu mặt cắt.",
        components=province.components(),
    )
    _assert_one_page_with_heading(
        documents.render(
            dossier=dossier,
            kind=DocumentKind.SUPPLEMENT_REQUEST,
            event=_event(dossier, EventAction.REQUEST_COMPLETION),
        ),
        tmp_path,
    )
