"""Import the occupation catalogue (职业目录) from a spreadsheet.

The file goes through the project's one import pipeline (skilleval.imports): every row is checked
before anything is written, one bad row refuses the whole file, so the catalogue never ends up
half-imported. This module declares the columns and their checks; valid files are upserted by
occupation code.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from skilleval.imports import (
    LEVEL_WORDS,
    Bad,
    Bads,
    Column,
    ImportRefused,
    Sheet,
    Spec,
    cell_text,
    earlier_row,
    import_all_or_nothing,
    job_refused,
    read_sheet,
)
from skilleval.models import ApplicationCondition, Occupation, OccupationLevel
from skilleval.spreadsheets import is_blank

STARTER_CSV = Path(__file__).resolve().parent / "fixtures" / "occupations_starter.csv"

# Same pattern as the model's check constraint, so a file we accept never trips it.
CODE_RE = re.compile(r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?$")
PROGRESS_EVERY = 100

COLUMNS = (
    Column("code", "职业编码", "Occupation code", ("code",), required=True),
    Column("name", "职业名称", "Occupation name", ("name",), required=True),
    Column("work_type", "工种", "Work type", ("工种/职业方向", "工种（职业方向）", "work_type")),
    Column("levels", "等级", "Levels", ("levels",), required=True),
    # 实施意见 四: an access-type qualification; a file without the column leaves the flag alone.
    Column(
        "access_type",
        "准入类",
        "Access type",
        ("准入类职业资格", "access_type"),
        choices=("是", "否"),
        note_zh="准入类职业资格填“是”，其余留空或填“否”",
        note_en="“是” for an access-type qualification; blank or “否” otherwise",
    ),
)
ACCESS_TYPE_WORDS = {"是": True, "否": False, "yes": True, "no": False}

# "四级/中级工" and "四级（中级工）" name one level twice; splitting on "/" and brackets as well
# as list separators reads them, and "5/4/3", correctly.
LEVEL_SEPARATORS = re.compile(r"[|,，、;；/／()（）\s]+")
# People type codes with full-width or typographic dashes; the catalogue stores ASCII hyphens.
DASHES = str.maketrans({"－": "-", "–": "-", "—": "-", "‐": "-", "‑": "-"})


class OccupationImportError(ImportRefused):
    """The file was refused; ``errors`` lists every problem found, nothing was written."""


# --- checking one column -------------------------------------------------------------------


def parse_levels(value) -> tuple[set[int], list[str]]:
    """Return (levels, unknown tokens) for a cell like "5|4|3", "5、4、3" or "四级/中级工"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    levels, unknown = set(), []
    for token in LEVEL_SEPARATORS.split(str(value or "").strip()):
        if not token:
            continue
        if token in LEVEL_WORDS:
            levels.add(LEVEL_WORDS[token])
        else:
            unknown.append(token)
    return levels, unknown


def check_code(value, row, ctx) -> str:
    if is_blank(value):
        raise Bad("职业编码为空", "Occupation code is empty")
    if not isinstance(value, str):
        # Excel turns codes typed without text formatting into numbers or dates.
        raise Bad(
            f"职业编码是数字或日期单元格（{value}），请把该列设为文本，按 6-18-01-01 的格式填写",
            f"Occupation code is a number or date cell ({value}); format the column as "
            "text and write codes like 6-18-01-01",
        )
    code = value.strip().translate(DASHES)
    if not CODE_RE.match(code):
        raise Bad(
            f"职业编码“{code}”格式不对，应为 大类-中类-小类-细类，如 6-18-01-01（工种可再加两位）",
            f"Occupation code “{code}” is malformed; expected major-middle-minor-unit "
            "group like 6-18-01-01 (a work type adds two more digits)",
            value=code,
        )
    return code


def check_name(value, row, ctx) -> str:
    name = cell_text(value)
    if not name:
        raise Bad("职业名称为空", "Occupation name is empty")
    if len(name) > Occupation._meta.get_field("name").max_length:
        raise Bad("职业名称过长", "Occupation name is too long")
    return name


def check_work_type(value, row, ctx) -> str:
    work_type = cell_text(value)
    if len(work_type) > Occupation._meta.get_field("work_type").max_length:
        raise Bad("工种名称过长", "Work type name is too long", value="")
    return work_type


def check_levels(value, row, ctx) -> set[int]:
    levels, unknown = parse_levels(value)
    if unknown:
        raise Bads(
            [
                Bad(
                    f"无法识别的等级“{token}”，应为 1–5 或 五级/初级工 等名称",
                    f"Unknown level “{token}”; use 1–5 or names such as 五级/初级工",
                    value=token,
                )
                for token in unknown
            ]
        )
    if not levels:
        raise Bad("未填写等级", "No levels given")
    return levels


