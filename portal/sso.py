"""Citizen login through the national SSO (DVCQG SSO, with VNeID behind it) over OpenID Connect (PROTOCOLS §7).

Authorization code flow with `state`, `nonce` and PKCE (S256) and `acr_values`, through Authlib's Django
client: the state, nonce and code verifier are kept in the person's session and checked on the way back
(a wrong state, a wrong nonce in the ID token or a code the IdP has already exchanged are refused). The
account is then found by the stable subject (`TechID`, else `sub`); on the first login it is linked to the
citizen account of the same personal identification number (`SoDinhDanh`) — never by name — or created; the
account is recorded as verified through the national SSO. A business account (`LoaiTaiKhoan` 2) with an
enterprise code makes the person a representative of that organisation. Officers keep their local accounts
and second factor: an officer's account is never signed in this way.
"""

from __future__ import annotations

import datetime as dt

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .constants import AccountType, IdentitySource
from .errors import ApplicationError
from .models import NationalIdentity, Organisation, OrganisationMember, User
from .services import user_verify_identity
from .validators import validate_cccd, validate_mst


class SsoRefused(ApplicationError):
    code = "sso_refused"


def sso_enabled() -> bool:
    return bool(settings.NATIONAL_SSO_CLIENT_ID or settings.NATIONAL_SIMULATOR_ENABLED)


def simulator_in_use() -> bool:
    return not settings.NATIONAL_SSO_CLIENT_ID and settings.NATIONAL_SIMULATOR_ENABLED


def oidc_client():
    """The OIDC client of the national SSO, built from the settings (cheap; settings may change in tests)."""
    oauth = OAuth()
    kwargs: dict = {
        "client_kwargs": {
            "scope": settings.NATIONAL_SSO_SCOPE,
            "code_challenge_method": "S256",
            "timeout": settings.NATIONAL_SSO_TIMEOUT,
        }
    }
    if simulator_in_use():
        from_simulator = f"{settings.SITE_URL}/mo-phong/vneid"
        kwargs |= {
            "client_id": "tinh-dvc-mo-phong",
            "client_secret": "mo-phong-bi-mat",
            "server_metadata_url": f"{from_simulator}/.well-known/openid-configuration",
        }
    else:
        kwargs |= {
            "client_id": settings.NATIONAL_SSO_CLIENT_ID,
            "client_secret": settings.NATIONAL_SSO_CLIENT_SECRET,
        }
        if settings.NATIONAL_SSO_DISCOVERY_URL:
            kwargs["server_metadata_url"] = settings.NATIONAL_SSO_DISCOVERY_URL
        else:
            kwargs |= {
                "authorize_url": settings.NATIONAL_SSO_AUTHORIZE_URL,
                "access_token_url": settings.NATIONAL_SSO_TOKEN_URL,
                "userinfo_endpoint": settings.NATIONAL_SSO_USERINFO_URL,
                "jwks_uri": settings.NATIONAL_SSO_JWKS_URL,
                "issuer": settings.NATIONAL_SSO_ISSUER,
            }
    return oauth.register("national_sso", **kwargs)


def _claim(claims: dict, *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _birth_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date() if value else None
    except ValueError:
        return None


@transaction.atomic
def user_login_national(*, claims: dict, at: dt.datetime | None = None) -> User:
    """The citizen account for the national SSO's claims (ID token and userinfo merged): by the stable
    subject when known, else by the personal identification number (linked once), else a new account."""
    at = at or timezone.now()
    subject = _claim(claims, "TechID", "sub")
    if not subject:
        raise SsoRefused("Cổng DVC quốc gia không trả mã định danh tài khoản (TechID).")
    link = NationalIdentity.objects.select_related("user").filter(subject=subject).first()
    if link is not None:
        user = link.user
    else:
        number = _claim(claims, "SoDinhDanh", "SoCMND")
        try:
            validate_cccd(number)
        except ValidationError as exc:
            raise SsoRefused("Tài khoản định danh không có số định danh cá nhân hợp lệ.") from exc
        user = User.objects.select_for_update().filter(cccd=number).first()
        if user is not None and user.identity_verified_at is None and user.has_usable_password():
            # A password registration proved nothing about the number typed in: whoever chose that password
            # may not be this person, so it stops opening the account once the real person has signed in.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if user is None:
            user = User(
                username=number,
                cccd=number,
                account_type=AccountType.CITIZEN,
                full_name=_claim(claims, "HoVaTen", "name")[:200],
                email=_claim(claims, "ThuDienTu", "email")[:254],
                phone=_claim(claims, "SoDienThoai")[:15],
                address=_claim(claims, "DiaChi")[:300],
                date_of_birth=_birth_date(_claim(claims, "NgayThangNamSinh")),
            )
            user.set_unusable_password()
            user.save()
        NationalIdentity.objects.create(user=user, subject=subject, linked_at=at)
    if user.is_officer:
        raise SsoRefused("Tài khoản cán bộ đăng nhập bằng tài khoản của hệ thống và xác thực hai bước.")
    if not user.is_active:
        raise SsoRefused("Tài khoản đã bị khóa.")
    NationalIdentity.objects.filter(subject=subject).update(
        last_login_at=at,
        account_type=_claim(claims, "LoaiTaiKhoan")[:2],
        login_idp=_claim(claims, "loginIdp")[:20],
    )
    user_verify_identity(user=user, source=IdentitySource.NATIONAL_SSO, at=at)
    _represent_organisation(user, claims)
    return user


def _represent_organisation(user: User, claims: dict) -> None:
    """LoaiTaiKhoan 2 (business account): the person acts for the enterprise named in the claims."""
    if _claim(claims, "LoaiTaiKhoan") != "2":
        return
    tax_code = _claim(claims, "MaSoDoanhNghiep", "MaSoThue")
    try:
        validate_mst(tax_code)
    except ValidationError:
        return
    organisation, _ = Organisation.objects.get_or_create(
        tax_code=tax_code, defaults={"name": _claim(claims, "TenDoanhNghiep")[:300] or tax_code}
    )
    OrganisationMember.objects.get_or_create(
        organisation=organisation, user=user, defaults={"is_legal_representative": True}
    )
