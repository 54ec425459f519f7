"""Import and export in the national field names: JSON and Excel round trips, validation, new versions."""

import copy
import io
import json

import pytest
from django.db import transaction
from openpyxl import load_workbook

from portal.errors import ApplicationError
from procedures.adapters import load_demo_catalogue
from procedures.constants import Channel, VersionStatus
from procedures.excel import records_from_workbook, workbook_from_records
from procedures.models import FeeExemption, Field, Procedure, ProcedureVersion
from procedures.selectors import catalogue_export_records, procedure_search, procedure_version_in_force
from procedures.services import catalogue_import

pytestmark = pytest.mark.django_db


def with_exemptions(records: list[dict]) -> list[dict]:
    """The demo records, the first two that charge a fee given fee exemptions of listed target groups: a full
    exemption of every fee and a reduction of one named fee."""
    records = copy.deepcopy(records)
    charging = [
        r for r in records if any(f["SoTien"] for c in r["CachThucThucHien"] for f in c.get("PhiLePhi") or [])
    ]
    for record in charging[:2]:
        fee = next(f for c in record["CachThucThucHien"] for f in c["PhiLePhi"] if f["SoTien"])
        record["MienGiamPhiLePhi"] = [
            {
                "DoiTuong": "Người thuộc hộ nghèo",
                "TenPhiLePhi": "",
                "TyLe": 100,
                "CanCuPhapLy": "Khoản 2 Điều 4 Thông tư 106/2021/TT-BTC",
                "GiayToChungMinh": "Giấy chứng nhận hộ nghèo",
            },
            {
                "DoiTuong": "Người khuyết tật",
                "TenPhiLePhi": fee["TenPhiLePhi"],
                "TyLe": 50,
                "CanCuPhapLy": "Nghị quyết của HĐND tỉnh",
                "GiayToChungMinh": "",
            },
        ]
    assert len(charging) >= 2
    return records


def export_of_a_discarded_catalogue(export):
    """The demo catalogue (with fee exemptions on two procedures) imported and exported, then rolled back: the
    database is empty again (the catalogue's history is append-only, so it cannot be wiped row by row)."""
    with transaction.atomic():
        catalogue_import(records=with_exemptions(load_demo_catalogue()), actor=None)
        exported = export()
        transaction.set_rollback(True)
    assert not Procedure.objects.exists() and not Field.objects.exists()
    return exported


def test_demo_catalogue_imports_and_publishes_every_procedure(demo_agencies):
    # given the shipped demo catalogue
    records = load_demo_catalogue()
    # when
    report = catalogue_import(records=records, actor=None)
    # then
    assert len(records) >= 40
    assert sorted(report.added) == sorted(r["MaTTHC"] for r in records)
    assert report.drafts == [] and report.errors == []
    assert ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == len(records)
    assert ProcedureVersion.objects.filter(is_inter_agency=True).count() >= 2
    assert Field.objects.count() >= 6
    assert [v.procedure.code for v in procedure_search(query="giay phep xay dung moi")][0] == "1.009972"


def test_json_export_import_round_trip(demo_agencies):
    # given the catalogue imported and exported as JSON
    exported = export_of_a_discarded_catalogue(
        lambda: json.loads(json.dumps(catalogue_export_records(), ensure_ascii=False))
    )
    assert sum(bool(r["MienGiamPhiLePhi"]) for r in exported) == 2
    # when it is imported into an empty catalogue and exported again
    catalogue_import(records=exported, actor=None)
    # then nothing was lost, the fee exemptions included
    assert catalogue_export_records() == exported
    assert FeeExemption.objects.count() == 4
    reduced = FeeExemption.objects.get(
        group="Người khuyết tật", version__procedure__code=exported_code(exported)
    )
    assert reduced.percent == 50 and reduced.fee_name and reduced.order == 2


