"""Writes for Kho dữ liệu, one module per subject; every public name is re-exported here, so that
`from repository import services` and `services.document_upload(…)` keep working.

- `documents`: upload, versions, deletion, revocation (NĐ 45/2020/NĐ-CP Điều 16);
- `uses`: consent to reuse, a document used for a dossier component, logged reads (once-only, Điều 17);
- `results`: signing certificates and signed results (NĐ 23/2025/NĐ-CP);
- `digitisation`: digitisation jobs, and putting their PDF into the dossier they were made for (TT 01/2023/TT-VPCP);
- `backfile`: back-file batches of results issued in the past.
"""

from .backfile import (
    BACKFILE_COLUMNS,
    BACKFILE_REQUIRED,
    backfile_batch_create,
    backfile_batch_run,
)
from .digitisation import (
    digitisation_job_create,
    digitisation_job_link_dossier,
    digitisation_job_retry,
    digitisation_job_run,
    digitisation_jobs_link_pending,
)
from .documents import (
    DOCUMENT_ALLOWED,
    DuplicateDocument,
    Owner,
    document_add_version,
    document_delete,
    document_revoke,
    document_upload,
    find_duplicate,
)
from .results import (
    SIGNING_ROLES,
    receipt_store,
    result_issue,
    signing_certificate_current,
    signing_certificate_import,
    signing_certificate_issue,
    signing_certificate_register_pkcs11,
    signing_certificate_revoke,
    verification_code,
    verification_url,
)
from .uses import (
    document_log_access,
    document_record_use,
    document_set_consent,
)

__all__ = [
    "BACKFILE_COLUMNS",
    "BACKFILE_REQUIRED",
    "DOCUMENT_ALLOWED",
    "DuplicateDocument",
    "Owner",
    "SIGNING_ROLES",
    "receipt_store",
    "backfile_batch_create",
    "backfile_batch_run",
    "digitisation_job_create",
    "digitisation_job_link_dossier",
    "digitisation_job_retry",
    "digitisation_job_run",
    "digitisation_jobs_link_pending",
    "document_add_version",
    "document_delete",
    "document_log_access",
    "document_record_use",
    "document_revoke",
    "document_set_consent",
    "document_upload",
    "find_duplicate",
    "result_issue",
    "signing_certificate_current",
    "signing_certificate_import",
    "signing_certificate_register_pkcs11",
    "signing_certificate_issue",
    "signing_certificate_revoke",
    "verification_code",
    "verification_url",
]
