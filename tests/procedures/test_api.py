"""The read-only REST API of the catalogue."""

import pytest
from django.urls import reverse

from procedures.adapters import SimulatedNationalCatalogue, load_demo_catalogue
from procedures.constants import Channel
from procedures.demo import ensure_templates
from procedures.services import catalogue_import, catalogue_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(demo_agencies):
    records = load_demo_catalogue()
    ensure_templates(records)
    catalogue_import(records=records, actor=None)


def test_list_searches_without_diacritics(client, catalogue):
    response = client.get(reverse("procedures-api:list"), {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    body = response.json()
    codes = [item["code"] for item in body["results"]]
    assert codes[0] == "1.001193"
    first = body["results"][0]
    assert first["name"] == "Đăng ký khai sinh"
    assert first["field"] == {"code": "HT", "name": "Hộ tịch"}
    assert first["url"] == reverse("procedures:detail", args=["1.001193"])
    assert body["count"] == len(codes)


def test_list_filters_by_agency_and_service_level(client, catalogue):
    body = client.get(
        reverse("procedures-api:list"), {"co_quan": "000.00.20.H32", "muc_do": "full_online"}
    ).json()
    assert body["count"] >= 1
    assert all(item["service_level"] == "full_online" for item in body["results"])
    assert all("000.00.20.H32" in {a["code"] for a in item["competent_agencies"]} for item in body["results"])


def test_detail_gives_terms_per_channel_components_and_form(client, catalogue):
    body = client.get(reverse("procedures-api:detail", args=["1.009972"])).json()
    current = body["current_version"]
    channels = {c["channel"]: c for c in current["channels"]}
    assert channels[Channel.COUNTER]["processing_time"]["amount"] == "20.0"
    assert channels[Channel.COUNTER]["total_fee"] == "150000"
    assert channels[Channel.ONLINE]["total_fee"] == "75000"
    mandatory = [c for c in current["components"] if c["mandatory"]]
    assert mandatory and mandatory[0]["template_url"].startswith("/thu-tuc/mau/")
    assert current["form_schema"]["type"] == "object"
    assert [v["number"] for v in body["versions"]] == [1]
    assert current["exemptions"] == []


def test_detail_lists_the_fee_exemptions(client, catalogue):
    from procedures.models import FeeExemption, Procedure

    version = Procedure.objects.get(code="1.009972").current_version()
    FeeExemption.objects.create(
        version=version, group="Người thuộc hộ nghèo", percent=100, legal_basis="TT 106/2021/TT-BTC"
    )
    body = client.get(reverse("procedures-api:detail", args=["1.009972"])).json()
    assert body["current_version"]["exemptions"] == [
        {
            "group": "Người thuộc hộ nghèo",
            "fee_name": "",
            "percent": 100,
            "legal_basis": "TT 106/2021/TT-BTC",
            "proof": "",
        }
    ]


def test_versions_stay_readable_after_a_change(client, catalogue):
    catalogue_sync(adapter=SimulatedNationalCatalogue())
    body = client.get(reverse("procedures-api:detail", args=["1.009972"])).json()
    assert [v["number"] for v in body["versions"]] == [2, 1]
    old = client.get(reverse("procedures-api:version", args=["1.009972", 1])).json()
    online = next(c for c in old["channels"] if c["channel"] == Channel.ONLINE)
    assert online["processing_time"]["amount"] == "20.0"
    assert old["valid_to"] == body["current_version"]["valid_from"]


def test_national_record_uses_the_national_field_names(client, catalogue):
    record = client.get(reverse("procedures-api:national-record", args=["2.000488"])).json()
    assert record["MaTTHC"] == "2.000488"
    assert record["CoQuanThucHien"][0]["MaDonVi"] == "000.00.30.H32"
    assert {c["Kenh"] for c in record["CachThucThucHien"]} == {1, 2, 3}


def test_unknown_code_is_a_problem_response(client, db):
    response = client.get(reverse("procedures-api:detail", args=["9.999999"]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