def test_reimporting_the_export_changes_nothing(demo_agencies):
    catalogue_import(records=load_demo_catalogue(), actor=None)
    exported = catalogue_export_records()
    report = catalogue_import(records=exported, actor=None)
    assert report.added == [] and report.changed == []
    assert len(report.unchanged) == len(exported)
    assert ProcedureVersion.objects.count() == len(exported)


def test_excel_export_import_round_trip(demo_agencies):
    # given the catalogue exported as an Excel workbook
    exported = export_of_a_discarded_catalogue(catalogue_export_records)
    workbook = workbook_from_records(exported)
    # when the workbook is imported into an empty catalogue
    report = catalogue_import(records=records_from_workbook(workbook), actor=None)
    # then the catalogue is the same, fee exemptions included (their own sheet)
    assert len(report.added) == len(exported)
    assert catalogue_export_records() == exported
    rows = list(load_workbook(io.BytesIO(workbook))["MienGiamPhiLePhi"].iter_rows(values_only=True))
    assert rows[0] == ("MaTTHC", "DoiTuong", "TenPhiLePhi", "TyLe", "CanCuPhapLy", "GiayToChungMinh")
    assert len(rows) == 5 and FeeExemption.objects.count() == 4


def exported_code(records: list[dict]) -> str:
    return next(r["MaTTHC"] for r in records if r["MienGiamPhiLePhi"])


def test_a_workbook_without_the_exemptions_sheet_keeps_the_exemptions(demo_agencies):
    records = with_exemptions(load_demo_catalogue())
    catalogue_import(records=records, actor=None)
    code = exported_code(records)
    book = load_workbook(io.BytesIO(workbook_from_records(catalogue_export_records(codes=[code]))))
    del book["MienGiamPhiLePhi"]
    buffer = io.BytesIO()
    book.save(buffer)
    read = records_from_workbook(buffer.getvalue())
    assert "MienGiamPhiLePhi" not in read[0]
    report = catalogue_import(records=read, actor=None)
    assert report.unchanged == [code]
    assert procedure_version_in_force(Procedure.objects.get(code=code)).exemptions.count() == 2


@pytest.mark.parametrize(
    ("exemption", "message"),
    [
        ({"DoiTuong": "", "CanCuPhapLy": "TT 106"}, "thiếu đối tượng"),
        ({"DoiTuong": "Trẻ em", "CanCuPhapLy": ""}, "thiếu căn cứ pháp lý"),
        ({"DoiTuong": "Trẻ em", "CanCuPhapLy": "TT 106", "TyLe": 0}, "TyLe"),
        ({"DoiTuong": "Trẻ em", "CanCuPhapLy": "TT 106", "TyLe": "50.5"}, "TyLe"),
        ({"DoiTuong": "Trẻ em", "CanCuPhapLy": "TT 106", "TyLe": "abc"}, "TyLe"),
        ({"DoiTuong": "Trẻ em", "CanCuPhapLy": "TT 106", "TenPhiLePhi": "Phí không có"}, "Phí không có"),
    ],
)
def test_an_exemption_that_cannot_be_imported_is_refused_with_the_reason(demo_agencies, exemption, message):
    from procedures.national import RecordError, data_from_record

    record = copy.deepcopy(load_demo_catalogue()[0])
    record["MienGiamPhiLePhi"] = [exemption]
    with pytest.raises(RecordError) as error:
        data_from_record(record)
    assert message in str(error.value) and "MienGiamPhiLePhi thứ 1" in str(error.value)


def test_a_group_listed_twice_for_the_same_fee_is_refused(demo_agencies):
    from procedures.national import RecordError, data_from_record

    record = copy.deepcopy(load_demo_catalogue()[0])
    twice = {"DoiTuong": "Trẻ em", "CanCuPhapLy": "TT 106"}
    record["MienGiamPhiLePhi"] = [twice, {**twice, "DoiTuong": "trẻ em"}]
    with pytest.raises(RecordError) as error:
        data_from_record(record)
    assert "MienGiamPhiLePhi thứ 2" in str(error.value) and "đã có" in str(error.value)
    record["MienGiamPhiLePhi"] = [twice]
    assert data_from_record(record).exemptions[0].percent == 100


