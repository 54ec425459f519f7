import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.errors import ApplicationError, Conflict
from procedures.constants import Channel, ProcedureEventKind, VersionStatus
from procedures.models import ProcedureEvent
from procedures.selectors import procedure_version_in_force
from procedures.services import (
    procedure_retire,
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_version_save_draft,
)

from .factories import ProcedureVersionFactory, published_version

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def test_published_factory_gives_a_complete_version_in_force_today():
    # given / when
    version = published_version()
    # then
    assert version.status == VersionStatus.PUBLISHED
    assert procedure_version_in_force(version.procedure) == version
    assert version.competent_agencies.count() == 1
    assert {t.channel for t in version.processing_times.all()} == {
        Channel.COUNTER,
        Channel.ONLINE,
        Channel.POSTAL,
    }
    assert version.components.filter(mandatory=True).count() == 1
    assert [s.role for s in version.steps.order_by("order")] == ["intake", "specialist", "approver", "intake"]
    assert version.total_fee(Channel.ONLINE) < version.total_fee(Channel.COUNTER)


def test_new_version_supersedes_the_old_one_from_its_start_date():
    # given a version in force since last year
    v1 = published_version(valid_from=dt.date(2025, 1, 1))
    # when a new version is drafted and published from 1 April 2026
    v2 = procedure_version_create_draft(procedure=v1.procedure, actor=None, decision_number="123/QĐ-UBND")
    procedure_version_publish(version=v2, actor=None, valid_from=dt.date(2026, 4, 1))
    v1.refresh_from_db()
    # then the old one applies until 31 March, the new one from 1 April; content was copied
    assert v2.number == 2
    assert v1.valid_to == dt.date(2026, 4, 1)
    assert v1.status == VersionStatus.PUBLISHED  # its end date has not come yet
    assert procedure_version_in_force(v1.procedure, on=dt.date(2026, 3, 31)) == v1
    assert procedure_version_in_force(v1.procedure, on=dt.date(2026, 4, 1)) == v2
    assert procedure_version_in_force(v1.procedure, on=dt.date(2024, 12, 31)) is None
    assert v2.components.count() == v1.components.count() == 3
    assert v2.steps.count() == 4


def test_version_published_from_today_retires_the_previous_one_at_once():
    v1 = published_version(valid_from=dt.date(2025, 1, 1))
    v2 = procedure_version_create_draft(procedure=v1.procedure, actor=None)
    procedure_version_publish(version=v2, actor=None)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert procedure_version_in_force(v1.procedure) == v2
    # a dossier received last year still finds the version it was received under
    assert procedure_version_in_force(v1.procedure, on=dt.date(2025, 6, 1)) == v1
    kinds = list(ProcedureEvent.objects.filter(procedure=v1.procedure).values_list("kind", flat=True))
    assert kinds.count(ProcedureEventKind.PUBLISHED) == 2
    assert ProcedureEventKind.SUPERSEDED in kinds


def test_published_version_cannot_be_published_again():
    version = published_version()
    with pytest.raises(Conflict):
        procedure_version_publish(version=version, actor=None)


def test_new_version_cannot_start_before_one_already_published():
    v1 = published_version(valid_from=dt.date(2026, 2, 1))
    draft = procedure_version_create_draft(procedure=v1.procedure, actor=None)
    with pytest.raises(Conflict, match="01/02/2026"):
        procedure_version_publish(version=draft, actor=None, valid_from=dt.date(2026, 1, 15))


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        (lambda v: v.competent_agencies.clear(), "Chưa chọn cơ quan giải quyết."),
        (lambda v: v.processing_times.all().delete(), "Chưa nhập thời hạn giải quyết."),
        (lambda v: v.components.filter(order=1).update(name=""), "Thành phần hồ sơ thứ 1 chưa có tên."),
        (lambda v: v.steps.filter(order=2).update(share_percent=Decimal(50)), "phải bằng 100%"),
        (lambda v: v.steps.filter(order=2).update(role="citizen"), "vai trò “citizen” không hợp lệ"),
    ],
)
def test_incomplete_draft_is_refused_with_a_clear_message(breaks, message):
    # given a complete draft with one thing broken
    draft = ProcedureVersionFactory(details=True)
    breaks(draft)
    # when / then
    with pytest.raises(ApplicationError) as caught:
        procedure_version_publish(version=draft, actor=None)
    assert message in caught.value.message
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_retiring_a_procedure_ends_its_version_but_keeps_history():
    version = published_version(valid_from=dt.date(2025, 1, 1))
    procedure_retire(procedure=version.procedure, actor=None, reason="Bãi bỏ theo Quyết định 9/QĐ-UBND")
    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED
    assert procedure_version_in_force(version.procedure) is None
    assert procedure_version_in_force(version.procedure, on=dt.date(2025, 5, 5)) == version


def test_edits_are_saved_on_drafts_only():
    # given a published version and a draft of the next one
    published = published_version(valid_from=dt.date(2025, 1, 1))
    draft = procedure_version_create_draft(procedure=published.procedure, actor=None)
    # when the draft is edited
    draft.requirements = "Điều kiện mới"
    procedure_version_save_draft(version=draft, actor=None, changed=["requirements"])
    # then it is saved with an event, while the published version is refused
    assert ProcedureEvent.objects.filter(version=draft, kind=ProcedureEventKind.DRAFT_EDITED).exists()
    published.requirements = "Sửa trái phép"
    with pytest.raises(Conflict):
        procedure_version_save_draft(version=published, actor=None)
    published.refresh_from_db()
    assert published.requirements != "Sửa trái phép"
