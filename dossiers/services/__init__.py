"""Writes of the dossier lifecycle, one module per stage.

Every state change goes through `core.transition`: lock and re-read the row, check the expected version,
the state machine and the permission, call the transition (which only sets fields), save, append the
event row in the same transaction, and schedule side effects (printed forms, notifications, national
sync) with `transaction.on_commit`. The public `dossier_*` services are re-exported here.
"""

from .claims import dossier_claim
from .codes import (
    DEFAULT_CODE_PATTERN,
    dossier_code_issue,
)
from .core import (
    dossier_document_generate,
    dossier_record_officer_read,
)
from .deadlines import (
    dossier_apology_approve,
    dossier_apology_draft,
    dossier_deadlines_sweep,
)
from .decision import (
    ResultDraft,
    dossier_approve,
    dossier_return_for_rework,
    dossier_submit_for_approval,
)
from .delivery import (
    dossier_deliver,
)
from .filing import (
    ApplicantData,
    ComponentUpload,
    dossier_attach_file,
    dossier_attach_stored_document,
    dossier_complete,
    dossier_create_draft,
    dossier_delete_draft,
    dossier_file_attach_digitised,
    dossier_remove_file,
    dossier_set_delivery,
    dossier_submit,
    dossier_update_applicant,
    dossier_withdraw,
    submission_problems,
    validate_form_data,
)
from .messages import (
    dossier_message_post,
)
from .reception import (
    dossier_receive,
    dossier_receive_in_person,
    dossier_refuse,
    dossier_refuse_fee_exemption,
    dossier_request_completion,
)
from .routing import (
    BulkAssignResult,
    dossier_assign,
    dossier_forward,
    dossiers_assign_bulk,
)
from .transfer import (
    dossier_return_transfer,
    dossier_stop,
    dossier_transfer,
)
from .waiting import (
    dossier_record_online_payment,
    dossier_record_payment,
    dossier_request_payment,
    dossier_request_supplement,
    dossier_supplement_at_desk,
    dossier_supplement_complete,
    dossiers_mark_paid_online,
)

__all__ = [
    "dossiers_mark_paid_online",
    "dossier_record_online_payment",
    "dossier_claim",
    "ApplicantData",
    "BulkAssignResult",
    "ComponentUpload",
    "DEFAULT_CODE_PATTERN",
    "ResultDraft",
    "dossier_apology_approve",
    "dossier_apology_draft",
    "dossier_approve",
    "dossier_assign",
    "dossier_attach_file",
    "dossier_attach_stored_document",
    "dossier_code_issue",
    "dossier_complete",
    "dossier_create_draft",
    "dossier_deadlines_sweep",
    "dossier_delete_draft",
    "dossier_deliver",
    "dossier_document_generate",
    "dossier_file_attach_digitised",
    "dossier_forward",
    "dossier_message_post",
    "dossier_receive",
    "dossier_receive_in_person",
    "dossier_record_officer_read",
    "dossier_record_payment",
    "dossier_refuse",
    "dossier_refuse_fee_exemption",
    "dossier_remove_file",
    "dossier_request_completion",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_return_for_rework",
    "dossier_return_transfer",
    "dossier_set_delivery",
    "dossier_stop",
    "dossier_submit",
    "dossier_submit_for_approval",
    "dossier_supplement_at_desk",
    "dossier_supplement_complete",
    "dossier_transfer",
    "dossier_update_applicant",
    "dossier_withdraw",
    "dossiers_assign_bulk",
    "submission_problems",
    "validate_form_data",
]
