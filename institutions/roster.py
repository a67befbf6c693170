"""The roster of an evaluation batch (考生名单): template, columns, checks, import.

An institution downloads an .xlsx template with Chinese headers, fills one row per candidate
and uploads it (.xlsx or .csv). The upload goes through the project's one import pipeline
(skilleval.imports): every row is checked before anything is written; one bad row refuses the
whole file (nothing half-imported), and the user gets every problem with its row, column and a
Chinese and English message — on the page and as the uploaded spreadsheet with an errors column
(SPEC "Evaluation batches", issue 4). This module declares the columns and their checks, and
writes the rows. ID numbers are stored encrypted, found by a keyed hash and shown masked (SPEC
"Public lookup and privacy").

Large rosters run as a background job (JobKind.ROSTER_IMPORT, run_roster_import_job). The code is
kept lean for 100,000 rows (manage.py bench_roster_import): plain loops, no per-row queries, the
duplicate checks in bulk by keyed hash, and the rows sent 5,000 at a time while the next are
checked — COPY on PostgreSQL (on a thread of its own, see _CopyWriter), bulk_create elsewhere —
rolled back when a later row is bad.
"""

import io
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from psycopg.copy import Copy, FileWriter

from institutions.choices import BatchStatus, Education, Gender, IdType, InstitutionKind
from institutions.models import Batch, Candidate
from skilleval import rules
from skilleval.choices import TrainingRoute, in_chinese, in_english
from skilleval.imports import (
    LEVEL_LABELS,
    Bad,
    Column,
    ImportRefused,
    Spec,
    cell_text,
    check_current_level,
    check_id_document,
    check_name,
    check_rows,
    earlier_row,
    id_number_cell,
    import_all_or_nothing,
    is_number_cell,
    job_refused,
    no_gc_pauses,
    parse_years,
    read_sheet,
    rows_digest,
    template,
    value_only,
)
from skilleval.job_pages import in_both_languages
from skilleval.models import AuditEntry
from skilleval.personal_data import PHONE_RE, encrypt, keyed_hash, mask_id_number
from skilleval.rules.exit_deadlines import ExitApplicationDeadline
from skilleval.spreadsheets import MAX_ROWS, is_blank

Progress = Callable[[int, int, str], None]

CHUNK = 5_000  # rows per bulk insert, and per progress report while writing
PROGRESS_INTERVAL = 1.0  # seconds between progress reports while checking
MAX_WORK_YEARS = Decimal(70)
SHEET_TITLE = "考生名单"


# --- the columns ---------------------------------------------------------------------------


# Stored values, as plain str/int (the COPY path adapts Python values, not Django choices).
RESIDENT_ID = IdType.RESIDENT_ID.value
HMT_PERMIT = IdType.HMT_RESIDENCE_PERMIT.value
PASSPORT = IdType.PASSPORT.value
MALE, FEMALE = Gender.MALE.value, Gender.FEMALE.value

ID_TYPE_WORDS = {
    "居民身份证": RESIDENT_ID,
    "身份证": RESIDENT_ID,
    "resident id card": RESIDENT_ID,
    "resident id": RESIDENT_ID,
    "id card": RESIDENT_ID,
    "港澳台居民居住证": HMT_PERMIT,
    "居住证": HMT_PERMIT,
    "residence permit": HMT_PERMIT,
    "护照": PASSPORT,
    "passport": PASSPORT,
    **{value: value for value in IdType.values},
}
GENDER_WORDS = {"男": MALE, "女": FEMALE, "male": MALE, "female": FEMALE, "m": MALE, "f": FEMALE}


def _education_words() -> dict[str, int]:
    """The Education labels' Chinese part (高中、中专、技工学校), each of its short forms
    (高中, 中专, 技工学校) and the English label."""
    words = {}
    for value, label in zip(Education.values, Education.labels, strict=True):
        zh, en = in_chinese(label), in_english(label)
        words[zh] = value
        words[en.lower()] = value
        for part in zh.split("、"):
            words.setdefault(part, value)
    words.update(
        {
            "大学专科": Education.JUNIOR_COLLEGE.value,
            "专科": Education.JUNIOR_COLLEGE.value,
            "大学本科": Education.BACHELOR.value,
            "硕士": Education.POSTGRADUATE.value,
            "博士": Education.POSTGRADUATE.value,
            "硕士研究生": Education.POSTGRADUATE.value,
            "博士研究生": Education.POSTGRADUATE.value,
            "职高": Education.SENIOR_SECONDARY.value,
            "中技": Education.SENIOR_SECONDARY.value,
        }
    )
    return words


EDUCATION_WORDS = _education_words()
EDUCATION_LABELS = tuple(in_chinese(label) for label in Education.labels)


