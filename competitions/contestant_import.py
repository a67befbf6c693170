"""Contestants (参赛选手): one by one or by spreadsheet, with the checks both ways share.

An organiser downloads an .xlsx template with Chinese headers, fills one row per contestant and
uploads it (.xlsx or .csv). Every row is checked before anything is written; one bad row refuses
the whole file (nothing half-imported), and the user gets every problem with its row, column and a
Chinese and English message, like the roster import of evaluation batches (issue 6).

Regions are given as a GB/T 2260 code or a Jiangsu city/county name (“南京市”, “江宁区”,
“南京市鼓楼区”); blank, another province's code or a place named with another province = outside
Jiangsu, which is what the eligibility rule needs to know (54号 一). Resident ID numbers are checked
with python-stdnum (GB 11643: length, check character, birth date and birth place), stored
encrypted, found by a keyed hash and shown masked (SPEC "Public lookup and privacy").
"""

import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext, ngettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from competitions.choices import ContestantGroup
from competitions.models import Contestant
from institutions.choices import IdType
from skilleval.choices import Level, RegionKind, Role, in_chinese
from skilleval.models import AuditEntry, Region
from skilleval.personal_data import encrypt, keyed_hash, mask_id_number
from skilleval.spreadsheets import UnreadableSpreadsheet, read_table, safe_cell

MAX_ROWS = 20_000
MAX_YEARS = Decimal(70)
SHEET_TITLE = "参赛选手"
HMT_PREFIXES = ("81", "82", "83")  # Hong Kong, Macao, Taiwan residence permits (GB 11643)
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


# --- identity ------------------------------------------------------------------------------


def check_id_number(id_type: str, raw: str) -> tuple[str, tuple[str, str] | None]:
    """The ID number normalised, and (zh, en) of what is wrong with it, or None.

    Resident ID numbers are checked with python-stdnum's `stdnum.cn.ric` (GB 11643); residence
    permits of Hong Kong, Macao and Taiwan residents have the same format with an 81/82/83 area."""
    number = re.sub(r"[\s\-]+", "", str(raw or "")).upper()
    if not number:
        return "", ("证件号码为空", "The ID number is empty")
    if id_type == IdType.PASSPORT:
        if PASSPORT_RE.match(number):
            return number, None
        return number, (
            f"护照号码“{number}”应为 5–20 位字母或数字",
            f"Passport number “{number}” must be 5–20 letters or digits",
        )
    if len(number) == 15 and number.isdigit():
        return number, (
            "15 位的一代身份证号码已停止使用，请填写 18 位号码",
            "15-digit first-generation ID numbers are no longer valid; give the 18-character number",
        )
    hmt = number.startswith(HMT_PREFIXES)
    if id_type == IdType.RESIDENT_ID and hmt:
        return number, (
            f"“{number}”是港澳台居民居住证号码，不是居民身份证号码",
            f"“{number}” is a residence permit number, not a resident ID number",
        )
    if id_type == IdType.HMT_RESIDENCE_PERMIT and not hmt:
        return number, (
            f"港澳台居民居住证号码“{number}”应以 81、82 或 83 开头",
            f"Residence permit number “{number}” must start with 81, 82 or 83",
        )
    try:
        if hmt:  # stdnum knows the mainland's birth places only
            if len(number) != 18 or not number[:17].isdigit():
                raise stdnum_errors.InvalidFormat()
            if ric.calc_check_digit(number) != number[17]:
                raise stdnum_errors.InvalidChecksum()
            ric.get_birth_date(number)
        else:
            ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        return number, (
            f"身份证号“{number}”校验位不正确，请核对",
            f"ID number “{number}” has a wrong check character",
        )
    except stdnum_errors.InvalidComponent:
        return number, (
            f"身份证号“{number}”中的出生日期或地区码无效",
            f"ID number “{number}” has an invalid birth date or birth place",
        )
    except stdnum_errors.ValidationError:
        return number, (
            f"身份证号“{number}”应为 18 位：17 位数字加 1 位校验码（数字或 X）",
            f"ID number “{number}” must have 18 characters: 17 digits and a check digit or X",
        )
    return number, None


