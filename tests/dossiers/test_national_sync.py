"""Reporting dossiers and their steps to the national portal (DongBoHoSoMC, CapNhatTienDoHoSoMC) through the
simulated portal: the field mapping, the order of the steps, retries, idempotency and the reconciliation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dossiers import services
from dossiers.models import NationalSyncItem, NationalSyncLog
from dossiers.national.payloads import dossier_record, progress_record
from dossiers.national.sync import national_sync_push, national_sync_reconcile

from .factories import appraising, pdf_upload, received, result_draft, signing_ready

pytestmark = pytest.mark.date_sensitive

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TUESDAY = dt.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)
REASON = "Bản vẽ thiết kế thiếu mặt cắt công trình; đề nghị bổ sung bản vẽ mặt cắt có chữ ký."


def full_dossier(province):
    """Received, asked to supplement, supplemented, approved with a signed result."""
    signing_ready(province)
    dossier = appraising(province, at=TUESDAY)
    dossier = services.dossier_request_supplement(
        dossier=dossier,
        actor=province.specialist,
        reason=REASON,
        components=[province.version.components.get(code="BAN_VE")],
        at=TUESDAY + dt.timedelta(hours=1),
    )
    services.dossier_attach_file(
        dossier=dossier,
        actor=province.citizen,
        component=province.version.components.get(code="BAN_VE"),
        upload=pdf_upload("ban-ve-mat-cat.pdf"),
    )
    dossier = services.dossier_supplement_complete(
        dossier=dossier, actor=province.citizen, at=TUESDAY + dt.timedelta(days=1)
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier,
        actor=province.specialist,
        draft=result_draft(),
        at=TUESDAY + dt.timedelta(days=1, hours=1),
    )
    return services.dossier_approve(
        dossier=dossier, actor=province.approver, at=TUESDAY + dt.timedelta(days=1, hours=2)
    )


def test_a_full_dossier_maps_to_the_national_fields(province):
    dossier = full_dossier(province)
    citizen = province.citizen
    files = list(dossier.files.order_by("id"))
    request, supplement = dossier.events.filter(action__in=["request_supplement", "supplement"]).order_by(
        "at"
    )
    fee = province.version.fees_for(2)[0]
    link = f"http://127.0.0.1:8000/ho-so/{dossier.pk}"
    expected = {
        "MaHoSo": dossier.code,
        "MaTTHC": province.version.procedure.code,
        "TenTTHC": province.version.name,
        "MaLinhVuc": province.version.procedure.field.code,
        "TenLinhVuc": province.version.procedure.field.name,
        "KenhThucHien": 2,
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": 1,
        "MaDoiTuong": citizen.cccd,
        "SoGiayToChuHoSo": citizen.cccd,
        "DinhDanhCHS": [{"LoaiDinhDanh": 1, "SoDinhDanh": citizen.cccd}],
        "ThongTinKhac": "12 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa",
        "Email": citizen.email,
        "Fax": "",
        "SoDienThoai": "0905123456",
        "TrichYeuHoSo": f"{province.version.name} — Nguyễn Văn An",
        "NgayNopHoSo": "20260303081500",
        "NgayTiepNhan": "20260303084500",
        "NgayHenTra": "20260320074500",
        "TrangThaiHoSo": 9,
        "NgayTra": "",
        "ThongTinTra": "",
        "HinhThuc": 1,
        "NgayKetThucXuLy": "20260304110000",
        "NgayTuChoi": "",
        "DonViXuLy": "Sở Xây dựng",
        "NoiNopHoSo": 1,
        "GhiChu": "",
        "HoSoCoThanhPhanSoHoa": False,
        "TaiKhoanDuocXacThucVoiVNeID": True,
        "DuocThanhToanTrucTuyen": False,
        "DSKetNoiCSDL": [],
        "DanhSachLePhi": [
            {
                "TenPhiLePhi": "Lệ phí cấp giấy phép",
                "MaPhiLePhi": str(fee.pk),
                "HinhThucThu": 1,
                "Gia": 75000,
                "LoaiPhiLePhi": 2,
            }
        ],
        "DanhSachTepDinhKemKhac": [
            {"TenGiayTo": "Căn cước công dân", "SoLuong": 1, "LoaiGiayTo": "Bản sao chứng thực"}
        ],
        "DanhSachHoSoBoSung": [
            {
                "HoSoBoSungId": str(request.pk),
                "NguoiYeuCauBoSung": "Võ Minh Xây",
                "NoiDungBoSung": REASON,
                "NgayBoSung": "20260303100000",
                "NgayTiepNhanBoSung": "20260304090000",
                "NgayHenTraTruoc": "20260319084500",
                "NgayHenTraMoi": "20260320074500",
            }
        ],
        "TaiLieuNop": [
            {
                "TepDinhKemId": str(f.pk),
                "TenTepDinhKem": name,
                "IsDeleted": False,
                "MaThanhPhanHoSo": code,
                "DuongDanTaiTepTin": f"{link}/tep/{f.pk}/",
                "DuocSoHoa": False,
                "DuocTaiSuDung": False,
                "DuocLayTuKhoDMQG": False,
                "MaKetQuaThayThe": "",
            }
            for f, name, code in zip(
                files, ["don-de-nghi.pdf", "ban-ve-mat-cat.pdf"], ["DON_DE_NGHI", "BAN_VE"], strict=True
            )
        ],
        "DanhSachGiayToKetQua": [
            {
                "TenGiayTo": province.version.result_type,
                "MaThanhPhanHoSo": "",
                "GiayToId": str(dossier.documents.get(kind="result").pk),
                "DuongDanTepTinKetQua": f"{link}/giay-to/result/",
            }
        ],
    }
    assert supplement.action == "supplement"
    assert dossier_record(dossier) == expected
    approve = dossier.events.get(action="approve")
    assert progress_record(approve) == {
        "MaHoSo": dossier.code,
        "NguoiXuLy": "Đặng Quốc Duyệt",
        "ChucDanh": "Lãnh đạo phòng",
        "ThoiDiemXuLy": "20260304110000",
        "PhongBanXuLy": "Bộ phận tiếp nhận và trả kết quả",
        "NoiDungXuLy": "Phê duyệt, ký số kết quả",
        "TrangThai": 9,
        "NgayBatDau": "20260304110000",
        "NgayKetThucTheoQuyDinh": "20260305143600",
    }


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """The test's transaction never commits: `after_commit(fn, ...)` runs fn and then what it scheduled after
    commit (the outbox), as a committed request would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(*args, **kwargs)
        return result

    return run


