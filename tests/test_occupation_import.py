import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from skilleval.choices import JobKind, JobStatus
from skilleval.models import Job, Occupation
from skilleval.occupation_import import (
    STARTER_CSV,
    OccupationImportError,
    import_occupations,
    parse_levels,
    read_rows,
)
from tests.hostile_files import far_cell_xlsx, png_header_only, wide_and_long_xlsx

HEADER = ["职业编码", "职业名称", "工种", "等级"]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_file(path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def import_csv(rows, **kwargs):
    return import_occupations(read_rows(io.BytesIO(csv_bytes(rows, **kwargs)), "file.csv"))


@pytest.mark.django_db
def test_the_starter_list_imports_with_real_occupations_across_the_evaluable_major_groups():
    summary = import_occupations(read_rows(STARTER_CSV, STARTER_CSV.name))

    assert summary["created"] == summary["total"] >= 70
    per_group = {g: Occupation.objects.filter(major_group=g).count() for g in (3, 4, 5, 6)}
    assert min(per_group[3], per_group[4], per_group[5]) >= 8
    assert per_group[6] > max(per_group[3], per_group[4], per_group[5])
    # 大类 2 rows are there so the "only 大类 3–6" rule has something real to refuse.
    assert Occupation.objects.filter(major_group=2).exists()
    turner = Occupation.objects.get(code="6-18-01-01")
    assert (turner.name, turner.level_numbers) == ("车工", [1, 2, 3, 4, 5])
    # Each level comes with the national standards' common application conditions.
    conditions = {ol.level: ol.conditions.count() for ol in turner.levels.all()}
    assert conditions == {1: 1, 2: 3, 3: 3, 4: 3, 5: 2}


@pytest.mark.django_db
def test_importing_the_starter_list_twice_changes_nothing_the_second_time():
    first = import_occupations(read_rows(STARTER_CSV, STARTER_CSV.name))
    second = import_occupations(read_rows(STARTER_CSV, STARTER_CSV.name))

    assert second == {
        "created": 0,
        "updated": 0,
        "unchanged": first["total"],
        "total": first["total"],
    }


@pytest.mark.django_db
def test_it_refuses_a_file_with_three_bad_rows_and_imports_nothing():
    rows = [
        ["6-18-01-01", "车工", "", "5|4|3|2|1"],
        ["6-18-1-02", "铣工", "", "5|4|3"],  # row 3: bad code
        ["6-18-02-04", "焊工", "", "5|4|3|2|1"],
        ["6-31-01-03", "", "", "5|4|3"],  # row 5: no name
        ["4-03-02-01", "中式烹调师", "", "五级|特级"],  # row 6: unknown level
        ["4-10-01-05", "养老护理员", "", "5|4|3|2|1"],
    ]

    with pytest.raises(OccupationImportError) as refused:
        import_csv(rows)

    assert [(e["row"], e["column"]) for e in refused.value.errors] == [
        (3, "职业编码"),
        (5, "职业名称"),
        (6, "等级"),
    ]
    assert all(e["zh"] and e["en"] for e in refused.value.errors)
    assert "特级" in refused.value.errors[2]["zh"]
    assert not Occupation.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_code_that_appears_twice_and_a_row_without_levels():
    rows = [
        ["6-18-01-01", "车工", "", "5|4|3|2|1"],
        ["6-18-01-01", "车工", "", "5|4|3"],
        ["6-18-02-04", "焊工", "", ""],
    ]

    with pytest.raises(OccupationImportError) as refused:
        import_csv(rows)

    duplicate, no_levels = refused.value.errors
    assert (duplicate["row"], duplicate["column"]) == (3, "职业编码")
    assert "第 2 行" in duplicate["zh"] and "row 2" in duplicate["en"]
    assert (no_levels["row"], no_levels["column"]) == (4, "等级")


@pytest.mark.django_db
def test_an_xlsx_file_imports_and_a_number_cell_in_the_code_column_is_refused(tmp_path):
    good = xlsx_file(
        tmp_path / "good.xlsx",
        [["6-18-01-01", "车工", None, "5|4|3|2|1"], ["4-03-02-01", "中式烹调师", None, 5]],
    )
    assert import_occupations(read_rows(good, good.name))["created"] == 2
    assert Occupation.objects.get(code="4-03-02-01").level_numbers == [5]

    bad = xlsx_file(tmp_path / "bad.xlsx", [[6180101, "车工", None, "5|4|3"]])
    with pytest.raises(OccupationImportError) as refused:
        import_occupations(read_rows(bad, bad.name))
    (error,) = refused.value.errors
    assert (error["row"], error["column"]) == (2, "职业编码")
    assert "文本" in error["zh"] and "text" in error["en"]


@pytest.mark.django_db
def test_a_gb18030_csv_with_english_headers_and_chinese_level_names_imports():
    data = csv_bytes(
        [["4-10-01-06", "家政服务员", "", "五级、四级/中级工、三级（高级工）、技师"]],
        header=["code", "name", "work_type", "levels"],
        encoding="gb18030",
    )

    import_occupations(read_rows(io.BytesIO(data), "家政.csv"))

    assert Occupation.objects.get(code="4-10-01-06").level_numbers == [2, 3, 4, 5]


def test_levels_can_be_written_as_digits_with_any_separator():
    assert parse_levels("5,4,3") == ({3, 4, 5}, [])
    assert parse_levels("5、4、3") == ({3, 4, 5}, [])
    assert parse_levels("一级/高级技师|二级") == ({1, 2}, [])
    assert parse_levels("6|初级") == (set(), ["6", "初级"])


@pytest.mark.django_db
def test_a_reimport_updates_names_and_removes_levels_no_longer_listed():
    import_csv([["6-18-01-01", "车工", "", "5|4|3|2|1"], ["6-18-01-02", "铣工", "", "5|4|3"]])

    summary = import_csv(
        [["6-18-01-01", "车工", "数控车工", "5|4|3"], ["6-18-01-02", "铣工", "", "5|4|3"]]
    )

    assert summary == {"created": 0, "updated": 1, "unchanged": 1, "total": 2}
    turner = Occupation.objects.get(code="6-18-01-01")
    assert (turner.work_type, turner.level_numbers) == ("数控车工", [3, 4, 5])


@pytest.mark.django_db
def test_occupations_missing_from_a_file_are_left_alone():
    import_csv([["6-18-01-01", "车工", "", "5|4|3|2|1"]])
    import_csv([["6-18-02-04", "焊工", "", "5|4|3|2|1"]])

    assert Occupation.objects.get(code="6-18-01-01").level_numbers == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_progress_is_reported_every_hundred_rows():
    rows = [[f"6-18-01-{n:02d}", f"职业{n}", "", "5"] for n in range(1, 100)]
    rows += [[f"6-18-02-{n:02d}", f"职业{n}", "", "5"] for n in range(1, 51)]
    calls = []

    import_occupations(
        read_rows(io.BytesIO(csv_bytes(rows)), "f.csv"), progress=lambda *a: calls.append(a)
    )

    assert calls == [(0, 149), (100, 149), (149, 149)]


@pytest.mark.django_db
def test_the_command_loads_the_starter_list(capsys):
    call_command("import_occupations", "--starter")

    assert "created" in capsys.readouterr().out
    assert Occupation.objects.filter(code="6-18-01-01").exists()


@pytest.mark.django_db
def test_the_command_exits_with_an_error_and_prints_every_bad_row(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["6-18-01", "车工", "", "5"], ["6-18-01-02", "", "", "9"]]))

    with pytest.raises(CommandError):
        call_command("import_occupations", str(bad))

    err = capsys.readouterr().err
    assert "第2行 职业编码" in err and "第3行 职业名称" in err and "第3行 等级" in err
    assert not Occupation.objects.exists()


