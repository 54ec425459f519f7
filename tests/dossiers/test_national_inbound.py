"""Dossiers filed on the national portal arrive through the authenticated endpoint and land in the desk's
intake queue as online dossiers; malformed or unknown ones are refused with a reason (problem+json)."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from dossiers import queues, services
from dossiers.constants import DossierState
from dossiers.models import Dossier
from dossiers.queues import QueueFilters

from .factories import PDF_BYTES

URL = "/api/lien-thong/dvcqg/ho-so/"
TOKEN = "mo-phong-dvcqg"


def national_dossier(province, **overrides) -> dict:
    pdf = base64.b64encode(PDF_BYTES).decode()
    record = {
        "MaHoSo": "G22.99-261014-0007",
        "MaTTHC": province.version.procedure.code,
        "ChuHoSo": "Lê Văn Quốc",
        "LoaiDoiTuong": 1,
        "SoGiayToChuHoSo": "056091009999",
        "DiaChi": "7 Hùng Vương, phường Nha Trang",
        "SoDienThoai": "0905000111",
        "TaiLieuNop": [
            {"TenTepDinhKem": "don.pdf", "MaThanhPhanHoSo": "DON_DE_NGHI", "NoiDungTep": pdf},
            {"TenTepDinhKem": "cccd.pdf", "MaThanhPhanHoSo": "CCCD", "NoiDungTep": pdf},
            {"TenTepDinhKem": "ban-ve.pdf", "MaThanhPhanHoSo": "BAN_VE", "NoiDungTep": pdf},
        ],
    }
    record.update(overrides)
    return record


@pytest.fixture
def national(settings):
    settings.NATIONAL_INBOUND_TOKEN = TOKEN
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def test_a_dossier_filed_nationally_lands_in_the_desk_queue_with_its_files(province, national):
    response = national.post(URL, national_dossier(province), format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "MaHoSo": "G22.99-261014-0007",
        "TrangThaiHoSo": 1,
        "DonViTiepNhan": province.centre.name,
    }
    dossier = Dossier.objects.get(national_code="G22.99-261014-0007")
    assert dossier.state == DossierState.SUBMITTED and dossier.channel == 2
    assert dossier.receiving_agency == province.centre
    assert sorted(dossier.files.values_list("component__code", flat=True)) == [
        "BAN_VE",
        "CCCD",
        "DON_DE_NGHI",
    ]
    queue = queues.intake_queue(user=province.officer, filters=QueueFilters())
    assert dossier in queue
    # the desk receives it like any online dossier
    dossier = services.dossier_receive(dossier=dossier, actor=province.officer)
    assert dossier.state == DossierState.RECEIVED and dossier.national_code == "G22.99-261014-0007"
    # the same dossier sent again is answered with the one already taken in
    again = national.post(URL, national_dossier(province), format="json")
    assert (
        again.status_code == 200 and Dossier.objects.filter(national_code="G22.99-261014-0007").count() == 1
    )


def test_an_unknown_procedure_is_refused_with_the_reason(province, national):
    response = national.post(URL, national_dossier(province, MaTTHC="1.999999"), format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "1.999999" in response.json()["title"]
    assert not Dossier.objects.exists()


def test_a_missing_mandatory_paper_is_refused_with_each_problem(province, national):
    record = national_dossier(province)
    record["TaiLieuNop"] = record["TaiLieuNop"][2:] + [
        {
            "TenTepDinhKem": "x.pdf",
            "MaThanhPhanHoSo": "KHONG_CO",
            "NoiDungTep": record["TaiLieuNop"][0]["NoiDungTep"],
        }
    ]
    response = national.post(URL, record, format="json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any("KHONG_CO" in e for e in errors) and any("DON_DE_NGHI" in e for e in errors)
    assert not Dossier.objects.exists()


def test_a_malformed_dossier_is_refused(province, national):
    response = national.post(URL, {"MaHoSo": "x", "TaiLieuNop": "?"}, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert {"MaHoSo", "MaTTHC", "ChuHoSo", "TaiLieuNop"} <= set(response.json()["errors"])


@pytest.mark.parametrize("header", [None, "Bearer sai-ma"])
def test_only_the_national_portal_may_send(province, settings, header):
    settings.NATIONAL_INBOUND_TOKEN = TOKEN
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(URL, national_dossier(province), format="json")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
    assert not Dossier.objects.exists()
