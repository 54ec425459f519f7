"""Each error the API really answers is documented for its operation, as problem+json, and each download
under its content type (issue 17, finding 10). The schema is the one /api/schema/ serves."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.dossiers.factories import Province, received
from tests.repository.conftest import store

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def api():
    return APIClient()


def assert_documented(paths, response, path: str, method: str = "get") -> None:
    """The answer's status and content type are among those the schema lists for the operation."""
    responses = paths[path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}, documented {sorted(responses)}"
    content_type = response["Content-Type"].split(";")[0]
    assert content_type in responses[status]["content"], (content_type, responses[status])


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:problem:") and body["title"]
    return body


def test_the_problem_component_is_published(paths):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status"}


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/ho-so/", "/api/ho-so/"),
        ("/api/ho-so/1/", "/api/ho-so/{id}/"),
        ("/api/kho-du-lieu/giay-to/", "/api/kho-du-lieu/giay-to/"),
        (
            "/api/kho-du-lieu/giay-to/tai-su-dung/?component_code=CCCD",
            "/api/kho-du-lieu/giay-to/tai-su-dung/",
        ),
        ("/api/kho-du-lieu/giay-to/1/", "/api/kho-du-lieu/giay-to/{id}/"),
        ("/api/kho-du-lieu/giay-to/1/tai-ve/", "/api/kho-du-lieu/giay-to/{id}/tai-ve/"),
    ],
)
def test_without_login_the_answer_is_a_documented_403(api, paths, db, url, path):
    response = api.get(url)
    problem(response, 403)
    assert_documented(paths, response, path)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/ho-so/?state=%00", "/api/ho-so/"),
        ("/api/ho-so/?state=khong-co", "/api/ho-so/"),
        ("/api/kho-du-lieu/giay-to/?owner=org-999", "/api/kho-du-lieu/giay-to/"),
        ("/api/kho-du-lieu/giay-to/?validity=mai-mai", "/api/kho-du-lieu/giay-to/"),
        ("/api/kho-du-lieu/giay-to/tai-su-dung/", "/api/kho-du-lieu/giay-to/tai-su-dung/"),
    ],
)
def test_a_bad_parameter_is_a_documented_400(api, paths, province, url, path):
    api.force_authenticate(province.citizen)
    response = api.get(url)
    problem(response, 400)
    assert_documented(paths, response, path)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/ho-so/?page=99", "/api/ho-so/"),
        ("/api/ho-so/999999/", "/api/ho-so/{id}/"),
        ("/api/kho-du-lieu/giay-to/999999/", "/api/kho-du-lieu/giay-to/{id}/"),
        ("/api/kho-du-lieu/giay-to/999999/tai-ve/", "/api/kho-du-lieu/giay-to/{id}/tai-ve/"),
    ],
)
def test_a_missing_object_or_page_is_a_documented_404(api, paths, province, url, path):
    api.force_authenticate(province.citizen)
    response = api.get(url)
    problem(response, 404)
    assert_documented(paths, response, path)


def test_someone_elses_dossier_is_a_documented_404(api, paths, province):
    dossier = received(province)
    api.force_authenticate(province.commune_officer)
    response = api.get(f"/api/ho-so/{dossier.pk}/")
    problem(response, 404)
    assert_documented(paths, response, "/api/ho-so/{id}/")


@pytest.mark.parametrize(
    ("url", "path", "status"),
    [
        # Malformed input that used to reach the database (issue 17, finding 6).
        ("/api/thu-tuc/%00/", "/api/thu-tuc/{code}/", 400),
        ("/api/thu-tuc/%00/ban-ghi-quoc-gia/", "/api/thu-tuc/{code}/ban-ghi-quoc-gia/", 400),
        ("/api/thu-tuc/%00/phien-ban/1/", "/api/thu-tuc/{code}/phien-ban/{number}/", 400),
        ("/api/thu-tuc/%01/", "/api/thu-tuc/{code}/", 404),
        ("/api/thu-tuc/?page=%00", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?linh_vuc=%00", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?co_quan=%00", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?q=%00", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?cap=quoc-te", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?truc_tuyen=co-le", "/api/thu-tuc/", 400),
        ("/api/thu-tuc/?page=99", "/api/thu-tuc/", 404),
        ("/api/thu-tuc/9.999999/", "/api/thu-tuc/{code}/", 404),
    ],
)
def test_the_public_catalogue_answers_documented_errors(api, paths, province, url, path, status):
    response = api.get(url)
    problem(response, status)
    assert_documented(paths, response, path)


def test_the_catalogue_search_accepts_the_blank_filters_of_its_form(api, province):
    response = api.get("/api/thu-tuc/", {"q": "", "linh_vuc": "", "co_quan": "", "cap": "", "muc_do": ""})
    assert response.status_code == 200
    assert province.version.procedure.code in {item["code"] for item in response.json()["results"]}


def test_a_url_under_api_that_matches_nothing_is_problem_json(api, db):
    problem(api.get("/api/thu-tuc/a/b/c/"), 404)
    problem(api.get("/api/khong-co/"), 404)


def test_a_page_that_matches_nothing_is_still_the_html_page(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/ho-so/tra-cuu/", "/api/kho-du-lieu/xac-thuc/"])
def test_the_public_posts_document_400_415_and_404(api, paths, db, path):
    invalid = api.post(path, {}, format="json")
    problem(invalid, 400)
    assert_documented(paths, invalid, path, "post")
    unsupported = api.post(path, "code=1", content_type="text/plain")
    problem(unsupported, 415)
    assert_documented(paths, unsupported, path, "post")
    unknown = api.post(path, {"code": "000-khongco", "secret": "khongco"}, format="json")
    problem(unknown, 404)
    assert_documented(paths, unknown, path, "post")


def test_too_many_lookups_is_a_documented_429(api, paths, db, rate_limit_clock, settings):
    path = reverse("dossiers-api:lookup")
    for _ in range(50):
        response = api.post(path, {"code": "000.00.15.H32-260101-0001", "secret": "sai"}, format="json")
        if response.status_code == 429:
            break
    problem(response, 429)
    assert_documented(paths, response, "/api/ho-so/tra-cuu/", "post")


def test_a_download_is_documented_under_its_content_type(api, paths, province):
    document = store(province.citizen, title="Giấy khai sinh")
    api.force_authenticate(province.citizen)
    response = api.get(f"/api/kho-du-lieu/giay-to/{document.pk}/tai-ve/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_documented(paths, response, "/api/kho-du-lieu/giay-to/{id}/tai-ve/")
    documented = paths["/api/kho-du-lieu/giay-to/{id}/tai-ve/"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/jpeg", "image/png"} <= set(documented)
