"""Import the occupation catalogue (职业目录) from a spreadsheet.

A file is checked row by row before anything is written: one bad row refuses the whole file, so
the catalogue never ends up half-imported. Valid files are upserted by occupation code.
"""

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy

from skilleval.job_pages import in_both_languages
from skilleval.models import ApplicationCondition, Job, Occupation, OccupationLevel
from skilleval.spreadsheets import UnreadableSpreadsheet, is_blank, read_table

STARTER_CSV = Path(__file__).resolve().parent / "fixtures" / "occupations_starter.csv"

# Same pattern as the model's check constraint, so a file we accept never trips it.
CODE_RE = re.compile(r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?$")
PROGRESS_EVERY = 100
MAX_ERRORS_IN_RESULT = 200  # kept for the job page's table
MAX_ERRORS_IN_MESSAGE = 20

# Column key -> the name errors are reported under.
COLUMNS = {"code": "职业编码", "name": "职业名称", "work_type": "工种", "levels": "等级"}
REQUIRED = ("code", "name", "levels")
HEADERS = {
    "职业编码": "code",
    "code": "code",
    "职业名称": "name",
    "name": "name",
    "工种": "work_type",
    "工种/职业方向": "work_type",
    "工种（职业方向）": "work_type",
    "work_type": "work_type",
    "等级": "levels",
    "levels": "levels",
}

LEVEL_WORDS = {
    "一级": 1,
    "高级技师": 1,
    "二级": 2,
    "技师": 2,
    "三级": 3,
    "高级工": 3,
    "四级": 4,
    "中级工": 4,
    "五级": 5,
    "初级工": 5,
}
LEVEL_WORDS.update({str(n): n for n in range(1, 6)})
LEVEL_WORDS.update({f"{n}级": n for n in range(1, 6)})
# "四级/中级工" and "四级（中级工）" name one level twice; splitting on "/" and brackets as well
# as list separators reads them, and "5/4/3", correctly.
LEVEL_SEPARATORS = re.compile(r"[|,，、;；/／()（）\s]+")
# People type codes with full-width or typographic dashes; the catalogue stores ASCII hyphens.
DASHES = str.maketrans({"－": "-", "–": "-", "—": "-", "‐": "-", "‑": "-"})


class OccupationImportError(Exception):
    """The file was refused; ``errors`` lists every problem found, nothing was written."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__(describe_errors(errors))


def error(row: int, column: str, zh: str, en: str, value="") -> dict:
    value = "" if value is None else str(value).strip()[:100]
    return {
        "row": row,
        "column": COLUMNS.get(column, column),
        "value": value,
        "zh": zh,
        "en": en,
    }


# The headline of a refused import, kept on the job in both languages.
REFUSED = gettext_lazy("导入被拒绝，共 %(count)s 处错误，未做任何修改")


def error_line(err: dict) -> str:
    column = f" {err['column']}" if err.get("column") else ""
    # Kept in both languages on the job; its page shows the reader's half (job_pages.in_language).
    return " / ".join((f"第{err['row']}行{column}：{err['zh']}", err["en"]))


def describe_errors(errors: list[dict], limit: int = MAX_ERRORS_IN_MESSAGE) -> str:
    lines = [
        in_both_languages(REFUSED, {"count": len(errors)}),
        *(error_line(e) for e in errors[:limit]),
    ]
    if len(errors) > limit:
        more = len(errors) - limit
        lines.append(f"……另有 {more} 处错误未列出 / … and {more} more not shown")
    return "\n".join(lines)


# --- reading files -------------------------------------------------------------------------


def read_rows(path_or_file, filename: str) -> list[dict]:
    """Read an .xlsx or .csv file into dicts with keys row, code, name, work_type, levels.

    ``row`` is the spreadsheet row number (header = 1) so errors point at what the user sees.
    Cell values are passed through raw; validation happens in import_occupations.
    """
    try:
        table = read_table(path_or_file, filename)
    except UnreadableSpreadsheet as refused:
        raise OccupationImportError([error(1, "", refused.zh, refused.en)]) from refused
    except Exception as exc:  # a corrupt upload should read as a refusal, not a crash
        raise OccupationImportError(
            [error(1, "", f"无法读取文件：{exc}", f"The file could not be read: {exc}")]
        ) from exc
    return _table_to_rows(table)


def _header_key(cell) -> str:
    # Tolerate "Code", " 等级 " and the full-width slash of "工种／职业方向".
    return str(cell or "").strip().lower().replace("／", "/")


def _table_to_rows(table: list) -> list[dict]:
    if not table:
        raise OccupationImportError([error(1, "", "文件是空的", "The file is empty")])
    header = [HEADERS.get(_header_key(h)) for h in table[0]]
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise OccupationImportError(
            [
                error(1, key, f"缺少“{COLUMNS[key]}”列", f"Missing column “{COLUMNS[key]}” ({key})")
                for key in missing
            ]
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(is_blank(c) for c in cells):
            continue  # spreadsheets often carry trailing empty rows
        row = {"row": number, "work_type": ""}
        for key, value in zip(header, cells, strict=False):
            if key:
                row[key] = value
        rows.append(row)
    return rows


# --- validating ----------------------------------------------------------------------------


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


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _clean_row(raw: dict, number: int, errors: list[dict]) -> dict | None:
    """Check one row, appending its problems to ``errors``; return the cleaned row if valid."""
    found = len(errors)
    code_cell = raw.get("code")
    code = ""
    if isinstance(code_cell, str):
        code = code_cell.strip().translate(DASHES)
    if is_blank(code_cell):
        errors.append(error(number, "code", "职业编码为空", "Occupation code is empty"))
    elif not isinstance(code_cell, str):
        # Excel turns codes typed without text formatting into numbers or dates.
        errors.append(
            error(
                number,
                "code",
                f"职业编码是数字或日期单元格（{code_cell}），请把该列设为文本，按 6-18-01-01 的格式填写",
                f"Occupation code is a number or date cell ({code_cell}); format the column as "
                "text and write codes like 6-18-01-01",
                code_cell,
            )
        )
    elif not CODE_RE.match(code):
        errors.append(
            error(
                number,
                "code",
                f"职业编码“{code}”格式不对，应为 大类-中类-小类-细类，如 6-18-01-01"
                "（工种可再加两位）",
                f"Occupation code “{code}” is malformed; expected major-middle-minor-unit "
                "group like 6-18-01-01 (a work type adds two more digits)",
                code,
            )
        )

    name = _text(raw.get("name"))
    if not name:
        errors.append(error(number, "name", "职业名称为空", "Occupation name is empty"))
    elif len(name) > Occupation._meta.get_field("name").max_length:
        errors.append(error(number, "name", "职业名称过长", "Occupation name is too long", name))

    work_type = _text(raw.get("work_type"))
    if len(work_type) > Occupation._meta.get_field("work_type").max_length:
        errors.append(error(number, "work_type", "工种名称过长", "Work type name is too long"))

    levels, unknown = parse_levels(raw.get("levels"))
    for token in unknown:
        errors.append(
            error(
                number,
                "levels",
                f"无法识别的等级“{token}”，应为 1–5 或 五级/初级工 等名称",
                f"Unknown level “{token}”; use 1–5 or names such as 五级/初级工",
                token,
            )
        )
    if not levels and not unknown:
        errors.append(error(number, "levels", "未填写等级", "No levels given"))

    if len(errors) > found:
        return None
    return {"row": number, "code": code, "name": name, "work_type": work_type, "levels": levels}


def validate_rows(rows: Iterable[dict]) -> list[dict]:
    """Clean every row; raise OccupationImportError listing all problems if there are any."""
    errors, cleaned, first_row_of = [], [], {}
    for index, raw in enumerate(rows):
        number = raw.get("row", index + 2)
        row = _clean_row(raw, number, errors)
        if row is None:
            continue
        if row["code"] in first_row_of:
            errors.append(
                error(
                    number,
                    "code",
                    f"职业编码 {row['code']} 与第 {first_row_of[row['code']]} 行重复",
                    f"Occupation code {row['code']} repeats row {first_row_of[row['code']]}",
                    row["code"],
                )
            )
            continue
        first_row_of[row["code"]] = number
        cleaned.append(row)
    if not errors and not cleaned:
        errors.append(error(1, "", "文件中没有数据行", "The file has no data rows"))
    if errors:
        raise OccupationImportError(errors)
    return cleaned


# --- writing -------------------------------------------------------------------------------


def import_occupations(
    rows: Iterable[dict], progress: Callable[[int, int], None] | None = None
) -> dict:
    """Validate all rows, then upsert them by code in one transaction (all or nothing).

    Occupations not in the file are left alone; an imported occupation's levels become exactly
    the file's levels. Rows that would change nothing are not saved, so the audit log only
    records real changes.
    """
    cleaned = validate_rows(rows)
    total = len(cleaned)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "total": total}
    if progress:
        progress(0, total)
    with transaction.atomic():
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


def add_level(occupation: Occupation, level: int) -> None:
    """A level the occupation's standard defines, with the common template's application
    conditions (申报条件) until the province records the standard's own."""
    occupation_level = OccupationLevel.objects.create(occupation=occupation, level=level)
    ApplicationCondition.objects.add_standard_template(occupation_level)


def _create(row: dict) -> None:
    occupation = Occupation.objects.create(
        code=row["code"], name=row["name"], work_type=row["work_type"]
    )
    for level in sorted(row["levels"]):
        add_level(occupation, level)


def _update(occupation: Occupation, row: dict) -> bool:
    """Bring an existing occupation in line with the row; return whether anything changed."""
    changed_fields = [f for f in ("name", "work_type") if getattr(occupation, f) != row[f]]
    for field in changed_fields:
        setattr(occupation, field, row[field])
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
            rows = read_rows(handle, job.input_file.name)
        return import_occupations(rows, progress=job.report_progress)
    except OccupationImportError as refused:
        # The job page shows these as a table (row, column, value, reason).
        Job.objects.filter(pk=job.pk).update(
            result={
                "errors": refused.errors[:MAX_ERRORS_IN_RESULT],
                "error_count": len(refused.errors),
            }
        )
        raise
