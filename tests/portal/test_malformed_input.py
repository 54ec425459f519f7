"""Malformed input (NUL bytes, non-numbers) in paths, queries and form fields gets a 400 or the page with an
error, never a 500 — first from the NUL-byte middleware, and from each view's own parser without it."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import Resolver404, resolve, reverse

from dossiers.constants import DossierState
from tests.dossiers.factories import Province, draft, submitted

NUL_GUARD = "portal.middleware.RejectNulBytesMiddleware"


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def without_nul_guard(settings):
    """The views on their own, as if the middleware were not there."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != NUL_GUARD]


def _login(client, province, who):
    if who == "citizen":
        client.force_login(province.citizen)
    elif who == "officer":
        client.force_login(province.officer)


# (who is logged in, URL, answer when the view parses it on its own, the answer is problem+json)
NUL_QUERIES = [
    pytest.param(None, "/thu-tuc/%00/", 404, False, id="procedure-page"),
    pytest.param(None, "/api/thu-tuc/%00/", 404, False, id="api-procedure"),
    pytest.param(None, "/api/thu-tuc/%00/ban-ghi-quoc-gia/", 404, False, id="api-national-record"),
    pytest.param(None, "/api/thu-tuc/?linh_vuc=%00", 400, True, id="api-catalogue-field"),
    pytest.param("citizen", "/api/ho-so/?state=%00", 400, True, id="api-my-dossiers-state"),
    pytest.param("officer", "/kho-du-lieu/so-hoa/?q=%00", 400, False, id="digitisation-queue-query"),
]


@pytest.mark.parametrize(("who", "path", "_parsed", "problem"), NUL_QUERIES)
def test_a_nul_byte_is_refused_with_400_before_any_view(client, province, who, path, _parsed, problem):
    _login(client, province, who)
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 400
    else:
        assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_a_nul_byte_in_a_posted_field_is_refused(client):
    response = client.post(reverse("login"), {"username": "056090001234\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(("who", "path", "parsed", "problem"), NUL_QUERIES)
def test_each_view_parses_its_parameters_without_the_middleware(
    client, province, without_nul_guard, who, path, parsed, problem
):
    _login(client, province, who)
    response = client.get(path)
    assert response.status_code == parsed
    if problem:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"]


@pytest.mark.parametrize("code", ["\x00", "1.009972\n", "a\x7fb"])
def test_the_procedure_code_converter_refuses_control_characters(code):
    for path in (f"/thu-tuc/{code}/", f"/api/thu-tuc/{code}/", f"/api/thu-tuc/{code}/ban-ghi-quoc-gia/"):
        with pytest.raises(Resolver404):
            resolve(path)
    assert resolve("/thu-tuc/1.009972/").kwargs == {"code": "1.009972"}


@pytest.mark.parametrize(
    "query", [{"thu_tuc": "abc"}, {"thu_tuc": "-3"}, {"desk": "abc"}, {"thu_tuc": "1", "desk": "999999"}]
)
def test_counter_intake_with_a_malformed_choice_shows_the_picker_with_an_error(client, province, query):
    client.force_login(province.officer)
    response = client.get(reverse("dossiers:counter_intake"), query)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Có lỗi cần sửa" in page and "không hợp lệ" in page
    assert response.templates[0].name == "dossiers/counter_pick.html"


def test_receiving_with_a_malformed_version_changes_nothing_and_says_why(client, province):
    dossier = submitted(province)
    client.force_login(province.officer)
    response = client.post(reverse("dossiers:receive", args=[dossier.pk]), {"version": "abc"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Phiên bản hồ sơ không hợp lệ; hãy tải lại trang và thử lại."
    ]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED and dossier.received_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"document": "abc"}, "Giấy tờ được chọn không hợp lệ."),
        ({"document": ""}, "Chưa chọn giấy tờ trong Kho dữ liệu."),
        ({"document": "1", "version": "abc"}, "Phiên bản hồ sơ không hợp lệ; hãy tải lại trang và thử lại."),
    ],
)
def test_reusing_a_kho_document_with_malformed_fields_says_why(client, province, data, message):
    dossier = draft(province)
    component = province.components()[0]
    client.force_login(province.citizen)
    response = client.post(reverse("dossiers:use_stored_document", args=[dossier.pk, component.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:edit_component", args=[dossier.pk, component.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]


def test_submitting_with_a_malformed_version_shows_the_problem(client, province):
    dossier = draft(province)
    client.force_login(province.citizen)
    response = client.post(reverse("dossiers:review", args=[dossier.pk]), {"version": "abc"})
    assert response.status_code == 200
    assert response.context["problems"] == ["Phiên bản hồ sơ không hợp lệ; hãy tải lại trang và thử lại."]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT
