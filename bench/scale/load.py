"""A small HTTP load client (httpx, threads): a single client's latencies, then requests per second at N
connections. Figures are reported, not asserted; the client shares the machine with the server it measures,
so compare each page with `/healthz` measured the same way in the same run."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass
class Figures:
    name: str
    p50_ms: float
    p95_ms: float
    rps: float | None = None
    p95_concurrent_ms: float | None = None
    errors: int = 0
    note: str = ""


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def single(
    client: httpx.Client, next_url: Callable[[int], str], *, requests: int, warmup: int = 3
) -> tuple[list[float], int]:
    errors = 0
    timings = []
    for i in range(warmup + requests):
        start = time.perf_counter()
        response = client.get(next_url(i))
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            errors += 1
        if i >= warmup:
            timings.append(elapsed)
    return timings, errors


def concurrent(make_client: Callable[[], httpx.Client], next_url: Callable[[int], str], *, connections: int,
               seconds: float) -> tuple[float, list[float], int]:  # fmt: skip
    """Requests per second with `connections` clients, each sending its next request as soon as it has an answer."""
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Barrier(connections + 1)
    window: dict[str, float] = {}

    def worker(n: int) -> None:
        local, bad = [], 0
        with make_client() as client:
            ready.wait()
            deadline = window["end"]
            i = n
            while True:
                start = time.perf_counter()
                if start >= deadline:
                    break
                try:
                    response = client.get(next_url(i))
                    if response.status_code != 200:
                        bad += 1
                except httpx.HTTPError:
                    bad += 1
                end = time.perf_counter()
                if end <= deadline:  # only what finished inside the window counts
                    local.append((end - start) * 1000)
                i += connections
        with lock:
            timings.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    window["end"] = time.perf_counter() + seconds + 0.05
    ready.wait()
    for t in threads:
        t.join()
    return len(timings) / seconds, timings, errors[0]


def measure(name: str, make_client: Callable[[], httpx.Client], next_url: Callable[[int], str], *, requests: int,
            connections: int, seconds: float) -> Figures:  # fmt: skip
    with make_client() as client:
        timings, errors = single(client, next_url, requests=requests)
    rps, loaded, more_errors = concurrent(make_client, next_url, connections=connections, seconds=seconds)
    return Figures(
        name=name,
        p50_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        rps=rps,
        p95_concurrent_ms=percentile(loaded, 0.95),
        errors=errors + more_errors,
    )


def table(rows: list[Figures]) -> str:
    head = f"| {'mục đo':<34} | {'p50 ms':>8} | {'p95 ms':>8} | {'req/s @N':>9} | {'p95 ms @N':>10} | lỗi | ghi chú"
    lines = [
        head,
        "|" + "-" * 36 + "|" + "-" * 10 + "|" + "-" * 10 + "|" + "-" * 11 + "|" + "-" * 12 + "|-----|---",
    ]
    for r in rows:
        rps = f"{r.rps:.1f}" if r.rps is not None else "—"
        p95c = f"{r.p95_concurrent_ms:.0f}" if r.p95_concurrent_ms is not None else "—"
        lines.append(
            f"| {r.name:<34} | {r.p50_ms:>8.1f} | {r.p95_ms:>8.1f} | {rps:>9} | {p95c:>10} | {r.errors:>3} | {r.note}"
        )
    return "\n".join(lines)
