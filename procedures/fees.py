"""What a dossier pays when filing: the payable fee rows of a version with a listed target group's exemption
applied. Used by the desk (counter intake, dossier page) and by the payments app."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Fee, FeeExemption


def fee_lines(fees: Iterable[Fee], exemption: FeeExemption | None) -> list[dict]:
    """Payable lines of these fee rows (amount > 0, not fixed after appraisal), the exemption applied: a line
    it brings down keeps the full amount and says which exemption (to 0 when the group is exempted)."""
    lines = []
    for f in fees:
        if f.amount <= 0 or f.due_after_appraisal:
            continue
        line = {"name": f.name, "amount": int(f.amount)}
        if exemption is not None and exemption.applies_to(f.name):
            line.update(
                amount=exemption.reduced(int(f.amount)),
                full_amount=int(f.amount),
                exemption=f"{exemption.group} — {exemption.effect} ({exemption.legal_basis})",
            )
        lines.append(line)
    return lines


def waived(lines: list[dict]) -> int:
    """How much the exemption took off these lines, in đồng."""
    return sum(line["full_amount"] - line["amount"] for line in lines if "full_amount" in line)
