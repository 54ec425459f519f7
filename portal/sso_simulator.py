"""A stand-in OpenID Connect provider for the national SSO (development and tests; mounted only when
NATIONAL_SIMULATOR_ENABLED). It speaks the protocol the real one does: discovery, an authorize page where the
tester picks a demo identity, a token endpoint that checks the client, the redirect URI and the PKCE verifier
and accepts each code once, RS256-signed ID tokens with the nonce, userinfo with the DVCQG claims, and JWKS.

The signing key is NATIONAL_SSO_SIMULATOR_SIGNING_KEY (PEM) or one generated when the process starts. Codes
and tokens live in the shared cache.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "tinh-dvc-mo-phong"
CLIENT_SECRET = "mo-phong-bi-mat"
CODE_KEY = "sso-simulator:code:"
TOKEN_KEY = "sso-simulator:token:"

# Demo identities the tester picks from (the first two are the demo citizens of load_demo).
IDENTITIES = {
    "an": {
        "TechID": "vneid-7f3a9c21",
        "SoDinhDanh": "056090001234",
        "HoVaTen": "Nguyễn Văn An",
        "LoaiTaiKhoan": "1",
        "NgayThangNamSinh": "19900215",
        "SoDienThoai": "0905123456",
        "ThuDienTu": "an.nguyen@example.vn",
        "DiaChi": "12 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa",
        "loginIdp": "BCA",
    },
    "an-doanh-nghiep": {
        "TechID": "dvcqg-dn-4201234566",
        "SoDinhDanh": "056090001234",
        "HoVaTen": "Nguyễn Văn An",
        "LoaiTaiKhoan": "2",
        "MaSoDoanhNghiep": "4201234566",
        "TenDoanhNghiep": "Công ty TNHH Xây dựng Biển Xanh",
        "loginIdp": "BCA",
    },
    "binh": {
        "TechID": "vneid-2b8e4d10",
        "SoDinhDanh": "056185005678",
        "HoVaTen": "Trần Thị Bình",
        "LoaiTaiKhoan": "1",
        "NgayThangNamSinh": "19850520",
        "loginIdp": "BCA",
    },
    "moi": {
        "TechID": "vneid-90c1e7aa",
        "SoDinhDanh": "056198007777",
        "HoVaTen": "Phạm Minh Châu",
        "LoaiTaiKhoan": "1",
        "NgayThangNamSinh": "19980101",
        "SoDienThoai": "0912345678",
        "DiaChi": "5 Lê Thánh Tôn, phường Nha Trang, tỉnh Khánh Hòa",
        "loginIdp": "BCA",
    },
}

_key: RSAKey | None = None


def signing_key() -> RSAKey:
    global _key
    if _key is None:
        pem = settings.NATIONAL_SSO_SIMULATOR_SIGNING_KEY
        _key = RSAKey.import_key(pem) if pem else RSAKey.generate_key(2048)
        _key.ensure_kid()
    return _key


def _issuer(request) -> str:
    return request.build_absolute_uri(reverse("sso-simulator:discovery")).split("/.well-known/")[0]


@require_GET
def discovery(request):
    issuer = _issuer(request)
    return JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["LoA1", "LoA2"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid"],
        }
    )


@require_GET
def jwks(request):
    return JsonResponse({"keys": [signing_key().as_dict(private=False)]})


@require_http_methods(["GET", "POST"])
def authorize(request):
    """The login page of the IdP: checks the request, lets the tester pick an identity, returns a code."""
    params = request.POST if request.method == "POST" else request.GET
    required = ("client_id", "redirect_uri", "response_type", "state", "nonce", "code_challenge")
    missing = [name for name in required if not params.get(name)]
    if missing or params.get("client_id") != CLIENT_ID or params.get("response_type") != "code":
        return HttpResponseBadRequest(f"invalid_request: {', '.join(missing) or 'client_id/response_type'}")
    if params.get("code_challenge_method") != "S256":
        return HttpResponseBadRequest("invalid_request: code_challenge_method must be S256")
    carried = {name: params.get(name) for name in (*required, "code_challenge_method", "acr_values", "scope")}
    if request.method == "POST" and params.get("identity") in IDENTITIES:
        code = secrets.token_urlsafe(24)
        cache.set(CODE_KEY + code, {**carried, "identity": params["identity"]}, 300)
        separator = "&" if "?" in carried["redirect_uri"] else "?"
        return redirect(
            f"{carried['redirect_uri']}{separator}{urlencode({'code': code, 'state': carried['state']})}"
        )
    return render(
        request, "portal/sso_simulator.html", {"carried": carried, "identities": IDENTITIES.items()}
    )


def _client_credentials(request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        from urllib.parse import unquote

        return unquote(client_id), unquote(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _token_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


@csrf_exempt
@require_POST
def token(request):
    client_id, secret = _client_credentials(request)
    if client_id != CLIENT_ID or not secrets.compare_digest(secret, CLIENT_SECRET):
        return _token_error("invalid_client", "client authentication failed", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type", "authorization_code only")
    code = request.POST.get("code", "")
    grant = cache.get(CODE_KEY + code)
    cache.delete(CODE_KEY + code)  # one use only: a replayed code finds nothing
    if not grant:
        return _token_error("invalid_grant", "unknown, expired or already used code")
    if request.POST.get("redirect_uri") != grant["redirect_uri"]:
        return _token_error("invalid_grant", "redirect_uri does not match")
    verifier = request.POST.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not verifier or challenge != grant["code_challenge"]:
        return _token_error("invalid_grant", "PKCE verification failed")
    identity = IDENTITIES[grant["identity"]]
    now = int(time.time())
    access_token = secrets.token_urlsafe(32)
    cache.set(TOKEN_KEY + access_token, grant["identity"], 600)
    claims = {
        "iss": _issuer(request),
        "sub": identity["TechID"],
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 600,
        "nonce": grant["nonce"],
        "acr": grant.get("acr_values") or "LoA1",
        "auth_time": now,
    }
    key = signing_key()
    id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    return JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": id_token,
            "scope": grant.get("scope") or "openid",
        }
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request):
    header = request.headers.get("Authorization", "")
    name = cache.get(TOKEN_KEY + header[7:]) if header.startswith("Bearer ") else None
    if not name:
        return _token_error("invalid_token", "unknown or expired access token", 401)
    identity = IDENTITIES[name]
    return JsonResponse({"sub": identity["TechID"], **identity}, json_dumps_params={"ensure_ascii": False})
