"""The one spreadsheet-import pipeline (skilleval.imports) that rosters, contestants and the
occupation catalogue declare their columns and checks on."""

import csv
import io
import zipfile
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from openpyxl import load_workbook
from stdnum.cn import ric

from competitions.contestant_import import SPEC as CONTESTANTS
from competitions.contestant_import import check_id_cell as check_contestant_cell
from competitions.contestant_import import check_id_number as check_contestant_id
from institutions.choices import IdType
from institutions.roster import SPEC as ROSTER
from institutions.roster import Context as RosterContext
from institutions.roster import check_id_number as check_roster_id
from skilleval import imports
from skilleval.choices import JobKind, JobStatus
from skilleval.imports import Bad, Column, ImportRefused, Spec, check_rows, read_sheet
from skilleval.job_pages import describe
from skilleval.models import Job, Occupation
from skilleval.occupation_import import SPEC as OCCUPATIONS
from skilleval.occupation_import import import_occupations, read_rows
from tests.hostile_files import (
    cell,
    far_cell_xlsx,
    png_header_only,
    wide_and_long_xlsx,
    xlsx_with_rows,
)


class Refused(ImportRefused):
    pass


def check_age(value, row, context):
    text = imports.cell_text(value)
    if not text.isdigit() or not 16 <= int(text) <= 70:
        raise Bad(f"年龄“{text}”应为 16–70", f"Age “{text}” must be 16–70")
    return int(text)


PEOPLE = Spec(
    columns=(
        Column("name", "姓名", "Name", ("full name",), required=True),
        Column("age", "年龄（周岁）", "Age", required=True),
        Column("note", "备注", "Note"),
    ),
    checks=(
        ("name", "name", lambda value, row, context: imports.cell_text(value)),
        ("age", "age", check_age),
    ),
    refused=Refused,
    missing_zh="缺少“{header}”列",
    missing_en="Missing column “{header}”",
    empty=("没有数据", "No rows"),
    noun=("人", "people"),
    max_rows=3,
)


