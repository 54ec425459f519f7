"""Search ignores diacritics and case, on SQLite (Python folding) and PostgreSQL (unaccent + pg_trgm)."""

import pytest
from django.db import connection, transaction

from procedures.constants import ImplementationLevel, ServiceLevel
from procedures.selectors import catalogue_facets, procedure_search
from procedures.services import procedure_create, procedure_retire
from procedures.text import fold
from tests.portal.factories import AgencyFactory

from .factories import FieldFactory, published_version

pytestmark = pytest.mark.django_db

CATALOGUE = [
    ("1.009972", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II", "XD"),
    (
        "1.009974",
        "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp đặc biệt, cấp I, cấp II",
        "XD",
    ),
    ("1.001193", "Đăng ký khai sinh", "HT"),
    ("1.000656", "Đăng ký khai tử", "HT"),
    (
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        "LLTP",
    ),
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "HKD"),
]


@pytest.fixture
def catalogue():
    fields = {code: FieldFactory(code=code, name=f"Lĩnh vực {code}") for code in ("XD", "HT", "LLTP", "HKD")}
    versions = {}
    for code, name, field in CATALOGUE:
        procedure = procedure_create(code=code, name=name, field=fields[field], actor=None)
        versions[code] = published_version(procedure=procedure)
    return versions


def codes(results) -> list[str]:
    return [v.procedure.code for v in results]


@pytest.mark.parametrize(
    ("query", "expected_first", "expected"),
    [
        ("giay phep xay dung", "1.009972", {"1.009972", "1.009974"}),
        ("GIẤY PHÉP XÂY DỰNG", "1.009972", {"1.009972", "1.009974"}),
        ("cap giay phep xay dung moi", "1.009972", {"1.009972"}),
        ("dang ky khai sinh", "1.001193", {"1.001193"}),
        ("Đăng ký", None, {"1.001193", "1.000656", "2.000720"}),
        ("ly lich tu phap", "2.000488", {"2.000488"}),
        ("ho kinh doanh", "2.000720", {"2.000720"}),
        ("1.009972", "1.009972", {"1.009972"}),
        ("  khai   tu ", "1.000656", {"1.000656"}),
    ],
)
def test_search_ignores_diacritics_and_case(catalogue, query, expected_first, expected):
    # when
    results = list(procedure_search(query=query))
    # then
    assert set(codes(results)) == expected
    if expected_first:
        assert codes(results)[0] == expected_first


@pytest.mark.parametrize("query", ["giay phep lai xe", "100% _ %", "zzzz"])
def test_search_without_match_returns_nothing(catalogue, query):
    assert list(procedure_search(query=query)) == []


def test_empty_query_lists_everything_in_force_by_code(catalogue):
    procedure_retire(procedure=catalogue["1.000656"].procedure, actor=None)
    assert codes(procedure_search(query="")) == sorted(c for c, _, _ in CATALOGUE if c != "1.000656")


def test_filters_combine_with_the_query(catalogue):
    # given the construction permits at the province, one offered fully online by another agency
    agency = AgencyFactory()
    commune = published_version(
        procedure=procedure_create(
            code="1.009980",
            name="Cấp giấy phép xây dựng nhà ở riêng lẻ",
            field=catalogue["1.009972"].procedure.field,
            actor=None,
        ),
        agencies=[agency],
        implementation_levels=[ImplementationLevel.COMMUNE],
        service_level=ServiceLevel.PARTIAL_ONLINE,
    )
    # when / then
    assert codes(procedure_search(query="giay phep", agency=agency)) == [commune.procedure.code]
    assert codes(procedure_search(query="giay phep", level=ImplementationLevel.COMMUNE)) == ["1.009980"]
    assert set(codes(procedure_search(query="giay phep", service_level=ServiceLevel.FULL_ONLINE))) == {
        "1.009972",
        "1.009974",
    }
    assert codes(procedure_search(field=commune.procedure.field, query="nha o")) == ["1.009980"]


def test_facets_count_results_per_field_and_service_level(catalogue):
    results = procedure_search(query="dang ky")
    facets = catalogue_facets(results)
    hotich = catalogue["1.001193"].procedure.field_id
    assert facets["field"][hotich] == 2
    assert sum(facets["field"].values()) == 3
    assert facets["service_level"] == {ServiceLevel.FULL_ONLINE: 3}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm similarity is PostgreSQL only")
def test_postgres_forgives_a_typo(catalogue):
    assert codes(procedure_search(query="giay phep xay dungg"))[:2] == ["1.009972", "1.009974"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm similarity is PostgreSQL only")
def test_the_closest_words_to_a_typo_are_looked_up_once(catalogue):
    from django.test.utils import CaptureQueriesContext

    def lookups() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert codes(procedure_search(query="giay phep xay dungg"))[:2] == ["1.009972", "1.009974"]
        return sum("unnest(" in query["sql"] and "similarity" in query["sql"] for query in captured)

    assert lookups() == 1
    assert lookups() == 0


def test_the_catalogue_page_reads_only_the_columns_a_result_shows(catalogue):
    from django.test.utils import CaptureQueriesContext

    from procedures.selectors import catalogue_rows

    with CaptureQueriesContext(connection) as captured:
        rows = list(catalogue_rows(procedure_search(query="giay phep")))
    assert rows and all(row.procedure.field.name for row in rows)
    listing = next(query["sql"] for query in captured if "procedures_procedureversion" in query["sql"])
    assert "form_schema" not in listing and "legal_basis" not in listing and "requirements" not in listing


@pytest.mark.skipif(connection.vendor != "postgresql", reason="unaccent is PostgreSQL only")
def test_unaccent_agrees_with_python_folding_on_every_vietnamese_letter():
    letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
    text = letters + " " + letters.upper()
    with connection.cursor() as cursor:
        cursor.execute("SELECT unaccent(lower(%s))", [text])
        assert cursor.fetchone()[0] == fold(text)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plan")
def test_postgres_search_can_be_served_by_the_trigram_index(catalogue):
    # given a plan where only index lookups are allowed (on 2,000 rows the planner rightly prefers a scan)
    sql, params = procedure_search(query="giay phep xay dung").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        # when
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then the folded words are looked up in the GIN trigram index
    assert "Bitmap Index Scan on procedures_procedure_search_trgm" in plan
