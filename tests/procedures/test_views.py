"""Public catalogue pages: search, filters, counts, pagination, the procedure page and template downloads."""

import pytest
from django.urls import reverse

from procedures.adapters import load_demo_catalogue
from procedures.demo import ensure_templates
from procedures.models import Component, ProcedureVersion
from procedures.services import catalogue_import, procedure_version_create_draft
from procedures.text import fold

pytestmark = pytest.mark.django_db
RECORDS = load_demo_catalogue()


def matching(words: str = "", **where) -> list[str]:
    """Codes of the demo records whose folded code and name contain every word and that satisfy `where`."""
    return [
        r["MaTTHC"]
        for r in RECORDS
        if all(w in fold(f"{r['MaTTHC']} {r['TenTTHC']}") for w in fold(words).split())
        and all(test(r) for test in where.values())
    ]


def in_field(code):
    return lambda r: r["LinhVucThucHien"][0]["MaLinhVuc"] == code


def by_agency(code):
    return lambda r: any(a["MaDonVi"] == code for a in r["CoQuanThucHien"])


def at_level(name):
    return lambda r: name in r["CapThucHien"]


def service(name):
    return lambda r: r["MucDoDVC"] == name


@pytest.fixture
def catalogue(demo_agencies):
    records = load_demo_catalogue()
    ensure_templates(records)
    catalogue_import(records=records, actor=None)


def test_search_without_diacritics_lists_the_construction_permits(client, catalogue):
    response = client.get(reverse("procedures:catalogue"), {"q": "giay phep xay dung"})
    assert response.status_code == 200
    page = response.content.decode()
    expected = matching("giay phep xay dung")
    assert len(expected) >= 5
    assert f"Tìm thấy {len(expected)} thủ tục" in page
    assert [v.procedure.code for v in response.context["page"]][0] == "1.009972"
    assert {v.procedure.code for v in response.context["page"]} == set(expected)
    assert "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"linh_vuc": "HT"}, matching(field=in_field("HT"))),
        ({"co_quan": "000.00.30.H32"}, matching(agency=by_agency("000.00.30.H32"))),
        ({"cap": "commune"}, matching(level=at_level("Cấp Xã"))),
        ({"muc_do": "counter_only"}, matching(service=service("Trực tiếp"))),
        ({"q": "khai sinh", "muc_do": "full_online"}, matching("khai sinh", service=service("Toàn trình"))),
        ({"q": "đăng ký", "linh_vuc": "DD"}, matching("dang ky", field=in_field("DD"))),
    ],
)
def test_filters_narrow_the_results_and_show_the_count(client, catalogue, params, expected):
    # when
    response = client.get(reverse("procedures:catalogue"), {**params, "trang": "1"})
    # then
    assert expected, "the demo catalogue should have matches for this filter"
    paginator = response.context["page"].paginator
    assert sorted(v.procedure.code for v in paginator.object_list) == sorted(expected)
    assert f"Tìm thấy {len(expected)} thủ tục" in response.content.decode()


def test_field_list_shows_counts_for_the_words_searched(client, catalogue):
    response = client.get(reverse("procedures:catalogue"), {"q": "khai sinh"})
    labels = dict(response.context["form"].fields["linh_vuc"].choices)
    assert labels["HT"] == f"Hộ tịch ({len(matching('khai sinh', field=in_field('HT')))})"
    assert labels["XD"] == "Hoạt động xây dựng (0)"


def test_results_are_paginated_and_keep_the_search(client, catalogue):
    first = client.get(reverse("procedures:catalogue"))
    assert first.context["page"].paginator.num_pages == -(-len(RECORDS) // 20)
    assert 'href="?trang=2"' in first.content.decode()
    second = client.get(reverse("procedures:catalogue"), {"q": "a", "trang": "2"})
    assert 'href="?q=a&amp;trang=1"' in second.content.decode()


def test_unknown_filter_value_is_reported_next_to_the_field(client, catalogue):
    response = client.get(reverse("procedures:catalogue"), {"muc_do": "muc-do-5"})
    page = response.content.decode()
    assert "Vui lòng chọn một giá trị trong danh sách." in page
    assert 'aria-invalid="true"' in page


def test_procedure_page_shows_what_an_applicant_needs(client, catalogue):
    response = client.get(reverse("procedures:detail", args=["1.009972"]))
    page = response.content.decode()
    assert response.status_code == 200
    for expected in [
        "Sở Xây dựng",
        "20 ngày làm việc",
        "150.000 ₫",
        "75.000 ₫",  # online fee is halved
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Bắt buộc",
        "Dùng lại từ Kho dữ liệu",
        "Luật Xây dựng số 50/2014/QH13",
        "Giấy phép xây dựng",
        "hiệu lực 12 tháng",
        "1726/QĐ-UBND",
        "từ 15/08/2025",
    ]:
        assert expected in page, expected
    assert "Quy trình nội bộ" not in page  # internal process is for officers


def test_online_filing_button_links_to_intake_when_allowed(client, catalogue):
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    page = client.get(reverse("procedures:detail", args=["1.001193"])).content.decode()
    url = reverse("dossiers:file_online", args=[version.pk])
    assert f'href="{url}"' in page and "Nộp hồ sơ trực tuyến" in page
    counter_only = client.get(reverse("procedures:detail", args=["2.000884"])).content.decode()
    assert "Nộp hồ sơ trực tuyến" not in counter_only
    assert "nộp trực tiếp tại bộ phận một cửa" in counter_only


def test_template_download_returns_the_docx(client, catalogue):
    component = Component.objects.get(version__procedure__code="1.009972", code="DON_GPXD")
    response = client.get(reverse("procedures:template", args=[component.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "mau-01-don-de-nghi-cap-giay-phep-xay-dung.docx" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"


def test_templates_of_unpublished_drafts_are_not_served(client, catalogue):
    version = ProcedureVersion.objects.get(procedure__code="1.009972")
    draft = procedure_version_create_draft(procedure=version.procedure, actor=None)
    component = draft.components.get(code="DON_GPXD")
    assert client.get(reverse("procedures:template", args=[component.pk])).status_code == 404


def test_unknown_procedure_is_not_found(client, db):
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404


def test_retired_procedure_page_says_it_no_longer_applies(client, catalogue):
    from procedures.models import Procedure
    from procedures.services import procedure_retire

    procedure_retire(procedure=Procedure.objects.get(code="2.000522"), actor=None)
    page = client.get(reverse("procedures:detail", args=["2.000522"])).content.decode()
    assert "Thủ tục này hiện không còn áp dụng." in page
    assert "Nộp hồ sơ trực tuyến" not in page
    search = client.get(reverse("procedures:catalogue"), {"q": "2.000522"})
    assert search.context["page"].paginator.count == 0