def _route_words() -> dict[str, str]:
    """The training routes by their labels in either language, their values and short forms."""
    words = {}
    for route in TrainingRoute:
        words[in_chinese(route.label)] = route.value
        words[in_english(route.label).lower()] = route.value
        words[route.value] = route.value
    short = {
        TrainingRoute.APPRENTICESHIP: ("学徒期满", "学徒"),
        TrainingRoute.TECHNICAL_SCHOOL: (
            "技工学校",
            "技校",
            "中等职业学校",
            "中职",
            "中专",
            "职高",
        ),
        TrainingRoute.SENIOR_TECHNICAL_SCHOOL: ("高级技工学校", "技师学院", "高等职业学校", "高职"),
        TrainingRoute.PREPARATORY_TECHNICIAN: ("预备技师", "预备技师班"),
    }
    for route, names in short.items():
        words.update(dict.fromkeys(names, route.value))
    return words


ROUTE_WORDS = _route_words()
ROUTE_CHOICES = ("学徒期满", "技工学校", "高级技工学校", "技师学院", "预备技师")
YES_WORDS = {"是", "yes", "y", "true", "1", "√"}
NO_WORDS = {"否", "no", "n", "false", "0", "×"}

PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")
DATE_SEPARATORS = re.compile(r"[/.年月]")

COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "姓名",
        "Name",
        ("name", "full name"),
        width=12,
        required=True,
        note_zh="必填，与证件一致",
        note_en="Required, as on the ID document",
    ),
    Column(
        "id_type",
        "证件类型",
        "ID type",
        ("id type", "document type", "id document type"),
        width=18,
        choices=("居民身份证", "港澳台居民居住证", "护照"),
        note_zh="居民身份证 / 港澳台居民居住证 / 护照；不填即为居民身份证",
        note_en="Resident ID card (default when blank), HK/Macao/Taiwan residence permit or passport",
    ),
    Column(
        "id_number",
        "证件号码",
        "ID number",
        ("id number", "document number", "id no"),
        width=22,
        required=True,
        number_format="@",
        note_zh="必填；本列须为文本格式（Excel 数字只保留 15 位有效数字，身份证号末位会丢失）",
        note_en="Required; keep this column as text (Excel numbers keep only 15 significant digits)",
    ),
    Column(
        "gender",
        "性别",
        "Gender",
        ("gender", "sex"),
        width=8,
        choices=("男", "女"),
        note_zh="男 / 女；须与身份证号一致，不填则按身份证号确定（护照必填）",
        note_en="男 (male) / 女 (female); must agree with the ID number, taken from it when blank "
        "(required for passports)",
    ),
    Column(
        "education",
        "学历",
        "Education",
        ("education",),
        width=24,
        required=True,
        choices=EDUCATION_LABELS,
        note_zh="必填，如 初中、高中、中专、技工学校、大专、本科、研究生",
        note_en="Required, e.g. 初中, 高中, 中专, 技工学校, 大专, 本科, 研究生",
    ),
    Column(
        "work_years",
        "从业年限",
        "Work years",
        ("work years", "years of work"),
        width=10,
        required=True,
        note_zh="必填，年，可带一位小数，如 3.5",
        note_en="Required, years, one decimal allowed, e.g. 3.5",
    ),
    Column(
        "current_level",
        "现有等级",
        "Current level",
        ("current level",),
        width=16,
        choices=LEVEL_LABELS,
        note_zh="没有可不填；如 五级/初级工，或填 1–5",
        note_en="Blank if none; e.g. 五级/初级工, or 1–5",
    ),
    Column(
        "current_certificate_number",
        "现有证书编号",
        "Current certificate number",
        ("current certificate number", "certificate number"),
        width=26,
        number_format="@",
        note_zh="现有等级的证书编号（文本格式）",
        note_en="Number of the certificate of the current level (as text)",
    ),
    Column(
        "current_level_obtained_on",
        "现有等级取得日期",
        "Current level obtained on",
        ("current level obtained on", "level obtained on", "obtained on"),
        width=16,
        number_format="yyyy-mm-dd",
        note_zh="YYYY-MM-DD，如 2019-06-30",
        note_en="YYYY-MM-DD, e.g. 2019-06-30",
    ),
    Column(
        "insured_region",
        "参保地",
        "Insured region",
        ("insured region",),
        width=14,
        note_zh="参加基本养老保险的地区",
        note_en="Where the basic pension insurance is paid",
    ),
    Column(
        "hukou_region",
        "户籍地",
        "Hukou region",
        ("hukou region", "hukou"),
        width=14,
        note_zh="户口所在地",
        note_en="Place of household registration",
    ),
    Column(
        "phone",
        "联系电话",
        "Phone",
        ("phone", "telephone", "mobile"),
        width=16,
        required=True,
        number_format="@",
        note_zh="必填，手机或固定电话",
        note_en="Required, mobile or landline",
    ),
    Column(
        "is_own_staff",
        "本单位职工（含劳务派遣）",
        "Own staff",
        ("own staff", "is own staff", "本单位职工"),
        width=22,
        choices=("是", "否"),
        note_zh="是 / 否；用人单位自主评价的批次，每人都须为“是”（实施意见 二十）",
        note_en="是 (yes) / 否 (no); in an employer's own batch every row must say 是 (实施意见 二十)",
    ),
    Column(
        "training_route",
        "技工院校或学徒经历",
        "Training route",
        ("training route", "school or apprenticeship"),
        width=18,
        choices=ROUTE_CHOICES,
        note_zh="没有可不填；学徒期满、技工学校（含中职）、高级技工学校、技师学院（含高职）、预备技师，含应届毕业生",
        note_en="Blank if none; apprenticeship completed, technical school (incl. secondary "
        "vocational), senior technical school, technician college (incl. higher vocational), "
        "preparatory technician; final-year students included",
    ),
)

