"""Browser tests of Kho dữ liệu hồ sơ TTHC and of the limits on public verification."""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core.cache import cache
from playwright.sync_api import expect

from dossiers.archive.services import retention_rules_seed_defaults
from dossiers.models import ArchiveAccessLog
from portal.models import Agency, User
from tests.dossiers.factories import received

from .conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Printed forms are rendered by a task after commit: inside the test process even when CI sets a broker."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _demo_dossier():
    """A dossier of the demo citizen for a procedure of the demo Sở Xây dựng, received at the provincial desk."""
    import datetime as dt
    from types import SimpleNamespace

    from procedures.services import procedure_version_publish
    from tests.procedures.factories import ProcedureVersionFactory

    version = ProcedureVersionFactory(
        details=True, agencies=[Agency.objects.get(code="000.00.20.H32")], valid_from=dt.date(2024, 1, 1)
    )
    procedure_version_publish(version=version, actor=None)
    desk = SimpleNamespace(
        version=version,
        citizen=User.objects.get(username="056090001234"),
        officer=User.objects.get(username="motcua"),
        components=lambda: list(version.components.order_by("order")),
    )
    return received(desk)


def _open_menu(page):
    menu = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")  # the stylesheet decides whether the menu is folded
    if menu.is_visible():
        menu.click()


def test_an_officer_finds_a_dossier_in_the_archive_and_takes_its_package(demo_site, browser):
    # the starting retention rules (a live-server test starts from emptied tables, without migration data)
    retention_rules_seed_defaults()
    # given a dossier received at the provincial desk, with its printed receipt
    dossier = _demo_dossier()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()

    # when the desk officer opens the archive from the menu on a phone and searches the dossier's code
    login(page, demo_site.url, "motcua")
    _open_menu(page)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Lưu trữ hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kho dữ liệu hồ sơ TTHC")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_test_id("archive-list")).to_contain_text(dossier.code)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name=dossier.code).click()

    # then the dossier's files and retention are shown, and the page fits the phone
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {dossier.code}")
    expect(page.get_by_test_id("retention")).to_contain_text("10 năm")
    expect(page.get_by_role("heading", name="Phiếu và văn bản do cơ quan lập cho hồ sơ")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # when they take the archive package
    with page.expect_download() as download:
        page.get_by_test_id("archive-package").click()

    # then it holds the manifest with every file's checksum, and the export is in the dossier's read log
    with open(download.value.path(), "rb") as handle:
        zipped = zipfile.ZipFile(io.BytesIO(handle.read()))
    manifest = json.loads(zipped.read("manifest.json"))
    assert manifest["dossier"]["code"] == dossier.code
    assert manifest["summary"]["missing"] == 0 and manifest["summary"]["mismatch"] == 0
    assert {entry["kind"] for entry in manifest["files"]} >= {"dossier_file", "printed_form"}
    page.reload()
    expect(page.get_by_test_id("archive-reads")).to_contain_text("Gói lưu trữ hồ sơ (.zip)")
    assert ArchiveAccessLog.objects.filter(dossier=dossier, accessed_by__username="motcua").count() == 1
    context.close()


def test_an_officer_of_another_agency_does_not_find_it(demo_site, page):
    # given a dossier of the provincial desk
    dossier = _demo_dossier()

    # when the officer of the Nha Trang ward desk looks for it
    login(page, demo_site.url, "motcua.nhatrang")
    page.goto(f"{demo_site.url}/kho-du-lieu/luu-tru/?ma={dossier.code}")

    # then nothing is listed, and the dossier's archive page does not exist for them
    expect(page.get_by_test_id("archive-list")).to_contain_text("Không có hồ sơ nào phù hợp.")
    response = page.goto(f"{demo_site.url}/kho-du-lieu/luu-tru/{dossier.pk}/")
    assert response.status == 404


def test_the_public_verification_page_slows_down_guessing(demo_site, page, settings, request):
    # given two checks allowed per client address
    settings.REPOSITORY_VERIFY_LIMIT = 2
    settings.REPOSITORY_VERIFY_WINDOW_SECONDS = 600
    # the limit counts in fixed windows of the clock: start at a fixed instant so no window ends mid-test
    clock = time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True)
    clock.start()
    request.addfinalizer(clock.stop)
    page.goto(f"{demo_site.url}/kho-du-lieu/xac-thuc/")

    # when someone tries codes one after another
    for attempt in range(2):
        page.get_by_label("Hoặc mã xác thực in trên văn bản").fill(f"{attempt + 1}-doan-bua")
        page.get_by_role("button", name="Xác thực", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Mã xác thực không đúng")
    page.get_by_label("Hoặc mã xác thực in trên văn bản").fill("3-doan-bua")
    page.get_by_role("button", name="Xác thực", exact=True).click()

    # then the third is refused with the time to wait, in the error summary
    expect(page.get_by_role("alert")).to_contain_text(
        "Bạn đã xác thực quá nhiều lần. Vui lòng thử lại sau 10 phút."
    )
