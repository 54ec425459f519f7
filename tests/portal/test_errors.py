import pytest
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.test import APIClient

from portal.errors import ApplicationError, Conflict


@api_view(["GET"])
def _refuses(request, kind):
    if kind == "conflict":
        raise Conflict("Hồ sơ đã được cán bộ khác cập nhật.", extra={"code": "stale"})
    if kind == "rule":
        raise ApplicationError("Thủ tục không cho phép nộp trực tuyến.", code="online_not_allowed")
    raise NotFound("Không tìm thấy hồ sơ.")


urlpatterns = [path("t/<str:kind>/", _refuses)]


@pytest.mark.urls("tests.portal.test_errors")
@pytest.mark.parametrize(
    ("kind", "status", "type_", "title"),
    [
        ("conflict", 409, "urn:problem:conflict", "Hồ sơ đã được cán bộ khác cập nhật."),
        ("rule", 400, "urn:problem:online_not_allowed", "Thủ tục không cho phép nộp trực tuyến."),
        ("missing", 404, "urn:problem:not_found", "Không tìm thấy hồ sơ."),
    ],
)
def test_every_api_error_is_problem_json(db, kind, status, type_, title):
    response = APIClient().get(f"/t/{kind}/")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == (type_, title, status)