def as_csv(*rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def checked(content: bytes, spec=PEOPLE):
    return check_rows(spec, read_sheet(spec, content, "people.csv"), None)


class TestHeaders:
    @pytest.mark.parametrize(
        "header",
        [
            ["姓名", "年龄（周岁）"],
            ["Name", "Age"],
            ["full name", "AGE"],
            ["姓名 / Name", "年龄(周岁)"],
            [" 姓名 ", "年龄（周岁） "],
        ],
    )
    def test_chinese_english_and_bilingual_headers_name_the_same_columns(self, header):
        clean, errors = checked(as_csv(header, ["张三", "30"]))
        assert errors == [] and clean == [{"row": 2, "name": "张三", "age": 30}]

    def test_a_missing_required_column_refuses_the_file_before_any_row(self):
        clean, errors = checked(as_csv(["姓名"], ["张三"], ["李四"]))
        assert clean == []
        assert [(e["row"], e["column"], e["column_en"]) for e in errors] == [
            (1, "年龄（周岁）", "Age")
        ]
        assert errors[0]["zh"] == "缺少“年龄（周岁）”列"

    def test_a_doubled_optional_column_is_an_error_beside_the_rows_own(self):
        _clean, errors = checked(
            as_csv(["姓名", "年龄（周岁）", "备注", "Note"], ["张三", "3", "", ""])
        )
        assert [(e["row"], e["column"]) for e in errors] == [(1, "备注"), (2, "年龄（周岁）")]
        assert "出现了两次" in errors[0]["zh"] and "appears twice" in errors[0]["en"]

    def test_other_columns_are_ignored(self):
        clean, errors = checked(as_csv(["序号", "姓名", "年龄（周岁）"], ["1", "张三", "30"]))
        assert errors == [] and clean[0]["age"] == 30

    def test_each_importer_maps_its_english_headers(self):
        for spec in (ROSTER, CONTESTANTS, OCCUPATIONS):
            for column in spec.columns:
                assert spec.header_names[imports.header_key(column.header_en)] == column.key
                assert spec.header_names[imports.header_key(column.header)] == column.key


class TestValueOnlyChecks:
    """A check marked value_only runs once per distinct text of an upload; what it refuses is
    still refused on every row, and a number cell is never taken for the text it equals."""

    def spec_counting(self, calls):
        @imports.value_only
        def check_age_counted(value, row, context):
            calls.append(value)
            return check_age(value, row, context)

        return Spec(
            columns=PEOPLE.columns,
            checks=(("age", "age", check_age_counted),),
            refused=Refused,
            missing_zh=PEOPLE.missing_zh,
            missing_en=PEOPLE.missing_en,
            empty=PEOPLE.empty,
        )

    def test_each_distinct_text_is_checked_once(self):
        calls = []
        rows = [["张三", age] for age in ("30", "30", "41", "30", "41")]
        clean, errors = checked(as_csv(["姓名", "年龄（周岁）"], *rows), self.spec_counting(calls))
        assert errors == [] and [row["age"] for row in clean] == [30, 30, 41, 30, 41]
        assert calls == ["30", "41"]

    def test_a_refused_text_is_refused_on_every_row(self):
        calls = []
        rows = [["张三", "9"], ["李四", "30"], ["王五", "9"]]
        _clean, errors = checked(as_csv(["姓名", "年龄（周岁）"], *rows), self.spec_counting(calls))
        assert [(e["row"], e["value"]) for e in errors] == [(2, "9"), (4, "9")]
        assert calls == ["9", "30", "9"]

    def test_number_cells_are_checked_each_time(self):
        calls = []
        sheet = imports.Sheet(
            header=["年龄（周岁）"],
            rows=[(2, [30.0]), (3, [30.0]), (4, ["30"]), (5, ["30"])],
            columns={"age": 0},
        )
        clean, errors = check_rows(self.spec_counting(calls), sheet, None)
        assert errors == [] and [row["age"] for row in clean] == [30] * 4
        assert calls == [30.0, 30.0, "30"]  # numbers (1 == 1.0 == True as keys) every time


class TestErrors:
    def test_every_problem_names_its_row_and_column_in_both_languages(self):
        content = as_csv(
            ["姓名", "年龄（周岁）"], ["张三", "30"], [], ["李四", "15"], ["王五", "x"]
        )
        clean, errors = checked(content)
        assert clean == []
        assert errors == [
            {
                "row": 4,  # the blank row 3 keeps the numbers the user sees
                "column": "年龄（周岁）",
                "column_en": "Age",
                "value": "15",
                "zh": "年龄“15”应为 16–70",
                "en": "Age “15” must be 16–70",
            },
            {
                "row": 5,
                "column": "年龄（周岁）",
                "column_en": "Age",
                "value": "x",
                "zh": "年龄“x”应为 16–70",
                "en": "Age “x” must be 16–70",
            },
        ]

    def test_a_file_with_only_a_header_is_refused(self):
        assert checked(as_csv(["姓名", "年龄（周岁）"]))[1][0]["zh"] == "没有数据"

    @pytest.mark.parametrize(("rows", "refused"), [(3, False), (4, True)])
    def test_rows_at_the_limit_pass_and_one_more_is_refused(self, rows, refused):
        content = as_csv(["姓名", "年龄（周岁）"], *[[f"人{n}", "30"] for n in range(rows)])
        clean, errors = checked(content)
        assert bool(errors) == refused and len(clean) == (0 if refused else rows)
        if refused:
            assert "一次最多导入 3 人" in errors[0]["zh"] and "At most 3 people" in errors[0]["en"]

    def test_the_annotated_copy_marks_the_bad_cell_and_says_why(self):
        sheet = read_sheet(PEOPLE, as_csv(["姓名", "年龄（周岁）"], ["=1+1", "15"]), "p.csv")
        _clean, errors = check_rows(PEOPLE, sheet, None)
        rows = list(
            load_workbook(io.BytesIO(Refused(errors, sheet, PEOPLE).annotated)).active.values
        )
        assert rows[0][:2] == ("姓名", "年龄（周岁）") and "Errors" in rows[0][2]
        assert rows[1] == (
            "'=1+1",
            "15",
            "年龄（周岁）：年龄“15”应为 16–70 / Age “15” must be 16–70",
        )

    def test_a_job_page_shows_the_column_in_the_readers_language(
        self, province_admin, django_capture_on_commit_callbacks
    ):
        content = as_csv(["职业编码", "职业名称", "工种", "等级"], ["6-18-01-01", "", "", "5"])
        with django_capture_on_commit_callbacks(execute=True):
            job = Job.objects.start(
                JobKind.OCCUPATION_IMPORT,
                user=province_admin,
                input_file=ContentFile(content, name="o.csv"),
            )
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        with translation.override("en"):
            english = describe(job, province_admin).errors
        with translation.override("zh-hans"):
            chinese = describe(job, province_admin).errors
        assert (english[0]["column"], english[0]["reason"]) == (
            "Occupation name",
            "Occupation name is empty",
        )
        assert (chinese[0]["column"], chinese[0]["reason"]) == ("职业名称", "职业名称为空")


@pytest.mark.django_db
class TestAllOrNothing:
    def test_one_bad_row_writes_nothing(self):
        content = as_csv(
            ["职业编码", "职业名称", "工种", "等级"],
            ["6-18-01-01", "车工", "", "5"],
            ["6-18-01-02", "铣工", "", "9"],
        )
        with pytest.raises(ImportRefused) as refused:
            import_occupations(read_rows(content, "o.csv"))
        assert [(e["row"], e["column"]) for e in refused.value.errors] == [(3, "等级")]
        assert not Occupation.objects.exists()

    def test_the_same_rows_without_the_bad_one_are_all_written(self):
        content = as_csv(["职业编码", "职业名称", "工种", "等级"], ["6-18-01-01", "车工", "", "5"])
        assert import_occupations(read_rows(content, "o.csv"))["created"] == 1
        assert Occupation.objects.get().name == "车工"

    def test_a_doubled_column_refuses_an_occupation_file(self):
        content = as_csv(
            ["职业编码", "职业名称", "工种", "等级", "Levels"], ["6-18-01-01", "车工", "", "5", "4"]
        )
        with pytest.raises(ImportRefused) as refused:
            import_occupations(read_rows(content, "o.csv"))
        assert [(e["row"], e["column"]) for e in refused.value.errors] == [(1, "等级")]
        assert not Occupation.objects.exists()


class TestBounds:
    @pytest.mark.parametrize("spec", [PEOPLE, ROSTER, CONTESTANTS, OCCUPATIONS])
    @pytest.mark.parametrize(
        ("content", "filename", "says"),
        [
            (far_cell_xlsx(), "f.xlsx", "XFD1048576"),
            (wide_and_long_xlsx(), "f.xlsx", "CV200000"),
            (png_header_only(300, 400), "f.csv", "改了扩展名"),
            (b"", "f.csv", "文件是空的"),
            (b"a,b", "f.txt", ".xlsx 或 .csv"),
        ],
    )
    def test_every_importer_refuses_what_the_bounded_reader_refuses(
        self, spec, content, filename, says
    ):
        with pytest.raises(spec.refused) as refused:
            read_sheet(spec, content, filename)
        assert [(e["row"], e["column"]) for e in refused.value.errors] == [(1, "")]
        assert says in refused.value.errors[0]["zh"] and refused.value.errors[0]["en"]
        assert refused.value.annotated is None

    @pytest.mark.parametrize("prefix", ["", "x:"])
    def test_rows_without_references_are_counted_by_their_tags(self, prefix):
        """r="…" is optional in a sheet's XML: a generator that leaves it out, with or without a
        namespace prefix, still cannot slip a sheet past the limit."""
        from skilleval.spreadsheets import _sheet_extent

        rows = "".join(
            f'<{prefix}row><{prefix}c t="inlineStr"><{prefix}is><{prefix}t>x</{prefix}t>'
            f"</{prefix}is></{prefix}c></{prefix}row>"
            for _ in range(1234)
        )
        archive = zipfile.ZipFile(io.BytesIO(xlsx_with_rows(rows)))
        with archive.open("xl/worksheets/sheet1.xml") as stream:
            found_rows, _columns = _sheet_extent(stream)
        assert found_rows >= 1234

    def test_the_extent_is_the_farthest_reference_wherever_it_stands(self):
        from skilleval.spreadsheets import _sheet_extent

        rows = f'<row r="2">{cell("A2", "x")}</row><row r="9">{cell("AB9", "y")}</row>'
        rows += f'<row r="3">{cell("C3", "z")}</row>'  # out of order: the maximum still counts
        archive = zipfile.ZipFile(io.BytesIO(xlsx_with_rows(rows)))
        with archive.open("xl/worksheets/sheet1.xml") as stream:
            assert _sheet_extent(stream) == (9, 28)


# --- one ID-number check for the roster, the contestants' spreadsheet, form and API ----------


def gb11643(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


TODAY = date(2026, 12, 4)
VALID_JIANGNING = gb11643("32011519900307001")  # 江宁区: missing from python-stdnum's place list
ID_NUMBERS = [
    (IdType.RESIDENT_ID, VALID_JIANGNING, None),
    (IdType.RESIDENT_ID, f" {VALID_JIANGNING[:6]}-{VALID_JIANGNING[6:].lower()} ", None),
    (
        IdType.RESIDENT_ID,
        VALID_JIANGNING[:17] + ("1" if VALID_JIANGNING[17] != "1" else "2"),
        "校验位不正确",
    ),
    (IdType.RESIDENT_ID, gb11643("32010219900230001"), "出生日期"),  # 30 February
    (IdType.RESIDENT_ID, "320102900307001", "15 位"),
    (IdType.RESIDENT_ID, gb11643("81000019900307001"), "居住证号码"),
    (IdType.HMT_RESIDENCE_PERMIT, gb11643("81000019900307001"), None),
    (IdType.HMT_RESIDENCE_PERMIT, VALID_JIANGNING, "应以 810000"),
    (IdType.PASSPORT, "E12345678", None),
    (IdType.PASSPORT, "E12", "护照号码"),
]


@pytest.mark.parametrize(("id_type", "typed", "problem"), ID_NUMBERS)
def test_roster_and_contestants_judge_an_id_number_alike(id_type, typed, problem):
    """The contestants' check refused 320115 江宁区 (python-stdnum's birth-place list) while the
    roster took it; both now ask skilleval.imports.check_id_document."""
    row = {"id_type": id_type}
    try:
        roster_number = check_roster_id(
            typed, row, RosterContext(batch=None, today=TODAY, employer=False)
        )
        roster_problem = None
    except Bad as bad:
        roster_number, roster_problem = None, bad.zh
    contestant_number, contestant_problem = check_contestant_id(id_type, typed)
    if problem is None:
        assert roster_problem is None and contestant_problem is None
        assert roster_number == contestant_number == typed.replace("-", "").strip().upper()
    else:
        assert problem in roster_problem
        assert contestant_problem is not None and contestant_problem[0] == roster_problem


def test_roster_and_contestants_refuse_an_id_number_typed_as_a_number_alike():
    """Excel has already dropped the last digits of a number cell; both imports say so in the
    same words (they used to name the column differently)."""
    typed = float(VALID_JIANGNING[:17])
    with pytest.raises(Bad) as roster:
        check_roster_id(
            typed,
            {"id_type": IdType.RESIDENT_ID},
            RosterContext(batch=None, today=TODAY, employer=False),
        )
    with pytest.raises(Bad) as contestants:
        check_contestant_cell(typed, {}, None)
    assert (roster.value.zh, roster.value.en) == (contestants.value.zh, contestants.value.en)
    assert "文本格式" in roster.value.zh and "15 significant digits" in roster.value.en
