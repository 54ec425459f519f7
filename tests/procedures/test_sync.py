"""The nightly sync with the national procedure database creates versions, never overwrites."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command

from procedures.adapters import (
    CatalogueUnavailable,
    HttpNationalCatalogue,
    SimulatedNationalCatalogue,
    load_demo_catalogue,
    national_catalogue_adapter,
)
from procedures.constants import Channel, ProcedureEventKind, SyncStatus, VersionStatus
from procedures.models import Procedure, ProcedureEvent, ProcedureVersion
from procedures.selectors import procedure_version_in_force
from procedures.services import catalogue_import, catalogue_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(demo_agencies):
    catalogue_import(records=load_demo_catalogue(), actor=None)


def test_sync_reports_added_changed_and_retired_and_creates_versions(catalogue):
    # given the construction permit as published today
    permit = Procedure.objects.get(code="1.009972")
    v1 = procedure_version_in_force(permit)
    steps_before = [(s.role, s.share_percent) for s in v1.steps.all()]
    # when the national database has changed
    run = catalogue_sync(adapter=SimulatedNationalCatalogue())
    # then the run reports every kind of change
    assert run.status == SyncStatus.SUCCEEDED
    assert run.added == ["1.001695"]
    changed = {c["code"]: c for c in run.changed}
    assert changed["1.009972"]["fields"] == ["CachThucThucHien", "QuyetDinhCongBo"]
    assert changed["2.000488"]["fields"] == ["CachThucThucHien", "QuyetDinhCongBo"]
    assert run.retired == ["2.000522"]
    assert run.unchanged_count == len(load_demo_catalogue()) - 3
    # a new version carries the national change and keeps the province's own data
    v2 = procedure_version_in_force(permit)
    assert v2.number == 2 and v2.decision_number == "2650/QĐ-UBND"
    assert v2.time_limit(Channel.ONLINE).amount == 15
    assert [(s.role, s.share_percent) for s in v2.steps.all()] == steps_before
    assert v2.form_schema == v1.form_schema
    assert v2.components.get(code="DON_GPXD").template_name == "Mẫu số 01"
    # the old version is kept as it was, ending where the new one starts
    v1.refresh_from_db()
    assert v1.time_limit(Channel.ONLINE).amount == 20
    assert v1.valid_to == v2.valid_from
    # the retired procedure is no longer in force but keeps its history
    retired = Procedure.objects.get(code="2.000522")
    assert procedure_version_in_force(retired) is None
    assert retired.versions.get().status == VersionStatus.RETIRED
    # a new national procedure without an internal process waits as a draft for the catalogue officer
    added = Procedure.objects.get(code="1.001695")
    assert added.versions.get().status == VersionStatus.DRAFT
    assert set(changed) == {"1.009972", "2.000488"}
    assert run.pending == [
        {"code": "1.001695", "problems": ["Chưa có quy trình nội bộ (các bước xử lý và tỷ lệ thời gian)."]}
    ]
    assert ProcedureEvent.objects.filter(kind=ProcedureEventKind.SYNC_RETIRED).count() == 1


def test_second_sync_changes_nothing(catalogue):
    catalogue_sync(adapter=SimulatedNationalCatalogue())
    versions = ProcedureVersion.objects.count()
    run = catalogue_sync(adapter=SimulatedNationalCatalogue())
    assert run.added == [] and run.changed == [] and run.retired == []
    assert run.unchanged_count == len(SimulatedNationalCatalogue().records)
    assert ProcedureVersion.objects.count() == versions


def test_national_record_that_cannot_be_applied_is_reported_and_the_rest_synced(catalogue):
    records = load_demo_catalogue()
    broken = next(i for i, r in enumerate(records) if r["MaTTHC"] == "1.009977")
    records[broken] = {**records[broken], "CoQuanThucHien": [{"MaDonVi": "000.99.99.H32"}]}
    run = catalogue_sync(adapter=SimulatedNationalCatalogue(records=records))
    assert run.error == "1.009977: mã cơ quan chưa có trong hệ thống: 000.99.99.H32."
    assert procedure_version_in_force(Procedure.objects.get(code="1.009977")).number == 1
    assert run.status == SyncStatus.SUCCEEDED
    assert "1.009972" in {c["code"] for c in run.changed}


class NationalCatalogueHandler(BaseHTTPRequestHandler):
    """The national protocol served over HTTP from the simulator's pages."""

    simulator: SimulatedNationalCatalogue
    requests: list

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        type(self).requests.append((url.path, query, self.headers.get("Authorization")))
        if url.path != "/tthc" or query.get("MaTinh") != ["56"]:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(self.simulator.page(int(query["Trang"][0])), ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def national_server():
    handler = type(
        "Handler",
        (NationalCatalogueHandler,),
        {"simulator": SimulatedNationalCatalogue(page_size=10), "requests": []},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def test_http_adapter_reads_every_page_of_the_national_protocol(catalogue, national_server):
    # given the national catalogue served in pages of 10 over HTTP
    url, handler = national_server
    adapter = HttpNationalCatalogue(base_url=url, token="bi-mat", province_code=56, timeout=5)
    # when
    records = list(adapter.fetch_procedures())
    # then every record arrives, with the token on every request
    assert records == handler.simulator.records
    assert len(handler.requests) == -(-len(records) // 10)
    assert {auth for _, _, auth in handler.requests} == {"Bearer bi-mat"}
    # and a sync through HTTP gives the same result as through the simulator
    run = catalogue_sync(adapter=adapter)
    assert run.added == ["1.001695"] and run.retired == ["2.000522"]


def test_unreachable_national_database_is_recorded_as_a_failed_run(catalogue, national_server):
    url, _ = national_server
    adapter = HttpNationalCatalogue(base_url=url + "/sai-duong-dan", province_code=56, timeout=5)
    with pytest.raises(CatalogueUnavailable, match="HTTP 404"):
        adapter.page(1)
    run = catalogue_sync(adapter=adapter)
    assert run.status == SyncStatus.FAILED
    assert "HTTP 404" in run.error
    assert ProcedureVersion.objects.filter(status=VersionStatus.RETIRED).count() == 0


def test_adapter_follows_the_setting(settings):
    settings.NATIONAL_CATALOGUE_URL = ""
    assert isinstance(national_catalogue_adapter(), SimulatedNationalCatalogue)
    settings.NATIONAL_CATALOGUE_URL = "https://csdl.example.vn/api"
    adapter = national_catalogue_adapter()
    assert isinstance(adapter, HttpNationalCatalogue) and adapter.base_url == "https://csdl.example.vn/api"


def test_management_command_and_task_report_the_sync(catalogue, capsys):
    from procedures.tasks import sync_national_catalogue

    call_command("sync_national_catalogue", "--simulator")
    out = capsys.readouterr().out
    assert "Thủ tục mới (1): 1.001695" in out
    assert "Thay đổi 1.009972 (phiên bản 2): CachThucThucHien, QuyetDinhCongBo" in out
    assert "Chờ bổ sung trước khi công bố 1.001695: Chưa có quy trình nội bộ" in out
    assert "Bãi bỏ (1): 2.000522" in out
    result = sync_national_catalogue.delay().get()
    assert result["status"] == SyncStatus.SUCCEEDED and result["added"] == []


def test_import_and_export_commands_round_trip(demo_agencies, tmp_path, capsys):
    source = tmp_path / "danh-muc.json"
    source.write_text(json.dumps(load_demo_catalogue(), ensure_ascii=False), encoding="utf-8")
    call_command("import_catalogue", str(source))
    call_command("export_catalogue", str(tmp_path / "xuat.xlsx"))
    call_command("import_catalogue", str(tmp_path / "xuat.xlsx"))
    out = capsys.readouterr().out
    assert f"Đã nhập: {len(load_demo_catalogue())} thủ tục mới" in out
    assert f"0 thủ tục mới, 0 thay đổi, 0 bãi bỏ, {len(load_demo_catalogue())} không đổi" in out


def test_task_records_a_failed_run_and_retries_when_the_national_database_is_down(catalogue, settings):
    from celery.exceptions import Retry

    from procedures.models import CatalogueSyncRun
    from procedures.tasks import sync_national_catalogue

    # given a national database that refuses connections
    settings.NATIONAL_CATALOGUE_URL = "http://127.0.0.1:9"
    settings.NATIONAL_CATALOGUE_TIMEOUT = 2
    # when the nightly task runs
    with pytest.raises((CatalogueUnavailable, Retry)):
        sync_national_catalogue.apply(throw=True)
    # then the attempt is on record and nothing in the catalogue changed
    failed = CatalogueSyncRun.objects.filter(status=SyncStatus.FAILED)
    assert failed.exists()
    assert "Không kết nối được CSDL quốc gia" in failed.first().error
    assert ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == len(
        load_demo_catalogue()
    )
