"""Catalogue search over 2,000 procedures: median and p95 per query, in process.

Target (issue 3): p95 under 30 ms per query on PostgreSQL. The script creates a throw-away test database
(`test_<name>` of DATABASE_URL), fills it with 2,000 procedures built from the demo catalogue's real names,
runs each query the way the catalogue page does (first page of results and the result count), and prints
the timings. Run it with PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/catalogue_search.py

On SQLite it still runs, but the target is not checked (the fallback is not the production path).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

TARGET_P95_MS = 30.0
PROCEDURES = 2000
RUNS = 60
WARMUP = 5
QUERIES = [
    ("giay phep xay dung", {}),
    ("cap giay phep xay dung moi", {}),
    ("dang ky khai sinh", {}),
    ("ket hon", {}),
    ("ly lich tu phap", {}),
    ("ho kinh doanh", {}),
    ("chung thuc ban sao", {}),
    ("dat dai", {}),
    ("giay chung nhan quyen su dung dat", {}),
    ("1.009972", {}),
    ("cap lai", {"field": "DD"}),
    ("dang ky", {"agency": "000.31.01.H32"}),
    ("", {"service_level": "full_online"}),
    ("an toan thuc pham", {"level": "province"}),
    ("giay phep xay dungg", {}),  # typo: trigram similarity on PostgreSQL
]
CONTEXTS = [
    "",
    " đối với tổ chức",
    " đối với cá nhân",
    " trong khu công nghiệp",
    " tại khu kinh tế Vân Phong",
    " có yếu tố nước ngoài",
    " (cấp lại)",
    " trường hợp điều chỉnh",
    " trên môi trường điện tử",
    " đối với hộ gia đình",
]


def build_catalogue() -> None:
    """2,000 procedures in force: the demo catalogue imported, plus variants of its names bulk-inserted."""
    from portal.constants import AgencyLevel
    from portal.models import AdministrativeUnit, Agency
    from procedures.adapters import load_demo_catalogue
    from procedures.constants import ServiceLevel, VersionStatus
    from procedures.models import Field, Procedure, ProcedureVersion, ProcessingTime
    from procedures.services import catalogue_import
    from procedures.text import fold

    unit = AdministrativeUnit.objects.create(code="56", name="Tỉnh Khánh Hòa", level="province")
    codes = {
        "000.00.20.H32": "Sở Xây dựng",
        "000.00.21.H32": "Sở Tư pháp",
        "000.00.22.H32": "Sở Nông nghiệp và Môi trường",
        "000.00.23.H32": "Sở Tài chính",
        "000.00.24.H32": "Sở Y tế",
        "000.00.30.H32": "Công an tỉnh",
        "000.31.01.H32": "UBND phường Nha Trang",
        "000.32.01.H32": "UBND phường Bắc Nha Trang",
        "000.33.01.H32": "UBND phường Phan Rang",
        "000.34.01.H32": "UBND xã Cam Lâm",
    }
    agencies = [
        Agency.objects.create(code=c, name=n, level=AgencyLevel.PROVINCE, administrative_unit=unit)
        for c, n in codes.items()
    ]
    records = load_demo_catalogue()
    catalogue_import(records=records, actor=None)
    fields = list(Field.objects.all())
    levels = [ServiceLevel.FULL_ONLINE, ServiceLevel.PARTIAL_ONLINE, ServiceLevel.COUNTER_ONLY]
    procedures = []
    n = 0
    while len(procedures) + len(records) < PROCEDURES:
        record = records[n % len(records)]
        name = record["TenTTHC"] + CONTEXTS[(n // len(records)) % len(CONTEXTS)] + f" (mẫu {n})"
        code = f"5.{n:06d}"
        procedures.append(
            Procedure(code=code, name=name, field=fields[n % len(fields)], search_text=fold(f"{code} {name}"))
        )
        n += 1
    Procedure.objects.bulk_create(procedures, batch_size=500)
    versions = ProcedureVersion.objects.bulk_create(
        [
            ProcedureVersion(
                procedure=p,
                number=1,
                name=p.name,
                status=VersionStatus.PUBLISHED,
                valid_from="2025-07-01",
                service_level=levels[i % 3],
                implementation_levels=["commune"] if i % 2 else ["province"],
            )
            for i, p in enumerate(procedures)
        ],
        batch_size=500,
    )
    through = ProcedureVersion.competent_agencies.through
    through.objects.bulk_create(
        [
            through(procedureversion_id=v.pk, agency_id=agencies[i % len(agencies)].pk)
            for i, v in enumerate(versions)
        ],
        batch_size=1000,
    )
    ProcessingTime.objects.bulk_create(
        [ProcessingTime(version=v, amount=5) for v in versions], batch_size=1000
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run_query(query: str, filters: dict) -> int:
    """What the catalogue page does: the result count and the first page with its agencies."""
    from portal.models import Agency
    from procedures.models import Field
    from procedures.selectors import catalogue_rows, procedure_search

    kwargs = dict(filters)
    if "field" in kwargs:
        kwargs["field"] = Field.objects.get(code=kwargs["field"])
    if "agency" in kwargs:
        kwargs["agency"] = Agency.objects.get(code=kwargs["agency"])
    page = Paginator(catalogue_rows(procedure_search(query=query, **kwargs)), 20).get_page(1)
    for version in page.object_list:
        list(version.competent_agencies.all())
    return page.paginator.count


def describe_plans() -> str:
    """How PostgreSQL runs the search: the planner's choice, and whether the trigram index can serve it."""
    from django.db import transaction

    from procedures.selectors import procedure_search

    lines = []
    for query in ("an toan thuc pham", "giay phep xay dung"):
        sql, params = procedure_search(query=query).query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            chosen = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            forced = "\n".join(row[0] for row in cursor.fetchall())
        scan = next((line.strip() for line in chosen if "on procedures_procedure " in line), "?")
        total = next((line.strip() for line in chosen if line.startswith("Execution Time")), "")
        lines.append(
            f"“{query}”: {scan.split('  (')[0]} ({total}); "
            f"chỉ mục trigram dùng được: {'có' if 'procedures_procedure_search_trgm' in forced else 'KHÔNG'}"
        )
    lines.append(
        "Với 2.000 dòng, bộ lập kế hoạch có thể chọn quét tuần tự vì rẻ hơn; khi danh mục lớn hơn, chỉ mục GIN "
        "trigram được dùng."
    )
    return "\n".join(lines)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        build_catalogue()
        from procedures.models import Procedure

        vendor = connection.vendor
        print(f"Cơ sở dữ liệu: {vendor}; {Procedure.objects.count()} thủ tục; {RUNS} lần đo mỗi truy vấn")
        print(f"{'truy vấn':<44} {'kết quả':>8} {'trung vị':>10} {'p95':>10}")
        worst = 0.0
        all_timings = []
        for query, filters in QUERIES:
            for _ in range(WARMUP):
                run_query(query, filters)
            timings = []
            for _ in range(RUNS):
                start = time.perf_counter()
                count = run_query(query, filters)
                timings.append((time.perf_counter() - start) * 1000)
            median, p95 = statistics.median(timings), percentile(timings, 0.95)
            worst = max(worst, p95)
            all_timings += timings
            label = (query or "—") + (
                " + " + ", ".join(f"{k}={v}" for k, v in filters.items()) if filters else ""
            )
            print(f"{label[:44]:<44} {count:>8} {median:>8.1f}ms {p95:>8.1f}ms")
        print(
            f"{'tất cả':<44} {'':>8} {statistics.median(all_timings):>8.1f}ms {percentile(all_timings, 0.95):>8.1f}ms"
        )
        if vendor == "postgresql":
            print(describe_plans())
            ok = worst < TARGET_P95_MS
            print(
                f"Mục tiêu p95 < {TARGET_P95_MS:g} ms mỗi truy vấn: {'ĐẠT' if ok else 'CHƯA ĐẠT'} (p95 lớn nhất {worst:.1f} ms)"
            )
            return 0 if ok else 1
        print("Mục tiêu chỉ kiểm trên PostgreSQL (đặt DATABASE_URL=postgres://...); SQLite chỉ để tham khảo.")
        return 0
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