# --- the template --------------------------------------------------------------------------


def roster_template() -> bytes:
    """The .xlsx template: Chinese headers (bold, frozen), ID and phone columns as text,
    drop-down lists for the coded columns, and a sheet of instructions in Chinese and English."""
    lines = [
        ("考生名单填写说明", "How to fill in the roster"),
        (
            "每行一名考生，第 1 行为表头，请勿修改表头。",
            "One candidate per row; row 1 is the header, keep it as it is.",
        ),
        (
            "证件号码、联系电话、证书编号列须为文本格式；身份证号按 GB 11643 校验（校验位、出生日期）。",
            "ID number, phone and certificate number columns must be text; resident ID numbers are "
            "checked by GB 11643 (check character, birth date).",
        ),
        (
            "有任何一行错误则整个文件不导入，系统返回标注了错误的名单，改正后重新上传。",
            "Any bad row refuses the whole file; you get the roster back with the errors marked, "
            "correct it and upload it again.",
        ),
        (
            "同一考生不得重复报名本批次，也不得同时在同职业同等级的其他未结束批次中。",
            "A candidate may appear once in a batch, and not in another open batch for the same "
            "occupation and level.",
        ),
        (
            "考生照片另以 ZIP 上传：一寸白底证件照，JPG 或 PNG，以证件号码命名。",
            "Photos come separately as a ZIP: 一寸 ID photos on white, JPG or PNG, named by ID number.",
        ),
    ]
    return template(SPEC, [(zh, "", en) for zh, en in lines])


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = [p for p in DATE_SEPARATORS.split(text.rstrip("日")) if p]
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
    return None


# --- checking one column -------------------------------------------------------------------
#
# One function per column, in template order. Each gets the cell and the row checked so far
# (a dict of Candidate fields; keys starting with "_" are working notes) and returns the stored
# value, or raises Bad with the message. A later column may look at an earlier one: the gender
# at the ID number, the level's date at the birth date.


@dataclass
class Context:
    """What the checks of one upload need to know about its batch."""

    batch: Batch
    today: date
    employer: bool  # 实施意见 二十: an employer evaluates only its own staff
    rows: int = 0  # rows in the upload: decides how duplicates in the database are looked up
    first_row_of: dict[str, int] = field(default_factory=dict)  # keyed hash -> first row
    new_hashes: list[str] = field(default_factory=list)  # first seen since the last chunk
    looked_up: bool = False  # whether the database's enrolled candidates were counted yet
    enrolled: dict[str, tuple[int, int]] | None = None  # all of them, when read at once
    writer: "_CopyWriter | _BulkCreateWriter | None" = None  # set by import_roster only
    written: int = 0  # clean rows already written, while the file was clean so far

    @classmethod
    def of(cls, batch, rows: int = 0) -> "Context":
        return cls(
            batch=batch,
            today=timezone.localdate(),
            employer=batch.institution.kind == InstitutionKind.EMPLOYER,
            rows=rows,
        )


@value_only
def check_id_type(value, row, ctx) -> str:
    text = cell_text(value)
    if not text:
        return RESIDENT_ID  # the default document
    id_type = ID_TYPE_WORDS.get(text.lower())
    if id_type is None:
        raise Bad(
            f"无法识别的证件类型“{text}”，应为 居民身份证、港澳台居民居住证 或 护照",
            f"Unknown ID type “{text}”; use 居民身份证, 港澳台居民居住证 or 护照",
        )
    return id_type


