"""The roster upload of a batch: template, checks row by row, all-or-nothing import, the job."""

import csv
import io
from dataclasses import replace
from datetime import date
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from institutions import roster
from institutions.choices import BatchStatus, EligibilityStatus, InstitutionKind
from institutions.models import Batch, Candidate, Institution
from institutions.roster import (
    COLUMNS,
    RosterErrors,
    import_roster,
    read_roster,
    roster_template,
    validate_roster,
)
from skilleval import personal_data
from skilleval.choices import JobKind, JobStatus
from skilleval.models import AuditEntry, Job
from tests.clock import on
from tests.factories import (
    approved_filing,
    make_candidate,
    occupation_with_resources,
    planned_batch,
    region,
    vocational_batch_of_exit_batch_1,
)
from tests.hostile_files import far_cell_xlsx, png_header_only, wide_and_long_xlsx
from tests.waiting import wait_for_the_end_of

pytestmark = pytest.mark.django_db
HEADERS = [column.header for column in COLUMNS]


def valid_id(region_code: str, birth: str, sequence: int) -> str:
    """A GB 11643 number with a correct check character. (skilleval.demo.make_resident_id passes
    the 17-digit body to ric.calc_check_digit, which expects the full 18 characters, so its check
    character is computed over 16 digits and is mostly wrong.)"""
    body = f"{region_code}{birth}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def resident_id(n: int) -> str:
    """Person n: born 1980–1999, 17th digit n's last digit (odd = man)."""
    return valid_id("320102", f"19{80 + n % 20:02d}0101", n)


def enrol(batch, n: int) -> Candidate:
    """Person n, written straight into a batch's roster."""
    number = resident_id(n)
    return make_candidate(
        batch,
        n,
        id_number_encrypted=personal_data.encrypt(number),
        id_number_hash=personal_data.keyed_hash(number),
        id_number_masked=personal_data.mask_id_number(number),
    )


def person(n: int, **overrides) -> dict:
    """One valid roster row, by Chinese header; gender left blank (taken from the ID)."""
    values = {
        "姓名": f"考生{n}",
        "证件类型": "居民身份证",
        "证件号码": resident_id(n),
        "性别": "",
        "学历": "高中",
        "从业年限": "6",
        "现有等级": "五级/初级工",
        "现有证书编号": f"S000032000123235{n:06d}",
        "现有等级取得日期": "2019-06-30",
        "参保地": "南京市",
        "户籍地": "南京市",
        "联系电话": f"139{n:08d}",
        "本单位职工（含劳务派遣）": "是",
        "技工院校或学徒经历": "",
    }
    values.update(overrides)
    return values