def _calls(simulator, code):
    return [(c["service"], c["isUpdating"], c["mode"]) for c in simulator.calls() if code in c["MaHoSo"]]


def test_steps_reach_the_portal_in_order_once_each_through_failures(province, national_portal, after_commit):
    # given the portal times out, garbles, answers 500 and forgets the session on the first calls
    national_portal.script(["timeout", "garble", "error500", "expire"])
    # when a dossier is received and forwarded
    dossier = after_commit(received, province, at=TUESDAY)
    dossier = after_commit(
        services.dossier_forward,
        dossier=dossier,
        actor=province.officer,
        at=TUESDAY + dt.timedelta(minutes=5),
    )
    # then every step arrived once, in the order it happened, after the failed attempts were retried
    held = national_portal.records()[dossier.code]
    assert held["record"]["TrangThaiHoSo"] == 4
    assert [s["NoiDungXuLy"].split(":")[0] for s in held["steps"]] == [
        "Nộp hồ sơ trực tuyến",
        "Tiếp nhận hồ sơ",
        "Chuyển hồ sơ đến cơ quan, phòng chuyên môn giải quyết",
    ]
    assert not NationalSyncItem.objects.filter(dossier=dossier, sent_at__isnull=True).exists()
    failed = NationalSyncLog.objects.filter(dossier=dossier, ok=False)
    # timeout, garbled answer, HTTP 500, each logged; the expired session is logged in again within the call.
    # The portal had processed the call the client stopped waiting for: the retry is told "đã tồn tại" and
    # updates instead (logged as a fourth refused call).
    errors = [a.error for a in failed]
    assert len(errors) == 4 and any("đã tồn tại" in e for e in errors)
    assert any("JSON" in e for e in errors) and any("HTTP 500" in e for e in errors)
    assert any("không trả lời sau" in e for e in errors)
    # and the dossier record accepted three times (submission — an online dossier has its code from then —,
    # reception, forward), as updates once the portal knew it
    updates = [u for s, u, m in _calls(national_portal, dossier.code) if s == "DongBoHoSoMC" and m == "ok"]
    assert updates == [True, True, True]


def test_a_step_refused_holds_the_later_ones_until_it_goes_through(
    province, national_portal, settings, after_commit
):
    settings.NATIONAL_SYNC_MAX_RETRIES = 0
    dossier = after_commit(received, province, at=TUESDAY)
    national_portal.script(["reject"])  # the forward's dossier record is refused once
    dossier = after_commit(
        services.dossier_forward,
        dossier=dossier,
        actor=province.officer,
        at=TUESDAY + dt.timedelta(minutes=5),
    )
    pending = NationalSyncItem.objects.filter(dossier=dossier, sent_at__isnull=True)
    assert (
        pending.count() == 2
    )  # the refused dossier record, and the step after it, which did not overtake it
    assert len(national_portal.records()[dossier.code]["steps"]) == 2
    # when the dossier is sent again
    national_sync_push(dossier_id=dossier.pk)
    assert not pending.exists()
    assert len(national_portal.records()[dossier.code]["steps"]) == 3


def test_an_already_known_dossier_switches_to_update(province, national_portal, after_commit):
    # given the national side already holds the dossier (sent before, our success mark lost)
    national_portal.script(["exists"])
    dossier = after_commit(received, province, at=TUESDAY)
    calls = _calls(national_portal, dossier.code)
    assert calls[:2] == [("DongBoHoSoMC", False, "exists"), ("DongBoHoSoMC", True, "ok")]
    assert national_portal.records()[dossier.code]["record"]["TrangThaiHoSo"] == 2
    # and sending the queue again sends nothing twice
    national_sync_push(dossier_id=dossier.pk)
    assert _calls(national_portal, dossier.code) == calls


def test_reconciliation_resends_a_dossier_the_portal_dropped(province, national_portal, after_commit):
    kept = after_commit(received, province, at=TUESDAY)
    dropped = after_commit(received, province, at=TUESDAY + dt.timedelta(minutes=1))
    national_portal.forget(dropped.code)
    result = after_commit(national_sync_reconcile, now=TUESDAY + dt.timedelta(hours=1))
    assert result.resent == [dropped.code]
    assert kept.code not in result.resent and result.checked == 2
    assert national_portal.records()[dropped.code]["record"]["TrangThaiHoSo"] == 2
    assert NationalSyncLog.objects.filter(dossier=dropped, service="TraCuuHoSo").count() == 0