def check_id_number(value, row, ctx) -> str:
    """The number, normalised (no spaces, upper case); notes the birth date and the gender the
    number carries."""
    number = id_number_cell(value)
    id_type = row.get("id_type")
    if id_type is None:
        if not number:
            raise Bad("证件号码为空", "ID number is empty")
        return ""  # the type is wrong, reported there; the number cannot be judged
    birth = check_id_document(
        number, passport=id_type == PASSPORT, permit=id_type == HMT_PERMIT, today=ctx.today
    )
    if birth is None:  # a passport carries neither birth date nor gender
        row["birth_date"] = None
        return number
    row["birth_date"] = birth
    # GB 11643: the 17th character is odd for men, even for women.
    row["_id_gender"] = MALE if int(number[16]) % 2 else FEMALE
    return number


def check_gender(value, row, ctx) -> str | None:
    text = cell_text(value)
    from_id = row.get("_id_gender")
    if not text:
        if from_id is None and row.get("id_type") == PASSPORT:
            raise Bad("护照持有人须填写性别", "Gender is required with a passport")
        return from_id
    gender = GENDER_WORDS.get(text.lower())
    if gender is None:
        raise Bad(f"性别应为 男 或 女，而不是“{text}”", f"Gender must be 男 or 女, not “{text}”")
    if from_id is not None and gender != from_id:
        male = from_id == MALE
        raise Bad(
            f"性别“{text}”与证件号码不符（第 17 位{'奇数为男' if male else '偶数为女'}）",
            f"Gender “{text}” does not match the ID number (its 17th digit says "
            f"{'male' if male else 'female'})",
        )
    return gender


@value_only
def check_education(value, row, ctx) -> int:
    text = cell_text(value)
    if not text:
        raise Bad("学历为空", "Education is empty")
    education = EDUCATION_WORDS.get(text)
    if education is None:
        education = EDUCATION_WORDS.get(text.lower())
    if education is None:
        raise Bad(
            f"无法识别的学历“{text}”，应为 初中、高中、中专、技工学校、大专、本科、研究生 等",
            f"Unknown education “{text}”; use 初中, 高中, 中专, 技工学校, 大专, 本科, 研究生 …",
        )
    return education


@value_only
def check_work_years(value, row, ctx) -> Decimal:
    if is_blank(value):
        raise Bad("从业年限为空", "Work years is empty")
    years = parse_years(value)
    if years is None or not (0 <= years <= MAX_WORK_YEARS):
        raise Bad(
            f"从业年限“{cell_text(value)}”应为 0–{MAX_WORK_YEARS} 之间的数字（年）",
            f"Work years “{cell_text(value)}” must be a number of years from 0 to {MAX_WORK_YEARS}",
        )
    return years


@value_only
def check_certificate_number(value, row, ctx) -> str:
    if is_number_cell(value):
        raise Bad(
            f"证书编号是数字格式（显示为 {cell_text(value)}），可能已丢失末几位；请把该列设置为文本格式后重新填写",
            f"The certificate number is a number cell ({cell_text(value)}) and may have lost its "
            "last digits; format the column as text and type it again",
        )
    number = cell_text(value)
    if len(number) > 40:
        raise Bad("证书编号超过 40 个字符", "Certificate number is longer than 40 characters")
    return number


def check_obtained_on(value, row, ctx) -> date | None:
    if is_blank(value):
        return None
    obtained = parse_date(value)
    if obtained is None:
        raise Bad(
            f"日期“{cell_text(value)}”无法识别，请按 YYYY-MM-DD 填写",
            f"Date “{cell_text(value)}” not understood; write YYYY-MM-DD",
        )
    birth = row.get("birth_date")
    if obtained > ctx.today or (birth and obtained <= birth):
        raise Bad(
            f"现有等级取得日期 {obtained} 不合理（晚于今天或早于出生日期）",
            f"Current level obtained on {obtained} is impossible (after today or before the "
            "birth date)",
        )
    return obtained


def check_level_given(value, row, ctx) -> None:
    """A certificate number or date needs the level it belongs to."""
    if (
        "current_level" in row
        and row["current_level"] is None
        and (row.get("current_certificate_number") or row.get("current_level_obtained_on"))
    ):
        raise Bad(
            "填写了现有证书编号或取得日期，但未填写现有等级",
            "A current certificate number or date is given without the current level",
        )


def _region_checker(header: str):
    @value_only
    def check_region(value, row, ctx) -> str:
        text = cell_text(value)
        if len(text) > 50:
            raise Bad(f"{header}超过 50 个字符", f"{header} is longer than 50 characters")
        return text

    return check_region


def check_phone(value, row, ctx) -> str:
    phone = cell_text(value)
    if not phone:
        raise Bad("联系电话为空", "Phone is empty")
    if len(phone) > 30 or not PHONE_RE.fullmatch(PHONE_SEPARATORS.sub("", phone)):
        raise Bad(
            f"联系电话“{phone}”格式不对，应为 11 位手机号或带区号的固定电话",
            f"Phone “{phone}” is malformed; give an 11-digit mobile or a landline with area code",
        )
    return phone


