"""Demo data of the payments app: the finance officer `ketoan` of Sở Xây dựng and of the provincial
service centre, the agencies' beneficiary accounts. Idempotent."""

from __future__ import annotations

from portal.constants import AccountType, Role
from portal.demo import _user
from portal.models import Agency
from portal.services import officer_assign

from .models import BeneficiaryAccount

FINANCE_LOGIN = "ketoan"
# (agency code, bank BIN, bank, account, account name) — illustrative State Treasury collection accounts.
ACCOUNTS = [
    (
        "000.00.20.H32",
        "970415",
        "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)",
        "3711000020001",
        "SO XAY DUNG KHANH HOA",
    ),
    (
        "000.00.15.H32",
        "970415",
        "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)",
        "3711000015001",
        "TT PVHCC TINH KHANH HOA",
    ),
    (
        "000.00.21.H32",
        "970415",
        "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)",
        "3711000021001",
        "SO TU PHAP KHANH HOA",
    ),
]


def load(stdout=None) -> None:
    officer = _user(
        FINANCE_LOGIN,
        full_name="Lê Thị Kế Toán",
        account_type=AccountType.OFFICER,
        email=f"{FINANCE_LOGIN}@khanhhoa.gov.vn",
    )
    for code, bin_, bank, number, name in ACCOUNTS:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            continue
        officer_assign(
            user=officer, agency=agency, role=Role.FINANCE_OFFICER, department="Phòng Kế hoạch - Tài chính"
        )
        BeneficiaryAccount.objects.get_or_create(
            agency=agency,
            defaults={"bank_bin": bin_, "bank_name": bank, "account_number": number, "account_name": name},
        )
    if stdout:
        stdout.write("Thanh toán: tài khoản kế toán và tài khoản thụ hưởng.")
