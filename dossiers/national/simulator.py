"""A stand-in for the national portal's adapter (development and tests; mounted only when
NATIONAL_SIMULATOR_ENABLED): the session login, DongBoHoSoMC and CapNhatTienDoHoSoMC validated as the
portal would, TraCuuHoSo, and a page listing what it received.

It can be told what to do with the next calls (`script([...])`, or the form on its page): "timeout" (answer
later than the client waits), "reject" (error_code 99), "exists" (“Hồ sơ đã tồn tại”), "garble" (not JSON),
"error500", "expire" (the session is forgotten), "drop" (answer success, keep nothing). What it holds lives in
the shared cache, so the page, the tests and a worker calling over HTTP see the same portal.
"""

from __future__ import annotations

import json
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

RECORDS_KEY = "national-simulator:records"
SCRIPT_KEY = "national-simulator:script"
SESSION_KEY = "national-simulator:session:"
CALLS_KEY = "national-simulator:calls"
TTL = 7 * 24 * 3600
MODES = ("timeout", "reject", "exists", "garble", "error500", "expire", "drop")
DATE = re.compile(r"^\d{14}$")

DOSSIER_REQUIRED = ("MaHoSo", "MaTTHC", "TenTTHC", "ChuHoSo", "TrangThaiHoSo", "KenhThucHien", "LoaiDoiTuong")
DOSSIER_DATES = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi")
PROGRESS_REQUIRED = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai")
PROGRESS_DATES = ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh")
FLAGS = ("DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG")


# ---- what the simulator holds (also used by tests) ----
def records() -> dict[str, dict]:
    return cache.get(RECORDS_KEY) or {}


def _save(data: dict) -> None:
    cache.set(RECORDS_KEY, data, TTL)


def calls() -> list[dict]:
    """Every integration call received, in order: service, isUpdating, MaHoSo, TrangThai(HoSo), outcome."""
    return cache.get(CALLS_KEY) or []


def _log_call(entry: dict) -> None:
    cache.set(CALLS_KEY, [*calls(), entry], TTL)


def script(modes: list[str]) -> None:
    """What the next calls to the integration endpoint get, one mode per call, before normal service."""
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown modes {unknown}")
    cache.set(SCRIPT_KEY, list(modes), TTL)


def forget(ma_ho_so: str) -> None:
    """The national side loses a dossier (for reconciliation tests and demos)."""
    data = records()
    data.pop(ma_ho_so, None)
    _save(data)


def reset() -> None:
    cache.delete_many([RECORDS_KEY, SCRIPT_KEY, CALLS_KEY])


def _next_mode() -> str:
    modes = cache.get(SCRIPT_KEY) or []
    if not modes:
        return ""
    cache.set(SCRIPT_KEY, modes[1:], TTL)
    return modes[0]


