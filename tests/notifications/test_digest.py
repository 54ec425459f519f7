"""Officers' daily digest of the dossiers they handle that the deadline sweep marked due soon or overdue."""

from __future__ import annotations

from dossiers.constants import DeadlineStatus
from dossiers.models import Dossier
from dossiers.notifications import deadline_digests_send
from notifications.constants import Kind
from notifications.models import Notification
from tests.dossiers.factories import appraising


def test_each_officer_gets_one_digest_a_day(province):
    due_soon = appraising(province)
    overdue = appraising(province)
    Dossier.objects.filter(pk=due_soon.pk).update(deadline_status=DeadlineStatus.DUE_SOON)
    Dossier.objects.filter(pk=overdue.pk).update(deadline_status=DeadlineStatus.OVERDUE)
    assert deadline_digests_send() == 1
    digest = Notification.objects.get(kind=Kind.DEADLINE_DIGEST)
    assert digest.recipient == province.specialist
    assert digest.subject == "Hồ sơ sắp đến hạn: 1, quá hạn: 1"
    assert overdue.code in digest.body and due_soon.code in digest.body
    assert deadline_digests_send() == 0  # the same day again writes nothing