@value_only
def check_training_route(value, row, ctx) -> str:
    text = cell_text(value)
    if not text:
        return ""
    route = ROUTE_WORDS.get(text) or ROUTE_WORDS.get(text.lower())
    if route is None:
        raise Bad(
            f"技工院校或学徒经历应为 {'、'.join(ROUTE_CHOICES)} 之一，而不是“{text}”",
            f"School or apprenticeship must be one of {', '.join(ROUTE_CHOICES)}, not “{text}”",
        )
    return route


@value_only
def check_own_staff(value, row, ctx) -> bool | None:
    text = cell_text(value).lower()
    if text in YES_WORDS:
        return True
    if text and text not in NO_WORDS:
        raise Bad(
            f"本单位职工应填 是 或 否，而不是“{text}”",
            f"Own staff must be 是 (yes) or 否 (no), not “{text}”",
        )
    if ctx.employer:
        raise Bad(
            "用人单位只能评价本单位职工（含劳务派遣人员），本行须填“是”（实施意见 二十）",
            "An employer evaluates only its own staff, dispatched workers included; this row "
            "must say 是 (实施意见 二十)",
        )
    return False if text else None


def check_once_in_file(value, row, ctx) -> str | None:
    """The keyed hash of the ID number, which must not repeat an earlier row of the file."""
    id_number = row.get("id_number")
    if not id_number:
        return None
    id_hash = keyed_hash(id_number)
    if first := earlier_row(ctx.first_row_of, id_hash, row):
        raise Bad(f"证件号码与第 {first} 行重复", f"The ID number repeats row {first}")
    ctx.new_hashes.append(id_hash)
    return id_hash


# (field the value is stored in, column it is read from and reported under, checker)
CHECKS = (
    ("name", "name", check_name),
    ("id_type", "id_type", check_id_type),
    ("id_number", "id_number", check_id_number),
    ("gender", "gender", check_gender),
    ("education", "education", check_education),
    ("work_years", "work_years", check_work_years),
    ("current_level", "current_level", check_current_level),
    ("current_certificate_number", "current_certificate_number", check_certificate_number),
    ("current_level_obtained_on", "current_level_obtained_on", check_obtained_on),
    ("_level_given", "current_level", check_level_given),
    ("training_route", "training_route", check_training_route),
    ("insured_region", "insured_region", _region_checker("参保地")),
    ("hukou_region", "hukou_region", _region_checker("户籍地")),
    ("phone", "phone", check_phone),
    ("is_own_staff", "is_own_staff", check_own_staff),
    ("id_number_hash", "id_number", check_once_in_file),
)
# What a clean row holds: these Candidate fields, plus row, id_number (plain) and the hash.
ROW_FIELDS = (
    "name",
    "id_type",
    "id_number_hash",
    "birth_date",
    "gender",
    "education",
    "work_years",
    "current_level",
    "current_certificate_number",
    "current_level_obtained_on",
    "training_route",
    "insured_region",
    "hukou_region",
    "phone",
    "is_own_staff",
)


# --- the whole file ------------------------------------------------------------------------


def _before_rows(sheet, ctx: Context) -> list[dict]:
    """Refusals of the whole file: the exit batch's cut-off, an employer's roster without the
    own-staff column."""
    batch = ctx.batch
    if batch.exit_batch:
        # 239号 二(一): after the exit batch's cut-off no application is accepted, retakes included.
        try:
            rules.require(
                ExitApplicationDeadline.id,
                {"exit_batch": batch.exit_batch, "received_on": ctx.today},
                ctx.today,
            )
        except rules.RuleRefusal as refusal:
            return [SPEC.error(1, "", refusal.decision.zh, refusal.decision.en)]
    if ctx.employer and "is_own_staff" not in sheet.columns:
        return [
            SPEC.error(
                1,
                "is_own_staff",
                "用人单位只能评价本单位职工（含劳务派遣人员），名单须有“本单位职工（含劳务派遣）”列（实施意见 二十）",
                "An employer evaluates only its own staff (dispatched workers included); the "
                "roster needs the column “本单位职工（含劳务派遣）” (实施意见 二十)",
            )
        ]
    return []


def _preferring_this_batch(batch, matches) -> dict[str, tuple[int, int]]:
    """Keyed hash -> (batch, institution) of the matches; this batch is the one to report."""
    found: dict[str, tuple[int, int]] = {}
    for id_hash, batch_id, institution_id in matches:
        if found.get(id_hash, (None,))[0] != batch.pk:
            found[id_hash] = (batch_id, institution_id)
    return found