def identity_fields(id_number: str) -> dict:
    """What a Contestant stores of an ID number: encrypted, keyed hash, masked — never plain."""
    return {
        "id_number_encrypted": encrypt(id_number),
        "id_number_hash": keyed_hash(id_number),
        "id_number_masked": mask_id_number(id_number),
    }


def may_register(user, competition) -> bool:
    """Only the organiser who created the competition registers its contestants."""
    return user.role == Role.COMPETITION_ORGANISER and competition.created_by_id == user.pk


def already_registered(event, id_number: str) -> bool:
    return Contestant.objects.filter(event=event, id_number_hash=keyed_hash(id_number)).exists()


# --- regions -------------------------------------------------------------------------------

OTHER_PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
    "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
)  # fmt: skip
OUTSIDE_WORDS = {"省外", "外省", "无", "没有", "非江苏", "outside", "outside jiangsu", "none", "-"}
SUFFIXES = ("市", "区", "县")


class RegionNames:
    """Reads a region cell: a GB/T 2260 code, a Jiangsu city or county name (with or without
    市/区/县, or as 城市+区县), or a place outside Jiangsu. Built once per upload."""

    def __init__(self):
        self.by_code = {r.code: r for r in Region.objects.all()}
        self.full: dict[str, list[Region]] = {}
        self.stem: dict[str, list[Region]] = {}
        for r in self.by_code.values():
            if r.kind == RegionKind.PROVINCE:
                continue
            self.full.setdefault(r.name, []).append(r)
            stem = r.name[:-1] if r.name.endswith(SUFFIXES) and len(r.name) > 2 else r.name
            self.stem.setdefault(stem, []).append(r)

    def _named(self, text: str, within: Region | None = None) -> list[Region]:
        found = self.full.get(text) or self.stem.get(text) or []
        if within is not None:
            found = [r for r in found if r.parent_id == within.code]
        # A bare stem such as “淮安” names the city rather than its 淮安区.
        cities = [r for r in found if r.kind == RegionKind.CITY]
        return cities if len(cities) == 1 and len(found) > 1 else found

    def read(self, raw) -> tuple[Region | None, tuple[str, str] | None]:
        """(region or None for outside Jiangsu, problem or None)."""
        text = re.sub(r"\s+", "", str(raw or "")).replace("（", "(").replace("）", ")")
        if not text or text.lower() in OUTSIDE_WORDS:
            return None, None
        if re.fullmatch(r"[0-9]{6}", text):
            if not text.startswith("32"):
                return None, None  # another province's GB/T 2260 code
            region = self.by_code.get(text)
            if region is None:
                return None, (
                    f"行政区划代码“{text}”不是江苏省的设区市或区县",
                    f"“{text}” is not the code of a Jiangsu city or county",
                )
            if region.kind == RegionKind.PROVINCE:
                return None, _whole_province(text)
            return region, None
        name = text.removeprefix("江苏省").removeprefix("江苏")
        if not name:
            return None, _whole_province(text)
        if name != text or not name.startswith(OTHER_PROVINCES):
            found = self._named(name)
            if not found:
                found = self._city_and_county(name)
            if len(found) == 1:
                return found[0], None
            if len(found) > 1:
                cities = "、".join(f"{r.parent}{r.name}" for r in found)
                return None, (
                    f"“{text}”不止一处（{cities}），请写明设区市或填写行政区划代码",
                    f"“{text}” names more than one place ({cities}); add the city or give the code",
                )
            if name == text:
                return None, (
                    f"无法识别的地区“{text}”：请填写江苏省设区市或区县的名称或行政区划代码；"
                    "省外请填写省份名称（如 安徽省）或留空",
                    f"Unknown place “{text}”: give a Jiangsu city or county name or code; for "
                    "outside Jiangsu give the province (e.g. 安徽省) or leave it blank",
                )
            return None, (
                f"“{text}”不是江苏省的设区市或区县",
                f"“{text}” is not a Jiangsu city or county",
            )
        return None, None  # a place in another province

    def _city_and_county(self, name: str) -> list[Region]:
        """“南京市江宁区”, “南京江宁”: a city followed by one of its counties."""
        for city in (r for r in self.by_code.values() if r.kind == RegionKind.CITY):
            for prefix in (city.name, city.name[:-1]):
                if name.startswith(prefix) and len(name) > len(prefix):
                    found = self._named(name[len(prefix) :], within=city)
                    if found:
                        return found
        return []