def check_access_type(value, row, ctx) -> bool | None:
    """None: blank or no such column, the flag stays as it is."""
    text = cell_text(value).lower()
    if not text:
        return None
    if text not in ACCESS_TYPE_WORDS:
        raise Bad(
            f"“准入类”应填“是”或“否”，不是“{text}”", f"“Access type” is 是 or 否, not “{text}”"
        )
    access_type = ACCESS_TYPE_WORDS[text]
    code = row.get("code")
    if (
        access_type
        and code
        and Occupation.objects.filter(code=code, vq_exit_batch__isnull=False).exists()
    ):
        raise Bad(
            f"职业 {code} 已作为水平评价类职业资格退出目录，不能标为准入类（实施意见 四）",
            f"Occupation {code} left the catalog as a level-evaluation qualification; it cannot "
            "be access-type (实施意见 四)",
        )
    return access_type


def check_once_in_file(value, row, ctx) -> None:
    code = row.get("code")
    if not code:
        return
    if first := earlier_row(ctx.first_row_of, code, row):
        raise Bad(
            f"职业编码 {code} 与第 {first} 行重复",
            f"Occupation code {code} repeats row {first}",
            value=code,
        )


@dataclass
class Context:
    first_row_of: dict[str, int] = field(default_factory=dict)  # code -> first row


SPEC = Spec(
    columns=COLUMNS,
    checks=(
        ("code", "code", check_code),
        ("name", "name", check_name),
        ("work_type", "work_type", check_work_type),
        ("levels", "levels", check_levels),
        ("access_type", "access_type", check_access_type),
        ("_once", "code", check_once_in_file),
    ),
    refused=OccupationImportError,
    missing_zh="缺少“{header}”列",
    missing_en="Missing column “{header}”",
    empty=("文件中没有数据行", "The file has no data rows"),
)


def read_rows(path_or_file, filename: str) -> Sheet:
    """Read an .xlsx or .csv file (skilleval.imports.Sheet); rows are checked on import.
    Raises OccupationImportError when the file cannot be read at all."""
    return read_sheet(SPEC, path_or_file, filename)


# --- writing -------------------------------------------------------------------------------


def import_occupations(sheet: Sheet, progress: Callable[[int, int], None] | None = None) -> dict:
    """Check all rows, then upsert them by code in one transaction (all or nothing).

    Occupations not in the file are left alone; an imported occupation's levels become exactly
    the file's levels. Rows that would change nothing are not saved, so the audit log only
    records real changes.
    """

    def write(ctx, cleaned: list[dict]) -> dict:
        total = len(cleaned)
        counts = {"created": 0, "updated": 0, "unchanged": 0, "total": total}
        if progress:
            progress(0, total)
        existing = {
            occ.code: occ
            for occ in Occupation.objects.select_for_update()
            .filter(code__in=[r["code"] for r in cleaned])
            .prefetch_related("levels")
        }
        for done, row in enumerate(cleaned, start=1):
            occupation = existing.get(row["code"])
            if occupation is None:
                _create(row)
                counts["created"] += 1
            elif _update(occupation, row):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            # Progress goes through its own UPDATE; on PostgreSQL readers see it when this
            # transaction commits.
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        return counts

    return import_all_or_nothing(SPEC, sheet, Context, write)


def add_level(occupation: Occupation, level: int) -> None:
    """A level the occupation's standard defines, with the common template's application
    conditions (申报条件) until the province records the standard's own."""
    occupation_level = OccupationLevel.objects.create(occupation=occupation, level=level)
    ApplicationCondition.objects.add_standard_template(occupation_level)


def _create(row: dict) -> None:
    occupation = Occupation.objects.create(
        code=row["code"],
        name=row["name"],
        work_type=row["work_type"],
        is_access_type=bool(row.get("access_type")),
    )
    for level in sorted(row["levels"]):
        add_level(occupation, level)


def _update(occupation: Occupation, row: dict) -> bool:
    """Bring an existing occupation in line with the row; return whether anything changed."""
    wanted = {"name": row["name"], "work_type": row["work_type"]}
    if row.get("access_type") is not None:
        wanted["is_access_type"] = row["access_type"]
    changed_fields = [f for f, value in wanted.items() if getattr(occupation, f) != value]
    for name in changed_fields:
        setattr(occupation, name, wanted[name])
    if changed_fields:
        occupation.save(update_fields=[*changed_fields, "updated_at"])

    current = {ol.level: ol for ol in occupation.levels.all()}
    for level, occupation_level in current.items():
        if level not in row["levels"]:
            occupation_level.delete()
    added = sorted(row["levels"] - current.keys())
    for level in added:
        add_level(occupation, level)
    return bool(changed_fields or added or current.keys() - row["levels"])


# --- background job ------------------------------------------------------------------------


def run_import_job(job) -> dict:
    """Job handler for JobKind.OCCUPATION_IMPORT.

    An OccupationImportError propagates as is: its message is the refusal headline plus the
    first 20 row errors (第N行 列名：中文 / English), which Job.run stores in ``job.error``.
    """
    try:
        with job.input_file.open("rb") as handle:
            sheet = read_rows(handle, job.input_file.name)
        return import_occupations(sheet, progress=job.report_progress)
    except OccupationImportError as refused:
        job_refused(job, refused)  # the job page shows the errors as a table
        raise
