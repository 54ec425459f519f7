"""The province leader's dashboard in the browser: filter by an agency, drill down to its late dossiers, export
Excel; the public index page without login."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Agency
from reporting.engine.aggregate import Period, Scope
from reporting.selectors import late_dossier_ids

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.date_sensitive]


@pytest.fixture
def demo_with_dossiers(transactional_db, live_server, settings):
    """The whole demo (dossiers and the index's snapshots and targets), served by a live server."""
    from portal.celery import app

    settings.KPI_TODAY_CACHE_SECONDS = 0
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    call_command("load_demo")
    yield live_server
    app.conf.task_always_eager = previous


def test_the_province_leader_drills_down_to_an_agencys_late_dossiers(page, demo_with_dossiers):
    base = demo_with_dossiers.url
    login(page, base, "lanhdaotinh")
    page.goto(f"{base}/bao-cao/")
    expect(page.get_by_role("heading", name="Chỉ số phục vụ — toàn tỉnh")).to_be_visible()
    expect(page.get_by_test_id("index-points")).not_to_be_empty()
    expect(page.get_by_text("chưa có dữ liệu").first).to_be_visible()

    # filter by an agency: the filter is kept in the URL
    agency = Agency.objects.get(code="000.00.20.H32")  # Sở Xây dựng of the demo
    page.get_by_label("Cơ quan", exact=True).select_option(str(agency.pk))
    page.get_by_role("button", name="Xem").click()
    expect(page).to_have_url(re.compile(rf"/bao-cao/\?.*co_quan={agency.pk}"))

    # drill down to the agency's late dossiers
    page.get_by_role("link", name=f"hồ sơ trễ hạn của {agency.name}").first.click()
    expect(page.get_by_role("heading", name="Hồ sơ trễ hạn")).to_be_visible()
    assert "loai=late" in page.url and f"co_quan={agency.pk}" in page.url
    today = timezone.localdate()
    expected = late_dossier_ids(Scope(agency_id=agency.pk), Period(dt.date(today.year, 1, 1), today))
    assert expected, "the demo has late dossiers at the department"
    rows = page.get_by_test_id("dossier-list").locator("tbody tr")
    expect(rows).to_have_count(min(len(expected), 50))

    # export the list to Excel
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_public_page_shows_the_index_without_login(page, demo_with_dossiers):
    page.goto(f"{demo_with_dossiers.url}/bao-cao/cong-khai/")
    expect(
        page.get_by_role("heading", name="Công khai chỉ số phục vụ người dân, doanh nghiệp")
    ).to_be_visible()
    expect(page.get_by_test_id("public-index")).not_to_be_empty()
    expect(page.get_by_test_id("public-agencies")).to_be_visible()
