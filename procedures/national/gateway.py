"""The national adapter of Cổng Dịch vụ công quốc gia (DVCQG): session login and the service envelope.

Every national service (DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo, LayThuTuc, LayDanhSachTTHC…) goes
through one adapter URL with the same envelope (OCPS `DVCQGIntegrationActionImpl`, PROTOCOLS §5):

    POST {NATIONAL_PORTAL_URL}{NATIONAL_PORTAL_AUTH_PATH}          header dstcode: {NATIONAL_PORTAL_DSTCODE}
         {"username": …, "password": …}                             → {"error_code": 0, "session": "…"}
    POST {NATIONAL_PORTAL_URL}{NATIONAL_PORTAL_INTEGRATION_PATH}
         {"session": …, "madonvi": …, "service": "DongBoHoSoMC", "isUpdating": false, "data": [ … ]}
                                                                    → {"error_code": 0 | "00", …}

The paths of the two calls are not published; they are settings. A session the adapter no longer knows is
answered with an error naming the session: the gateway logs in again once and repeats the call.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import requests
from django.conf import settings

SUCCESS_CODES = {0, "0", "00"}


class GatewayError(Exception):
    """The call did not succeed. `retryable` is False only for an answer that will not change by itself."""

    def __init__(self, message: str, *, retryable: bool = True, answer: dict | str | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.answer = answer


class SessionExpired(GatewayError):
    pass


@dataclass
class Reply:
    """A successful answer of the adapter, and the envelope that was sent (for the sync log)."""

    request: dict
    answer: dict


@dataclass
class NationalGateway:
    base_url: str
    username: str
    password: str
    dstcode: str
    madonvi: str
    auth_path: str = "/login"
    integration_path: str = "/integration"
    timeout: float = 20.0
    _session: str = field(default="", repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- transport ----
    def _post(self, path: str, body: dict, headers: dict | None = None) -> dict:
        url = f"{self.base_url.rstrip('/')}{path}"
        try:
            response = requests.post(url, json=body, headers=headers or {}, timeout=self.timeout)
        except requests.Timeout as exc:
            raise GatewayError(f"Cổng DVC quốc gia không trả lời sau {self.timeout:g} giây.") from exc
        except requests.RequestException as exc:
            raise GatewayError(f"Không kết nối được Cổng DVC quốc gia: {exc}.") from exc
        if response.status_code >= 500:
            raise GatewayError(
                f"Cổng DVC quốc gia trả lỗi HTTP {response.status_code}.", answer=response.text
            )
        try:
            answer = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise GatewayError(
                "Cổng DVC quốc gia trả dữ liệu không đọc được (không phải JSON).", answer=response.text[:2000]
            ) from exc
        if not isinstance(answer, dict):
            raise GatewayError("Cổng DVC quốc gia trả dữ liệu sai cấu trúc.", answer=str(answer)[:2000])
        if response.status_code == 401 or _names_session(answer):
            raise SessionExpired("Phiên làm việc với Cổng DVC quốc gia đã hết hạn.", answer=answer)
        if response.status_code >= 400:
            raise GatewayError(f"Cổng DVC quốc gia trả lỗi HTTP {response.status_code}.", answer=answer)
        return answer

    def login(self) -> str:
        answer = self._post(
            self.auth_path,
            {"username": self.username, "password": self.password},
            headers={"dstcode": self.dstcode},
        )
        session = answer.get("session")
        if answer.get("error_code") not in SUCCESS_CODES or not session:
            raise GatewayError(
                f"Đăng nhập Cổng DVC quốc gia không thành công: {_message(answer)}", answer=answer
            )
        self._session = str(session)
        return self._session

    def envelope(self, service: str, data: list | dict, *, is_updating: bool = False) -> dict:
        body = {"session": self._session, "madonvi": self.madonvi, "service": service, "data": data}
        if service in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
            body["isUpdating"] = is_updating
        return body

    def call(self, service: str, data: list | dict, *, is_updating: bool = False) -> Reply:
        """One service call in the session envelope; logs in first, and again once when the session expired.

        Raises GatewayError with the answer when the adapter refuses (error_code other than 0/"00").
        """
        with self._lock:
            if not self._session:
                self.login()
            body = self.envelope(service, data, is_updating=is_updating)
            try:
                answer = self._post(self.integration_path, body)
            except SessionExpired:
                self.login()
                body = self.envelope(service, data, is_updating=is_updating)
                answer = self._post(self.integration_path, body)
        logged = {**body, "session": "***"}
        if answer.get("error_code") not in SUCCESS_CODES:
            raise GatewayError(_message(answer), answer=answer, retryable=True)
        return Reply(request=logged, answer=answer)


def _names_session(answer: dict) -> bool:
    code = str(answer.get("error_code", ""))
    return code in {"401", "session_expired", "SESSION_EXPIRED"}


def _message(answer: dict) -> str:
    return str(answer.get("message") or answer.get("error_message") or answer.get("error_code") or "")


def already_exists(error: GatewayError) -> bool:
    """The national side already holds the record (TH: the reply contains “đã tồn tại”)."""
    answer = error.answer if isinstance(error.answer, dict) else {}
    return "đã tồn tại" in _message(answer).lower() or "already exists" in _message(answer).lower()


_gateway: NationalGateway | None = None
_gateway_key: tuple | None = None


def national_gateway() -> NationalGateway | None:
    """The gateway configured by the NATIONAL_PORTAL_* settings (one per process, so the session is reused);
    None when the national portal is not configured."""
    global _gateway, _gateway_key
    url = national_portal_url()
    if not url:
        return None
    key = (
        url,
        settings.NATIONAL_PORTAL_USERNAME,
        settings.NATIONAL_PORTAL_PASSWORD,
        settings.NATIONAL_PORTAL_DSTCODE,
        settings.NATIONAL_PORTAL_MADONVI,
        settings.NATIONAL_PORTAL_AUTH_PATH,
        settings.NATIONAL_PORTAL_INTEGRATION_PATH,
        settings.NATIONAL_PORTAL_TIMEOUT,
    )
    if _gateway is None or _gateway_key != key:
        _gateway = NationalGateway(
            base_url=url,
            username=settings.NATIONAL_PORTAL_USERNAME,
            password=settings.NATIONAL_PORTAL_PASSWORD,
            dstcode=settings.NATIONAL_PORTAL_DSTCODE,
            madonvi=settings.NATIONAL_PORTAL_MADONVI,
            auth_path=settings.NATIONAL_PORTAL_AUTH_PATH,
            integration_path=settings.NATIONAL_PORTAL_INTEGRATION_PATH,
            timeout=settings.NATIONAL_PORTAL_TIMEOUT,
        )
        _gateway_key = key
    return _gateway


def national_portal_url() -> str:
    """NATIONAL_PORTAL_URL, or the local simulator of the portal when it is mounted and no URL is set."""
    if settings.NATIONAL_PORTAL_URL:
        return settings.NATIONAL_PORTAL_URL
    if settings.NATIONAL_SIMULATOR_ENABLED:
        return f"{settings.SITE_URL}/mo-phong/dvcqg"
    return ""
