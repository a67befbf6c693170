"""Spreadsheets the portal hands out (.xlsx), safe to open in Excel or WPS.

Every exported cell goes through `safe_cell`: a value typed by an outsider (an institution's
name, a contact) must never run as a formula on an official's computer (OWASP, CSV injection).
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from xml.parsers import expat

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from python_calamine import load_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP "CSV Injection": a cell starting with one of these is read as a formula (or as the start
# of one, after a tab or line break) by Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as it may be written to a spreadsheet cell: a string that a spreadsheet would
    take for a formula gets a leading apostrophe and stays text; anything else is unchanged. A
    lazy label is written in the language active now."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        if set(value) <= {"-", "—"}:
            return value  # "--" (no 工种) is how the certificate writes nothing; not a formula
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


# --- reading uploads -----------------------------------------------------------------------
# Every importer (rosters, contestants, occupations) reads through `read_table`, which bounds
# what it reads *before* reading it: an .xlsx is a ZIP of XML whose cells name their own
# position, so a 1.5 KB file can declare a 16,384 × 1,048,576 sheet, and a reader that lays it
# out densely asks for 512 GiB and kills the worker.

MAX_ROWS = 200_000  # data rows, above the 100,000-row roster of the benchmark
MAX_COLUMNS = 64
MAX_CELLS = 4_000_000  # the rectangle a reader lays out: rows × columns
MAX_UNPACKED = 300 * 2**20  # an .xlsx of 100,000 roster rows unpacks to about 80 MB
MAX_ZIP_ENTRIES = 1_000
SCAN_CHUNK = 2**20

# Where the reader (calamine) puts a cell: at its r="B7" when it has one; otherwise one column
# right of the cell before it in its row, the row being its r="7" or the one below the row
# before. Excel, WPS, LibreOffice and openpyxl write every cell as <c r="B7" …>, and such a sheet
# is measured by its references: one search when they all lie inside A1:Z149999, a count
# otherwise. Any other sheet is walked element by element and measured as the reader will lay
# it out: a 4 KB file whose cells carried no reference once asked for 320 GB and killed the
# worker.
_SMALL_ROWS, _SMALL_COLUMNS = 150_000, 26
assert _SMALL_ROWS - 1 <= MAX_ROWS and _SMALL_ROWS * _SMALL_COLUMNS <= MAX_CELLS
# A cell tag that does not start with a reference inside A1:Z149999 (written without leading
# zeros). Patterns that start with a literal, because they run over every byte of the sheet.
_NOT_SMALL_CELL = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="[A-Z](?:[1-9][0-9]{0,4}|1[0-4][0-9]{4})"))')
# A cell tag that does not start with a reference.
_CELL_WITHOUT_REFERENCE = re.compile(rb'<c(?:[\t\n\r/>]| (?!r="[A-Z]{1,3}[0-9]{1,7}"))')
# A cell tag with a namespace prefix (<x:c …>), which the reader takes as a cell too.
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_REF_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_REF_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")


class UnreadableSpreadsheet(ValueError):
    """An upload refused before it is read, with the reason in both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    return get_column_letter(min(max(number, 1), 18278))


def _whole_tags(stream):
    """The worksheet's XML in chunks of about SCAN_CHUNK, as (buffer, end): the buffer is cut
    before the last tag that starts in this round, so no tag or reference straddles a cut (one
    split there was lost before). Never the whole sheet at once."""
    buffer = b""
    while True:
        chunk = stream.read(SCAN_CHUNK)
        buffer += chunk
        end = len(buffer) if not chunk else max(0, buffer.rfind(b"<"))
        yield buffer, end
        buffer = buffer[end:]
        if not chunk:
            return


def _has_prefixed_cell(buffer: bytes, end: int) -> bool:
    return buffer.find(b":c", 0, end) >= 0 and _PREFIXED_CELL.search(buffer, 0, end) is not None


def _every_cell(stream, odd_cell: re.Pattern) -> bool:
    """Whether no cell tag of the sheet matches `odd_cell` and none has a namespace prefix."""
    for buffer, end in _whole_tags(stream):
        if odd_cell.search(buffer, 0, end) or _has_prefixed_cell(buffer, end):
            return False
    return True


def _extent_by_references(stream) -> tuple[int, int]:
    """The last row and column of a sheet whose every cell starts with its reference."""
    last_row = last_column = 0
    for buffer, end in _whole_tags(stream):
        # findall, set and map run in C: a 100,000-row sheet has a million cell references.
        columns = set(_REF_COLUMN.findall(buffer, 0, end))
        last_column = max([last_column, *map(_column_number, columns)])
        # Each row number recurs once per cell: int() only the distinct ones.
        rows = set(_REF_ROW.findall(buffer, 0, end))
        last_row = max(last_row, max(map(int, rows), default=0))
    return last_row, last_column


def _unplaceable(what: str) -> UnreadableSpreadsheet:
    return UnreadableSpreadsheet(
        f"表格中的单元格位置“{what[:20]}”无法识别，请在 Excel 或 WPS 中另存为 .xlsx 后重新上传",
        f"The sheet names a cell position “{what[:20]}” that cannot be read; save it as .xlsx "
        "in Excel or WPS and upload it again",
    )


