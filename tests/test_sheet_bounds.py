"""The quick bound an .xlsx passes before it is read (skilleval.spreadsheets): a sheet whose
references all stay before column U and row 200,000 is inside every limit at one search; any
other sheet is measured exactly, and read when that says it fits."""

import io
import zipfile

import pytest

from skilleval.spreadsheets import _clearly_within_limits, read_table
from tests.hostile_files import cell, xlsx_with_rows


def clearly_small(rows_xml: str) -> bool:
    archive = zipfile.ZipFile(io.BytesIO(xlsx_with_rows(rows_xml)))
    with archive.open("xl/worksheets/sheet1.xml") as stream:
        return _clearly_within_limits(stream)


@pytest.mark.parametrize(
    ("ref", "small"),
    [
        ("A1", True),
        ("T199999", True),  # the last cell inside the quick bound
        ("U1", False),  # column 21
        ("AA1", False),
        ("XFD1", False),
        ("A200000", False),
        ("A1048576", False),
        ("A0200000", False),  # leading zeros do not hide a row
    ],
)
def test_the_quick_bound_looks_at_every_reference(ref, small):
    rows = f'<row r="1">{cell("A1", "x")}</row><row r="2">{cell(ref, "y")}</row>'
    assert clearly_small(rows) is small


def test_the_quick_bound_counts_rows_without_references():
    rows = "<row><c/></row>" * 200_000
    assert clearly_small(rows) is False
    assert clearly_small("<row><c/></row>" * 1_000) is True


def test_a_sheet_past_the_quick_bound_but_inside_the_limits_is_read():
    rows = f'<row r="1">{cell("A1", "名称")}</row><row r="3">{cell("Z3", "远")}</row>'
    table = read_table(xlsx_with_rows(rows), "wide.xlsx")
    assert len(table) == 3 and len(table[2]) == 26
    assert table[0][0] == "名称" and table[2][25] == "远"
