"""The two steps of a national SSO login: send the person to the IdP, take them back (see portal.sso)."""

from __future__ import annotations

import logging

from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError
from requests import RequestException

from .safe_url import safe_next_url
from .sso import SsoRefused, oidc_client, sso_enabled, user_login_national

logger = logging.getLogger("portal.security")
NEXT_KEY = "national_sso_next"


@require_GET
def start(request):
    if not sso_enabled():
        raise Http404
    request.session[NEXT_KEY] = safe_next_url(request, fallback="/")
    client = oidc_client()
    try:
        return client.authorize_redirect(
            request,
            request.build_absolute_uri(reverse("sso_callback")),
            acr_values=settings.NATIONAL_SSO_ACR_VALUES,
        )
    except (OAuthError, RequestException) as exc:
        logger.warning("national SSO unavailable: %s", exc)
        messages.error(request, _("Chưa kết nối được Cổng dịch vụ công quốc gia. Vui lòng thử lại sau."))
        return redirect("login")


@require_GET
def callback(request):
    if not sso_enabled():
        raise Http404
    client = oidc_client()
    try:
        token = client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        userinfo = dict(client.userinfo(token=token))
        if claims.get("sub") and userinfo.get("sub") and userinfo["sub"] != claims["sub"]:
            raise ValueError("userinfo is about another subject than the ID token")
        claims.update(userinfo)
        user = user_login_national(claims=claims)
    except SsoRefused as exc:
        messages.error(request, exc.message)
        return redirect("login")
    except (OAuthError, JoseError, RequestException, KeyError, ValueError) as exc:
        logger.warning("national SSO login refused: %s", exc)
        messages.error(
            request, _("Đăng nhập bằng tài khoản định danh điện tử không thành công. Vui lòng thử lại.")
        )
        return redirect("login")
    next_url = request.session.pop(NEXT_KEY, "/")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Đã đăng nhập bằng tài khoản định danh điện tử (VNeID)."))
    return redirect(next_url)