def _whole_province(text: str) -> tuple[str, str]:
    return (
        f"“{text}”只写到省，请填写设区市或区县",
        f"“{text}” names only the province; give the city or county",
    )


# --- the columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    text: bool = False  # an Excel text column (ID numbers keep every digit)
    choices: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""


LEVEL_LABELS = tuple(in_chinese(label) for label in Level.labels)
REGION_NOTE_ZH = (
    "江苏省设区市或区县名称（如 南京市、江宁区、南京市鼓楼区）或行政区划代码；省外填省份名称或留空"
)
REGION_NOTE_EN = (
    "A Jiangsu city or county name (e.g. 南京市, 江宁区, 南京市鼓楼区) or its GB/T 2260 code; "
    "outside Jiangsu: the province or blank"
)
COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("name",), required=True, width=12, note_zh="必填", note_en="Required"),
    Column(
        "id_number",
        "身份证号",
        ("id number", "居民身份证号", "身份证号码", "证件号码"),
        required=True,
        width=22,
        text=True,
        note_zh="必填，18 位居民身份证号（港澳台居民居住证号亦可）；本列须为文本格式",
        note_en="Required, the 18-character resident ID number (or HK/Macao/Taiwan residence "
        "permit); keep the column as text",
    ),
    Column(
        "group",
        "组别",
        ("group",),
        required=True,
        width=10,
        choices=("职工组", "学生组"),
        note_zh="职工组 / 学生组",
        note_en="职工组 (workers) / 学生组 (students)",
    ),
    Column(
        "occupation_code",
        "赛项职业编码",
        ("occupation code", "event", "赛项", "职业编码"),
        required=True,
        width=16,
        text=True,
        note_zh="必填，本竞赛已设置赛项的职业编码，如 6-18-01-01",
        note_en="Required, the occupation code of one of this competition's events, e.g. 6-18-01-01",
    ),
    Column(
        "pension_region",
        "养老保险参保地",
        ("pension region", "参保地"),
        width=16,
        note_zh=REGION_NOTE_ZH,
        note_en=REGION_NOTE_EN,
    ),
    Column(
        "pension_years",
        "省内参保年限",
        ("pension years",),
        width=12,
        note_zh="在江苏省参加基本养老保险的年数，可带一位小数；不填为 0",
        note_en="Years of Jiangsu basic pension insurance, one decimal allowed; blank = 0",
    ),
    Column(
        "hukou_region",
        "户籍地",
        ("hukou region", "hukou"),
        width=16,
        note_zh=REGION_NOTE_ZH,
        note_en=REGION_NOTE_EN,
    ),
    Column(
        "school_name",
        "就读院校",
        ("school", "school name"),
        width=20,
        note_zh="学生组填写",
        note_en="For the student group",
    ),
    Column(
        "school_region",
        "院校所在地",
        ("school region",),
        width=16,
        note_zh="学生组填写；" + REGION_NOTE_ZH,
        note_en="For the student group; " + REGION_NOTE_EN,
    ),
    Column(
        "current_level",
        "现有等级",
        ("current level",),
        width=16,
        choices=LEVEL_LABELS,
        note_zh="没有可不填；如 三级/高级工，或填 1–5",
        note_en="Blank if none; e.g. 三级/高级工, or 1–5",
    ),
    Column(
        "work_years",
        "从业年限",
        ("work years",),
        width=10,
        note_zh="年，可带一位小数；不填为 0",
        note_en="Years, one decimal allowed; blank = 0",
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def _header_key(value) -> str:
    text = str(value or "").strip().lower().replace("（", "(").replace("）", ")")
    if " / " in text:  # “姓名 / Name”
        text = text.split(" / ")[0]
    return re.sub(r"[\s_\-]+", " ", text).strip()


HEADER_KEYS = {
    _header_key(name): column.key
    for column in COLUMNS
    for name in (column.header, column.key, *column.aliases)
}
GROUP_WORDS = {
    "职工": ContestantGroup.WORKER,
    "职工组": ContestantGroup.WORKER,
    "worker": ContestantGroup.WORKER,
    "workers": ContestantGroup.WORKER,
    "学生": ContestantGroup.STUDENT,
    "学生组": ContestantGroup.STUDENT,
    "student": ContestantGroup.STUDENT,
    "students": ContestantGroup.STUDENT,
}


def _level_words() -> dict[str, int]:
    words = {}
    for value, label in zip(Level.values, map(in_chinese, Level.labels), strict=True):
        words[label] = value
        for part in label.split("/"):
            words[part] = value
        words[str(value)] = value
        words[f"{value}级"] = value
    return words


LEVEL_WORDS = _level_words()


# --- errors --------------------------------------------------------------------------------


def error(row: int, column: str, zh: str, en: str) -> dict:
    """One problem, in the shape of every import in the project."""
    header = COLUMN_BY_KEY[column].header if column in COLUMN_BY_KEY else column
    return {"row": row, "column": header, "zh": zh, "en": en}


class ContestantImportErrors(Exception):
    """The file was refused and nothing was imported; ``errors`` lists every problem."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        n = len(errors)
        super().__init__(
            ngettext(
                "选手名单有 %(n)s 处错误，未导入任何选手",
                "选手名单有 %(n)s 处错误，未导入任何选手",
                n,
            )
            % {"n": n}
        )


# --- the template --------------------------------------------------------------------------


def contestant_template(competition) -> bytes:
    """The .xlsx template: bold frozen Chinese headers, ID and code columns as text, drop-downs
    for the group, the competition's event codes and the levels, and instructions."""
    codes = [e.occupation.code for e in competition.events.select_related("occupation")]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        choices = codes if column.key == "occupation_code" else column.choices
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=column.key != "occupation_code",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明 Instructions")
    for letter, width in (("A", 18), ("B", 70), ("C", 80)):
        notes.column_dimensions[letter].width = width
    notes.append([safe_cell(competition.name), "", ""])
    notes["A1"].font = Font(bold=True)
    notes.append(
        [
            "赛项",
            "、".join(
                f"{e.occupation.name}（{e.occupation.code}）" for e in competition.events.all()
            )
            or "尚未设置赛项",
            "Events",
        ]
    )
    notes.append(
        [
            "规则",
            "有任何一行错误则整个文件不导入；参赛资格（54号 一）和异地选手由系统按参保、户籍、学籍自动判定。",
            "Any bad row refuses the whole file; eligibility (54号 一) and out-of-area status are "
            "decided from pension insurance, hukou and school.",
        ]
    )
    notes.append([])
    notes.append([gettext("列"), "说明", "Notes"])
    for column in COLUMNS:
        notes.append([column.header, column.note_zh, column.note_en])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------


@dataclass
class Sheet:
    """The uploaded table: data rows numbered as the user sees them (header = row 1)."""

    rows: list[tuple[int, list]]
    columns: dict[str, int] = field(default_factory=dict)
    header_errors: list[dict] = field(default_factory=list)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_cell(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(file, filename: str) -> Sheet:
    """Read an .xlsx (python-calamine) or .csv (UTF-8 or GB18030) upload."""
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        table = read_table(file, filename, SHEET_TITLE)
    except UnreadableSpreadsheet as refused:
        raise ContestantImportErrors([error(1, "", refused.zh, refused.en)]) from refused
    except Exception as exc:  # a corrupt upload is a refusal, not a crash
        raise ContestantImportErrors(
            [error(1, "", f"无法读取文件：{exc}", f"The file could not be read: {exc}")]
        ) from exc
    if not table:
        raise ContestantImportErrors([error(1, "", "文件是空的", "The file is empty")])

    header, width = list(table[0]), len(table[0])
    sheet = Sheet(
        rows=[
            (number, list(cells) + [""] * (width - len(cells)))
            for number, cells in enumerate(table[1:], start=2)
            if not all(_blank(c) for c in cells)
        ]
    )
    for index, value in enumerate(header):
        key = HEADER_KEYS.get(_header_key(value))
        if key is None:
            continue
        if key in sheet.columns:
            sheet.header_errors.append(
                error(
                    1,
                    key,
                    f"“{COLUMN_BY_KEY[key].header}”列出现了两次",
                    f"Column “{COLUMN_BY_KEY[key].header}” appears twice",
                )
            )
        else:
            sheet.columns[key] = index
    for column in COLUMNS:
        if column.required and column.key not in sheet.columns:
            sheet.header_errors.append(
                error(
                    1,
                    column.key,
                    f"缺少“{column.header}”列，请使用选手名单模板",
                    f"Missing column “{column.header}”; use the template",
                )
            )
    return sheet


def _years(value) -> Decimal | None:
    text = repr(float(value)) if _number_cell(value) else _text(value).removesuffix("年")
    if not text:
        return Decimal(0)
    try:
        years = Decimal(text)
    except InvalidOperation:
        return None
    if not years.is_finite() or not (0 <= years <= MAX_YEARS):
        return None
    return years.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- validating ----------------------------------------------------------------------------


def validate_sheet(competition, sheet: Sheet) -> tuple[list[dict], list[dict]]:
    """Check every row. Returns (clean rows, errors); a clean row holds Contestant fields plus
    ``row`` and the plain ``id_number`` (never stored)."""
    errors = list(sheet.header_errors)
    if errors:
        return [], errors
    if not sheet.rows:
        return [], [error(1, "", "名单中没有选手", "The file has no contestants")]
    if len(sheet.rows) > MAX_ROWS:
        return [], [
            error(
                1,
                "",
                f"一次最多导入 {MAX_ROWS} 名选手，本文件有 {len(sheet.rows)} 行",
                f"At most {MAX_ROWS} contestants per upload; this file has {len(sheet.rows)} rows",
            )
        ]
    events = {e.occupation.code: e for e in competition.events.select_related("occupation")}
    if not events:
        return [], [
            error(
                1,
                "occupation_code",
                "本竞赛尚未设置赛项，请先添加赛项",
                "This competition has no events yet; add its events first",
            )
        ]
    regions = RegionNames()
    cols = sheet.columns
    clean, first_row_of = [], {}

    def cell(cells, key):
        index = cols.get(key)
        return cells[index] if index is not None else ""

    for number, cells in sheet.rows:
        found = len(errors)
        add = errors.append
        name = _text(cell(cells, "name"))
        if not name:
            add(error(number, "name", "姓名为空", "Name is empty"))
        elif len(name) > 50:
            add(error(number, "name", "姓名超过 50 个字符", "Name is longer than 50 characters"))

        raw_id = cell(cells, "id_number")
        id_number, id_type = "", IdType.RESIDENT_ID
        if _number_cell(raw_id):
            add(
                error(
                    number,
                    "id_number",
                    f"身份证号是数字格式（显示为 {_text(raw_id)}）：Excel 只保留 15 位有效数字，"
                    "末几位已经丢失。请把该列设置为文本格式后重新填写",
                    f"The ID number is a number cell ({_text(raw_id)}): Excel keeps only 15 "
                    "significant digits. Format the column as text and type the numbers again",
                )
            )
        else:
            text = re.sub(r"[\s\-]+", "", _text(raw_id)).upper()
            if text.startswith(HMT_PREFIXES):
                id_type = IdType.HMT_RESIDENCE_PERMIT
            id_number, problem = check_id_number(id_type, text)
            if problem:
                add(error(number, "id_number", *problem))
                id_number = ""

        raw_group = _text(cell(cells, "group"))
        group = GROUP_WORDS.get(raw_group.lower())
        if group is None:
            add(
                error(
                    number,
                    "group",
                    f"组别应为 职工组 或 学生组，而不是“{raw_group}”" if raw_group else "组别为空",
                    f"Group must be 职工组 or 学生组, not “{raw_group}”"
                    if raw_group
                    else "Group is empty",
                )
            )

        code = _text(cell(cells, "occupation_code"))
        event = events.get(code)
        if event is None:
            add(
                error(
                    number,
                    "occupation_code",
                    f"“{code}”不是本竞赛的赛项，应为 {'、'.join(events)} 之一"
                    if code
                    else "赛项职业编码为空",
                    f"“{code}” is not an event of this competition; use one of {', '.join(events)}"
                    if code
                    else "The event's occupation code is empty",
                )
            )

        places, unreadable = {}, set()
        for key in ("pension_region", "hukou_region", "school_region"):
            places[key], problem = regions.read(cell(cells, key))
            if problem:
                add(error(number, key, *problem))
                unreadable.add(key)

        raw_years = cell(cells, "pension_years")
        pension_years = _years(raw_years)
        if pension_years is None:
            add(
                error(
                    number,
                    "pension_years",
                    f"省内参保年限“{_text(raw_years)}”应为 0–{MAX_YEARS} 之间的数字（年）",
                    f"Pension years “{_text(raw_years)}” must be a number from 0 to {MAX_YEARS}",
                )
            )
        elif (
            pension_years
            and places["pension_region"] is None
            and "pension_region" not in unreadable
            and not _blank(cell(cells, "pension_region"))
        ):
            add(
                error(
                    number,
                    "pension_years",
                    "养老保险参保地不在江苏省，省内参保年限应为 0 或留空",
                    "The pension insurance is paid outside Jiangsu: Jiangsu pension years must be "
                    "0 or blank",
                )
            )

        school_name = _text(cell(cells, "school_name"))
        if len(school_name) > 100:
            add(
                error(
                    number,
                    "school_name",
                    "就读院校超过 100 个字符",
                    "School is longer than 100 characters",
                )
            )

        raw_level = _text(cell(cells, "current_level")).replace("／", "/")
        current_level = LEVEL_WORDS.get(raw_level) if raw_level else None
        if raw_level and current_level is None:
            add(
                error(
                    number,
                    "current_level",
                    f"无法识别的现有等级“{raw_level}”，应为 三级/高级工 等或 1–5",
                    f"Unknown current level “{raw_level}”; use names like 三级/高级工 or 1–5",
                )
            )

        raw_work = cell(cells, "work_years")
        work_years = _years(raw_work)
        if work_years is None:
            add(
                error(
                    number,
                    "work_years",
                    f"从业年限“{_text(raw_work)}”应为 0–{MAX_YEARS} 之间的数字（年）",
                    f"Work years “{_text(raw_work)}” must be a number from 0 to {MAX_YEARS}",
                )
            )

        if id_number and event is not None:
            key = (event.pk, keyed_hash(id_number))
            if key in first_row_of:
                add(
                    error(
                        number,
                        "id_number",
                        f"该选手在同一赛项中与第 {first_row_of[key]} 行重复",
                        f"The contestant repeats row {first_row_of[key]} in the same event",
                    )
                )
            else:
                first_row_of[key] = number

        if len(errors) == found:
            clean.append(
                {
                    "row": number,
                    "id_number": id_number,
                    "id_type": id_type,
                    "event": event,
                    "name": name,
                    "group": group,
                    "pension_region": places["pension_region"],
                    "pension_years": pension_years,
                    "hukou_region": places["hukou_region"],
                    "school_name": school_name,
                    "school_region": places["school_region"],
                    "current_level": current_level,
                    "work_years": work_years,
                }
            )

    errors.extend(_already_registered(first_row_of))
    if errors:
        errors.sort(key=lambda e: e["row"])
        return [], errors
    return clean, []


def _already_registered(first_row_of: dict[tuple[int, str], int]) -> list[dict]:
    by_event: dict[int, list[str]] = {}
    for event_id, id_hash in first_row_of:
        by_event.setdefault(event_id, []).append(id_hash)
    errors = []
    for event_id, hashes in by_event.items():
        for start in range(0, len(hashes), 500):
            for id_hash in Contestant.objects.filter(
                event_id=event_id, id_number_hash__in=hashes[start : start + 500]
            ).values_list("id_number_hash", flat=True):
                errors.append(
                    error(
                        first_row_of[(event_id, id_hash)],
                        "id_number",
                        "该选手已报名本赛项",
                        "This contestant is already registered for this event",
                    )
                )
    return errors


# --- importing -----------------------------------------------------------------------------


def import_contestants(competition, file, filename: str, *, user) -> dict:
    """Check and import a contestant file, all or nothing. Raises PermissionDenied for anyone but
    the organiser, ContestantImportErrors (nothing written) when any row is bad."""
    if not may_register(user, competition):
        raise PermissionDenied(gettext("只有主办单位可以登记选手"))
    sheet = read_sheet(file, filename)
    with transaction.atomic():
        # One upload at a time per competition.
        type(competition).objects.select_for_update().filter(pk=competition.pk).first()
        clean, errors = validate_sheet(competition, sheet)
        if errors:
            raise ContestantImportErrors(errors)
        contestants = []
        for row in clean:
            values = {k: v for k, v in row.items() if k not in ("row", "id_number")}
            contestant = Contestant(
                competition=competition, **values, **identity_fields(row["id_number"])
            )
            # bulk_create skips save(): decide eligibility and out-of-area status here.
            contestant.assess()
            contestants.append(contestant)
        Contestant.objects.bulk_create(contestants, batch_size=1000)
        eligible = sum(c.eligible for c in contestants)
        out_of_area = sum(c.out_of_area for c in contestants)
        # bulk_create sends no signals: one summary entry for the audit log.
        AuditEntry.objects.record(
            "create",
            object_type="competitions.contestant",
            object_id=f"competition:{competition.pk}",
            object_repr=f"{competition} 参赛选手 {len(contestants)} 人",
            after={
                "competition": competition.pk,
                "count": len(contestants),
                "eligible": eligible,
                "out_of_area": out_of_area,
                "rows_sha256": _digest(clean),
            },
        )
    return {"imported": len(contestants), "eligible": eligible, "out_of_area": out_of_area}


def _digest(clean: list[dict]) -> str:
    """A fingerprint of what was imported, for the audit entry (keyed hashes, no plain IDs)."""
    digest = hashlib.sha256()
    for row in clean:
        values = [
            keyed_hash(row["id_number"]),
            row["name"],
            row["event"].pk,
            row["group"],
            getattr(row["pension_region"], "pk", ""),
            row["pension_years"],
            getattr(row["hukou_region"], "pk", ""),
            row["school_name"],
            getattr(row["school_region"], "pk", ""),
            row["current_level"] or "",
            row["work_years"],
        ]
        digest.update("\x1f".join(map(str, values)).encode() + b"\x1e")
    return digest.hexdigest()
