"""Every history and log table refuses UPDATE and DELETE: in the ORM on every database, and on PostgreSQL with
a trigger as well (raw SQL). A handover is closed once, through `DossierHandover.close`, and only that."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import IntegrityError, connection, models, transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from dossiers.archive import selectors as archive_selectors
from dossiers.archive import services as archive_services
from dossiers.constants import Outcome
from dossiers.feedback import services as feedback_services
from dossiers.models import (
    ArchiveAccessLog,
    DossierAccessLog,
    DossierEvent,
    DossierHandover,
    FeedbackEvent,
    NationalSyncLog,
)
from dossiers.national.sync import national_lookup
from dossiers.services import dossier_record_officer_read
from notifications.models import DeliveryEvent
from payments.models import PaymentEvent
from portal.append_only import AppendOnlyError, AppendOnlyModel
from procedures.models import ProcedureEvent
from procedures.national.gateway import GatewayError
from repository import services as repository_services
from repository.models import (
    DigitisationEvent,
    DigitisationJob,
    DocumentAccessLog,
    DocumentEvent,
    StoredDocument,
)
from tests.dossiers.factories import Province, pdf_upload, png_upload, received, submitted
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

# The history tables of the project; `test_every_history_table_is_guarded` keeps this list complete.
HISTORY_MODELS = [
    DossierEvent,
    DossierHandover,
    DossierAccessLog,
    ProcedureEvent,
    DocumentEvent,
    DocumentAccessLog,
    DigitisationEvent,
    ArchiveAccessLog,
    DeliveryEvent,
    PaymentEvent,
    NationalSyncLog,
    FeedbackEvent,
]
OUR_APPS = {"portal", "notifications", "procedures", "repository", "dossiers", "payments", "reporting"}


def _dossier_event(province):
    return submitted(province).events.get()


def _handover(province):
    return received(province).handovers.get()


def _dossier_access_log(province):
    dossier = submitted(province)
    dossier_record_officer_read(
        dossier=dossier, actor=province.officer, purpose=DossierAccessLog.Purpose.VIEW
    )
    return DossierAccessLog.objects.get(dossier=dossier)


def _procedure_event(province):
    return province.version.events.first()


def _stored_document(province):
    citizen = province.citizen
    return repository_services.document_upload(
        actor=citizen,
        owner=citizen,
        file=pdf_upload("cccd.pdf"),
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="Căn cước công dân",
    )


def _document_event(province):
    return _stored_document(province).events.first()


def _document_access_log(province):
    document = _stored_document(province)
    return repository_services.document_log_access(
        actor=province.citizen, document=document, version=document.current_version
    )


def _digitisation_event(province):
    job = repository_services.digitisation_job_create(
        actor=province.officer,
        agency=province.centre,
        owner=province.citizen,
        files=[png_upload()],
        document_type_code="GT_KS_CU",
        document_type_name="Giấy khai sinh",
        title="Giấy khai sinh",
    )
    return job.events.get()


def _archive_access_log(province):
    dossier = received(province)
    item = archive_selectors.dossier_archive_items(dossier=dossier)[0]
    archive_services.archive_item_read(
        actor=province.officer, dossier=dossier, kind=item.kind, item_id=item.pk
    )
    return ArchiveAccessLog.objects.get(dossier=dossier)


def _delivery_event(province):
    from notifications.constants import Channel, Kind
    from notifications.services import Target, notification_deliver, notify

    row = notify(
        kind=Kind.CONTACT_CODE,
        event_key="append-only",
        recipients=[province.citizen],
        context={"verification_code": "123456"},
        targets=[Target(Channel.EMAIL, "an@example.vn")],
    )[0]
    notification_deliver(notification_id=row.pk)
    return row.delivery_events.get()


def _payment_event(province):
    from payments.services import log_event

    return log_event(provider="vnpay", kind="notification", verdict="forged", raw={"vnp_TxnRef": "X"})


def _national_sync_attempt(province):
    # A lookup the national portal does not answer (closed port) is logged like every call.
    dossier = received(province)
    with (
        override_settings(NATIONAL_PORTAL_URL="http://127.0.0.1:1", NATIONAL_PORTAL_TIMEOUT=2),
        pytest.raises(GatewayError),
    ):
        national_lookup(dossier=dossier)
    return NationalSyncLog.objects.get(dossier=dossier)


def _feedback_event(province):
    feedback = feedback_services.feedback_file(
        data=feedback_services.FeedbackInput(
            category="website",
            title="Lỗi trang",
            body="Trang báo lỗi.",
            name="Lê Văn Phản",
            phone="0905123456",
        )
    )
    return feedback.events.first()


ROW_BUILDERS = {
    DossierEvent: _dossier_event,
    DossierHandover: _handover,
    DossierAccessLog: _dossier_access_log,
    ProcedureEvent: _procedure_event,
    DocumentEvent: _document_event,
    DocumentAccessLog: _document_access_log,
    DigitisationEvent: _digitisation_event,
    ArchiveAccessLog: _archive_access_log,
    DeliveryEvent: _delivery_event,
    PaymentEvent: _payment_event,
    NationalSyncLog: _national_sync_attempt,
    FeedbackEvent: _feedback_event,
}


@pytest.fixture(params=HISTORY_MODELS, ids=lambda model: model.__name__)
def row(request):
    """One row of a history table, written through the services."""
    row = ROW_BUILDERS[request.param](Province())
    assert type(row) is request.param and row.pk is not None
    return row


def _text_column(model) -> models.Field:
    """A column of the row that can be set to any short text."""
    return next(f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField))


def _stored(row) -> dict:
    return type(row).objects.filter(pk=row.pk).values().get()


# ---- the ORM guard, on every database --------------------------------------------------------------------


def test_every_history_table_is_guarded():
    # every model of ours that is a history (events, logs, handovers) uses the guard, and only those do
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    histories = {m for m in ours if m.__name__.endswith(("Event", "Log", "Handover"))}
    guarded = {m for m in ours if issubclass(m, AppendOnlyModel)}
    assert histories == guarded == set(HISTORY_MODELS)


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_no_cascade_or_set_null_reaches_a_history_row(model):
    # a parent deleted with CASCADE or SET NULL would change history around the guard
    for field in model._meta.concrete_fields:
        if field.is_relation:
            assert field.remote_field.on_delete is models.PROTECT, field


def test_bulk_update_through_the_queryset_is_refused(row):
    column = _text_column(type(row))
    before = _stored(row)
    with pytest.raises(AppendOnlyError):
        type(row).objects.filter(pk=row.pk).update(**{column.name: "x"})
    with pytest.raises(AppendOnlyError):
        type(row).objects.all().update(**{column.name: "x"})
    setattr(row, column.name, "x")
    with pytest.raises(AppendOnlyError):
        type(row).objects.bulk_update([row], [column.name])
    assert _stored(row) == before


def test_delete_through_the_queryset_or_the_row_is_refused(row):
    with pytest.raises(AppendOnlyError):
        type(row).objects.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyError):
        type(row).objects.all().delete()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_saving_an_existing_row_is_refused(row):
    before = _stored(row)
    setattr(row, _text_column(type(row)).name, "x")
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.save(update_fields=[_text_column(type(row)).name])
    assert _stored(row) == before


def test_a_new_row_carrying_an_existing_pk_never_overwrites_it(row):
    # given a copy of the row, presented as new
    before = _stored(row)
    copy = type(row).objects.get(pk=row.pk)
    copy._state.adding = True
    setattr(copy, _text_column(type(row)).name, "x")
    # when it is saved, then it is an INSERT that collides, not an UPDATE
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert _stored(row) == before


def test_an_upsert_is_refused(row):
    copy = type(row).objects.get(pk=row.pk)
    column = _text_column(type(row)).name
    setattr(copy, column, "x")
    with pytest.raises(AppendOnlyError):
        type(row).objects.bulk_create(
            [copy], update_conflicts=True, unique_fields=["pk"], update_fields=[column]
        )


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model.__name__)
def test_the_admin_shows_history_read_only(model):
    # given the administrator
    request = RequestFactory().get("/quan-tri/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    # then neither the history's own page nor an inline on its parent's page can change or delete a row
    model_admin = admin.site._registry.get(model)
    if model_admin is not None:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    inlines = [
        inline
        for parent_admin in admin.site._registry.values()
        for inline in parent_admin.get_inline_instances(request)
        if inline.model is model
    ]
    for inline in inlines:
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not (inline.can_delete and inline.has_delete_permission(request))
    assert model_admin is not None or inlines, f"{model.__name__} is not shown in the admin"


def test_parents_of_history_rows_cannot_be_deleted_in_the_admin():
    request = RequestFactory().get("/quan-tri/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for parent in (DigitisationJob, StoredDocument):
        assert not admin.site._registry[parent].has_delete_permission(request)


# ---- closing a handover: once, through one method --------------------------------------------------------


@pytest.fixture
def open_handover(db):
    handover = received(Province()).handovers.get()
    assert handover.completed_at is None
    return handover


def test_a_handover_closes_once(open_handover):
    # when the step it opened ends
    at = open_handover.handed_at + dt.timedelta(hours=2)
    open_handover.close(at=at, outcome=Outcome.EARLY)
    # then the row says so
    stored = DossierHandover.objects.get(pk=open_handover.pk)
    assert (stored.completed_at, stored.outcome) == (at, Outcome.EARLY)
    assert (open_handover.completed_at, open_handover.outcome) == (at, Outcome.EARLY)


def test_a_closed_handover_cannot_be_closed_again(open_handover):
    at = open_handover.handed_at + dt.timedelta(hours=2)
    open_handover.close(at=at, outcome=Outcome.EARLY)
    # when closed again, through the same row or a copy read before the first close
    stale = DossierHandover.objects.get(pk=open_handover.pk)
    stale.completed_at = None
    for handover in (open_handover, stale):
        with pytest.raises(AppendOnlyError):
            handover.close(at=at + dt.timedelta(days=1), outcome=Outcome.LATE)
    # then the first closing stands
    stored = DossierHandover.objects.get(pk=open_handover.pk)
    assert (stored.completed_at, stored.outcome) == (at, Outcome.EARLY)


@pytest.mark.parametrize(
    "values",
    [
        {"note": "sửa ghi chú"},
        {"completed_at": "now", "note": "sửa ghi chú"},
        {"completed_at": "now", "to_user": None},
        {"outcome": Outcome.LATE},
        {"completed_at": None, "outcome": Outcome.LATE},
    ],
    ids=["other-column", "closing-with-other-column", "closing-with-a-relation", "outcome-alone", "no-time"],
)
def test_closing_sets_only_the_closing_columns(open_handover, values):
    values = {k: (timezone.now() if v == "now" else v) for k, v in values.items()}
    before = _stored(open_handover)
    with pytest.raises(AppendOnlyError):
        open_handover._close(**values)
    assert _stored(open_handover) == before


def test_a_new_handover_row_cannot_be_closed_before_it_is_written(open_handover):
    with pytest.raises(AppendOnlyError):
        DossierHandover(dossier=open_handover.dossier).close(at=timezone.now(), outcome=Outcome.EARLY)


# ---- the PostgreSQL trigger: raw SQL refused too ---------------------------------------------------------


def _execute(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_every_history_table_has_its_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s", ["%_append_only"]
        )
        tables = {name for (name,) in cursor.fetchall()}
    assert {model._meta.db_table for model in HISTORY_MODELS} <= tables


@pytest.mark.postgres
def test_raw_sql_update_is_refused(row):
    table, column = type(row)._meta.db_table, _text_column(type(row)).column
    before = _stored(row)
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', ["x", row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f'UPDATE "{table}" SET "{column}" = "{column}"', [])
    assert _stored(row) == before


@pytest.mark.postgres
def test_raw_sql_delete_is_refused(row):
    table = type(row)._meta.db_table
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f'DELETE FROM "{table}" WHERE id = %s', [row.pk])
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f'DELETE FROM "{table}"', [])
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "assignments",
    [
        "note = 'x'",
        "completed_at = now(), note = 'x'",
        "completed_at = now(), to_user_id = NULL",
        "completed_at = now(), handed_at = now()",
        "outcome = 'late'",
    ],
)
def test_raw_sql_on_an_open_handover_may_only_close_it(open_handover, assignments):
    before = _stored(open_handover)
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f"UPDATE dossiers_dossierhandover SET {assignments} WHERE id = %s", [open_handover.pk])
    assert _stored(open_handover) == before


@pytest.mark.postgres
@pytest.mark.parametrize(
    "assignments",
    [
        "completed_at = NULL",
        "completed_at = now()",
        "outcome = 'late'",
        "completed_at = now(), outcome = 'late'",
    ],
)
def test_raw_sql_on_a_closed_handover_is_refused(open_handover, assignments):
    open_handover.close(at=open_handover.handed_at + dt.timedelta(hours=1), outcome=Outcome.EARLY)
    before = _stored(open_handover)
    with pytest.raises(IntegrityError, match="append-only"):
        _execute(f"UPDATE dossiers_dossierhandover SET {assignments} WHERE id = %s", [open_handover.pk])
    assert _stored(open_handover) == before


@pytest.mark.postgres
def test_raw_sql_closing_an_open_handover_is_the_one_update_allowed(open_handover):
    # the statement DossierHandover.close issues, written by hand
    _execute(
        "UPDATE dossiers_dossierhandover SET completed_at = handed_at, outcome = 'early' WHERE id = %s",
        [open_handover.pk],
    )
    stored = DossierHandover.objects.get(pk=open_handover.pk)
    assert (stored.completed_at, stored.outcome) == (open_handover.handed_at, Outcome.EARLY)
