"""One pipeline for every spreadsheet import (rosters, contestants, the occupation catalogue).

An importer declares its columns (Chinese header, English header and aliases, required or not)
and its checks, one per column, and supplies the write step. The pipeline does the rest the same
way for all of them (issue 12):

1. read the upload through the bounded reader (skilleval.spreadsheets.read_table);
2. map the header row to columns, in Chinese or English ("姓名", "Name", "姓名 / Name");
3. check every row, cell by cell; each problem is {"row", "column", "column_en", "value", "zh",
   "en"} with the row number the user sees (header = row 1), so a page or a job shows it in the
   reader's language;
4. write all rows in one transaction, or nothing when one row is bad (an importer may write
   chunks while the next rows are checked; a refusal rolls them back);
5. on refusal, the uploaded sheet with the bad cells filled red and an errors column
   (ImportRefused.annotated), and the first errors in both languages for the job (describe).

Where the importers used to disagree, the pipeline keeps the stricter or more informative
behaviour, the roster's unless said otherwise:
- a column that appears twice is an error in every import (the occupation import silently used
  the last one); only a missing required column stops the checks before the rows (the contestant
  import also stopped at a doubled optional column, hiding the rows' own errors);
- cells are read the roster's way (cell_text): the apostrophe our own exports put before
  formula-like text is taken off, numbers show as Excel shows them, dates as YYYY-MM-DD;
- levels are read the roster's way (read_level): "四级（中级工）" names level 4 in every import;
- every problem carries the cell as read ("value", an ID number masked) and both headers.
- ID numbers are checked one way (check_id_document): the roster's GB 11643 check character,
  birth date from 1900 to today, residence permits from 810000/820000/830000; the contestants'
  birth-place list (python-stdnum's, which lacks current counties such as 320115 江宁区) is gone.
"""

import contextlib
import gc
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum.cn import ric

from skilleval.choices import Level, in_chinese
from skilleval.job_pages import in_both_languages
from skilleval.models import Job
from skilleval.spreadsheets import MAX_ROWS, UnreadableSpreadsheet, is_blank, read_table, safe_cell

MAX_ERRORS_IN_MESSAGE = 20
MAX_ERRORS_IN_RESULT = 200  # kept on a job for its page's table
ERRORS_HEADER = _("错误")  # in both languages in the annotated file: it may be read by either

Progress = Callable[[int, int], None]


