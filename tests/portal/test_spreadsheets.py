"""Every export escapes cells a spreadsheet program would run as a formula (issue 17, finding 5)."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from portal.spreadsheets import csv_safe, excel_row

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["Nguyễn Văn An", "1-2", " =1", ""]


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_written_as_a_text_cell(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x")
    sheet.append(excel_row(sheet, [*DANGEROUS, *HARMLESS, 42, -3]))
    buffer = io.BytesIO()
    book.save(buffer)

    cells = list(load_workbook(io.BytesIO(buffer.getvalue()))["x"].iter_rows())[0]
    for cell, typed in zip(cells, DANGEROUS, strict=False):
        assert cell.data_type == "s" and cell.value == typed and cell.quotePrefix
    assert [c.value for c in cells[len(DANGEROUS) :]] == ["Nguyễn Văn An", "1-2", " =1", None, 42, -3]


def test_csv_fields_get_a_leading_quote():
    out = io.StringIO()
    csv.writer(out).writerow([csv_safe(v) for v in [*DANGEROUS, "An", 7, -7]])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[: len(DANGEROUS)] == [f"'{v}" for v in DANGEROUS]
    assert row[len(DANGEROUS) :] == ["An", "7", "-7"]
