"""Access to the national procedure database (CSDL quốc gia về TTHC) for the nightly catalogue sync.

Both adapters speak the same paged JSON protocol:

    GET {NATIONAL_CATALOGUE_URL}/tthc?MaTinh=56&Trang=1&SoBanGhi=200
    Authorization: Bearer {NATIONAL_CATALOGUE_TOKEN}
    200 {"TongSoBanGhi": 1829, "Trang": 1, "SoBanGhi": 200, "DuLieu": [<record>, ...]}

where each record uses the national field names described in procedures.national. `HttpNationalCatalogue` is
the production adapter; `SimulatedNationalCatalogue` serves the same pages from local data for development
and tests (see `national_simulator.json`: procedures added, changed and retired since the demo catalogue).
"""

from __future__ import annotations

import copy
import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

from .national import national_projection

DATA_DIR = Path(__file__).resolve().parent / "data"
PAGE_SIZE = 200
MAX_PAGES = 100


class CatalogueUnavailable(Exception):
    """The national database could not be read; the sync is recorded as failed and retried later."""


def _walk_pages(get_page: Callable[[int], dict]) -> Iterator[dict]:
    first = get_page(1)
    total = int(first.get("TongSoBanGhi") or 0)
    size = int(first.get("SoBanGhi") or PAGE_SIZE) or PAGE_SIZE
    yield from first.get("DuLieu") or []
    for number in range(2, min(math.ceil(total / size), MAX_PAGES) + 1):
        yield from get_page(number).get("DuLieu") or []


class NationalCatalogueAdapter:
    def describe(self) -> str:
        raise NotImplementedError

    def page(self, number: int) -> dict:
        """One page of the province's procedures, in the protocol's shape."""
        raise NotImplementedError

    def fetch_procedures(self) -> Iterator[dict]:
        return _walk_pages(self.page)


class HttpNationalCatalogue(NationalCatalogueAdapter):
    def __init__(self, *, base_url: str, token: str = "", province_code: int, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.province_code = province_code
        self.timeout = timeout

    def describe(self) -> str:
        return f"CSDL quốc gia về TTHC ({self.base_url})"

    def page(self, number: int) -> dict:
        query = urllib.parse.urlencode({"MaTinh": self.province_code, "Trang": number, "SoBanGhi": PAGE_SIZE})
        request = urllib.request.Request(
            f"{self.base_url}/tthc?{query}", headers={"Accept": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            raise CatalogueUnavailable(f"CSDL quốc gia trả lỗi HTTP {exc.code} ở trang {number}.") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise CatalogueUnavailable(f"Không kết nối được CSDL quốc gia: {exc}.") from exc
        except json.JSONDecodeError as exc:
            raise CatalogueUnavailable(
                f"CSDL quốc gia trả dữ liệu không phải JSON ở trang {number}."
            ) from exc
        if not isinstance(body, dict) or not isinstance(body.get("DuLieu"), list):
            raise CatalogueUnavailable(f"CSDL quốc gia trả dữ liệu sai cấu trúc ở trang {number}.")
        return body


def load_demo_catalogue() -> list[dict]:
    return json.loads((DATA_DIR / "catalogue_khanh_hoa.json").read_text(encoding="utf-8"))


class SimulatedNationalCatalogue(NationalCatalogueAdapter):
    """The national database as it stands after the changes in `national_simulator.json`, served in pages.

    `records` replaces the starting catalogue (default: the demo catalogue); `changes=False` serves it unchanged.
    """

    def __init__(
        self, *, records: list[dict] | None = None, changes: bool | dict = True, page_size: int = PAGE_SIZE
    ):
        self.page_size = page_size
        base = [national_projection(r) for r in (records if records is not None else load_demo_catalogue())]
        if changes is True:
            changes = json.loads((DATA_DIR / "national_simulator.json").read_text(encoding="utf-8"))
        self.records = apply_changes(base, changes or {})

    def describe(self) -> str:
        return "CSDL quốc gia về TTHC (mô phỏng)"

    def page(self, number: int) -> dict:
        start = (number - 1) * self.page_size
        return {
            "TongSoBanGhi": len(self.records),
            "Trang": number,
            "SoBanGhi": self.page_size,
            "DuLieu": copy.deepcopy(self.records[start : start + self.page_size]),
        }


def apply_changes(records: list[dict], changes: dict) -> list[dict]:
    """{"them": [records], "sua": {MaTTHC: {key: value}}, "bai_bo": [MaTTHC]} applied to a list of records."""
    retired = set(changes.get("bai_bo") or [])
    updates = changes.get("sua") or {}
    out = []
    for record in records:
        if record.get("MaTTHC") in retired:
            continue
        out.append({**record, **updates.get(record.get("MaTTHC"), {})})
    return out + copy.deepcopy(changes.get("them") or [])


def national_catalogue_adapter() -> NationalCatalogueAdapter:
    """The production adapter when NATIONAL_CATALOGUE_URL is set, the simulator otherwise."""
    url = getattr(settings, "NATIONAL_CATALOGUE_URL", "")
    if url:
        return HttpNationalCatalogue(
            base_url=url,
            token=getattr(settings, "NATIONAL_CATALOGUE_TOKEN", ""),
            province_code=settings.PROVINCE_CODE,
            timeout=getattr(settings, "NATIONAL_CATALOGUE_TIMEOUT", 30.0),
        )
    return SimulatedNationalCatalogue()