def _each_chunk(ctx: Context, clean: list[dict], clean_so_far: bool) -> list[dict]:
    """A chunk's duplicates in the database; while the file is clean so far, its clean rows are
    sent at once into a COPY left open, so that the database stores them while the next rows are
    checked (on 2 cores the import took its read, checks and the database's work one after the
    other). A refusal rolls them back."""
    errors = _already_enrolled(ctx)
    if ctx.writer is not None and clean_so_far and not errors:
        ctx.writer.write(clean)
        ctx.written += len(clean)
    return errors


def _end_chunks(ctx: Context, exc: BaseException | None) -> None:
    # Every row clean and handed over: the writer stays open, and _write computes the rows'
    # digest while the database stores the last chunk. Otherwise the upload ends here.
    if ctx.writer is not None and (exc is not None or ctx.written < ctx.rows):
        ctx.writer.close(exc)


def _already_enrolled(ctx: Context) -> list[dict]:
    """The ID numbers first seen since the last chunk whose candidates are already in this batch,
    or in another open batch for the same occupation and level (issue 4), matched by keyed hash
    in bulk. At the first chunk, before anything of this upload is written: when those batches
    hold fewer people than the upload, all their hashes are read at once; otherwise each chunk's
    hashes are looked up a few thousand per query (a row written earlier in this upload cannot
    match: its hash is another row's)."""
    batch, first_row_of = ctx.batch, ctx.first_row_of
    hashes, ctx.new_hashes = ctx.new_hashes, []
    enrolled = Candidate.objects.filter(
        Q(batch_id=batch.pk)
        | Q(
            batch__in=Batch.objects.open()
            .filter(occupation_id=batch.occupation_id, level=batch.level)
            .exclude(pk=batch.pk)
        )
    )
    columns = ("id_number_hash", "batch_id", "batch__institution_id")
    if not ctx.looked_up:
        ctx.looked_up = True
        if enrolled.count() <= ctx.rows:  # before any row of this upload is written
            ctx.enrolled = _preferring_this_batch(batch, enrolled.values_list(*columns).iterator())
    if ctx.enrolled is not None:
        found = {h: ctx.enrolled[h] for h in hashes if h in ctx.enrolled}
    else:
        if ctx.writer is not None:
            ctx.writer.close()  # the connection takes no query while a COPY is open
        size = max(100, min(CHUNK, (connection.features.max_query_params or CHUNK) - 10))
        found = _preferring_this_batch(
            batch,
            (
                m
                for start in range(0, len(hashes), size)
                for m in enrolled.filter(
                    id_number_hash__in=hashes[start : start + size]
                ).values_list(*columns)
            ),
        )
    errors = []
    for id_hash, (batch_id, institution_id) in found.items():
        row = first_row_of[id_hash]
        if batch_id == batch.pk:
            errors.append(
                SPEC.error(
                    row,
                    "id_number",
                    "该考生已在本批次中",
                    "This candidate is already in this batch",
                )
            )
            continue
        own = institution_id == batch.institution_id
        which_zh = f"（批次 #{batch_id}）" if own else ""
        which_en = f" (#{batch_id})" if own else ""
        errors.append(
            SPEC.error(
                row,
                "id_number",
                f"该考生已在同职业、同等级的另一个未结束的评价批次中{which_zh}，不能重复报名",
                f"This candidate is already in another open batch{which_en} for the same "
                "occupation and level",
            )
        )
    return errors


class RosterErrors(ImportRefused):
    """The roster was refused and nothing was imported (see ImportRefused)."""

    headline = _("考生名单有 %(n)s 处错误，未导入任何考生")


class RosterImportFailed(Exception):
    """Raised by the job handler so that the job is marked failed with a readable message."""


SPEC = Spec(
    columns=COLUMNS,
    checks=CHECKS,
    refused=RosterErrors,
    missing_zh="缺少“{header}”列，请使用考生名单模板",
    missing_en="Missing column “{header}”; use the roster template",
    empty=("名单中没有考生", "The roster has no candidates"),
    noun=("名考生", "candidates"),
    sheet_title=SHEET_TITLE,
    max_rows=MAX_ROWS,
    masks={"id_number": mask_id_number},
    before_rows=_before_rows,
    each_chunk=_each_chunk,
    end_chunks=_end_chunks,
    progress_every=CHUNK,
)


def read_roster(file, filename: str):
    """The uploaded roster (skilleval.imports.Sheet). Raises RosterErrors when the file cannot
    be read at all; column problems are kept in ``header_errors`` for validate_roster."""
    return read_sheet(SPEC, file, filename)


def validate_roster(batch, sheet, progress: Callable[[int, int], None] | None = None):
    """Check every row of a roster for a batch. Returns (clean_rows, errors); each clean row is
    a dict of ROW_FIELDS plus ``row`` and ``id_number`` (plain).

    Errors are {"row", "column", "column_en", "value", "zh", "en"}, row numbers as the user sees
    them, sorted by row."""
    return check_rows(SPEC, sheet, Context.of(batch, rows=len(sheet.rows)), progress)