def as_xlsx(people: list[dict], header=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in people:
        sheet.append([values.get(h, "") for h in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_csv(people: list[dict], encoding="utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    for values in people:
        writer.writerow([values.get(h, "") for h in HEADERS])
    return text.getvalue().encode(encoding)


def refusal(batch, user, content: bytes, filename="roster.xlsx") -> RosterErrors:
    with pytest.raises(RosterErrors) as caught:
        import_roster(batch, io.BytesIO(content), filename, user=user)
    return caught.value


def cells_of(err: RosterErrors) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in err.errors]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scope(nanjing_institution, lathe):
    """Unlike the shared scope, 车工 at levels 4 and 3: the roster tests plan a level-3 batch."""
    return approved_filing(nanjing_institution, [(lathe, 4), (lathe, 3)], regions=["320100"])


# The roster's batches are examined on 1–2 December 2026.
planned = partial(planned_batch, exam_starts_on=date(2026, 12, 1), exam_ends_on=date(2026, 12, 2))


@pytest.fixture
def batch(scope, alice, lathe):
    batch = planned(scope.institution, alice, lathe)
    batch.publish_plan(alice)
    return batch


class TestTemplate:
    def test_the_template_has_chinese_headers_text_columns_and_drop_down_lists(self):
        workbook = load_workbook(io.BytesIO(roster_template()))
        sheet = workbook.worksheets[0]
        assert [c.value for c in sheet[1]] == HEADERS
        assert all(c.font.bold for c in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["C"].number_format == "@"  # 证件号码
        assert sheet.column_dimensions["L"].number_format == "@"  # 联系电话
        lists = {
            str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
        }
        assert set(lists) == {"B2", "D2", "E2", "G2", "M2", "N2"}
        assert "港澳台居民居住证" in lists["B2"] and "高中、中专、技工学校" in lists["E2"]
        assert "Instructions" in workbook.sheetnames[1]

    def test_a_filled_in_template_imports(self, batch, alice):
        workbook = load_workbook(io.BytesIO(roster_template()))
        sheet = workbook.worksheets[0]
        for row, values in enumerate([person(1), person(2, 学历="大专、高级技工学校")], start=2):
            for column, header in enumerate(HEADERS, start=1):
                sheet.cell(row=row, column=column, value=values[header])
        sheet["I3"] = date(2020, 5, 1)  # an Excel date cell is read as a date
        buffer = io.BytesIO()
        workbook.save(buffer)

        assert import_roster(batch, buffer, "名单.xlsx", user=alice) == {"imported": 2}
        second = batch.candidates.get(name="考生2")
        assert second.education == 4 and second.current_level_obtained_on == date(2020, 5, 1)


class TestChecks:
    def test_a_1000_row_roster_with_three_bad_rows_imports_nothing_and_names_exactly_those(
        self, batch, alice
    ):
        people = [person(n) for n in range(1000)]
        bad_check = resident_id(100)[:-1] + ("0" if resident_id(100)[-1] != "0" else "1")
        people[100]["证件号码"] = bad_check  # row 102
        people[500]["证件号码"] = int(resident_id(500)[:17] + "1")  # row 502, a number cell
        people[900]["证件号码"] = resident_id(7)  # row 902 repeats row 9

        err = refusal(batch, alice, as_xlsx(people))

        assert cells_of(err) == [(102, "证件号码"), (502, "证件号码"), (902, "证件号码")]
        assert "校验位" in err.errors[0]["zh"]
        assert "文本格式" in err.errors[1]["zh"] and "15" in err.errors[1]["en"]
        shown = err.errors[1]["value"]  # as Excel shows the number, masked; not "3.20…e+17"
        assert shown.startswith("3201") and shown.endswith("000") and "e+" not in shown
        assert "第 9 行" in err.errors[2]["zh"]
        assert not batch.candidates.exists()

    def test_a_phone_number_in_full_width_digits_is_refused(self, batch, alice):
        err = refusal(batch, alice, as_xlsx([person(1, 联系电话="１３９１２３４５６７８")]))
        assert cells_of(err) == [(2, "联系电话")]

    def test_the_school_or_apprenticeship_column_reads_short_names_and_refuses_others(
        self, batch, alice
    ):
        rows = [person(1, 技工院校或学徒经历="技师学院"), person(2, 技工院校或学徒经历="学徒期满")]
        assert import_roster(batch, io.BytesIO(as_xlsx(rows)), "r.xlsx", user=alice) == {
            "imported": 2
        }
        routes = dict(batch.candidates.values_list("name", "training_route"))
        assert routes == {"考生1": "senior_technical_school", "考生2": "apprenticeship"}
        err = refusal(batch, alice, as_xlsx([person(3, 技工院校或学徒经历="夜校")]))
        assert cells_of(err) == [(2, "技工院校或学徒经历")]

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
    def test_csv_imports_in_utf8_with_or_without_bom_and_in_gb18030(self, batch, alice, encoding):
        content = as_csv([person(1), person(2)], encoding)
        assert import_roster(batch, io.BytesIO(content), "名单.csv", user=alice) == {"imported": 2}
        assert batch.candidates.get(name="考生1").hukou_region == "南京市"

    def test_english_headers_are_accepted(self, batch, alice):
        header = [
            "Name",
            "ID type",
            "ID number",
            "Gender",
            "Education",
            "Work years",
            "Current level",
            "Certificate number",
            "Level obtained on",
            "Insured region",
            "Hukou region",
            "Phone",
            "Own staff",
            "School or apprenticeship",
        ]
        values = person(3)
        row = {english: values[chinese] for english, chinese in zip(header, HEADERS, strict=True)}
        assert import_roster(batch, io.BytesIO(as_xlsx([row], header)), "r.xlsx", user=alice) == {
            "imported": 1
        }

    def test_a_missing_required_column_is_reported_on_the_header_row(self, batch, alice):
        err = refusal(batch, alice, as_xlsx([person(1)], [h for h in HEADERS if h != "学历"]))
        assert cells_of(err) == [(1, "学历")]

    @pytest.mark.parametrize(
        ("overrides", "column", "words"),
        [
            ({"证件号码": "32010219800101001"}, "证件号码", "18 位"),
            ({"证件号码": "320102800101001"}, "证件号码", "15 位"),
            ({"证件号码": valid_id("320102", "19800230", 1)}, "证件号码", "出生日期"),
            ({"证件号码": valid_id("320102", "20990101", 1)}, "证件号码", "出生日期"),
            ({"性别": "女"}, "性别", "不符"),  # person(1): 17th digit 1, a man
            ({"性别": "未知"}, "性别", "男 或 女"),
            ({"证件类型": "军官证"}, "证件类型", "无法识别"),
            ({"证件类型": "港澳台居民居住证"}, "证件号码", "810000"),
            ({"证件类型": "护照", "证件号码": "E12", "性别": "男"}, "证件号码", "5–20"),
            ({"证件类型": "护照", "证件号码": "E12345678"}, "性别", "护照"),
            ({"学历": "幼儿园"}, "学历", "无法识别"),
            ({"学历": ""}, "学历", "为空"),
            ({"从业年限": "-1"}, "从业年限", "0–70"),
            ({"从业年限": "很多"}, "从业年限", "0–70"),
            ({"现有等级": "六级"}, "现有等级", "无法识别"),
            ({"现有等级": ""}, "现有等级", "未填写现有等级"),
            ({"现有等级取得日期": "2019-13-01"}, "现有等级取得日期", "YYYY-MM-DD"),
            ({"现有等级取得日期": "2099-01-01"}, "现有等级取得日期", "晚于今天"),
            ({"联系电话": "12345"}, "联系电话", "格式"),
            ({"联系电话": ""}, "联系电话", "为空"),
            ({"姓名": ""}, "姓名", "为空"),
            ({"本单位职工（含劳务派遣）": "也许"}, "本单位职工（含劳务派遣）", "是 或 否"),
        ],
    )
    def test_a_bad_value_is_reported_with_its_row_and_column(
        self, batch, alice, overrides, column, words
    ):
        err = refusal(batch, alice, as_xlsx([person(0), person(1, **overrides)]))
        assert cells_of(err) == [(3, column)]
        assert words in err.errors[0]["zh"]
        assert err.errors[0]["en"]

    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            ({"证件类型": "", "性别": "男"}, {"id_type": "resident_id", "gender": "male"}),
            (
                {"证件类型": "港澳台居民居住证", "证件号码": valid_id("810000", "19900101", 2)},
                {"id_type": "hmt_permit", "gender": "female", "birth_date": date(1990, 1, 1)},
            ),
            (
                {"证件类型": "护照", "证件号码": "e 1234 5678", "性别": "女"},
                {"id_type": "passport", "gender": "female", "birth_date": None},
            ),
            ({"学历": "本科"}, {"education": 5}),
            ({"学历": "研究生"}, {"education": 6}),
            ({"从业年限": "3.55"}, {"work_years": 3.6}),
            ({"现有等级": "4", "现有等级取得日期": "2018/7/1"}, {"current_level": 4}),
            (
                {"现有等级": "", "现有证书编号": "", "现有等级取得日期": ""},
                {"current_level": None},
            ),
            ({"本单位职工（含劳务派遣）": "否"}, {"is_own_staff": False}),
            ({"联系电话": "025-8320 1683"}, {"phone": "025-8320 1683"}),
        ],
    )
    def test_accepted_forms_are_stored_in_their_plain_value(
        self, batch, alice, overrides, expected
    ):
        import_roster(batch, io.BytesIO(as_xlsx([person(1, **overrides)])), "r.xlsx", user=alice)
        stored = batch.candidates.values(*expected).get()
        assert {k: float(v) if k == "work_years" else v for k, v in stored.items()} == expected

    def test_copy_and_bulk_create_store_the_same_row(self, batch, alice, monkeypatch):
        from institutions import roster

        import_roster(batch, io.BytesIO(as_xlsx([person(1)])), "r.xlsx", user=alice)
        monkeypatch.setattr(roster, "USE_POSTGRES_COPY", False)
        import_roster(batch, io.BytesIO(as_xlsx([person(2)])), "r.xlsx", user=alice)
        volatile = {"id", "name", "id_number_encrypted", "id_number_hash", "id_number_masked"}
        volatile |= {"birth_date", "gender", "phone", "current_certificate_number", "created_at"}
        first, second = (
            {k: v for k, v in row.items() if k not in volatile}
            for row in batch.candidates.order_by("name").values()
        )
        assert first == second
        assert first["eligibility"] == "pending" and first["absent"] is False
        assert first["photo"] == "" and first["ticket_number"] is None
        assert all(c.created_at for c in batch.candidates.all())

    def test_the_id_number_is_stored_encrypted_and_shown_masked(self, batch, alice):
        number = resident_id(5)[:-1]
        number += "X" if resident_id(5).endswith("X") else resident_id(5)[-1]
        import_roster(batch, io.BytesIO(as_xlsx([person(5)])), "r.xlsx", user=alice)
        candidate = batch.candidates.get()
        assert candidate.id_number == number
        assert candidate.id_number_masked == f"{number[:4]}{'*' * 10}{number[-4:]}"
        assert candidate.birth_date == date(1985, 1, 1) and candidate.gender == "male"
        row = Candidate.objects.filter(pk=candidate.pk).values().get()
        assert not any(number in str(value) for value in row.values())
        assert candidate.id_number_hash == personal_data.keyed_hash(number)

    def test_new_rows_carry_aes_gcm_tokens_and_old_fernet_rows_still_read(self, batch, alice):
        from cryptography.fernet import Fernet
        from django.conf import settings

        import_roster(batch, io.BytesIO(as_xlsx([person(1)])), "r.xlsx", user=alice)
        candidate = batch.candidates.get()
        assert candidate.id_number_encrypted.startswith("g1:")
        assert candidate.id_number == resident_id(1)
        fernet = Fernet(settings.PERSONAL_DATA_KEY.encode())
        candidate.id_number_encrypted = fernet.encrypt(resident_id(1).encode()).decode()
        candidate.save(update_fields=["id_number_encrypted"])
        assert Candidate.objects.get(pk=candidate.pk).id_number == resident_id(1)

    def test_a_masked_id_looks_like_the_spec_example(self):
        assert personal_data.mask_id_number("32010219800101123X") == "3201**********123X"


class TestDuplicates:
    def test_someone_already_in_this_batch_is_refused(self, batch, alice):
        enrol(batch, 4)
        err = refusal(batch, alice, as_xlsx([person(3), person(4)]))
        assert cells_of(err) == [(3, "证件号码")] and "本批次" in err.errors[0]["zh"]
        assert batch.candidates.count() == 1

    def test_someone_in_another_open_batch_for_the_same_occupation_and_level_is_refused(
        self, batch, alice, scope, lathe
    ):
        other = planned(scope.institution, alice, lathe)
        enrol(other, 4)
        err = refusal(batch, alice, as_xlsx([person(3), person(4)]))
        assert cells_of(err) == [(3, "证件号码")]
        assert f"#{other.pk}" in err.errors[0]["zh"] and "另一个未结束" in err.errors[0]["zh"]

    def test_the_check_also_works_when_the_other_batches_are_larger_than_the_upload(
        self, batch, alice, scope, lathe
    ):
        other = planned(scope.institution, alice, lathe)
        for n in (4, 5, 6, 7):
            enrol(other, n)
        err = refusal(batch, alice, as_xlsx([person(6)]))  # 1 row looked up among 4 people
        assert cells_of(err) == [(2, "证件号码")] and f"#{other.pk}" in err.errors[0]["zh"]

    @pytest.mark.parametrize("copy", [True, False], ids=["copy", "bulk_create"])
    @pytest.mark.parametrize("others", [0, 10], ids=["read-at-once", "looked-up-per-chunk"])
    def test_rows_written_while_checking_are_rolled_back_by_a_later_bad_row(
        self, batch, alice, scope, lathe, monkeypatch, copy, others
    ):
        """Chunks of two rows: the first chunks are written before the bad rows are reached."""
        from dataclasses import replace

        from institutions import roster

        monkeypatch.setattr(roster, "SPEC", replace(roster.SPEC, progress_every=2))
        monkeypatch.setattr(roster, "USE_POSTGRES_COPY", copy)
        other = planned(scope.institution, alice, lathe)
        for n in (7, *range(20, 20 + others)):  # more people than the upload's 9 rows, or fewer
            enrol(other, n)
        enrol(batch, 9)
        people = [person(n) for n in (1, 2, 3, 8, 10, 11, 9, 12, 7)]
        people[5]["性别"] = "未知"  # row 7
        err = refusal(batch, alice, as_xlsx(people))
        assert cells_of(err) == [(7, "性别"), (8, "证件号码"), (10, "证件号码")]
        assert "本批次" in err.errors[1]["zh"] and f"#{other.pk}" in err.errors[2]["zh"]
        assert list(batch.candidates.values_list("name", flat=True)) == [person(9)["姓名"]]

    def test_a_file_written_while_checking_imports_every_row_once(self, batch, alice, monkeypatch):
        from dataclasses import replace

        from institutions import roster

        monkeypatch.setattr(roster, "SPEC", replace(roster.SPEC, progress_every=2))
        seen = []
        result = import_roster(
            batch,
            io.BytesIO(as_xlsx([person(n) for n in range(1, 6)])),
            "r.xlsx",
            user=alice,
            progress=lambda done, total, message: seen.append((done, total)),
        )
        assert result == {"imported": 5} and batch.candidates.count() == 5
        assert {c.id_number for c in batch.candidates.all()} == {
            resident_id(n) for n in range(1, 6)
        }
        assert seen[0] == (0, 10) and seen[-1] == (10, 10)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # the bar never goes back

    def test_someone_in_a_cancelled_batch_or_at_another_level_may_apply(
        self, batch, alice, scope, lathe
    ):
        cancelled = planned(scope.institution, alice, lathe)
        enrol(cancelled, 4)
        cancelled.cancel(alice, "场地改造")
        other_level = planned(scope.institution, alice, lathe, level=3)
        enrol(other_level, 5)
        content = as_xlsx([person(4), person(5)])
        assert import_roster(batch, io.BytesIO(content), "r.xlsx", user=alice) == {"imported": 2}

    def test_another_institutions_batch_is_not_named(self, batch, alice, charlie, lathe):
        approved_filing(charlie.institution, [(lathe, 4)], regions=["320500"])
        theirs = planned(charlie.institution, charlie, lathe, region=region("320508"))
        enrol(theirs, 4)
        err = refusal(batch, alice, as_xlsx([person(4)]))
        assert cells_of(err) == [(2, "证件号码")] and "#" not in err.errors[0]["zh"]


class TestBatchRules:
    def test_an_employer_batch_takes_only_its_own_staff_citing_the_clause(self, batch, alice):
        Institution.objects.filter(pk=batch.institution_id).update(kind=InstitutionKind.EMPLOYER)
        batch.refresh_from_db()
        people = [
            person(1),
            person(2, **{"本单位职工（含劳务派遣）": "否"}),
            person(3, **{"本单位职工（含劳务派遣）": ""}),
        ]
        err = refusal(batch, alice, as_xlsx(people))
        assert cells_of(err) == [(3, "本单位职工（含劳务派遣）"), (4, "本单位职工（含劳务派遣）")]
        assert all("实施意见 二十" in e["zh"] and "实施意见 二十" in e["en"] for e in err.errors)
        assert import_roster(batch, io.BytesIO(as_xlsx([person(1)])), "r.xlsx", user=alice)

    def test_an_employer_roster_needs_the_own_staff_column(self, batch, alice):
        Institution.objects.filter(pk=batch.institution_id).update(kind=InstitutionKind.EMPLOYER)
        batch.refresh_from_db()
        header = [h for h in HEADERS if h != "本单位职工（含劳务派遣）"]
        err = refusal(batch, alice, as_xlsx([person(1)], header))
        assert cells_of(err) == [(1, "本单位职工（含劳务派遣）")]

    def test_a_third_party_batch_may_take_outsiders(self, batch, alice):
        content = as_xlsx([person(1, **{"本单位职工（含劳务派遣）": "否"})])
        assert import_roster(batch, io.BytesIO(content), "r.xlsx", user=alice) == {"imported": 1}

    def test_after_the_exit_cut_off_the_upload_is_refused(self, nanjing_institution, alice):
        with on(date(2020, 9, 20)):
            batch = vocational_batch_of_exit_batch_1(nanjing_institution, alice)
        content = as_xlsx([person(1)])
        with on(date(2020, 9, 30)):  # the cut-off day itself is still inside
            clean, errors = validate_roster(batch, read_roster(content, "r.xlsx"))
            assert len(clean) == 1 and not errors
        with on(date(2020, 10, 1)):  # a row received after the deadline: 239号 二(一)
            clean, errors = validate_roster(batch, read_roster(content, "r.xlsx"))
        assert not clean and [(e["row"], e["column"]) for e in errors] == [(1, "")]
        assert "239号 二(一)" in errors[0]["zh"] and "239号 二(一)" in errors[0]["en"]
        # Past the cut-off the batch itself is invalid (Batch.check_roster_upload, as on the page
        # and through the API): nothing is read.
        with on(date(2020, 10, 1)), pytest.raises(ValidationError, match=r"239号 二\(二\)"):
            import_roster(batch, io.BytesIO(content), "r.xlsx", user=alice)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.INVALID
        assert not batch.candidates.exists()

    def test_a_batch_past_the_plan_step_takes_no_roster(self, batch, alice):
        Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.ROSTER_ENTERED)
        batch.refresh_from_db()
        with pytest.raises(ValidationError, match="计划已发布"):
            import_roster(batch, io.BytesIO(as_xlsx([person(1)])), "r.xlsx", user=alice)

    def test_a_draft_batch_takes_no_roster(self, scope, alice, lathe):
        draft = planned(scope.institution, alice, lathe)
        with pytest.raises(ValidationError):
            import_roster(draft, io.BytesIO(as_xlsx([person(1)])), "r.xlsx", user=alice)

    def test_a_colleague_may_import_but_another_institution_may_not(self, batch, bob, charlie):
        content = as_xlsx([person(1)])
        with pytest.raises(PermissionDenied):
            import_roster(batch, io.BytesIO(content), "r.xlsx", user=charlie)
        assert import_roster(batch, io.BytesIO(content), "r.xlsx", user=bob) == {"imported": 1}

    def test_one_audit_summary_entry_is_written(self, batch, alice):
        before = AuditEntry.objects.filter(object_type="institutions.candidate").count()
        import_roster(batch, io.BytesIO(as_xlsx([person(1), person(2)])), "r.xlsx", user=alice)
        entries = AuditEntry.objects.filter(object_type="institutions.candidate")
        assert entries.count() == before + 1
        entry = entries.get(object_id=f"batch:{batch.pk}")
        assert entry.action == "create"
        assert entry.after["batch"] == batch.pk and entry.after["count"] == 2
        assert len(entry.after["rows_sha256"]) == 64
        assert resident_id(1) not in str(entry.after)

    def test_the_audit_digest_is_computed_as_before(self, batch, alice):
        import hashlib

        from institutions.roster import ROW_FIELDS

        import_roster(batch, io.BytesIO(as_xlsx([person(1), person(2)])), "r.xlsx", user=alice)
        entry = AuditEntry.objects.get(object_id=f"batch:{batch.pk}", action="create")
        # The digest as first defined, from the stored rows: an auditor recomputes it this way.
        expected = hashlib.sha256()
        for row in batch.candidates.order_by("pk").values(*ROW_FIELDS):
            values = ("" if row[k] is None else str(row[k]) for k in ROW_FIELDS)
            expected.update("\x1f".join(values).encode() + b"\x1e")
        assert entry.after["rows_sha256"] == expected.hexdigest()

    def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(
        self, batch, alice, monkeypatch
    ):
        from skilleval import spreadsheets

        monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", 1000)
        err = refusal(batch, alice, as_xlsx([person(1)]))
        assert cells_of(err) == [(1, "")] and "MB" in err.errors[0]["zh"]

    def test_a_file_that_is_not_a_spreadsheet_is_refused_readably(self, batch, alice):
        err = refusal(batch, alice, b"not a zip", "r.xlsx")
        assert cells_of(err) == [(1, "")] and "不是 .xlsx 表格" in err.errors[0]["zh"]
        err = refusal(batch, alice, b"x", "r.pdf")
        assert ".xlsx" in err.errors[0]["zh"]


class TestFormulas:
    FORMULA = '=HYPERLINK("http://evil.example/","点我")'

    def test_a_formula_looking_name_is_stored_as_text(self, batch, alice):
        content = as_csv([person(1, 姓名=self.FORMULA)])
        import_roster(batch, io.BytesIO(content), "r.csv", user=alice)
        assert batch.candidates.get().name == self.FORMULA

    def test_the_annotated_error_file_holds_no_formula_and_marks_the_bad_cells(self, batch, alice):
        people = [person(1, 姓名=self.FORMULA), person(2, 证件号码="123"), person(3, 参保地="+1+1")]
        err = refusal(batch, alice, as_csv(people), "r.csv")
        assert cells_of(err) == [(3, "证件号码")]

        sheet = load_workbook(io.BytesIO(err.annotated)).worksheets[0]
        assert [c.value for c in sheet[1]] == [*HEADERS, "错误 / Errors"]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        assert sheet["A2"].value == "'" + self.FORMULA
        assert sheet["J4"].value == "'+1+1"
        assert sheet["N2"].value in (None, "")
        assert "证件号码" in sheet["O3"].value and "18" in sheet["O3"].value
        assert sheet["C3"].fill.fgColor.rgb.endswith("FFC7CE")
        assert sheet["A3"].fill.fgColor.rgb in (None, "00000000")

    def test_the_annotated_file_can_be_corrected_and_uploaded_again(self, batch, alice):
        people = [person(1, 姓名=self.FORMULA), person(2, 证件号码="123")]
        err = refusal(batch, alice, as_csv(people), "r.csv")
        workbook = load_workbook(io.BytesIO(err.annotated))
        workbook.worksheets[0]["C3"] = resident_id(2)
        buffer = io.BytesIO()
        workbook.save(buffer)
        assert import_roster(batch, buffer, "fixed.xlsx", user=alice) == {"imported": 2}
        assert batch.candidates.get(
            id_number_hash=personal_data.keyed_hash(resident_id(1))
        ).name == (self.FORMULA)


class TestJob:
    def start(self, batch, user, content: bytes, name="roster.csv"):
        return Job.objects.start(
            JobKind.ROSTER_IMPORT,
            user=user,
            institution=batch.institution,
            params={"batch_id": batch.pk},
            input_file=ContentFile(content, name=name),
        )

    def test_a_good_file_ends_succeeded(self, batch, alice, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            job = self.start(batch, alice, as_csv([person(n) for n in range(12)]))
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result == {"imported": 12}
        assert (job.done, job.total) == (24, 24)
        assert batch.candidates.count() == 12

    def test_a_job_whose_progress_updates_its_row_between_chunks_written_while_checking(
        self, batch, alice, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        """Every progress report writes the job's row while a COPY is being fed: it ends first."""
        monkeypatch.setattr(roster, "SPEC", replace(roster.SPEC, progress_every=2))
        monkeypatch.setattr(roster, "PROGRESS_INTERVAL", 0)  # a report at every chunk
        settings.JOB_HEARTBEAT_INTERVAL = 0
        with django_capture_on_commit_callbacks(execute=True):
            job = self.start(batch, alice, as_csv([person(n) for n in range(7)]))
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert (job.done, job.total) == (14, 14) and batch.candidates.count() == 7

    def test_a_bad_file_ends_failed_with_the_annotated_file_and_the_errors(
        self, batch, alice, django_capture_on_commit_callbacks
    ):
        people = [person(1), person(2, 学历="幼儿园"), person(3, 联系电话="")]
        with django_capture_on_commit_callbacks(execute=True):
            job = self.start(batch, alice, as_xlsx(people), name="roster.xlsx")
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert job.error.startswith(
            "考生名单有 2 处错误，未导入任何考生 / The roster has 2 error(s); nothing was imported"
        )
        assert "第3行 学历：无法识别的学历" in job.error
        assert job.result["error_count"] == 2
        assert [(e["row"], e["column"]) for e in job.result["errors"]] == [
            (3, "学历"),
            (4, "联系电话"),
        ]
        assert job.result_file.name.endswith(".xlsx") and f"roster-errors-{batch.pk}" in (
            job.result_file.name
        )
        with job.result_file.open("rb") as handle:
            sheet = load_workbook(handle).worksheets[0]
        assert "学历" in sheet["O3"].value
        assert not batch.candidates.exists()

    def test_another_institutions_user_cannot_import_through_a_job(
        self, batch, charlie, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = self.start(batch, charlie, as_csv([person(1)]))
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "无权" in job.error
        assert not batch.candidates.exists()


class TestWritingOnPostgres:
    """COPY of the filled columns on a thread of its own, each chunk's keys checked as it goes."""

    def test_the_columns_a_roster_leaves_out_get_their_defaults_from_the_database(
        self, batch, alice, on_postgres
    ):
        assert import_roster(batch, io.BytesIO(as_csv([person(1)])), "r.csv", user=alice) == {
            "imported": 1
        }
        candidate = batch.candidates.get()
        assert candidate.eligibility == EligibilityStatus.PENDING
        assert (
            candidate.eligibility_basis,
            candidate.eligibility_reason,
            candidate.photo.name,
        ) == (
            "",
            "",
            "",
        )
        assert candidate.absent is False and candidate.eligibility_override is False
        assert candidate.created_at is not None and candidate.passed is None
        assert personal_data.decrypt(candidate.id_number_encrypted) == resident_id(1)

    def test_what_the_database_refuses_is_raised_in_the_importing_thread(
        self, batch, alice, on_postgres
    ):
        clean, errors = validate_roster(
            batch, read_roster(io.BytesIO(as_csv([person(1)])), "r.csv")
        )
        assert errors == []
        with pytest.raises(IntegrityError), transaction.atomic():
            writer = roster._CopyWriter(batch)
            writer.write(clean * 2)  # the same person twice: candidate_once_per_batch
            writer.close()
        assert not batch.candidates.exists()

    def test_the_keys_are_deferred_again_once_the_rows_are_stored(self, batch, alice, on_postgres):
        """Later statements of the same transaction get the default Django relies on."""
        with transaction.atomic():
            import_roster(batch, io.BytesIO(as_csv([person(1)])), "r.csv", user=alice)
            missing = Batch.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
            # Deferred, a dangling key is refused at the commit only; here it is rolled back.
            assert batch.candidates.update(batch_id=missing) == 1
            transaction.set_rollback(True)

    @pytest.mark.parametrize(("interval", "reported"), [(0, [0, 2, 4, 6, 7]), (3600, [0, 7])])
    def test_checking_is_reported_about_once_a_second_not_at_every_chunk(
        self, batch, alice, monkeypatch, interval, reported
    ):
        monkeypatch.setattr(roster, "SPEC", replace(roster.SPEC, progress_every=2))
        monkeypatch.setattr(roster, "PROGRESS_INTERVAL", interval)
        reports = []
        import_roster(
            batch,
            io.BytesIO(as_csv([person(n) for n in range(7)])),
            "r.csv",
            user=alice,
            progress=lambda done, total, message: reports.append(done),
        )
        assert [done for done in reports if done <= 7] == reported


class TestHostileFiles:
    """Bounded before they are read: refused with a clear message, nothing written."""

    def test_a_1_5_kb_sheet_reaching_xfd1048576_is_refused_unread(self, batch, alice):
        err = refusal(batch, alice, far_cell_xlsx())
        assert cells_of(err) == [(1, "")]
        assert "XFD1048576" in err.errors[0]["zh"] and "超过上限" in err.errors[0]["zh"]
        assert not batch.candidates.exists()

    def test_a_sparse_sheet_of_200000_rows_by_100_columns_is_refused_unread(self, batch, alice):
        err = refusal(batch, alice, wide_and_long_xlsx())
        assert "CV200000" in err.errors[0]["zh"]

    @pytest.mark.parametrize("filename", ["roster.csv", "roster.xlsx"])
    def test_a_png_renamed_as_a_spreadsheet_is_refused_for_what_it_is(self, batch, alice, filename):
        err = refusal(batch, alice, png_header_only(300, 400), filename)
        assert "改了扩展名" in err.errors[0]["zh"] and "renamed" in err.errors[0]["en"]

    def test_a_csv_longer_than_the_limit_stops_being_read_at_the_limit(
        self, batch, alice, monkeypatch
    ):
        from skilleval import spreadsheets

        monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
        err = refusal(batch, alice, as_csv([person(n) for n in range(5)]), "roster.csv")
        assert "最多 3 行数据" in err.errors[0]["zh"]


@pytest.mark.celery_worker
def test_the_far_cell_roster_fails_its_job_and_the_worker_lives_on(
    live_db, celery_worker_process, nanjing_institution, alice, settings
):

    from skilleval.celery import app

    lathe = occupation_with_resources()
    approved_filing(nanjing_institution, [(lathe, 4)], regions=["320100"])
    batch = planned(nanjing_institution, alice, lathe)
    batch.publish_plan(alice)
    job = Job.objects.start(
        JobKind.ROSTER_IMPORT,
        user=alice,
        institution=nanjing_institution,
        params={"batch_id": batch.pk},
        input_file=ContentFile(far_cell_xlsx(), name="roster.xlsx"),
    )
    wait_for_the_end_of(job, 60)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "XFD1048576" in job.error
    assert celery_worker_process.poll() is None  # the worker process is alive
    assert app.control.ping(timeout=2)
    assert not batch.candidates.exists()