# --- declaring an import -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import: its key, the Chinese header of the template, the English header
    and other names accepted on upload, and what the template shows about it."""

    key: str
    header: str
    header_en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    number_format: str = ""  # "@" keeps Excel from turning long digit strings into numbers
    choices: tuple[str, ...] = ()  # the template's drop-down list
    note_zh: str = ""
    note_en: str = ""


class Bad(Exception):
    """One problem with a cell, raised by a check. ``column`` when it belongs to another column
    than the checked one; ``value`` when the cell as read is not what to show."""

    def __init__(self, zh: str, en: str, column: str | None = None, value=None):
        super().__init__(zh)
        self.zh, self.en, self.column, self.value = zh, en, column, value


class Bads(Exception):
    """Several problems with one cell (a list of levels with two unknown words)."""

    def __init__(self, problems: list[Bad]):
        super().__init__(problems[0].zh)
        self.problems = problems


# A check gets the cell, the row checked so far (a dict of the values stored; keys starting with
# "_" are working notes) and the import's context; it returns the value to store or raises Bad.
Check = Callable[[object, dict, object], object]

MEMO_LIMIT = 1_000  # distinct texts remembered per value-only check of one upload


def value_only(check: Check) -> Check:
    """Mark a check whose answer depends on the cell's text alone (and on the upload's context,
    which does not change while it is checked): check_rows then runs it once per distinct text
    and reuses the answer. Most columns of a roster hold a handful of values (document type,
    education, level, region), and a 100,000-row file asks the same question 100,000 times.
    Only text cells are remembered: 1, 1.0 and True are equal as keys but not as cells."""
    check.value_only = True
    return check


@dataclass
class Sheet:
    """The uploaded table: the header row and the non-blank data rows as (row number, cells),
    numbered as the user sees them (header = row 1)."""

    header: list
    rows: list[tuple[int, list]]
    columns: dict[str, int] = field(default_factory=dict)  # column key -> index in the row
    header_errors: list[dict] = field(default_factory=list)


class ImportRefused(Exception):
    """The file was refused and nothing was written. ``errors`` lists every problem;
    ``annotated`` is the uploaded sheet with the errors marked (None when it could not be read)."""

    headline = _("导入被拒绝，共 %(count)s 处错误，未做任何修改")

    def __init__(self, errors: list[dict], sheet: "Sheet | None" = None, spec=None):
        self.errors = errors
        self.sheet, self.spec = sheet, spec
        super().__init__(describe(errors, self.headline))

    @property
    def annotated(self) -> bytes | None:
        if self.sheet is None or self.spec is None:
            return None
        return annotated_copy(self.spec, self.sheet, self.errors)


@dataclass(frozen=True)
class Spec:
    """What an import declares: its columns and checks, and what it says about its rows.

    ``checks`` are (key the value is stored under, column it is read from and reported under,
    check), run in order on every row; a later check may look at what an earlier one stored.
    ``before_rows(sheet, context)`` returns problems of the whole file that stop it before any row
    is checked; ``after_rows(context)`` those found once every row was read (duplicates already
    in the database). ``each_chunk(context, clean_rows, clean_so_far)`` runs every
    ``progress_every`` rows with the clean rows among them and returns their problems found in
    bulk; while the file is clean so far it may write them: the database then works while the
    next rows are checked, and a refusal rolls the writes back (import_all_or_nothing).
    ``end_chunks(context, exc)`` runs once the rows are checked, or checking raised ``exc``, so
    that a write left open by each_chunk ends."""

    columns: tuple[Column, ...]
    checks: tuple[tuple[str, str, Check], ...]
    refused: type[ImportRefused]
    missing_zh: str  # the refusal of a file without a required column; {header} is replaced
    missing_en: str
    empty: tuple[str, str]  # (zh, en): the file has a header and no row
    noun: tuple[str, str] = ("行", "rows")  # in "at most N … per upload"
    sheet_title: str | None = None
    max_rows: int = MAX_ROWS
    masks: dict[str, Callable[[str], str]] = field(default_factory=dict)  # column -> shown value
    # Headers no longer accepted -> (zh, en) refusal: an old template's column is refused by name,
    # never ignored (it would be silently dropped) nor read as the column that replaced it.
    retired: dict[str, tuple[str, str]] = field(default_factory=dict)
    before_rows: Callable[[Sheet, object], list[dict]] | None = None
    after_rows: Callable[[object], list[dict]] | None = None
    each_chunk: Callable[[object, list[dict], bool], list[dict]] | None = None
    end_chunks: Callable[[object, BaseException | None], None] | None = None
    progress_every: int = 5_000

    def __post_init__(self):
        by_key = {column.key: column for column in self.columns}
        names = {}
        for column in self.columns:
            for name in (column.header, column.header_en, column.key, *column.aliases):
                names[header_key(name)] = column.key
        object.__setattr__(self, "by_key", by_key)
        object.__setattr__(self, "header_names", names)
        retired = {header_key(name): refusal for name, refusal in self.retired.items()}
        object.__setattr__(self, "retired_names", retired)

    def error(self, row: int, column: str, zh: str, en: str, value="") -> dict:
        """One problem, in the shape of every import; `value` is the cell as read (masked for
        a column with a mask, such as ID numbers: it is kept with the job and shown on its page)."""
        known = self.by_key.get(column)
        value = cell_text(value)[:100]  # as the reader sees the cell (a number as Excel shows it)
        if value and column in self.masks:
            value = self.masks[column](value)
        return {
            "row": row,
            "column": known.header if known else column,
            "column_en": known.header_en if known else column,
            "value": value,
            "zh": zh,
            "en": en,
        }


@contextlib.contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Hold back the cyclic garbage collector while an import runs. A large upload keeps millions
    of cells and row dicts alive, and every full collection walks all of them: a tenth of a
    100,000-row roster import. The import makes no reference cycles worth collecting meanwhile;
    the collector resumes (and catches up) when it ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def header_key(value) -> str:
    """A header as compared: lower case, full-width brackets and slashes as ASCII, runs of
    spaces, underscores and hyphens as one space."""
    text = str(value or "").strip().lower().translate(str.maketrans("（）／", "()/"))
    return re.sub(r"[\s_\-]+", " ", text).strip()


# --- reading -------------------------------------------------------------------------------


def read_sheet(spec: Spec, source, filename: str) -> Sheet:
    """Read an .xlsx or .csv upload through the bounded reader and map its header. Raises
    spec.refused when the file cannot be read at all; column problems are kept in
    ``header_errors`` for check_rows."""
    try:
        table = read_table(source, filename, spec.sheet_title)
    except UnreadableSpreadsheet as refused:
        raise spec.refused([spec.error(1, "", refused.zh, refused.en)]) from refused
    except Exception as exc:  # a corrupt upload reads as a refusal, not a crash
        raise spec.refused(
            [spec.error(1, "", f"无法读取文件：{exc}", f"The file could not be read: {exc}")]
        ) from exc
    if not table:
        raise spec.refused([spec.error(1, "", "文件是空的", "The file is empty")])

    header = list(table[0])
    width = len(header)
    rows = []
    for number in range(2, len(table) + 1):
        cells = table[number - 1]  # the reader's own lists: padded in place, not copied
        first = cells[0] if cells else None
        # The first cell of a filled row is nearly always text: the whole row is looked at
        # only when it is not.
        if not (type(first) is str and first.strip()) and all(is_blank(c) for c in cells):
            continue  # spreadsheets often carry trailing empty rows
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        rows.append((number, cells))

    sheet = Sheet(header=header, rows=rows)
    for index, value in enumerate(header):
        retired = spec.retired_names.get(header_key(value))
        if retired:
            sheet.header_errors.append(spec.error(1, str(value).strip(), *retired))
            continue
        key = spec.header_names.get(header_key(value))
        if key is None and " / " in str(value):  # "姓名 / Name"
            key = spec.header_names.get(header_key(str(value).split(" / ")[0]))
        if key is None:
            continue  # other columns are kept for the annotated copy and otherwise ignored
        if key in sheet.columns:
            header_text = spec.by_key[key].header
            sheet.header_errors.append(
                spec.error(
                    1, key, f"“{header_text}”列出现了两次", f"Column “{header_text}” appears twice"
                )
            )
        else:
            sheet.columns[key] = index
    for column in spec.columns:
        if column.required and column.key not in sheet.columns:
            sheet.header_errors.append(
                spec.error(
                    1,
                    column.key,
                    spec.missing_zh.format(header=column.header),
                    spec.missing_en.format(header=column.header),
                )
            )
    return sheet


# --- checking ------------------------------------------------------------------------------


def check_rows(
    spec: Spec, sheet: Sheet, context, progress: Progress | None = None
) -> tuple[list[dict], list[dict]]:
    """Check every row. Returns (clean rows, []) or ([], errors sorted by row); a clean row is
    the dict the checks filled, plus ``row``."""
    errors = list(sheet.header_errors)
    required = {column.header for column in spec.columns if column.required}
    if any(e["column"] in required for e in errors):
        return [], errors  # without a required column no row can be checked
    total = len(sheet.rows)
    if total == 0:
        return [], [*errors, spec.error(1, "", *spec.empty)]
    if total > spec.max_rows:
        zh_noun, en_noun = spec.noun
        return [], [
            *errors,
            spec.error(
                1,
                "",
                f"一次最多导入 {spec.max_rows} {zh_noun}，本文件有 {total} 行",
                f"At most {spec.max_rows} {en_noun} per upload; this file has {total} rows",
            ),
        ]
    if spec.before_rows:
        refusals = spec.before_rows(sheet, context)
        if refusals:
            return [], [*errors, *refusals]

    # Each check with the index of its column in the upload (None: the column is absent) and,
    # for a value-only check, the answers it gave to the texts seen so far.
    checks = [
        (
            key,
            column,
            sheet.columns.get(column),
            check,
            {} if getattr(check, "value_only", False) else None,
        )
        for key, column, check in spec.checks
    ]
    clean: list[dict] = []
    every = spec.progress_every
    chunk_start = 0  # the first of the clean rows not yet given to each_chunk
    try:
        for done, (number, cells) in enumerate(sheet.rows, start=1):
            row = {"row": number}
            found = len(errors)
            for key, column, index, check, memo in checks:
                value = cells[index] if index is not None else ""
                remembered = memo is not None and type(value) is str
                if remembered:
                    answer = memo.get(value, memo)  # the dict itself stands for "not seen"
                    if answer is not memo:
                        row[key] = answer
                        continue
                try:
                    row[key] = answer = check(value, row, context)
                    if remembered and len(memo) < MEMO_LIMIT:
                        memo[value] = answer
                except Bad as bad:
                    errors.append(_problem(spec, number, column, index, cells, bad))
                except Bads as bads:
                    errors.extend(
                        _problem(spec, number, column, index, cells, b) for b in bads.problems
                    )
            if len(errors) == found:
                clean.append(row)
            if done % every == 0 or done == total:
                if progress:
                    progress(done, total)
                if spec.each_chunk:
                    errors.extend(spec.each_chunk(context, clean[chunk_start:], not errors))
                    chunk_start = len(clean)

    except BaseException as exc:
        if spec.end_chunks:
            spec.end_chunks(context, exc)
        raise
    if spec.end_chunks:
        spec.end_chunks(context, None)
    if spec.after_rows:
        errors.extend(spec.after_rows(context))
    if errors:
        errors.sort(key=lambda e: e["row"])  # stable: a row's own errors keep their column order
        return [], errors
    return clean, []


def _problem(spec: Spec, number: int, column: str, index, cells, bad: Bad) -> dict:
    if bad.value is not None:
        value = bad.value
    else:
        value = cells[index] if index is not None and not bad.column else ""
    return spec.error(number, bad.column or column, bad.zh, bad.en, value)


def earlier_row(first_row_of: dict, key, row: dict) -> int | None:
    """The row of the file where `key` first stood when that is not `row`: the file repeats
    itself. A first sighting is noted in `first_row_of` (key -> row number)."""
    first = first_row_of.setdefault(key, row["row"])
    return first if first != row["row"] else None


# --- writing -------------------------------------------------------------------------------

DIGEST_CHUNK = 5_000  # rows per update of rows_digest, not two updates per row


def rows_digest(rows: list, values: Callable) -> str:
    """A fingerprint of exactly what an import wrote, for its audit entry (so no plain ID
    numbers among `values(row)`): each row's values as text ("" for None) joined by \\x1f, each
    row ended by \\x1e, through SHA-256."""
    digest = hashlib.sha256()
    for start in range(0, len(rows), DIGEST_CHUNK):
        digest.update(
            "".join(
                "\x1f".join(["" if v is None else str(v) for v in values(row)]) + "\x1e"
                for row in rows[start : start + DIGEST_CHUNK]
            ).encode()
        )
    return digest.hexdigest()


def import_all_or_nothing(spec: Spec, sheet: Sheet, prepare, write, progress=None):
    """Check and write in one transaction: ``prepare()`` locks what the import must not race
    with and returns the context of the checks; ``write(context, clean)`` runs only when no row
    is bad and its result is returned. A refusal is raised once the transaction is rolled back
    (undoing what each_chunk wrote), with the sheet for the annotated copy."""
    with transaction.atomic():
        context = prepare()
        clean, errors = check_rows(spec, sheet, context, progress)
        if not errors:
            return write(context, clean)
        transaction.set_rollback(True)
    raise spec.refused(errors, sheet, spec)


# --- the template --------------------------------------------------------------------------


def template(spec: Spec, notes: list[tuple], choices: dict | None = None) -> bytes:
    """The .xlsx template of an import: Chinese headers (bold, frozen), each column's width and
    number format, a drop-down list for each column with choices (``choices`` gives a column's
    list, open to other values, when it is not fixed), and a sheet of instructions: the rows of
    ``notes`` (Chinese, Chinese detail, English; the first in bold), then one row per column."""
    choices = choices or {}
    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.sheet_title or "Sheet1"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=column.header).font = bold
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.number_format:
            # A column style: Excel and WPS give it to every cell typed into the column.
            dimension.number_format = column.number_format
        listed = choices.get(column.key, column.choices)
        if listed:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(listed) + '"',
                allow_blank=True,
                showErrorMessage=column.key not in choices,
                errorTitle=gettext("请从列表中选择"),
                error=gettext("%(header)s：请从下拉列表中选择") % {"header": column.header},
            )
            validation.add(f"{letter}2:{letter}{spec.max_rows + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    instructions = workbook.create_sheet("填写说明 Instructions")
    for letter, width in (("A", 26), ("B", 70), ("C", 80)):
        instructions.column_dimensions[letter].width = width
    for line in notes:
        instructions.append([safe_cell(text) for text in line])
    instructions["A1"].font = bold
    instructions.append([])
    instructions.append([gettext("列"), "说明", "Notes"])
    for cell in instructions[instructions.max_row]:
        cell.font = bold
    for column in spec.columns:
        instructions.append([column.header, column.note_zh, column.note_en])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- telling the user ----------------------------------------------------------------------


def error_line(err: dict) -> str:
    """One problem as a line of a job's message, in both languages; the job's page shows the
    reader's half (job_pages.in_language)."""
    column = f" {err['column']}" if err.get("column") else ""
    return " / ".join((f"第{err['row']}行{column}：{err['zh']}", err["en"]))


