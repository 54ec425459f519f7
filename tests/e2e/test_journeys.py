"""Journeys as people live them: the places where a citizen or an officer got stuck, each walked in a browser."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers import services
from dossiers.constants import DossierState
from portal.models import User
from repository.selectors import component_is_held
from tests.dossiers import factories
from tests.dossiers.factories import png_upload

from .conftest import login
from .language import assert_vietnamese
from .layout import assert_fits
from .world import DemoProvince, permit_draft, permit_submitted

pytestmark = pytest.mark.e2e


@pytest.fixture
def eager_tasks():
    """The live server prints forms in its own thread, as with no broker configured."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _pdf_text(path: str) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_specialist_names_the_missing_papers_and_the_reprint_gives_the_new_appointment(
    demo_site, browser, eager_tasks
):
    base = demo_site.url
    dossier = factories.appraising(DemoProvince())
    wanted = [
        c for c in dossier.procedure_version.components.order_by("order") if not component_is_held(dossier, c)
    ][:2]
    assert len(wanted) == 2
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    login(page, base, "chuyenvien.sxd")
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    page.get_by_role("link", name="Yêu cầu bổ sung").click()

    papers = page.get_by_role("group", name="Giấy tờ cần bổ sung, hoàn thiện")
    expect(papers.get_by_role("checkbox")).to_have_count(dossier.procedure_version.components.count())
    for component in wanted:
        # Clicking the paper's name ticks its box.
        papers.get_by_text(component.name, exact=True).click()
        expect(papers.get_by_role("checkbox", name=component.name, exact=True)).to_be_checked()
    page.get_by_label("Nội dung cần bổ sung, hoàn thiện và lý do").fill(
        "Bản vẽ thiếu mặt cắt; đơn chưa ghi diện tích sàn."
    )
    page.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã gửi yêu cầu bổ sung")

    with page.expect_download() as download:
        page.get_by_test_id("document-supplement_request").click()
    text = _pdf_text(download.value.path())
    for component in wanted:
        assert " ".join(component.name.split()) in text
    assert "Bản vẽ thiếu mặt cắt; đơn chưa ghi diện tích sàn." in text
    assert "Ngày hẹn trả kết quả trước khi tạm dừng" in text

    # The applicant brings the papers to the desk: the clock restarts and the request is printed again.
    dossier.refresh_from_db()
    services.dossier_supplement_at_desk(
        dossier=dossier,
        actor=User.objects.get(username="motcua"),
        uploads=[services.ComponentUpload(component=c, upload=png_upload()) for c in wanted],
    )
    dossier.refresh_from_db()
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    with page.expect_download() as download:
        page.get_by_test_id("document-supplement_request").click()
    text = _pdf_text(download.value.path())
    assert "Ngày hẹn trả kết quả mới" in text
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in text
    assert " ".join(wanted[0].name.split()) in text
    context.close()


def test_a_code_or_cccd_search_finds_the_dossier_whatever_the_state_tab(demo_site, page):
    province = DemoProvince()
    factories.submitted(province)
    received = factories.received(province)
    login(page, demo_site.url, "motcua")
    page.goto(f"{demo_site.url}/ho-so/tiep-nhan/")
    expect(page.get_by_test_id("state-counts").locator("[data-state=submitted]")).to_have_class(
        "nav-link active"
    )
    search = page.get_by_label("Tìm theo mã hồ sơ, tên, CCCD/MST, điện thoại")
    search.fill(received.code)
    page.get_by_role("button", name="Lọc").click()
    queue = page.get_by_test_id("queue")
    expect(queue.get_by_role("link", name=received.code)).to_be_visible()
    expect(page.get_by_test_id("searched-everywhere")).to_be_visible()

    # By CCCD too: every dossier of that person at this desk, received or waiting.
    search = page.get_by_label("Tìm theo mã hồ sơ, tên, CCCD/MST, điện thoại")
    search.fill(received.applicant_id_number)
    page.get_by_role("button", name="Lọc").click()
    expect(queue.get_by_role("link", name=received.code)).to_be_visible()


