"""The authorisation matrix: every URL of the project × every role, against another person's dossier at another
agency.

The URL patterns are read from the URL conf, so a new URL is covered as soon as it exists: a pattern whose
parameters the matrix cannot fill fails the test until it is described in `PRIVATE` or `OPEN` below.

Who tries: an anonymous visitor, another citizen, an officer of every agency role at another agency, and the
postal operator of the very desk that received the dossier (which is delivered at the desk, so the post has no
business with it). Nobody of them may read or change anything of the victim's: object pages answer 403 or 404
(anonymous: the login page), lists never show the victim's dossier code or CCCD, and a POST changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dossiers import services
from dossiers.constants import DeliveryMethod
from dossiers.models import Dossier
from notifications.constants import Status
from notifications.models import Notification
from payments.models import Payment
from portal.constants import Role
from repository.models import StoredDocument
from tests.dossiers.factories import Province, draft, pdf_upload
from tests.portal.factories import CitizenFactory, officer_in
from tests.repository.conftest import page_png, store, upload_file

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
ATTACKERS = [
    "anonymous",
    "other_citizen",
    "intake_elsewhere",
    "specialist_elsewhere",
    "approver_elsewhere",
    "leader_elsewhere",
    "postal_elsewhere",
    "postal_same_desk",
]
# Pages anybody may open, with any parameter (catalogue, public lookup and verification, account pages, the
# published service index).
OPEN = re.compile(
    r"^(procedures|procedures-api):"
    r"|^(home|healthz|accessibility|login|logout|register|set_language|api-schema|api-docs|admin:login|admin:logout)$"
    r"|^password_reset|^(dossiers|dossiers-api):lookup$|^(repository|repository-api):verify"
    # The local SMS / Zalo simulators, mounted only in development and tests (NOTIFY_SIMULATORS).
    r"|^simulators:"
    # The SMS / Zalo providers' delivery reports (server to server: a secret path token, a signed webhook).
    r"|^notifications:(esms_report|zalo_webhook)$"
    # Payment providers' server-to-server notifications (signed, answered in their protocol), the receipt
    # verification page the QR code opens, and the local provider simulators.
    r"|^payments:(vnpay_ipn|national_callback|vietqr_statement|receipt_verify)$|^payments-simulator:"
    # the national SSO login (the IdP decides), and the simulators of the national portal and SSO, which stand
    # for systems outside ours (mounted in development and tests only)
    r"|^sso_(start|callback)$|^(national-simulator|sso-simulator):"
    # citizens' voice: filing and following feedback, its public answers, booking a desk, the queue display
    r"|^feedback:(public_list|public_detail|file|follow)$|^appointments:(book|confirmation|display|display_calls)$"
    r"|^reporting:public$"
)
# Pages a signed-in citizen or officer may open whatever the dossier (starting a new dossier of a procedure).
SIGNED_IN = {
    "dossiers:file_online",
    "profile",
    "password_change",
    "password_change_done",
    "otp_verify",
    "otp_setup",
}


@dataclass
class World:
    province: Province
    dossier: Dossier
    document: StoredDocument
    job_id: int
    batch_id: int | None
    file_id: int
    message_id: int
    apology_id: int
    notification_id: int
    payment_id: int
    payment_reference: str
    feedback_id: int

    def kwargs_for(self, name: str, params: list[str]) -> dict | None:
        """Values for a pattern's parameters pointing at the victim's objects, or None when unknown."""
        app, colon, view = name.partition(":")
        if not colon:
            app, view = "", name
        dossier = self.dossier
        values: dict[str, object] = {}
        for param in params:
            if app == "admin":
                value = {
                    "object_id": "1",
                    "content_type_id": "1",
                    "id": "1",
                    "pk": 1,
                    "fmt": "json",
                    "app_label": "dossiers",
                    "url": "khong-co/",
                }.get(param)
            elif app in ("dossiers", "dossiers-api"):
                value = {
                    "pk": dossier.pk,
                    "component_pk": dossier.procedure_version.components.order_by("order").first().pk,
                    "file_pk": self.file_id,
                    "message_pk": self.message_id,
                    "apology_pk": self.apology_id,
                    "transfer_pk": 1,
                    "kind": "receipt",
                    "version_pk": dossier.procedure_version_id,
                }.get(param)
            elif app == "payments":
                value = {
                    "pk": dossier.pk if view == "start" else self.payment_id,
                    "reference": self.payment_reference,
                }.get(param)
            elif app == "survey":
                value = {"pk": dossier.pk}.get(param)
            elif app == "feedback":
                value = {"pk": self.feedback_id}.get(param)
            elif app == "appointments":
                value = {"agency_code": dossier.receiving_agency.code}.get(param)
            elif app == "archive":
                value = {"pk": dossier.pk, "kind": "dossier_file", "item_id": self.file_id}.get(param)
            elif app == "notifications":
                value = {
                    "pk": self.notification_id,
                    "kind": "received",
                    "channel": "sms",
                    "language": "vi",
                }.get(param)
            elif view.startswith("document"):
                value = {"pk": self.document.pk}.get(param)
            elif view.startswith("digitisation_job"):
                value = {"pk": self.job_id}.get(param)
            elif view.startswith("backfile"):
                value = {"pk": self.batch_id or 1}.get(param)
            else:
                value = None
            if value is None:
                return None
            values[param] = value
        return values


def _patterns(resolver=None, namespace: str = "", route: str = "/"):
    """(name, route, parameter names) of every pattern; an unnamed one is named after its namespace and route."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner, route + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            full = route + str(entry.pattern)
            params = [regex or path for regex, path in re.findall(PARAMETER, full)]
            yield namespace + (entry.name or full), full, params


