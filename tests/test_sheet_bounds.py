"""How an .xlsx is measured before the reader lays it out (skilleval.spreadsheets): a sheet whose
every cell starts with a reference inside A1:Z149999 passes at one search; any other is measured
exactly — by its references when every cell has one, else element by element as the reader
places cells — and refused when the reader would lay it out beyond the limits."""

import io
import zipfile

import pytest

from skilleval.spreadsheets import (
    _NOT_SMALL_CELL,
    UnreadableSpreadsheet,
    _every_cell,
    _sheet_extent,
    read_table,
)
from tests.hostile_files import cell, xlsx_with_rows


def sheet_stream(rows_xml: str):
    archive = zipfile.ZipFile(io.BytesIO(xlsx_with_rows(rows_xml)))
    return archive.open("xl/worksheets/sheet1.xml")


def plainly_small(rows_xml: str) -> bool:
    with sheet_stream(rows_xml) as stream:
        return _every_cell(stream, _NOT_SMALL_CELL)


@pytest.mark.parametrize(
    ("ref", "small"),
    [
        ("A1", True),
        ("Z149999", True),  # the last cell inside the quick bound
        ("AA1", False),  # column 27
        ("XFD1", False),
        ("A150000", False),
        ("A1048576", False),
        ("A0150000", False),  # leading zeros do not hide a row
    ],
)
def test_the_quick_bound_looks_at_every_reference(ref, small):
    rows = f'<row r="1">{cell("A1", "x")}</row><row r="2">{cell(ref, "y")}</row>'
    assert plainly_small(rows) is small


@pytest.mark.parametrize(
    "odd_cell",
    ["<c><v>1</v></c>", "<c/>", '<c t="n"><v>1</v></c>', '<c s="1" r="A2"><v>1</v></c>'],
)
def test_a_cell_that_does_not_start_with_its_reference_is_not_taken_on_trust(odd_cell):
    assert plainly_small(f'<row r="2">{odd_cell}</row>') is False


def test_a_prefixed_cell_is_not_taken_on_trust():
    rows = '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>'
    assert plainly_small(rows) is False
    assert plainly_small(f'<row r="1">{cell("A1", "a:c b")}</row>') is True  # text, not a tag


def test_a_sheet_past_the_quick_bound_but_inside_the_limits_is_read():
    rows = f'<row r="1">{cell("A1", "名称")}</row><row r="3">{cell("AB3", "远")}</row>'
    table = read_table(xlsx_with_rows(rows), "wide.xlsx")
    assert len(table) == 3 and len(table[2]) == 28
    assert table[0][0] == "名称" and table[2][27] == "远"


def wide_row_without_references(cells: int, attribute: str = "") -> str:
    """Row 1 with `cells` cells that carry no r="…" (each one column right of the last), and
    one far cell: a reader lays out cells × 100,000."""
    row = "".join(f"<c{attribute}><v>1</v></c>" for _ in range(cells))
    return f'<row r="1">{row}</row><row r="100000">{cell("A100000", "x")}</row>'


@pytest.mark.parametrize("attribute", ["", ' xr="A1"', ' t="n"'])
def test_cells_without_references_are_placed_as_the_reader_places_them(attribute):
    """A 4 KB file: counted by references alone it was one column wide and passed, and the
    reader asked for 320 GB and aborted the worker process."""
    content = xlsx_with_rows(wide_row_without_references(100_000, attribute))
    with pytest.raises(UnreadableSpreadsheet) as refused:
        read_table(content, "bomb.xlsx")
    assert "100000" in refused.value.zh or "100000" in refused.value.en


def test_a_sheet_without_references_is_still_read():
    rows = "".join(
        f'<row><c t="inlineStr"><is><t>姓名{n}</t></is></c><c><v>{n}</v></c></row>'
        for n in range(1, 6)
    )
    table = read_table(xlsx_with_rows(rows), "plain.xlsx")
    assert [row[0] for row in table] == [f"姓名{n}" for n in range(1, 6)]
    assert [row[1] for row in table] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_placement_follows_references_and_counts_on_after_them():
    rows = '<row r="4"><c r="C4"><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row><row><c/></row>'
    with sheet_stream(rows) as stream:
        assert _sheet_extent(stream) == (5, 5)  # C4, then D4 and E4; the next row is row 5


@pytest.mark.parametrize("reference", ["a1", "A", "1A", "A1 ", "ABCD1"])
def test_a_cell_position_the_reader_would_not_read_is_refused(reference):
    rows = f'<row r="1"><c r="{reference}"><v>1</v></c></row>'
    with pytest.raises(UnreadableSpreadsheet):
        read_table(xlsx_with_rows(rows), "odd.xlsx")


def test_a_document_type_declaration_is_refused():
    content = xlsx_with_rows(f'<row r="1">{cell("A1", "x")}</row><c/>')
    archive = zipfile.ZipFile(io.BytesIO(content))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    with_doctype = sheet.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "b">]><worksheet', 1)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as target:
        for item in archive.infolist():
            data = (
                with_doctype if item.filename == "xl/worksheets/sheet1.xml" else archive.read(item)
            )
            target.writestr(item.filename, data)
    with pytest.raises(UnreadableSpreadsheet):
        read_table(rebuilt.getvalue(), "doctype.xlsx")