# --- importing -----------------------------------------------------------------------------


def import_roster(batch, file, filename: str, *, user, progress: Progress | None = None) -> dict:
    """Check and import a roster, all or nothing. Raises PermissionDenied for someone who does not
    run the batch, ValidationError when the batch no longer takes a roster, and RosterErrors
    (nothing written) when any row is bad.

    Progress runs over 2 × rows: checking, then writing."""
    batch.check_roster_upload(user)
    with no_gc_pauses():
        return _import(batch, file, filename, progress)


def _import(batch, file, filename: str, progress: Progress | None) -> dict:
    sheet = read_roster(file, filename)
    total = len(sheet.rows)
    copy = USE_POSTGRES_COPY and connection.vendor == "postgresql"
    writer = _CopyWriter(batch) if copy else _BulkCreateWriter(batch)
    checking = None
    if progress:
        progress(0, 2 * total, in_both_languages(_("正在检查")))

        reported_at = time.monotonic()

        def checking(done, _total):
            # A job's progress may update its row, so the rows sent so far must be stored first
            # (the connection is the writer's meanwhile): reported about once a second, not at
            # every chunk, which would wait for each one.
            nonlocal reported_at
            if done < total and time.monotonic() - reported_at < PROGRESS_INTERVAL:
                return
            writer.close()
            progress(
                done, 2 * total, in_both_languages(_("正在检查第 %(done)s 行"), {"done": done})
            )
            reported_at = time.monotonic()

    def lock() -> Context:
        # One upload at a time per batch, and the batch cannot move on underneath it.
        locked = (
            Batch.objects.select_for_update(of=("self",))
            .select_related("institution", "occupation")
            .get(pk=batch.pk)
        )
        if locked.status != BatchStatus.PLAN_PUBLISHED:
            raise ValidationError(
                gettext("批次当前状态为“%(status)s”，未导入")
                % {"status": locked.get_status_display()}
            )
        ctx = Context.of(locked, rows=total)
        ctx.writer = writer
        return ctx

    def write(ctx: Context, clean: list[dict]) -> dict:
        _write(ctx, clean, progress, total)
        return {"imported": len(clean)}

    return import_all_or_nothing(SPEC, sheet, lock, write, checking)


# PostgreSQL takes the rows by COPY: measured on 2 cores, 100,000 candidates go in about five
# times faster than through bulk_create, whose per-field preparation of 33 columns dominates the
# import. Other databases (SQLite) use bulk_create. Switched off by the benchmark to compare.
USE_POSTGRES_COPY = True


def _write(ctx: Context, clean: list[dict], progress: Progress | None, total: int) -> None:
    """Store the checked rows not yet written while checking, in chunks inside the caller's
    transaction, then write one summary audit entry (bulk inserts send no signals)."""
    batch, writer, done = ctx.batch, ctx.writer, ctx.written
    try:
        digest = rows_digest(clean, itemgetter(*ROW_FIELDS))  # while the last rows are stored
    finally:
        writer.close()
    if progress and done:
        progress(
            total + done, 2 * total, in_both_languages(_("已导入 %(done)s 名"), {"done": done})
        )
    for start in range(done, len(clean), CHUNK):
        chunk = clean[start : start + CHUNK]
        writer.write(chunk)
        writer.close()
        if progress:
            done = start + len(chunk)
            progress(
                total + done, 2 * total, in_both_languages(_("已导入 %(done)s 名"), {"done": done})
            )
    AuditEntry.objects.record(
        "create",
        object_type="institutions.candidate",
        object_id=f"batch:{batch.pk}",
        object_repr=f"{batch} 考生名单 {len(clean)} 人",
        after={
            "batch": batch.pk,
            "count": len(clean),
            "rows_sha256": digest,
        },
    )


class _BulkCreateWriter:
    def __init__(self, batch):
        self.batch_id = batch.pk

    def close(self, exc: BaseException | None = None) -> None:
        pass  # each write is complete

    def write(self, chunk: list[dict]) -> None:
        Candidate.objects.bulk_create(
            [
                Candidate(
                    batch_id=self.batch_id,
                    id_number_encrypted=encrypt(row["id_number"]),
                    id_number_masked=mask_id_number(row["id_number"]),
                    **{key: row[key] for key in ROW_FIELDS},
                )
                for row in chunk
            ],
            batch_size=CHUNK,
        )