# A route's parameter: `<int:pk>` in a path, `(?P<url>.*)` in a regular expression.
PARAMETER = r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>"


def _url(route: str, kwargs: dict) -> str:
    url = re.sub(PARAMETER, lambda match: str(kwargs[match.group(1) or match.group(2)]), route)
    return url.replace("^", "").replace("$", "")


def _build_world() -> World:
    province = Province()
    victim = province.citizen
    dossier = draft(province, victim)
    dossier = services.dossier_set_delivery(dossier=dossier, actor=victim, method=DeliveryMethod.DESK)
    dossier = services.dossier_submit(dossier=dossier, actor=victim, at=NOW - dt.timedelta(hours=2))
    dossier = services.dossier_receive(
        dossier=dossier, actor=province.officer, at=NOW - dt.timedelta(hours=1)
    )
    dossier = services.dossier_forward(
        dossier=dossier, actor=province.officer, at=NOW - dt.timedelta(minutes=50)
    )
    dossier = services.dossier_assign(
        dossier=dossier,
        actor=province.approver,
        specialist=province.specialist,
        at=NOW - dt.timedelta(minutes=40),
    )
    message = services.dossier_message_post(
        dossier=dossier, actor=victim, body="Xin bổ sung bản vẽ.", attachment=pdf_upload("ban-ve.pdf")
    )
    apology = services.dossier_apology_draft(
        dossier=dossier,
        actor=province.specialist,
        reason="Cần thêm thời gian thẩm định thực địa.",
        new_due_at=dossier.due_at + dt.timedelta(days=10),
    )
    from repository import services as kho

    document = store(victim, content=b"%PDF-1.4\n%%EOF\n")
    job = kho.digitisation_job_create(
        actor=province.officer,
        agency=province.centre,
        owner=victim,
        files=[upload_file("trang-1.png", page_png("Giấy khai sinh"))],
        document_type_code="GT_KS_CU",
        document_type_name="Giấy khai sinh",
        title="Giấy khai sinh",
    )
    from django.test import RequestFactory

    from payments.services import payment_start

    request = RequestFactory().get("/")
    payment, _ = payment_start(dossier=dossier, actor=victim, provider_id="vnpay", request=request)
    from dossiers.feedback import services as pakn

    feedback = pakn.feedback_file(
        data=pakn.FeedbackInput(
            category="officer_conduct",
            title="Phản ánh về thái độ cán bộ",
            body="Nội dung riêng tư.",
            name=victim.full_name,
            phone="0905123456",
            private=True,
            dossier=dossier,
        ),
        user=victim,
        attachment=pdf_upload("bang-chung.pdf"),
    )
    dossier.refresh_from_db()
    return World(
        payment_id=payment.pk,
        payment_reference=payment.reference,
        province=province,
        dossier=dossier,
        document=document,
        job_id=job.pk,
        batch_id=None,
        file_id=dossier.files.first().pk,
        message_id=message.pk,
        apology_id=apology.pk,
        notification_id=Notification.objects.filter(recipient=victim).order_by("pk").first().pk,
        feedback_id=feedback.pk,
    )