def test_excel_export_writes_formula_like_text_as_text_and_reads_it_back(demo_agencies):
    # given a record whose name a spreadsheet would run as a formula (issue 17, finding 5)
    record = copy.deepcopy(load_demo_catalogue()[0])
    record["TenTTHC"] = '=HYPERLINK("https://evil.example/","x")'
    workbook = workbook_from_records([record])
    # then the cell is text, and importing the workbook gives the name back unchanged
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    name = next(c for c in sheet[2] if c.value == record["TenTTHC"])
    assert name.data_type == "s" and name.quotePrefix
    assert records_from_workbook(workbook)[0]["TenTTHC"] == record["TenTTHC"]


def test_changed_record_creates_a_new_version_and_keeps_the_old(demo_agencies):
    # given
    records = load_demo_catalogue()
    catalogue_import(records=records, actor=None)
    v1 = ProcedureVersion.objects.get(procedure__code="1.001193")
    changed = copy.deepcopy(next(r for r in records if r["MaTTHC"] == "1.001193"))
    changed["CachThucThucHien"][0]["ThoiGian"][0]["ThoiGianGiaiQuyet"] = 2
    changed["QuyetDinhCongBo"]["SoQuyetDinh"] = "99/QĐ-UBND"
    # when
    report = catalogue_import(records=[changed], actor=None)
    # then
    assert report.changed == [
        {"code": "1.001193", "fields": ["CachThucThucHien", "QuyetDinhCongBo"], "version": 2}
    ]
    v1.refresh_from_db()
    v2 = procedure_version_in_force(v1.procedure)
    assert v2.number == 2 and v2.decision_number == "99/QĐ-UBND"
    assert v2.time_limit(Channel.COUNTER).amount == 2
    assert v1.time_limit(Channel.COUNTER).amount == 1  # the old version is untouched
    assert v1.valid_to == v2.valid_from


def bad(record, change):
    record = copy.deepcopy(record)
    change(record)
    return record


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(MaTTHC=""), "Thiếu mã thủ tục (MaTTHC)."),
        (
            lambda r: r["CachThucThucHien"][0]["PhiLePhi"][0].update(SoTien=-1000),
            "mức thu “Lệ phí cấp giấy phép xây dựng công trình” không được âm",
        ),
        (
            lambda r: r["CachThucThucHien"][0]["ThoiGian"][0].update(ThoiGianGiaiQuyet=0),
            "thời gian giải quyết (kênh 1) phải lớn hơn 0",
        ),
        (
            lambda r: r["ThanhPhanHoSo"][0]["GiayTo"][0].update(TenGiayTo=""),
            "thành phần hồ sơ thứ 1 chưa có tên",
        ),
        (
            lambda r: r.update(CoQuanThucHien=[{"MaDonVi": "000.99.99.H32"}]),
            "mã cơ quan chưa có trong hệ thống",
        ),
        (lambda r: r.update(MucDoDVC="Mức 9"), "MucDoDVC “Mức 9” không hợp lệ"),
        (lambda r: r["QuyetDinhCongBo"].update(NgayHieuLuc="31/02/2025"), "không phải ngày hợp lệ"),
    ],
)
def test_bad_file_is_refused_whole_with_a_clear_message(demo_agencies, change, message):
    # given one good and one bad record
    records = load_demo_catalogue()
    good, broken = records[1], bad(records[0], change)
    # when / then
    with pytest.raises(ApplicationError) as caught:
        catalogue_import(records=[good, broken], actor=None)
    assert "Thủ tục thứ 2" in caught.value.message
    assert message in caught.value.message
    assert Procedure.objects.count() == 0


def test_unreadable_workbook_is_refused():
    from procedures.national import RecordError

    with pytest.raises(RecordError, match="không phải bảng tính Excel"):
        records_from_workbook(b"not a workbook")
