"""The dossier (hồ sơ) and everything kept with it.

- `dossier`: the dossier and its state machine, its files, its append-only history (events), the code counter and
  the documents kept with it (printed forms, draft and signed results).
- `archive`: Kho dữ liệu hồ sơ TTHC — retention rules, the retention of each finished dossier, reads of the archive.
- `survey`, `feedback`, `appointments`: the citizen's voice — satisfaction surveys after delivery, feedback
  and complaints (PAKN), bookings at the desk and the queue of the day.
- `processing`: what processing adds — handovers (the control slip), inter-agency transfers, apologies with a new
  appointment, messages with the applicant, financial obligations.

The state lives in a protected FSM field: it only changes through the transition methods, and those methods only
set fields. Who may call them, the event row and the side effects are the job of `dossiers.services`, which every
state change goes through. The upload paths are defined here because migrations refer to them by this module.
"""

from __future__ import annotations

import uuid


def _dossier_file_path(instance, filename: str) -> str:
    # Never reuse the uploaded name in the path: it is kept in `original_name` for display only.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"dossiers/{instance.dossier_id}/files/{uuid.uuid4().hex}.{extension}"


def _dossier_document_path(instance, filename: str) -> str:
    return f"dossiers/{instance.dossier_id}/documents/{instance.kind}-{uuid.uuid4().hex}.pdf"


def _attachment_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"dossiers/{instance.dossier_id}/attachments/{uuid.uuid4().hex}.{extension}"


from .appointments import Appointment, AppointmentSlot, QueueTicket  # noqa: E402
from .archive import ArchiveAccessLog, ArchiveRecord, RetentionRule  # noqa: E402
from .dossier import (  # noqa: E402 — the models use the paths above
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
    DossierEventQuerySet,
    DossierFile,
    Route,
)
from .feedback import Feedback, FeedbackEvent  # noqa: E402
from .national import (  # noqa: E402
    NationalService,
    NationalSyncItem,
    NationalSyncLog,
    NationalSyncState,
)
from .processing import (  # noqa: E402
    DossierAccessLog,
    DossierApology,
    DossierHandover,
    DossierHandoverQuerySet,
    DossierMessage,
    DossierObligation,
    DossierTransfer,
)
from .survey import SatisfactionSurvey  # noqa: E402

__all__ = [
    "Appointment",
    "AppointmentSlot",
    "Feedback",
    "FeedbackEvent",
    "QueueTicket",
    "SatisfactionSurvey",
    "ArchiveAccessLog",
    "ArchiveRecord",
    "Dossier",
    "DossierAccessLog",
    "DossierApology",
    "DossierCodeCounter",
    "DossierDocument",
    "DossierEvent",
    "DossierEventQuerySet",
    "DossierFile",
    "DossierHandover",
    "DossierHandoverQuerySet",
    "DossierMessage",
    "DossierObligation",
    "DossierTransfer",
    "NationalService",
    "NationalSyncLog",
    "NationalSyncItem",
    "NationalSyncState",
    "RetentionRule",
    "Route",
]
