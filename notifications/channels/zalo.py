"""Zalo ZNS template messages (business.openapi.zalo.me/message/template).

The OA access token lives about 25 hours; it is refreshed with the refresh token, which is single-use, so the
new pair is stored in one row update under the row's lock, and a worker that finds the token already
replaced by another one uses the new token instead of spending the refresh token again. Error -124 (invalid
access token): refresh and retry once. -118 (no Zalo account for the phone): send by SMS instead.
-14014/-14020 (refresh token invalid/expired): the OA must be authorised again; the row is tried later.
"""

from __future__ import annotations

import datetime as dt

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import ChannelError, Sent, http_transport, phone_84

DROP_CODES = {"-108", "-1130", "-1131"}  # bad phone, template data refused: the row cannot succeed


class ZaloTokens:
    """The OA's token pair, kept in one row (`ZaloToken`, seeded from ZALO_OA_* settings)."""

    def __init__(self, *, client: httpx.Client, oauth_url: str, app_id: str, secret_key: str):
        self.client = client
        self.oauth_url = oauth_url
        self.app_id = app_id
        self.secret_key = secret_key

    def _row(self, *, lock: bool):
        from ..models import ZaloToken

        rows = ZaloToken.objects.select_for_update() if lock else ZaloToken.objects
        row = rows.filter(pk=1).first()
        if row is None:
            ZaloToken.objects.get_or_create(
                pk=1,
                defaults={
                    "access_token": settings.ZALO_OA_ACCESS_TOKEN,
                    "refresh_token": settings.ZALO_OA_REFRESH_TOKEN,
                },
            )
            row = rows.get(pk=1)
        return row

    def current(self) -> str:
        row = self._row(lock=False)
        if not row.access_token or (row.expires_at and row.expires_at <= timezone.now()):
            return self.refresh(stale=row.access_token)
        return row.access_token

    def refresh(self, *, stale: str) -> str:
        """A new access token in place of `stale`. Spends the refresh token at most once: under the row lock,
        a token already replaced by another worker is returned as it is."""
        with transaction.atomic():
            row = self._row(lock=True)
            if row.access_token and row.access_token != stale:
                return row.access_token
            try:
                response = self.client.post(
                    self.oauth_url,
                    data={
                        "refresh_token": row.refresh_token,
                        "app_id": self.app_id,
                        "grant_type": "refresh_token",
                    },
                    headers={"secret_key": self.secret_key},
                )
                response.raise_for_status()
                reply = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ChannelError(f"Không làm mới được mã truy cập Zalo: {exc}", code="oauth_http") from exc
            if not reply.get("access_token") or not reply.get("refresh_token"):
                code = str(reply.get("error", "oauth"))
                raise ChannelError(
                    f"Zalo từ chối làm mới mã truy cập ({code}): {reply.get('error_description', '')}; "
                    "cần cấp quyền lại cho OA.",
                    code=code,
                )
            row.access_token = reply["access_token"]
            row.refresh_token = reply["refresh_token"]
            row.expires_at = timezone.now() + dt.timedelta(
                seconds=int(reply.get("expires_in") or 90000) - 300
            )
            row.refreshed_at = timezone.now()
            row.generation += 1
            row.save()
            return row.access_token


class ZaloZnsChannel:
    def __init__(self, *, url: str, oauth_url: str, app_id: str, secret_key: str, development: bool, timeout):
        self.url = url
        self.oauth_url = oauth_url
        self.app_id = app_id
        self.secret_key = secret_key
        self.development = development
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> ZaloZnsChannel:
        return cls(
            url=settings.ZALO_ZNS_URL,
            oauth_url=settings.ZALO_OAUTH_URL,
            app_id=settings.ZALO_APP_ID,
            secret_key=settings.ZALO_APP_SECRET,
            development=settings.ZALO_ZNS_DEVELOPMENT_MODE,
            timeout=settings.NOTIFY_PROVIDER_TIMEOUT_SECONDS,
        )

    def payload(self, notification) -> dict:
        body = {
            "phone": phone_84(notification.address),
            "template_id": notification.template_id,
            "template_data": notification.params,
            "tracking_id": notification.request_id,
        }
        if self.development:
            body["mode"] = "development"
        return body

    def send(self, notification) -> Sent:
        with httpx.Client(transport=http_transport(), timeout=self.timeout) as client:
            tokens = ZaloTokens(
                client=client, oauth_url=self.oauth_url, app_id=self.app_id, secret_key=self.secret_key
            )
            token = tokens.current()
            reply = self._post(client, token, notification)
            if str(reply.get("error")) == "-124":
                token = tokens.refresh(stale=token)
                reply = self._post(client, token, notification)
        code = str(reply.get("error"))
        if code == "0":
            return Sent(provider_message_id=str((reply.get("data") or {}).get("msg_id", "")))
        message = f"ZNS {code}: {reply.get('message', '')}"
        if code == "-118":
            raise ChannelError(message, code=code, retry=False, fallback=True)
        raise ChannelError(message, code=code, retry=code not in DROP_CODES)

    def _post(self, client: httpx.Client, token: str, notification) -> dict:
        try:
            response = client.post(self.url, json=self.payload(notification), headers={"access_token": token})
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError(f"Không kết nối được Zalo: {exc}", code="http") from exc
