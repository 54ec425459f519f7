"""What `bench/scale/run.py` measures on the generated province: who, which pages, with which samples."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count
from django.utils import timezone
from load import Figures, measure, percentile

from dossiers import selectors, services
from dossiers.constants import PROCESSING_STATES, DocumentKind, EventAction
from dossiers.models import Dossier, DossierEvent, DossierHandover
from portal.constants import Role
from portal.models import AgencyMembership, User

CATALOGUE_QUERIES = ["khai sinh", "chứng thực bản sao", "giấy phép xây dựng", "đất đai", "kết hôn", "hộ kinh doanh",
                     "lý lịch tư pháp", "doanh nghiệp"]  # fmt: skip


def session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


@dataclass
class World:
    dossiers: int
    events: int
    handovers: int
    officers: dict[str, User] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    lookups: list[tuple[str, str]] = field(default_factory=list)
    receipts: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def pick(cls) -> World:
        """The busiest department's specialist and approver, its leader, the busiest desk's officer."""
        world = cls(
            dossiers=Dossier.objects.count(),
            events=DossierEvent.objects.count(),
            handovers=DossierHandover.objects.count(),
        )
        busiest = (
            Dossier.objects.values("competent_agency_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()["competent_agency_id"]
        )
        desk = (
            Dossier.objects.values("receiving_agency_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()["receiving_agency_id"]
        )
        specialist = (
            Dossier.objects.filter(competent_agency_id=busiest, current_handler__isnull=False)
            .values("current_handler_id").annotate(n=Count("id")).order_by("-n").first()
        )  # fmt: skip
        members = AgencyMembership.objects.filter(active=True)
        world.officers = {
            "specialist": User.objects.get(pk=specialist["current_handler_id"]) if specialist else
            members.filter(agency_id=busiest, role=Role.SPECIALIST).first().user,
            "approver": members.filter(agency_id=busiest, role=Role.APPROVER).first().user,
            "agency_leader": members.filter(agency_id=busiest, role=Role.AGENCY_LEADER).first().user,
            "intake": members.filter(agency_id=desk, role=Role.INTAKE_OFFICER).first().user,
        }  # fmt: skip
        world.sessions = {role: session_for(user) for role, user in world.officers.items()}
        world.lookups = list(
            Dossier.objects.filter(code__isnull=False).exclude(lookup_secret="").order_by("?")[:200]
            .values_list("code", "lookup_secret")
        )  # fmt: skip
        world.receipts = list(
            DossierEvent.objects.filter(
                action__in=(EventAction.RECEIVE, EventAction.RECEIVE_AT_COUNTER), dossier__state__in=PROCESSING_STATES
            )
            .exclude(documents__kind=DocumentKind.RECEIPT)  # printed by an earlier run: it would only be read
            .values_list("dossier_id", "id")[:12]
        )  # fmt: skip
        return world


def measure_pages(
    world: World, *, port: int, requests: int, connections: int, seconds: float
) -> list[Figures]:
    base = f"http://127.0.0.1:{port}"

    def client_for(role: str | None):
        def make() -> httpx.Client:
            headers = {"X-Forwarded-Proto": "https", "Accept-Language": "vi"}
            if role:
                headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={world.sessions[role]}"
            return httpx.Client(base_url=base, headers=headers, timeout=60, follow_redirects=False)

        return make

    def fixed(path: str):
        return lambda i: path

    lookups = world.lookups or [("x", "y")]
    pages = [
        ("/healthz (trần)", None, fixed("/healthz")),
        ("tra cứu công khai", None,
         lambda i: "/ho-so/tra-cuu/?" + urlencode({"ma": lookups[i % len(lookups)][0], "ma_tra_cuu": lookups[i % len(lookups)][1]})),
        ("tìm thủ tục", None, lambda i: "/thu-tuc/?" + urlencode({"q": CATALOGUE_QUERIES[i % len(CATALOGUE_QUERIES)]})),
        ("hàng đợi chuyên viên (trang 1)", "specialist", fixed("/ho-so/xu-ly/")),
        ("hàng đợi lãnh đạo phòng (trang 1)", "approver", fixed("/ho-so/xu-ly/")),
        ("hàng đợi lãnh đạo đơn vị (trang 1)", "agency_leader", fixed("/ho-so/xu-ly/")),
        ("hàng đợi \"Tất cả\" (chuyên viên)", "specialist", fixed("/ho-so/xu-ly/?tab=tat-ca")),
        ("một cửa: số đếm + trang 1", "intake", fixed("/ho-so/tiep-nhan/")),
    ]  # fmt: skip
    rows = []
    for name, role, next_url in pages:
        figures = measure(
            name, client_for(role), next_url, requests=requests, connections=connections, seconds=seconds
        )
        rows.append(figures)
        print(f"  {name}: p50 {figures.p50_ms:.1f} ms, p95 {figures.p95_ms:.1f} ms, {figures.rps:.1f} req/s",
              flush=True)  # fmt: skip
    ceiling = rows[0].rps or 0
    for row in rows[1:]:
        if ceiling and row.rps:
            row.note = f"{100 * row.rps / ceiling:.0f}% của /healthz"
    return rows


def measure_in_process(world: World) -> list[Figures]:
    rows = []
    # The receipt PDF: render and store (what the worker does after a reception).
    timings = []
    for dossier_id, event_id in world.receipts:
        start = time.perf_counter()
        services.dossier_document_generate(
            dossier_id=dossier_id, kind=DocumentKind.RECEIPT, event_id=event_id
        )
        timings.append((time.perf_counter() - start) * 1000)
    if timings:
        rows.append(Figures("giấy tiếp nhận PDF (dựng + lưu)", statistics.median(timings[1:] or timings),
                            percentile(timings[1:] or timings, 0.95), note=f"{len(timings)} hồ sơ"))  # fmt: skip
    # The deadline sweep of the whole province a day later (marks change), then again with nothing to change.
    now = timezone.now() + dt.timedelta(days=1)
    for label in ("quét thời hạn toàn tỉnh", "quét lại (không đổi gì)"):
        start = time.perf_counter()
        changed = 0
        agencies = selectors.agencies_with_running_dossiers()
        for agency_id in agencies:
            result = services.dossier_deadlines_sweep(agency_id=agency_id, now=now)
            changed += sum(result.values())
        seconds = time.perf_counter() - start
        rows.append(Figures(label, seconds * 1000, seconds * 1000,
                            note=f"{len(agencies)} cơ quan, {changed} hồ sơ đổi trạng thái"))  # fmt: skip
    return rows
