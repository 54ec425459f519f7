"""Approval signs the result before taking the dossier's row lock, and a rollback after signing leaves no
file behind (issue: slow work under a lock; orphan files)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from dossiers import services
from dossiers.constants import DeliveryMethod, DocumentKind, DossierState
from dossiers.models import Dossier
from portal.errors import Conflict
from repository import signing
from repository.models import StoredDocument

from .factories import awaiting_approval, draft, result_draft, signing_ready


def _electronic_awaiting_approval(province):
    """Filed online for electronic delivery (the result goes into the applicant's Kho), awaiting approval."""
    dossier = services.dossier_set_delivery(
        dossier=draft(province), actor=province.citizen, method=DeliveryMethod.ELECTRONIC
    )
    dossier = services.dossier_submit(dossier=dossier, actor=province.citizen)
    dossier = services.dossier_receive(dossier=dossier, actor=province.officer)
    dossier = services.dossier_forward(dossier=dossier, actor=province.officer)
    dossier = services.dossier_assign(
        dossier=dossier, actor=province.approver, specialist=province.specialist
    )
    return services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft()
    )


def _files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def _changed_while_signing(dossier, monkeypatch):
    """Someone else changes the dossier while the result is being signed."""
    real = signing.sign_pdf

    def sign_then_change(*args, **kwargs):
        signed = real(*args, **kwargs)
        Dossier.objects.filter(pk=dossier.pk).update(version=F("version") + 1)
        return signed

    monkeypatch.setattr(signing, "sign_pdf", sign_then_change)
    return Conflict


def _failing_after_the_result_is_stored(dossier, monkeypatch):
    """The electronic delivery that follows the approval fails after the signed result was stored."""

    def broken(**kwargs):
        raise RuntimeError("delivery failed")

    monkeypatch.setattr(services.decision, "deliver_result", broken)
    return RuntimeError


@pytest.mark.parametrize("failure", [_changed_while_signing, _failing_after_the_result_is_stored])
def test_a_rollback_after_signing_leaves_no_file(province, monkeypatch, failure):
    # given a draft awaiting approval for an applicant who receives the result in their Kho
    signing_ready(province)
    dossier = _electronic_awaiting_approval(province)
    before = _files()
    expected = failure(dossier, monkeypatch)

    # when the approval fails after the result was signed and stored
    with pytest.raises(expected):
        services.dossier_approve(dossier=dossier, actor=province.approver, expected_version=dossier.version)

    # then nothing of it remains: no file in storage, no result in the Kho, no result on the dossier
    assert _files() == before
    assert not StoredDocument.objects.filter(origin_dossier_id=dossier.pk).exists()
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.AWAITING_APPROVAL
    assert not dossier.documents.filter(kind=DocumentKind.RESULT).exists()


def test_a_successful_approval_keeps_its_files(province):
    signing_ready(province)
    dossier = awaiting_approval(province)
    before = _files()
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)
    result = dossier.documents.get(kind=DocumentKind.RESULT)
    kho = StoredDocument.objects.get(origin_dossier_id=dossier.pk)
    added = _files() - before
    assert Path(result.file.name) in added
    assert Path(kho.current_version.file.name) in added


def _lock_nowait_from_another_connection(pk: int) -> str:
    """Try to lock the dossier row from a second connection without waiting: "free" or "locked"."""
    outcome: list[str] = []

    def probe():
        try:
            with transaction.atomic():
                Dossier.objects.select_for_update(nowait=True).get(pk=pk)
            outcome.append("free")
        except DatabaseError:
            outcome.append("locked")
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(timeout=30)
    return outcome[0] if outcome else "no answer"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approval_does_not_hold_the_row_lock_while_signing(province, monkeypatch):
    # given a draft awaiting approval, and a signer that, while signing, asks another connection to lock
    # the dossier's row without waiting (SELECT … FOR UPDATE NOWAIT)
    signing_ready(province)
    dossier = awaiting_approval(province)
    real = signing.sign_pdf
    probes: list[str] = []

    def sign_and_probe(*args, **kwargs):
        probes.append(_lock_nowait_from_another_connection(dossier.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(signing, "sign_pdf", sign_and_probe)

    # when the head approves
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)

    # then the row was free while the result was signed, and the approval went through
    assert probes == ["free"]
    assert dossier.state in (DossierState.RESULT_READY, DossierState.DELIVERED)
    # and, as a control, the probe does see a lock that is held
    with transaction.atomic():
        Dossier.objects.select_for_update().get(pk=dossier.pk)
        assert _lock_nowait_from_another_connection(dossier.pk) == "locked"
