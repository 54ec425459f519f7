"""Thin, idempotent tasks: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from . import receipts, services

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "retry_kwargs": {"max_retries": 5}}


@shared_task(name="payments.issue_receipt", acks_late=True)
def issue_receipt(payment_id: int) -> None:
    receipts.receipt_issue(payment_id=payment_id)


@shared_task(name="payments.query_payment", acks_late=True, **RETRY)
def query_payment(payment_id: int) -> str:
    # httpx errors derive from Exception, not OSError: retry them too.
    import httpx

    try:
        return services.payment_query_settle(payment_id=payment_id)
    except httpx.HTTPError as exc:
        raise query_payment.retry(exc=exc, countdown=60) from exc


@shared_task(name="payments.reconcile", acks_late=True)
def reconcile() -> int:
    return services.payments_reconcile()
