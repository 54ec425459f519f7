# The Kho dữ liệu fixtures the archive tests share with the repository tests: agencies and officers, the
# signing keys in a folder of the test, a certificate of the agency.
from tests.repository.conftest import agency, approver, certificate, pki  # noqa: F401
