"""Spreadsheets the portal hands out (.xlsx), safe to open in Excel or WPS.

Every exported cell goes through `safe_cell`: a value typed by an outsider (an institution's
name, a contact) must never run as a formula on an official's computer (OWASP, CSV injection).
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP "CSV Injection": a cell starting with one of these is read as a formula (or as the start
# of one, after a tab or line break) by Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as it may be written to a spreadsheet cell: a string that a spreadsheet would
    take for a formula gets a leading apostrophe and stays text; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_response(
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[float] = (),
    *,
    sheet_title: str = "Sheet1",
) -> HttpResponse:
    """A one-sheet .xlsx download: a bold, frozen header row, the given column widths (in
    characters), text cells wrapped and top-aligned, dates as dates. `filename` may be Chinese;
    it is sent as RFC 5987 `filename*=`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    # A write-only sheet takes its column widths and panes before the first row.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, date | datetime):
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = wrapped
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever openpyxl guessed
            cells.append(cell)
        sheet.append(cells)

    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
