"""Spreadsheet exports that cannot run what a person typed (formula / CSV injection).

A spreadsheet program treats a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (`=HYPERLINK(…)` in an applicant's name would become a link that leaks data, or worse). Every
export writes values through here: in `.xlsx` such a string is written as an explicit text cell with Excel's
quote prefix, so the exact text is kept (and reads back unchanged when the file is imported again); in
CSV, which has no types, it gets a leading `'` as OWASP recommends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: Any) -> Any:
    """A CSV field that a spreadsheet program shows as text."""
    return f"'{value}" if formula_like(value) else value


def excel_text(cell: Cell) -> Cell:
    """Keep a cell whose text looks like a formula as plain text; other cells are returned untouched."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def excel_row(sheet, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append`: formula-like strings become text cells, everything else is unchanged.

    Works for write-only and ordinary worksheets, and accepts cells already built (with their styles).
    """
    row = []
    for value in values:
        if isinstance(value, Cell):
            row.append(excel_text(value))
        elif formula_like(value):
            row.append(excel_text(WriteOnlyCell(sheet, value=value)))
        else:
            row.append(value)
    return row