def _error(code: str, message: str, status: int = 200) -> JsonResponse:
    return JsonResponse(
        {"error_code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _body(request) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


# ---- the adapter's endpoints ----
@csrf_exempt
@require_POST
def login(request):
    body = _body(request) or {}
    if request.headers.get("dstcode") != settings.NATIONAL_PORTAL_DSTCODE:
        return _error("02", "Mã đơn vị (dstcode) không hợp lệ.")
    if body.get("username") != settings.NATIONAL_PORTAL_USERNAME or not secrets.compare_digest(
        str(body.get("password", "")), settings.NATIONAL_PORTAL_PASSWORD
    ):
        return _error("01", "Sai tên đăng nhập hoặc mật khẩu.")
    session = secrets.token_urlsafe(24)
    cache.set(SESSION_KEY + session, True, 3600)
    return JsonResponse({"error_code": 0, "session": session})


@csrf_exempt
@require_POST
def integration(request):
    body = _body(request)
    if body is None:
        return _error("98", "Dữ liệu gửi lên không phải JSON.")
    session = str(body.get("session") or "")
    if not session or not cache.get(SESSION_KEY + session):
        return _error("session_expired", "Phiên làm việc không hợp lệ hoặc đã hết hạn.")
    if body.get("madonvi") != settings.NATIONAL_PORTAL_MADONVI:
        return _error("03", "Mã đơn vị (madonvi) không hợp lệ.")
    service = body.get("service")
    data = body.get("data")
    if service == "TraCuuHoSo":
        key = (data or {}).get("MaHoSo") if isinstance(data, dict) else None
        found = records().get(str(key or ""))
        return JsonResponse(
            {"error_code": 0, "result": found["record"] if found else None},
            json_dumps_params={"ensure_ascii": False},
        )
    if service not in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
        return _error("04", f"Dịch vụ không hỗ trợ: {service}.")
    mode = _next_mode()
    entry = {
        "service": service,
        "isUpdating": body.get("isUpdating"),
        "MaHoSo": [str(i.get("MaHoSo")) for i in data if isinstance(i, dict)]
        if isinstance(data, list)
        else [],
        "TrangThai": [i.get("TrangThaiHoSo", i.get("TrangThai")) for i in data if isinstance(i, dict)]
        if isinstance(data, list)
        else [],
        "mode": mode or "ok",
    }
    if mode == "timeout":
        # Processed, but answered after the client stopped waiting (the header tells test transports so).
        time.sleep(settings.NATIONAL_PORTAL_TIMEOUT + 0.5)
        response = _answer(service, data, body, entry, mode="")
        response["X-Simulator-Mode"] = "timeout"
        return response
    if mode == "garble":
        _log_call(entry)
        return HttpResponse("<html>502 Bad Gateway</html>", content_type="text/html")
    if mode == "error500":
        _log_call(entry)
        return HttpResponse("Internal Server Error", status=500)
    if mode == "expire":
        cache.delete(SESSION_KEY + session)
        _log_call(entry)
        return _error("session_expired", "Phiên làm việc không hợp lệ hoặc đã hết hạn.")
    if mode == "reject":
        _log_call(entry)
        return _error("99", "Cổng DVC quốc gia tạm thời từ chối tiếp nhận dữ liệu.")
    return _answer(service, data, body, entry, mode=mode)


def _answer(service: str, data, body: dict, entry: dict, *, mode: str) -> JsonResponse:
    problems = _validate(service, data)
    if problems:
        entry["mode"] = "invalid"
        _log_call(entry)
        return JsonResponse(
            {"error_code": "97", "message": "Dữ liệu không hợp lệ.", "errors": problems},
            json_dumps_params={"ensure_ascii": False},
        )
    held = records()
    if service == "DongBoHoSoMC":
        exists = [i["MaHoSo"] for i in data if i["MaHoSo"] in held]
        if mode == "exists" or (exists and not body.get("isUpdating")):
            _log_call({**entry, "mode": "exists"})
            return _error("01", f"Hồ sơ {', '.join(exists) or data[0]['MaHoSo']} đã tồn tại.")
        if mode != "drop":
            for item in data:
                previous = held.get(item["MaHoSo"], {"steps": []})
                held[item["MaHoSo"]] = {"record": item, "steps": previous["steps"]}
    else:
        unknown = [i["MaHoSo"] for i in data if i["MaHoSo"] not in held]
        if unknown and mode != "drop":
            _log_call({**entry, "mode": "unknown"})
            return _error("05", f"Không tìm thấy hồ sơ {', '.join(unknown)}.")
        if mode != "drop":
            for item in data:
                held[item["MaHoSo"]]["steps"].append(item)
    _save(held)
    _log_call(entry)
    return JsonResponse({"error_code": 0, "message": "Thành công"})


def _validate(service: str, data) -> list[str]:
    if not isinstance(data, list) or not data:
        return ["data phải là danh sách khác rỗng."]
    problems: list[str] = []
    required, dates = (
        (DOSSIER_REQUIRED, DOSSIER_DATES)
        if service == "DongBoHoSoMC"
        else (PROGRESS_REQUIRED, PROGRESS_DATES)
    )
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"data[{index}] không phải đối tượng.")
            continue
        problems += [f"data[{index}].{name} bắt buộc." for name in required if item.get(name) in (None, "")]
        problems += [
            f"data[{index}].{name} phải có dạng yyyyMMddHHmmss."
            for name in dates
            if item.get(name) and not DATE.match(str(item[name]))
        ]
        status = item.get("TrangThaiHoSo" if service == "DongBoHoSoMC" else "TrangThai")
        if not isinstance(status, int) or not 1 <= status <= 10:
            problems.append(f"data[{index}]: trạng thái phải là số từ 1 đến 10.")
        if service == "DongBoHoSoMC":
            if item.get("KenhThucHien") not in (1, 2, 3):
                problems.append(f"data[{index}].KenhThucHien phải là 1, 2 hoặc 3.")
            for paper in item.get("TaiLieuNop") or []:
                problems += [
                    f"data[{index}].TaiLieuNop.{flag} phải là true/false."
                    for flag in FLAGS
                    if not isinstance(paper.get(flag), bool)
                ]
            for flag in ("TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen"):
                if not isinstance(item.get(flag), bool):
                    problems.append(f"data[{index}].{flag} phải là true/false.")
    return problems


# ---- the page ----
@require_GET
def received(request):
    """What the simulated national portal holds: each dossier's last record and its steps."""
    held = sorted(records().items())
    return render(
        request,
        "dossiers/national/simulator.html",
        {"held": [{"code": k, **v} for k, v in held], "calls": calls()[-50:], "modes": MODES},
    )


@require_POST
def control(request):
    """Script the next answers (one mode per line or comma), or forget a dossier."""
    if request.POST.get("forget"):
        forget(request.POST["forget"].strip())
    else:
        modes = [m.strip() for m in re.split(r"[,\s]+", request.POST.get("modes", "")) if m.strip()]
        script([m for m in modes if m in MODES])
    return redirect("national-simulator:received")
