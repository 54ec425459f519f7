"""The dossier register (Sổ theo dõi hồ sơ, TT 01/2018/TT-VPCP Mẫu số 06) as an Excel workbook.

Only the layout is here; the rows come from `queues.register_rows`. The workbook is written in openpyxl's
write-only mode, so a year of a busy desk does not sit in memory as cell objects.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone

from portal.spreadsheets import excel_row

from .queues import RegisterRow

TITLE = "SỔ THEO DÕI HỒ SƠ"
# (header, width); the four dates sit under one group header as on the printed form.
COLUMNS = [
    ("STT", 6),
    ("Mã hồ sơ", 26),
    ("Tên thủ tục hành chính", 48),
    ("Số lượng hồ sơ (bộ)", 10),
    ("Tên cá nhân, tổ chức", 28),
    ("Địa chỉ, số điện thoại", 36),
    ("Cơ quan chủ trì giải quyết", 28),
    ("Nhận hồ sơ", 17),
    ("Hẹn trả kết quả", 17),
    ("Chuyển hồ sơ đến cơ quan giải quyết", 17),
    ("Nhận kết quả từ cơ quan giải quyết", 17),
    ("Trả kết quả cho cá nhân, tổ chức", 17),
    ("Ký nhận", 20),
    ("Kênh", 12),
    ("Trạng thái", 24),
    ("Ghi chú", 36),
]
DATE_GROUP = (8, 12)  # 1-based columns under "Ngày, tháng, năm"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the province's local time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _note(row: RegisterRow) -> str:
    dossier = row.dossier
    parts = []
    if row.outcome_label:
        parts.append(row.outcome_label)
    if dossier.original_due_at and dossier.due_at and dossier.original_due_at != dossier.due_at:
        parts.append(f"Hẹn ban đầu {timezone.localtime(dossier.original_due_at):%d/%m/%Y %H:%M}")
    if dossier.supplement_count:
        parts.append(f"Yêu cầu bổ sung {dossier.supplement_count} lần")
    if dossier.postal_tracking_number:
        parts.append(f"Bưu gửi {dossier.postal_tracking_number}")
    return "; ".join(parts)


def workbook_bytes(
    *, agency_name: str, date_from: dt.date, date_to: dt.date, rows: Iterable[RegisterRow]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("So theo doi ho so")
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[_column_letter(index)].width = width
    sheet.freeze_panes = "C6"
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def cell(value, *, font=None, alignment=None, number_format=None):
        item = WriteOnlyCell(sheet, value=value)
        if font:
            item.font = font
        if alignment:
            item.alignment = alignment
        if number_format:
            item.number_format = number_format
        return item

    sheet.append(excel_row(sheet, [cell(agency_name.upper(), font=bold)]))
    sheet.append([cell(TITLE, font=Font(bold=True, size=14))])
    sheet.append([cell(f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}")])
    group = [None] * len(COLUMNS)
    group[DATE_GROUP[0] - 1] = cell("Ngày, tháng, năm", font=bold, alignment=centre)
    sheet.append(group)
    sheet.append([cell(header, font=bold, alignment=centre) for header, _width in COLUMNS])
    for number, row in enumerate(rows, start=1):
        d = row.dossier
        contact = ", ".join(p for p in (d.applicant_address, d.applicant_phone) if p)
        sheet.append(
            excel_row(
                sheet,
                [
                    number,
                    d.code,
                    d.procedure_version.name,
                    d.set_count,
                    d.applicant_name,
                    contact,
                    d.competent_agency.name if d.competent_agency else "",
                    cell(_local(d.received_at), number_format=DATETIME_FORMAT),
                    cell(_local(d.due_at), number_format=DATETIME_FORMAT),
                    cell(_local(row.forwarded_at), number_format=DATETIME_FORMAT),
                    cell(_local(row.result_received_at), number_format=DATETIME_FORMAT),
                    cell(_local(d.delivered_at), number_format=DATETIME_FORMAT),
                    d.collected_by,
                    d.get_channel_display(),
                    d.get_state_display(),
                    _note(row),
                ],
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