def _attacker(world: World, who: str):
    province = world.province
    elsewhere = province.commune
    return {
        "anonymous": lambda: None,
        "other_citizen": lambda: CitizenFactory(full_name="Trần Thị Khác"),
        "intake_elsewhere": lambda: officer_in(elsewhere, Role.INTAKE_OFFICER),
        "specialist_elsewhere": lambda: officer_in(elsewhere, Role.SPECIALIST),
        "approver_elsewhere": lambda: officer_in(elsewhere, Role.APPROVER),
        "leader_elsewhere": lambda: officer_in(elsewhere, Role.AGENCY_LEADER),
        "postal_elsewhere": lambda: officer_in(elsewhere, Role.POSTAL),
        "postal_same_desk": lambda: officer_in(province.centre, Role.POSTAL),
    }[who]()


def _snapshot(world: World) -> tuple:
    dossier = Dossier.objects.get(pk=world.dossier.pk)
    document = StoredDocument.objects.get(pk=world.document.pk)
    return (
        dossier.state,
        dossier.version,
        dossier.current_handler_id,
        dossier.messages.count(),
        dossier.files.count(),
        dossier.events.count(),
        document.deleted_at,
        document.revoked_at if hasattr(document, "revoked_at") else None,
        document.versions.count() if hasattr(document, "versions") else None,
        Notification.objects.filter(dossier_id=dossier.pk, read_at__isnull=True).count(),
        Notification.objects.filter(status=Status.PENDING).count(),
        Payment.objects.get(pk=world.payment_id).status,
        Payment.objects.get(pk=world.payment_id).refunded_amount,
    )


def _refused(response, *, anonymous: bool, login_url: str) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 401 and anonymous:
        return True
    if response.status_code == 302 and anonymous:
        location = response["Location"]
        return location.startswith(login_url) or location.startswith("/quan-tri/login/")
    if response.status_code == 302:
        # The admin sends a signed-in non-staff user to its own login page.
        return response["Location"].startswith("/quan-tri/login/")
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("who", ATTACKERS)
def test_nobody_else_reaches_the_victims_dossier(client, settings, who):
    with time_machine.travel(NOW, tick=False):
        world = _build_world()
        user = _attacker(world, who)
    anonymous = user is None
    if not anonymous:
        client.force_login(user)
    login_url = reverse("login")
    secrets = [world.dossier.code, world.dossier.applicant_id_number]
    before = _snapshot(world)
    problems: list[str] = []
    uncovered: list[str] = []
    for name, route, params in _patterns():
        if OPEN.search(name):
            continue
        kwargs = world.kwargs_for(name, params) if params else {}
        if kwargs is None:
            uncovered.append(f"{name} {params}")
            continue
        url = _url(route, kwargs)
        if name in SIGNED_IN and not anonymous:
            continue
        with time_machine.travel(NOW, tick=False):
            response = client.get(url)
        body = b"" if getattr(response, "streaming", False) else response.content
        if params and not _refused(response, anonymous=anonymous, login_url=login_url):
            problems.append(f"GET {url} ({name}) → {response.status_code}")
        elif not params:
            if response.status_code >= 500:
                problems.append(f"GET {url} ({name}) → {response.status_code}")
            elif anonymous and not _refused(response, anonymous=True, login_url=login_url):
                problems.append(
                    f"GET {url} ({name}) answers an anonymous visitor with {response.status_code}"
                )
            elif any(secret and secret.encode() in body for secret in secrets):
                problems.append(f"GET {url} ({name}) shows the victim's dossier")
        if params:
            with time_machine.travel(NOW, tick=False):
                response = client.post(url, {"body": "x", "reason": "x", "version": world.dossier.version})
            if not _refused(response, anonymous=anonymous, login_url=login_url):
                problems.append(f"POST {url} ({name}) → {response.status_code}")
    assert not uncovered, (
        "URL patterns the matrix cannot fill — describe them in World.kwargs_for: " + ", ".join(uncovered)
    )
    assert not problems, f"{who} reached what is not theirs:\n" + "\n".join(problems)
    assert _snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "handler"])
def test_the_matrix_can_tell_access_from_refusal(client, who):
    """The same requests succeed for the people the dossier belongs to: the refusals above are real."""
    with time_machine.travel(NOW, tick=False):
        world = _build_world()
    user = world.province.citizen if who == "owner" else world.province.specialist
    client.force_login(user)
    for name in ("dossiers:detail", "dossiers:file_download", "dossiers:message_attachment"):
        route, params = _route(name)
        url = _url(route, world.kwargs_for(name, params))
        with time_machine.travel(NOW, tick=False):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert not _refused(response, anonymous=False, login_url=reverse("login"))
    if who == "owner":
        url = reverse("repository:document_detail", kwargs={"pk": world.document.pk})
        assert client.get(url).status_code == 200


def _route(name: str) -> tuple[str, list[str]]:
    return next((route, params) for pattern_name, route, params in _patterns() if pattern_name == name)