def _sheet_extent(stream) -> tuple[int, int]:
    """The last row and column of a sheet's cells, placed as the reader places them, element by
    element (expat): for sheets whose cells do not all start with their reference. Where the
    reader's placement could be read two ways, the larger is taken."""
    row = rows_seen = column = cells_in_row = last_row = last_column = 0

    def start(name, attributes):
        nonlocal row, rows_seen, column, cells_in_row, last_row, last_column
        tag = name.rpartition(":")[2]
        if tag == "row":
            rows_seen += 1
            number = attributes.get("r")
            if number is None:
                row = max(row + 1, rows_seen)
            elif _ROW_NUMBER.fullmatch(number):
                row = int(number)
            else:
                raise _unplaceable(number)
            column = cells_in_row = 0
        elif tag == "c":
            cells_in_row += 1
            reference = attributes.get("r")
            if reference is None:
                cell_row, column = max(row, 1), max(column + 1, cells_in_row)
            elif found := _CELL_REFERENCE.fullmatch(reference):
                cell_row, column = int(found[2]), _column_number(found[1].encode())
            else:
                raise _unplaceable(reference)
            last_row, last_column = max(last_row, cell_row), max(last_column, column)

    def no_document_type(*_args):
        raise UnreadableSpreadsheet(
            "文件不是有效的 .xlsx 表格（含文档类型声明）",
            "The file is not a valid .xlsx workbook (it declares a document type)",
        )

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_document_type
    try:
        while chunk := stream.read(SCAN_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise UnreadableSpreadsheet(
            "文件不是有效的 .xlsx 表格", "The file is not a valid .xlsx workbook"
        ) from exc
    return last_row, last_column


def _check_sheet_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a worksheet that the reader would lay out beyond the limits, before it does."""
    with archive.open(info) as stream:
        if _every_cell(stream, _NOT_SMALL_CELL):
            return  # inside A1:Z149999: every limit holds
    with archive.open(info) as stream:
        referenced = _every_cell(stream, _CELL_WITHOUT_REFERENCE)
    with archive.open(info) as stream:
        _refuse_extent(*(_extent_by_references(stream) if referenced else _sheet_extent(stream)))


def _refuse_extent(rows: int, columns: int) -> None:
    if rows - 1 > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        corner = f"{_column_letters(columns)}{rows}"
        raise UnreadableSpreadsheet(
            f"表格的使用范围达到 {corner}（{rows} 行 × {columns} 列），超过上限：最多 {MAX_ROWS} "
            f"行数据、{MAX_COLUMNS} 列。请删除表格中多余的单元格或拆分文件后重新上传",
            f"The sheet reaches cell {corner} ({rows} rows × {columns} columns), beyond the "
            f"limit of {MAX_ROWS} data rows and {MAX_COLUMNS} columns. Delete the stray cells or "
            "split the file, then upload it again",
        )


def _xlsx_table(data: bytes, sheet_title: str | None) -> list[list]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableSpreadsheet(
            "文件不是有效的 .xlsx 表格", "The file is not a valid .xlsx workbook"
        ) from exc
    with archive:
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if len(infos) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED:
            raise UnreadableSpreadsheet(
                f"文件解压后 {unpacked // 2**20} MB、{len(infos)} 个部件，超过上限 "
                f"{MAX_UNPACKED // 2**20} MB",
                f"The workbook unpacks to {unpacked // 2**20} MB in {len(infos)} parts, beyond "
                f"the limit of {MAX_UNPACKED // 2**20} MB",
            )
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _check_sheet_size(archive, info)
    workbook = load_workbook(io.BytesIO(data))
    names = workbook.sheet_names
    if not names:
        return []
    sheet = workbook.get_sheet_by_name(sheet_title if sheet_title in names else names[0])
    # Keep leading empty rows and columns so that row numbers are the ones Excel shows.
    return sheet.to_python(skip_empty_area=False)


def _csv_table(data: bytes) -> list[list[str]]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else sends UTF-8, with
    # or without a BOM.
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UnreadableSpreadsheet(
                "文件不是 UTF-8 或 GB18030 编码的 .csv 文本",
                "The file is not .csv text in UTF-8 or GB18030",
            ) from exc
    table, widest = [], 0
    for row in csv.reader(io.StringIO(text, newline="")):
        table.append(row)
        widest = max(widest, len(row))
        _refuse_extent(len(table), widest)  # stops reading at the first row beyond a limit
    return table


# What a file really is, whatever its name says (a PNG renamed .csv is not text).
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"MZ",
    b"\x7fELF",
    b"\xd0\xcf\x11\xe0",
)


def is_blank(value) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(source, filename: str, sheet_title: str | None = None) -> list[list]:
    """The rows of an uploaded .xlsx or .csv (bytes, a path, or an open file), bounded in rows,
    columns, cells and unpacked size before anything is laid out. Raises UnreadableSpreadsheet
    with the reason."""
    data = _bytes_of(source)
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UnreadableSpreadsheet(
            "只接受 .xlsx 或 .csv 文件", "Only .xlsx and .csv files are accepted"
        )
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xlsx" and not is_zip:
        raise UnreadableSpreadsheet(
            "文件内容不是 .xlsx 表格（可能是改了扩展名的其他文件），请在 Excel 或 WPS 中另存为 .xlsx",
            "The content is not an .xlsx workbook (perhaps another file renamed); save it as .xlsx "
            "in Excel or WPS",
        )
    if suffix == ".csv" and (is_zip or data.startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]):
        raise UnreadableSpreadsheet(
            "文件内容不是 .csv 文本（可能是改了扩展名的其他文件），请在 Excel 或 WPS 中另存为 .csv",
            "The content is not .csv text (perhaps another file renamed); save it as .csv in "
            "Excel or WPS",
        )
    return _xlsx_table(data, sheet_title) if suffix == ".xlsx" else _csv_table(data)


def _bytes_of(source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read()
