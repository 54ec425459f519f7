"""The demo dossiers: built through the services, in several states, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossiers import demo as dossier_demo
from dossiers.constants import DossierState
from dossiers.models import Dossier
from portal import demo as portal_demo
from procedures.services import catalogue_import

CATALOGUE = Path(__file__).resolve().parents[2] / "procedures" / "data" / "catalogue_khanh_hoa.json"


@pytest.fixture
def demo_province(db, django_capture_on_commit_callbacks):
    portal_demo.load()
    catalogue_import(records=json.loads(CATALOGUE.read_text(encoding="utf-8")), actor=None)


def test_demo_dossiers_cover_the_intake_states_and_load_twice(
    demo_province, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier_demo.load()
    states = set(Dossier.objects.values_list("state", flat=True))
    assert {
        DossierState.DRAFT,
        DossierState.SUBMITTED,
        DossierState.RECEIVED,
        DossierState.SUPPLEMENT_REQUESTED,
        DossierState.REFUSED,
        DossierState.WITHDRAWN,
    } <= states
    assert Dossier.objects.filter(channel=1, state=DossierState.RECEIVED).exists()
    assert Dossier.objects.filter(organisation__tax_code="4201234566").exists()
    assert Dossier.objects.filter(
        receiving_agency__code="000.31.01.H32", state=DossierState.RECEIVED
    ).exists()
    received = Dossier.objects.filter(state=DossierState.RECEIVED)
    assert all(d.documents.filter(kind="receipt").exists() for d in received)
    count = Dossier.objects.count()
    dossier_demo.load()
    assert Dossier.objects.count() == count


def test_demo_is_skipped_without_a_catalogue(db):
    portal_demo.load()
    dossier_demo.load()
    assert not Dossier.objects.exists()


def test_demo_processing_covers_every_stage_and_loads_twice(
    demo_province, django_capture_on_commit_callbacks
):
    from dossiers.constants import DeadlineStatus, DocumentKind
    from dossiers.models import DossierApology, DossierHandover

    with django_capture_on_commit_callbacks(execute=True):
        dossier_demo.load()
    at_sxd = Dossier.objects.filter(competent_agency__code="000.00.20.H32")
    states = set(at_sxd.values_list("state", flat=True))
    assert {
        DossierState.ASSIGNED,
        DossierState.APPRAISING,
        DossierState.AWAITING_APPROVAL,
        DossierState.RETURNED_FOR_REWORK,
        DossierState.SUPPLEMENT_REQUESTED,
        DossierState.AWAITING_PAYMENT,
        DossierState.TRANSFERRED,
        DossierState.DELIVERED,
    } <= states
    assert at_sxd.filter(deadline_status=DeadlineStatus.OVERDUE).exists()
    assert DossierApology.objects.filter(approved_at__isnull=True).exists()
    delivered = at_sxd.get(state=DossierState.DELIVERED)
    assert (
        delivered.documents.get(kind=DocumentKind.RESULT).kho_document.owner_user.username == "056090001234"
    )
    handovers = DossierHandover.objects.count()
    dossier_demo.load()
    assert DossierHandover.objects.count() == handovers