class _CopyWriter:
    """COPY … FROM STDIN of the columns a roster fills. The rows are formatted here, a chunk at a
    time; a thread of its own sends each chunk as one COPY and waits while the database stores it.

    Why the thread: the database's work on 100,000 rows is about a second and a half, and the
    checks keep this thread busy all along. Waiting for it here (and for the foreign keys of
    every row, checked at the commit) left the import idle for half a second at the end. Now
    each chunk's keys are checked at the end of its own COPY (SET CONSTRAINTS … IMMEDIATE, the
    candidate table's keys only, back to DEFERRED at close) while the next chunk is checked.
    The thread uses the request's own connection and transaction: nothing else may use the
    connection until close() has returned."""

    def __init__(self, batch):
        # The columns sent: what a roster fills, and the batch. Every other column is NULL or
        # has its default in the database (db_default), so COPY leaves it out.
        filled = ("batch_id", *ROW_FIELDS, "id_number_encrypted", "id_number_masked")
        left_out = [
            f
            for f in Candidate._meta.concrete_fields
            if not f.primary_key and f.attname not in filled
            if not (f.null or f.has_db_default())
        ]
        if left_out:  # a new NOT NULL column without db_default: COPY would fail on every row
            raise ImproperlyConfigured(f"the roster's COPY leaves {left_out} without a value")
        self.batch_id = batch.pk
        quote, table = connection.ops.quote_name, Candidate._meta.db_table
        columns = ", ".join(quote(Candidate._meta.get_field(name).column) for name in filled)
        self.sql = f"COPY {quote(table)} ({columns}) FROM STDIN"
        self.foreign_keys = ""  # for SET CONSTRAINTS; read at the first write
        # While a sending thread runs: a cursor that only lends its adapters to the formatting,
        # the chunks handed over, and what the thread met.
        self._formatting = None
        self._chunks: queue.SimpleQueue | None = None
        self._sender: threading.Thread | None = None
        self._abandon = False
        self._failure: BaseException | None = None

    def write(self, chunk: list[dict]) -> None:
        """Format the rows and hand them to the sending thread (started first if need be); they
        are stored as it gets to them, and all of them once close() returns."""
        if self._sender is None:
            self._start()
        data = io.BytesIO()
        # A Copy that only formats (no statement runs): the connection's adapters, our buffer.
        with Copy(self._formatting, binary=False, writer=FileWriter(data)) as copy:
            for row in chunk:
                copy.write_row(self._values(row))
        self._chunks.put(data.getvalue())

    def _start(self) -> None:
        if not self.foreign_keys:
            with connection.cursor() as cursor:
                constraints = connection.introspection.get_constraints(
                    cursor, Candidate._meta.db_table
                )
            self.foreign_keys = ", ".join(
                connection.ops.quote_name(name)
                for name, about in sorted(constraints.items())
                if about["foreign_key"]
            )
        raw = connection.connection
        self._formatting = raw.cursor()
        self._chunks, self._abandon, self._failure = queue.SimpleQueue(), False, None
        self._sender = threading.Thread(target=self._send, args=(raw, self._chunks), daemon=True)
        self._sender.start()

    def _send(self, raw_connection, chunks: queue.SimpleQueue) -> None:
        try:
            with raw_connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} IMMEDIATE")
                while (data := chunks.get()) is not None:
                    if not self._abandon:
                        with cursor.copy(self.sql) as copy:
                            copy.write(data)
                cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} DEFERRED")
        except BaseException as failure:  # raised again by close(), in the caller's thread
            self._failure = failure
            while chunks.get() is not None:
                pass

    def _values(self, row: dict) -> list:
        plain = row["id_number"]
        return [
            self.batch_id,
            *[row[key] for key in ROW_FIELDS],
            encrypt(plain),
            mask_id_number(plain),
        ]

    def close(self, exc: BaseException | None = None) -> None:
        """Wait until every row handed over is stored and its keys checked, raising what storing
        raised; with ``exc`` (checking failed) drop the chunks not yet begun instead (the
        transaction rolls back). The connection is the caller's again once this returns."""
        if self._sender is None:
            return
        self._abandon = exc is not None
        self._chunks.put(None)
        self._sender.join()
        self._sender = None
        self._formatting.close()
        if self._failure is not None and exc is None:
            with connection.wrap_database_errors:  # as Django's own errors (IntegrityError …)
                raise self._failure


# --- background job ------------------------------------------------------------------------


def run_roster_import_job(job) -> dict:
    """Job handler for JobKind.ROSTER_IMPORT (params: batch_id; input_file: the upload).

    A refused roster leaves the annotated spreadsheet in job.result_file and the first errors in
    job.result["errors"], then fails the job with the headline and the first 20 errors.
    """
    batch = Batch.objects.select_related("institution", "occupation").get(pk=job.params["batch_id"])
    try:
        with job.input_file.open("rb") as handle:
            return import_roster(
                batch,
                handle,
                job.input_file.name,
                user=job.started_by,
                progress=job.report_progress,
            )
    except RosterErrors as refused:
        job_refused(job, refused, f"roster-errors-{batch.pk}.xlsx")
        raise RosterImportFailed(str(refused)) from refused