def describe(errors: list[dict], headline, limit: int = MAX_ERRORS_IN_MESSAGE) -> str:
    """The refusal as a job keeps it: the headline and the first `limit` problems."""
    n = len(errors)
    lines = [
        in_both_languages(headline, {"count": n, "n": n}),
        *(error_line(e) for e in errors[:limit]),
    ]
    if n > limit:
        lines.append(f"……另有 {n - limit} 处错误未列出 / … and {n - limit} more not shown")
    return "\n".join(lines)


def job_refused(job, refused: ImportRefused, annotated_name: str | None = None) -> None:
    """Keep a refusal on its job: the first errors for the job's page and, when asked, the
    annotated sheet as the job's result file."""
    changes = {
        "result": {
            "errors": refused.errors[:MAX_ERRORS_IN_RESULT],
            "error_count": len(refused.errors),
        }
    }
    annotated = refused.annotated if annotated_name else None
    if annotated:
        job.result_file.save(annotated_name, ContentFile(annotated), save=False)
        changes["result_file"] = job.result_file.name
    Job.objects.filter(pk=job.pk).update(**changes)


def annotated_copy(spec: Spec, sheet: Sheet, errors: list[dict]) -> bytes:
    """The uploaded rows as text with a last column "错误 / Errors" and the bad cells filled light
    red; rows keep their numbers. Every cell passes safe_cell, so nothing opens as a formula."""
    by_row: dict[int, list[dict]] = defaultdict(list)
    for err in errors:
        by_row[err["row"]].append(err)
    index_of = {spec.by_key[key].header: index for key, index in sheet.columns.items()}
    width = max(len(sheet.header), max((len(cells) for _, cells in sheet.rows), default=0))

    workbook = Workbook(write_only=True)
    out = workbook.create_sheet(spec.sheet_title or "Sheet1")
    for index in range(width):
        out.column_dimensions[get_column_letter(index + 1)].width = 16
    out.column_dimensions[get_column_letter(width + 1)].width = 60
    out.freeze_panes = "A2"
    red = PatternFill("solid", fgColor="FFC7CE")
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")

    def text_cell(value, *, fill=None, font=None, alignment=None):
        cell = WriteOnlyCell(out, value=safe_cell(value))
        cell.data_type = "s"  # text, whatever openpyxl guessed
        if fill:
            cell.fill = fill
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        return cell

    def messages(problems):
        return "\n".join(
            (f"{p['column']}：" if p["column"] else "") + f"{p['zh']} / {p['en']}" for p in problems
        )

    header_problems = by_row.get(1, [])
    header = [text_cell(cell_text(v), font=bold) for v in sheet.header]
    header.extend(text_cell("", font=bold) for _ in range(width - len(header)))
    label = in_both_languages(ERRORS_HEADER) + (
        "\n" + messages(header_problems) if header_problems else ""
    )
    header.append(
        text_cell(label, font=bold, fill=red if header_problems else None, alignment=wrapped)
    )
    out.append(header)

    expected = 2
    for number, cells in sheet.rows:
        while expected < number:  # blank rows of the upload, so numbers stay aligned
            out.append([])
            expected += 1
        problems = by_row.get(number)
        if problems:
            bad = {index_of.get(p["column"]) for p in problems}
            row = [
                text_cell(cell_text(v), fill=red if i in bad else None) for i, v in enumerate(cells)
            ]
            row.extend(text_cell("") for _ in range(width - len(cells)))
            row.append(text_cell(messages(problems), alignment=wrapped))
        else:
            row = [text_cell(cell_text(v)) for v in cells]
        out.append(row)
        expected = number + 1

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading one value ---------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell as text, the way a person reads it. Formula-looking text stays text; the
    apostrophe our own exports put before it (safe_cell) is taken off again."""
    if isinstance(value, str):
        value = value.strip()
        if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
            return value[1:]
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: float) -> str:
    """A number cell as Excel shows it: at most 15 significant digits, so an ID number typed as a
    number shows the zeros Excel put in place of its last digits."""
    if value.is_integer():
        if abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(f"{value:.15g}"), "f")
    return f"{value:.15g}"


def is_number_cell(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_years(value) -> Decimal | None:
    """A number of years to one decimal ("3.5", "3.5年", a number cell); None when unreadable."""
    text = repr(float(value)) if is_number_cell(value) else cell_text(value).removesuffix("年")
    try:
        years = Decimal(text)
    except InvalidOperation:
        return None
    if not years.is_finite():
        return None
    return years.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _level_words() -> dict[str, int]:
    """ "四级/中级工", "四级", "中级工", "4", "4级" all name level 4 (实施意见 二十)."""
    words = {}
    for value, label in zip(Level.values, map(in_chinese, Level.labels), strict=True):
        words[label] = value
        for part in label.split("/"):
            words[part] = value
        words[str(value)] = value
        words[f"{value}级"] = value
    return words


LEVEL_WORDS = _level_words()
LEVEL_LABELS = tuple(in_chinese(label) for label in Level.labels)
LEVEL_BRACKETS = re.compile(r"[／()（）]+")  # "四级（中级工）" reads as "四级/中级工"


def read_level(text: str) -> int | None:
    """The level a cell names ("四级/中级工", "四级（中级工）", "中级工", "4"), or None."""
    return LEVEL_WORDS.get(LEVEL_BRACKETS.sub("/", text).strip("/"))


# --- ID numbers (roster, contestants, and the forms and API that register one person) -----

ID_NUMBER_SEPARATORS = re.compile(r"[\s\-]+")
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
HMT_PREFIXES = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan (GB 11643 area codes)


def id_number_cell(value) -> str:
    """The ID number a cell holds, normalised. A number cell is refused: Excel keeps 15
    significant digits, so an 18-digit number typed into a number cell has already lost its last
    ones, and no check could tell which."""
    if is_number_cell(value):
        shown = cell_text(value)
        raise Bad(
            f"证件号码是数字格式（显示为 {shown}）：Excel 只保留 15 位有效数字，末几位已经丢失。"
            "请把该列设置为文本格式后重新填写",
            f"The ID number is a number cell ({shown}): Excel keeps only 15 significant digits, "
            "so the last digits are lost. Format the column as text and type the numbers again",
        )
    return normalise_id_number(cell_text(value))


def normalise_id_number(text: str) -> str:
    """What a person typed, as the number is printed: no spaces or dashes, upper case."""
    return ID_NUMBER_SEPARATORS.sub("", str(text or "")).upper()


def check_gb11643(number: str, today: date) -> date:
    """An 18-character GB 11643 number (resident ID card; HK, Macao and Taiwan residence permits):
    the check character and a real birth date. Returns the birth date; raises Bad.

    The birth place is not checked against a list: python-stdnum's list lacks current counties
    (320115 江宁区), and GB 11643 keeps the code a person was first registered under, which may
    since have been renamed or merged."""
    if len(number) == 15 and number.isdigit():
        raise Bad(
            "15 位的一代身份证号码已停止使用，请填写 18 位号码",
            "15-digit first-generation ID numbers are no longer valid; give the 18-character number",
        )
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise Bad(
            f"证件号码“{number}”应为 18 位：17 位数字加 1 位校验码（数字或 X）",
            f"ID number “{number}” must have 18 characters: 17 digits and a check digit or X",
        )
    if ric.calc_check_digit(number) != number[17]:
        raise Bad(
            f"证件号码“{number}”校验位不正确，请核对",
            f"ID number “{number}” has a wrong check character; please check it",
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth > today or birth.year < 1900:
        raise Bad(
            f"证件号码“{number}”中的出生日期 {number[6:14]} 不是有效日期",
            f"ID number “{number}” has no valid birth date ({number[6:14]})",
        )
    return birth


def check_id_document(number: str, *, passport: bool, permit: bool, today: date) -> date | None:
    """One person's document number, already normalised, for its declared type (a passport, a
    HK/Macao/Taiwan residence permit, else a resident ID card). Returns the birth date the number
    carries (None for a passport); raises Bad."""
    if not number:
        raise Bad("证件号码为空", "ID number is empty")
    if passport:
        if not PASSPORT_RE.match(number):
            raise Bad(
                f"护照号码“{number}”应为 5–20 位字母或数字",
                f"Passport number “{number}” must be 5–20 letters or digits",
            )
        return None
    birth = check_gb11643(number, today)
    if permit and not number.startswith(HMT_PREFIXES):
        raise Bad(
            f"港澳台居民居住证号码“{number}”应以 810000（香港）、820000（澳门）或 830000（台湾）开头",
            f"Residence permit number “{number}” must start with 810000 (Hong Kong), 820000 "
            "(Macao) or 830000 (Taiwan)",
        )
    if not permit and number.startswith(HMT_PREFIXES):
        raise Bad(
            f"“{number}”是港澳台居民居住证号码，请把证件类型改为 港澳台居民居住证",
            f"“{number}” is a residence permit number; set the ID type to 港澳台居民居住证",
            column="id_type",
        )
    return birth


# --- checks more than one import makes -----------------------------------------------------


def check_name(value, row, ctx) -> str:
    """A person's name as on the ID document."""
    name = cell_text(value)
    if not name:
        raise Bad("姓名为空", "Name is empty")
    if len(name) > 50:
        raise Bad("姓名超过 50 个字符", "Name is longer than 50 characters")
    return name


@value_only
def check_current_level(value, row, ctx) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    level = read_level(text)
    if level is None:
        raise Bad(
            f"无法识别的现有等级“{text}”，应为 五级/初级工 等或 1–5",
            f"Unknown current level “{text}”; use names like 五级/初级工 or 1–5",
        )
    return level
