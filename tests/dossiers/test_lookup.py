"""Public status lookup by code + lookup secret: the page, the QR link, the API, and the rate limit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse

from dossiers import services
from dossiers.documents import lookup_url
from dossiers.forms import LookupForm, PlainTextInput

from .factories import received

pytestmark = pytest.mark.date_sensitive

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LOOKUP = "/ho-so/tra-cuu/"
API_LOOKUP = "/api/ho-so/tra-cuu/"


@pytest.fixture
def dossier(province):
    return received(province, at=dt.datetime(2025, 11, 17, 9, 0, tzinfo=VN))


def _page(client, code, secret, ip="203.0.113.7"):
    return client.get(LOOKUP, {"ma": code, "ma_tra_cuu": secret}, REMOTE_ADDR=ip)


def test_the_public_page_shows_status_appointment_and_public_steps(client, dossier):
    response = _page(client, dossier.code, dossier.lookup_secret)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="lookup-result"' in html
    assert "Đã tiếp nhận" in html and "Được tiếp nhận" not in html  # the words used everywhere else
    assert "03/12/2025 09:00" in html  # appointment
    assert "Nộp hồ sơ trực tuyến" in html and "Tiếp nhận hồ sơ" in html
    # no personal data on the public page
    assert dossier.applicant_name not in html and dossier.applicant_id_number not in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("secret_case", [str.lower, lambda s: f" {s[:3]} {s[3:]} "])
def test_the_secret_is_forgiving_about_case_and_spaces(client, dossier, secret_case):
    response = _page(client, dossier.code.lower(), secret_case(dossier.lookup_secret))
    assert 'data-testid="lookup-result"' in response.content.decode()


def test_however_the_codes_are_typed_the_card_is_the_same_kept_one(client, dossier, monkeypatch):
    from django.core.cache import cache

    from dossiers.views import lookup as lookup_view

    cache.clear()
    kept = []
    keep = lookup_view.cache.set
    monkeypatch.setattr(lookup_view.cache, "set", lambda key, *args: (kept.append(key), keep(key, *args)))
    typings = [
        (dossier.code, dossier.lookup_secret),
        (dossier.code.lower(), dossier.lookup_secret.lower()),
        (f"  {dossier.code} ", f" {dossier.lookup_secret[:3]}  {dossier.lookup_secret[3:]} "),
    ]
    pages = [_page(client, code, secret).content.decode() for code, secret in typings]
    main = [page[page.index("<main") : page.index("</main>")] for page in pages]
    assert main[0] == main[1] == main[2]
    cards = [key for key in kept if key.startswith("dossier-status:") and not key.endswith(":page")]
    assert len(cards) == 1
    # below the card, an empty form to look up another dossier: nothing typed is written back
    assert "Tra cứu hồ sơ khác" in main[0]
    assert 'name="ma" value=' not in main[0] and 'name="ma_tra_cuu" value=' not in main[0]


def test_the_page_a_qr_code_opens_is_kept_whole_for_anonymous_visitors_only(
    client, dossier, province, monkeypatch
):
    from django.contrib import messages
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.test import RequestFactory

    from dossiers.views import lookup as lookup_view

    cache.clear()
    rendered = []
    render = lookup_view.render
    monkeypatch.setattr(
        lookup_view, "render", lambda *args, **kwargs: (rendered.append(args[1]), render(*args, **kwargs))[1]
    )
    url = lookup_url(dossier).removeprefix(settings.SITE_URL)
    first = client.get(url).content.decode()
    assert 'data-testid="lookup-result"' in first and rendered == ["dossiers/lookup.html"]
    # the same address again: the same bytes, nothing rendered
    assert client.get(url).content.decode() == first and len(rendered) == 1
    # typed another way: rendered (around the kept card)
    client.get(LOOKUP, {"ma": dossier.code.lower(), "ma_tra_cuu": dossier.lookup_secret})
    assert len(rendered) == 2
    # a message waiting for this visitor is shown, so the page is theirs
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, "Thông báo dành cho bạn")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    assert "Thông báo dành cho bạn" in client.get(url).content.decode() and len(rendered) == 3
    # a signed-in visitor gets their own header, never the anonymous page
    client.force_login(province.citizen)
    mine = client.get(url).content.decode()
    assert len(rendered) == 4 and province.citizen.full_name in mine and mine != first


def test_a_failed_lookup_keeps_what_was_typed_to_correct_it(client, dossier):
    html = _page(client, dossier.code, "ZZZZZ9").content.decode()
    assert 'data-testid="not-found"' in html
    assert f'name="ma" value="{dossier.code}"' in html and 'name="ma_tra_cuu" value="ZZZZZ9"' in html


def test_the_qr_link_opens_the_status(client, dossier):
    url = lookup_url(dossier)
    response = client.get(url.split("8000", 1)[1] if "8000" in url else url)
    assert 'data-testid="lookup-result"' in response.content.decode()


def test_wrong_secret_and_unknown_code_look_the_same(client, dossier):
    wrong_secret = _page(client, dossier.code, "ZZZZZZ" if dossier.lookup_secret != "ZZZZZZ" else "YYYYYY")
    unknown_code = _page(client, "000.00.15.H32-991231-9999", dossier.lookup_secret)
    assert wrong_secret.status_code == unknown_code.status_code == 200
    assert 'data-testid="not-found"' in wrong_secret.content.decode()
    assert wrong_secret.content.decode().replace(dossier.code, "X").replace("ZZZZZZ", "S").replace(
        "YYYYYY", "S"
    ) == unknown_code.content.decode().replace("000.00.15.H32-991231-9999", "X").replace(
        dossier.lookup_secret, "S"
    )


@pytest.mark.usefixtures("rate_limit_clock")
def test_failed_lookups_are_rate_limited_per_client(client, dossier, settings):
    settings.DOSSIER_LOOKUP_LIMIT = 3
    for attempt in range(3):
        assert _page(client, dossier.code, f"WRONG{attempt}").status_code == 200
    # even the right secret is refused now, from this address
    blocked = _page(client, dossier.code, dossier.lookup_secret)
    assert blocked.status_code == 429
    assert "tra cứu sai quá nhiều lần" in blocked.content.decode()
    # another address is not affected
    assert (
        'data-testid="lookup-result"'
        in _page(client, dossier.code, dossier.lookup_secret, ip="198.51.100.2").content.decode()
    )


@pytest.mark.usefixtures("rate_limit_clock")
def test_behind_a_proxy_the_forwarded_address_counts(client, dossier, settings):
    settings.DOSSIER_LOOKUP_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    headers = {"REMOTE_ADDR": "10.0.0.1"}
    client.get(
        LOOKUP, {"ma": dossier.code, "ma_tra_cuu": "WRONG1"}, HTTP_X_FORWARDED_FOR="203.0.113.9", **headers
    )
    assert (
        client.get(
            LOOKUP,
            {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **headers,
        ).status_code
        == 429
    )
    assert (
        client.get(
            LOOKUP,
            {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret},
            HTTP_X_FORWARDED_FOR="203.0.113.10",
            **headers,
        ).status_code
        == 200
    )


@pytest.mark.usefixtures("rate_limit_clock")
def test_ipv6_addresses_of_one_64_network_share_a_limit(client, dossier, settings):
    # given two failed lookups allowed, and a client that holds a whole IPv6 /64
    settings.DOSSIER_LOOKUP_LIMIT = 2
    _page(client, dossier.code, "WRONG1", ip="2001:db8:1:2::1")
    _page(client, dossier.code, "WRONG2", ip="2001:db8:1:2:ffff:ffff:ffff:fffe")

    # when it tries again from a third address of the same /64
    again = _page(client, dossier.code, dossier.lookup_secret, ip="2001:db8:1:2:abcd::9")

    # then it is refused, while the neighbouring /64 is not affected
    assert again.status_code == 429
    neighbour = _page(client, dossier.code, dossier.lookup_secret, ip="2001:db8:1:3::1")
    assert 'data-testid="lookup-result"' in neighbour.content.decode()


def test_the_empty_form_asks_for_both_codes(client, db):
    response = client.get(LOOKUP, {"ma": "", "ma_tra_cuu": ""})
    html = response.content.decode()
    assert "Vui lòng nhập mã hồ sơ." in html and "Vui lòng nhập mã tra cứu." in html


def test_a_refused_dossier_can_be_looked_up(client, province):
    from .factories import submitted

    dossier = services.dossier_refuse(
        dossier=submitted(province), actor=province.officer, reason="Không thuộc thẩm quyền giải quyết."
    )
    html = _page(client, dossier.code, dossier.lookup_secret).content.decode()
    assert "Không được tiếp nhận" in html


# ---- the API ----------------------------------------------------------------------------------------------


def test_api_lookup(client, dossier):
    response = client.post(
        API_LOOKUP, {"code": dossier.code, "secret": dossier.lookup_secret}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code
    assert (body["national_status"], body["national_status_label"]) == (2, "Được tiếp nhận")
    assert [e["action"] for e in body["timeline"]] == ["submit", "receive"]
    assert "applicant_name" not in body


@pytest.mark.usefixtures("rate_limit_clock")
def test_api_lookup_wrong_secret_equals_unknown_code_and_is_limited(client, dossier, settings):
    settings.DOSSIER_LOOKUP_LIMIT = 2
    wrong = client.post(
        API_LOOKUP, {"code": dossier.code, "secret": "XXXXXX"}, content_type="application/json"
    )
    unknown = client.post(
        API_LOOKUP, {"code": "nope", "secret": dossier.lookup_secret}, content_type="application/json"
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert wrong["Content-Type"] == "application/problem+json"
    limited = client.post(
        API_LOOKUP, {"code": dossier.code, "secret": dossier.lookup_secret}, content_type="application/json"
    )
    assert limited.status_code == 429


def test_api_lists_only_the_applicants_own_dossiers(client, dossier, province):
    from tests.portal.factories import CitizenFactory

    client.force_login(province.citizen)
    body = client.get("/api/ho-so/").json()
    assert [d["code"] for d in body["results"]] == [dossier.code]
    detail = client.get(reverse("dossiers-api:detail", args=[dossier.pk])).json()
    assert detail["lookup_secret"] == dossier.lookup_secret
    assert [d["kind"] for d in detail["documents"]] == ["receipt"] or detail["documents"] == []
    client.force_login(CitizenFactory())
    assert client.get("/api/ho-so/").json()["results"] == []
    assert client.get(reverse("dossiers-api:detail", args=[dossier.pk])).status_code == 404


def test_api_needs_a_login(client, dossier):
    assert client.get("/api/ho-so/").status_code == 403


def test_the_status_card_is_kept_between_lookups_and_follows_every_change(client, dossier, province):
    # the rendered card is cached (nothing in it depends on the visitor), keyed on what it shows: a
    # transition after the first lookup shows up on the next one
    first = _page(client, dossier.code, dossier.lookup_secret).content.decode()
    assert 'data-state="received"' in first
    assert _page(client, dossier.code, dossier.lookup_secret, ip="203.0.113.8").content.decode() == first
    services.dossier_forward(dossier=dossier, actor=province.officer)
    after = _page(client, dossier.code, dossier.lookup_secret).content.decode()
    assert 'data-state="received"' not in after and "Chuyển hồ sơ" in after


@pytest.mark.parametrize(
    "data", [None, {"ma": 'A"<b>&', "ma_tra_cuu": ""}, {"ma": "X-1", "ma_tra_cuu": "AB12CD"}]
)
def test_the_lookup_text_boxes_write_what_django_s_widget_template_writes(data):
    form = LookupForm(data)
    if data:
        form.is_valid()
    for name in ("ma", "ma_tra_cuu"):
        widget = form.fields[name].widget
        assert isinstance(widget, PlainTextInput)
        plain = str(form[name])
        widget.__class__ = forms.TextInput
        try:
            assert plain == str(form[name]).strip()
        finally:
            widget.__class__ = PlainTextInput