def test_an_online_citizen_gets_the_code_and_lookup_secret_at_submission(demo_site, browser):
    base = demo_site.url
    province = DemoProvince()
    dossier = permit_draft(province)
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    citizen = phone.new_page()
    login(citizen, base, "056090001234")
    citizen.goto(f"{base}/ho-so/{dossier.pk}/soan/kiem-tra/")
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED and dossier.code and dossier.lookup_secret
    reference = citizen.get_by_test_id("submission-reference")
    expect(reference).to_contain_text(dossier.code)
    expect(reference).to_contain_text(dossier.lookup_secret)
    expect(citizen.get_by_role("status").first).to_contain_text(f"Mã hồ sơ: {dossier.code}")
    phone.close()

    # Anyone holding both finds it on the public lookup page, before the desk has received it.
    visitor = browser.new_context(locale="vi-VN").new_page()
    visitor.goto(f"{base}/ho-so/tra-cuu/")
    visitor.get_by_label("Mã hồ sơ").fill(dossier.code)
    visitor.get_by_label("Mã tra cứu").fill(dossier.lookup_secret)
    visitor.get_by_role("button", name="Tra cứu").click()
    expect(visitor.get_by_text("Mới nộp, chờ tiếp nhận").first).to_be_visible()

    # The desk receives it under the same code.
    code, secret = dossier.code, dossier.lookup_secret
    received = services.dossier_receive(dossier=dossier, actor=province.officer)
    assert (received.code, received.lookup_secret) == (code, secret)


def test_password_rules_and_choices_are_shown_in_vietnamese(demo_site, page):
    page.goto(f"{demo_site.url}/dang-ky/")
    page.get_by_label("Số CCCD").fill("056095012399")
    page.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    page.get_by_label(re.compile(r"^Mật khẩu")).fill("1234")
    page.get_by_label("Nhập lại mật khẩu").fill("1234")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_text("Mật khẩu quá ngắn: cần ít nhất 8 ký tự.", exact=True)).to_be_visible()
    assert_vietnamese(page)

    # The dossier page names the choice the applicant made ("Cấp II"), not its stored value.
    dossier = permit_submitted(DemoProvince())
    login(page, demo_site.url, "056090001234")
    page.goto(f"{demo_site.url}/ho-so/{dossier.pk}/")
    expect(page.get_by_text("Cấp II", exact=True)).to_be_visible()
    assert_vietnamese(page)


def test_the_home_page_serves_search_lookup_figures_and_fields(demo_site, browser):
    province = DemoProvince()
    dossier = services.dossier_receive(dossier=permit_submitted(province), actor=province.officer)
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = phone.new_page()
    page.goto(f"{demo_site.url}/")
    figures = page.get_by_test_id("home-figures")
    expect(figures).to_contain_text(f"Kết quả giải quyết năm {timezone.localdate().year}")
    expect(figures).to_contain_text("hồ sơ đã tiếp nhận")
    expect(
        page.get_by_test_id("home-popular").get_by_role("link", name=province.version.name)
    ).to_be_visible()
    expect(page.get_by_test_id("home-news")).to_contain_text("Công bố phiên bản")
    assert_fits(page)
    assert_vietnamese(page)

    # Look a dossier up straight from the home page.
    lookup = page.get_by_test_id("home-lookup")
    lookup.get_by_label("Mã hồ sơ").fill(dossier.code)
    lookup.get_by_label("Mã tra cứu").fill(dossier.lookup_secret)
    lookup.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_text("Đã tiếp nhận").first).to_be_visible()

    # A field opens the catalogue filtered to it.
    page.goto(f"{demo_site.url}/")
    field = province.version.procedure.field
    page.get_by_test_id("home-fields").get_by_role("link", name=field.name).click()
    expect(page.get_by_role("link", name=province.version.name)).to_be_visible()
    phone.close()
