"""Who sees which dashboard, the drill-down, the exports, the targets and the public page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portal.constants import Role
from reporting.engine import snapshots
from reporting.models import KpiTarget
from tests.dossiers.factories import received
from tests.portal.factories import AgencyFactory, officer_in

pytestmark = pytest.mark.date_sensitive


@pytest.fixture
def leader(province):
    return officer_in(province.department, Role.AGENCY_LEADER, full_name="Hoàng Văn Giám")


@pytest.fixture
def province_leader(province):
    user = officer_in(province.centre, Role.SPECIALIST)
    user.province_role = Role.PROVINCE_LEADER
    user.save()
    return user


def test_the_province_leader_sees_the_whole_province_and_drills_down(client, province, province_leader):
    dossier = received(province)
    client.force_login(province_leader)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bộ chỉ số 766" in body and "chưa có dữ liệu" in body
    response = client.get(
        reverse("reporting:dossiers"), {"loai": "received", "co_quan": province.department.pk}
    )
    assert dossier.code in response.content.decode()


def test_an_agency_head_sees_only_their_agency(client, province, leader):
    other = AgencyFactory(name="Sở Tư pháp", administrative_unit=province.unit)
    received(province)
    client.force_login(leader)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["co_quan"].queryset) == [province.department]
    assert response.context["scope"].agency_id == province.department.pk
    # another agency in the URL is refused by the filter, and nothing is shown
    response = client.get(reverse("reporting:dashboard"), {"co_quan": other.pk})
    assert "result" not in response.context
    response = client.get(reverse("reporting:dossiers"), {"loai": "received", "co_quan": other.pk})
    assert response.context["page"] is None


def test_officers_without_a_leading_role_have_no_dashboard(client, province):
    client.force_login(province.specialist)
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    assert client.get(reverse("reporting:export"), {"bang": "index"}).status_code == 403


def test_every_table_exports_to_excel_and_the_index_to_pdf(client, province, province_leader):
    received(province)
    client.force_login(province_leader)
    for table in ("index", "agency", "procedure", "unit", "channel", "trend", "overdue", "workload", "late"):
        response = client.get(reverse("reporting:export"), {"bang": table})
        assert response.status_code == 200, table
        assert response.content[:2] == b"PK"
    response = client.get(reverse("reporting:pdf"))
    assert response.status_code == 200 and response.content[:4] == b"%PDF"


def test_leaders_set_targets_and_see_them_against_the_actual(client, province, leader):
    client.force_login(leader)
    response = client.post(
        reverse("reporting:targets"),
        {"chi_so": "ONLINE_SHARE", "co_quan": province.department.pk, "nam": 2026, "gia_tri": "60"},
    )
    assert response.status_code == 302
    assert KpiTarget.objects.get(indicator_code="ONLINE_SHARE", agency=province.department).value == 60
    other = AgencyFactory(name="Sở Tư pháp", administrative_unit=province.unit)
    response = client.post(
        reverse("reporting:targets"), {"chi_so": "ON_TIME", "co_quan": other.pk, "nam": 2026, "gia_tri": "90"}
    )
    assert response.status_code == 200 and not KpiTarget.objects.filter(agency=other).exists()
    cards = client.get(reverse("reporting:dashboard")).context["cards"]
    assert next(c for c in cards if c["result"].indicator.code == "ONLINE_SHARE")["target"] == 60


def test_the_public_page_publishes_the_index_without_login(client, province):
    received(province, at=dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC))
    snapshots.rebuild_range(dt.date(2026, 9, 7), dt.date(2026, 10, 13))
    response = client.get(reverse("reporting:public"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Công khai chỉ số phục vụ" in body and province.department.name in body


def test_the_api_gives_the_index_within_the_same_scope(client, province, leader, province_leader):
    received(province)
    url = reverse("reporting-api:index")
    assert client.get(url).status_code in (401, 403)
    client.force_login(leader)
    body = client.get(url).json()
    assert body["agency"] == province.department.pk and body["max_points"] == "100.00"
    assert any(not i["has_data"] and i["value"] is None for g in body["groups"] for i in g["indicators"])
    other = AgencyFactory(name="Sở Tư pháp", administrative_unit=province.unit)
    assert client.get(url, {"co_quan": other.pk}).status_code == 403
    client.force_login(province_leader)
    assert client.get(url, {"co_quan": other.pk, "nhom": "cong"}).status_code == 200