def start_import(user, content, name="occupations.csv"):
    return Job.objects.start(
        JobKind.OCCUPATION_IMPORT, user=user, input_file=ContentFile(content, name=name)
    )


@pytest.mark.django_db
def test_an_import_job_succeeds_with_the_summary_as_its_result(
    province_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(province_admin, STARTER_CSV.read_bytes())

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == job.result["total"] == job.total == job.done >= 70


@pytest.mark.django_db
def test_an_import_job_with_a_bad_file_fails_with_the_row_messages(
    province_admin, django_capture_on_commit_callbacks
):
    content = csv_bytes([["6-18-01-01", "车工", "", "5"], ["618-01-02", "铣工", "", "5"]])
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(province_admin, content)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "第3行 职业编码：" in job.error and " / Occupation code" in job.error
    assert not Occupation.objects.exists()


@pytest.mark.django_db
def test_a_failed_job_lists_only_the_first_twenty_errors(
    province_admin, django_capture_on_commit_callbacks
):
    content = csv_bytes([[f"x-{n}", "车工", "", "5"] for n in range(25)])
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(province_admin, content)

    job.refresh_from_db()
    assert sum(line.startswith("第") for line in job.error.splitlines()) == 20
    assert "第21行" in job.error and "第22行" not in job.error and "5 more" in job.error


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (far_cell_xlsx(), "occupations.xlsx", "XFD1048576"),
        (png_header_only(300, 400), "occupations.csv", "改了扩展名"),
    ],
)
def test_hostile_files_are_refused_before_they_are_read(content, filename, says):
    with pytest.raises(OccupationImportError) as caught:
        read_rows(io.BytesIO(content), filename)
    assert says in caught.value.errors[0]["zh"]


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (far_cell_xlsx(), "contestants.xlsx", "XFD1048576"),
        (wide_and_long_xlsx(), "contestants.xlsx", "CV200000"),
        (png_header_only(300, 400), "contestants.csv", "改了扩展名"),
    ],
)
def test_the_contestant_import_reads_through_the_same_bounds(content, filename, says):
    from competitions.contestant_import import ContestantImportErrors, read_sheet

    with pytest.raises(ContestantImportErrors) as caught:
        read_sheet(io.BytesIO(content), filename)
    assert says in caught.value.errors[0]["zh"]
