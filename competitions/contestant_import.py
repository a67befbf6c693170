"""Contestants (参赛选手): one by one or by spreadsheet, with the checks both ways share.

An organiser downloads an .xlsx template with Chinese headers, fills one row per contestant and
uploads it (.xlsx or .csv). Every row is checked before anything is written; one bad row refuses
the whole file (nothing half-imported), and the user gets every problem with its row, column and a
Chinese and English message, through the same import pipeline as the roster of evaluation
batches (skilleval.imports; issue 6). This module declares the columns, their checks and the
write step.

Regions are given as a GB/T 2260 code or a Jiangsu city/county name (“南京市”, “江宁区”,
“南京市鼓楼区”); blank, another province's code or a place named with another province = outside
Jiangsu, which is what the eligibility rule needs to know (54号 一). ID numbers are checked as the
roster checks them (GB 11643: length, check character, birth date), stored encrypted, found by a
keyed hash and shown masked (SPEC "Public lookup and privacy").
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

from competitions.choices import ContestantGroup
from competitions.models import Contestant, check_id_number
from institutions.choices import IdType
from skilleval.choices import RegionKind
from skilleval.imports import (
    HMT_PREFIXES,
    LEVEL_LABELS,
    Bad,
    Column,
    ImportRefused,
    Spec,
    cell_text,
    check_current_level,
    check_name,
    earlier_row,
    id_number_cell,
    import_all_or_nothing,
    parse_years,
    rows_digest,
    template,
)
from skilleval.imports import read_sheet as read_with
from skilleval.models import AuditEntry, Region
from skilleval.personal_data import identity_fields, keyed_hash, mask_id_number
from skilleval.spreadsheets import is_blank

MAX_ROWS = 20_000
MAX_YEARS = Decimal(70)
MAX_PENSION_MONTHS = 1200
SHEET_TITLE = "参赛选手"


# --- identity ------------------------------------------------------------------------------


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


REGION_NOTE_ZH = (
    "江苏省设区市或区县名称（如 南京市、江宁区、南京市鼓楼区）或行政区划代码；省外填省份名称或留空"
)
REGION_NOTE_EN = (
    "A Jiangsu city or county name (e.g. 南京市, 江宁区, 南京市鼓楼区) or its GB/T 2260 code; "
    "outside Jiangsu: the province or blank"
)
COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "姓名",
        "Name",
        ("name",),
        required=True,
        width=12,
        note_zh="必填",
        note_en="Required",
    ),
    Column(
        "id_number",
        "身份证号",
        "ID number",
        ("id number", "居民身份证号", "身份证号码", "证件号码"),
        required=True,
        width=22,
        number_format="@",
        note_zh="必填，18 位居民身份证号（港澳台居民居住证号亦可）；本列须为文本格式",
        note_en="Required, the 18-character resident ID number (or HK/Macao/Taiwan residence "
        "permit); keep the column as text",
    ),
    Column(
        "group",
        "组别",
        "Group",
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
        "Event occupation code",
        ("occupation code", "event", "赛项", "职业编码"),
        required=True,
        width=16,
        number_format="@",
        note_zh="必填，本竞赛已设置赛项的职业编码，如 6-18-01-01",
        note_en="Required, the occupation code of one of this competition's events, e.g. 6-18-01-01",
    ),
    Column(
        "pension_region",
        "养老保险参保地",
        "Pension region",
        ("pension region", "参保地"),
        width=16,
        note_zh=REGION_NOTE_ZH,
        note_en=REGION_NOTE_EN,
    ),
    Column(
        "pension_months",
        "省内参保月数",
        "Pension months",
        ("pension months",),
        width=12,
        note_zh="在江苏省参加基本养老保险的月数（整数，0–1200）；满 12 个月为一年以上；不填为 0",
        note_en="Months of Jiangsu basic pension insurance (whole, 0–1200); 12 is a year; blank = 0",
    ),
    Column(
        "hukou_region",
        "户籍地",
        "Hukou region",
        ("hukou region", "hukou"),
        width=16,
        note_zh=REGION_NOTE_ZH,
        note_en=REGION_NOTE_EN,
    ),
    Column(
        "school_name",
        "就读院校",
        "School",
        ("school", "school name"),
        width=20,
        note_zh="学生组填写",
        note_en="For the student group",
    ),
    Column(
        "school_region",
        "院校所在地",
        "School region",
        ("school region",),
        width=16,
        note_zh="学生组填写；" + REGION_NOTE_ZH,
        note_en="For the student group; " + REGION_NOTE_EN,
    ),
    Column(
        "current_level",
        "现有等级",
        "Current level",
        ("current level",),
        width=16,
        choices=LEVEL_LABELS,
        note_zh="没有可不填；如 三级/高级工，或填 1–5",
        note_en="Blank if none; e.g. 三级/高级工, or 1–5",
    ),
    Column(
        "work_years",
        "从业年限",
        "Work years",
        ("work years",),
        width=10,
        note_zh="年，可带一位小数；不填为 0",
        note_en="Years, one decimal allowed; blank = 0",
    ),
)
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


# --- the template --------------------------------------------------------------------------


def contestant_template(competition) -> bytes:
    """The .xlsx template: bold frozen Chinese headers, ID and code columns as text, drop-downs
    for the group, the competition's event codes and the levels, and instructions."""
    events = list(competition.events.select_related("occupation"))
    notes = [
        (competition.name, "", ""),
        (
            "赛项",
            "、".join(f"{e.occupation.name}（{e.occupation.code}）" for e in events)
            or "尚未设置赛项",
            "Events",
        ),
        (
            "规则",
            "有任何一行错误则整个文件不导入；参赛资格（54号 一）和异地选手由系统按参保、户籍、学籍自动判定。",
            "Any bad row refuses the whole file; eligibility (54号 一) and out-of-area status are "
            "decided from pension insurance, hukou and school.",
        ),
    ]
    # The event codes list this competition's events; another code is refused on upload.
    return template(SPEC, notes, {"occupation_code": [e.occupation.code for e in events]})


# --- checking one column -------------------------------------------------------------------
#
# One function per column, in template order (see skilleval.imports.Check): each gets the cell,
# the row checked so far and the upload's context, and returns the value to store or raises Bad.


@dataclass
class Context:
    """What the checks of one upload need to know about its competition."""

    competition: object
    events: dict  # occupation code -> the competition's event
    regions: RegionNames
    first_row_of: dict[tuple[int, str], int] = field(default_factory=dict)  # (event, hash) -> row

    @classmethod
    def of(cls, competition) -> "Context":
        events = competition.events.select_related("occupation")
        return cls(
            competition=competition,
            events={e.occupation.code: e for e in events},
            regions=RegionNames(),
        )


def check_id_cell(value, row, ctx) -> str:
    """The ID number, normalised; its type (a residence permit by its 81/82/83 area) is noted."""
    text = id_number_cell(value)
    id_type = IdType.HMT_RESIDENCE_PERMIT if text.startswith(HMT_PREFIXES) else IdType.RESIDENT_ID
    id_number, problem = check_id_number(id_type, text)
    if problem:
        raise Bad(*problem)
    row["id_type"] = id_type
    return id_number


def check_group(value, row, ctx) -> str:
    text = cell_text(value)
    group = GROUP_WORDS.get(text.lower())
    if group is None:
        if not text:
            raise Bad("组别为空", "Group is empty")
        raise Bad(
            f"组别应为 职工组 或 学生组，而不是“{text}”",
            f"Group must be 职工组 or 学生组, not “{text}”",
        )
    return group


def check_event(value, row, ctx):
    code = cell_text(value)
    event = ctx.events.get(code)
    if event is None:
        if not code:
            raise Bad("赛项职业编码为空", "The event's occupation code is empty")
        raise Bad(
            f"“{code}”不是本竞赛的赛项，应为 {'、'.join(ctx.events)} 之一",
            f"“{code}” is not an event of this competition; use one of {', '.join(ctx.events)}",
        )
    return event


def check_region(value, row, ctx) -> Region | None:
    region, problem = ctx.regions.read(value)
    if problem:
        raise Bad(*problem)
    return region


def check_pension_region(value, row, ctx) -> Region | None:
    region = check_region(value, row, ctx)
    row["_pension_outside"] = region is None and not is_blank(value)  # a place outside Jiangsu
    return region


def _years(value, zh: str, en: str) -> Decimal:
    """Years from 0 to MAX_YEARS, one decimal; blank is 0."""
    if is_blank(value):
        return Decimal(0)
    years = parse_years(value)
    if years is None or not (0 <= years <= MAX_YEARS):
        text = cell_text(value)
        raise Bad(
            f"{zh}“{text}”应为 0–{MAX_YEARS} 之间的数字（年）",
            f"{en} “{text}” must be a number from 0 to {MAX_YEARS}",
        )
    return years


def check_pension_months(value, row, ctx) -> int:
    """Whole months from 0 to 1200 (54号 一 "一年以上": 12 months); blank is 0."""
    if is_blank(value):
        return 0
    text = cell_text(value)
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_PENSION_MONTHS):
        raise Bad(
            f"省内参保月数“{text}”应为 0–{MAX_PENSION_MONTHS} 之间的整数（月）",
            f"Pension months “{text}” must be a whole number from 0 to {MAX_PENSION_MONTHS}",
        )
    months = int(text)
    if months and row.get("_pension_outside"):
        raise Bad(
            "养老保险参保地不在江苏省，省内参保月数应为 0 或留空",
            "The pension insurance is paid outside Jiangsu: Jiangsu pension months must be 0 or "
            "blank",
        )
    return months


def check_school_name(value, row, ctx) -> str:
    name = cell_text(value)
    if len(name) > 100:
        raise Bad("就读院校超过 100 个字符", "School is longer than 100 characters")
    return name


def check_work_years(value, row, ctx) -> Decimal:
    return _years(value, "从业年限", "Work years")


def check_once_per_event(value, row, ctx) -> None:
    """A contestant is registered once per event: the same ID number in the same event repeats
    an earlier row."""
    if not row.get("id_number") or row.get("event") is None:
        return
    key = (row["event"].pk, keyed_hash(row["id_number"]))
    if first := earlier_row(ctx.first_row_of, key, row):
        raise Bad(
            f"该选手在同一赛项中与第 {first} 行重复",
            f"The contestant repeats row {first} in the same event",
            value="",
        )


# (field the value is stored in, column it is read from and reported under, checker)
CHECKS = (
    ("name", "name", check_name),
    ("id_number", "id_number", check_id_cell),
    ("group", "group", check_group),
    ("event", "occupation_code", check_event),
    ("pension_region", "pension_region", check_pension_region),
    ("hukou_region", "hukou_region", check_region),
    ("school_region", "school_region", check_region),
    ("pension_months", "pension_months", check_pension_months),
    ("school_name", "school_name", check_school_name),
    ("current_level", "current_level", check_current_level),
    ("work_years", "work_years", check_work_years),
    ("_once", "id_number", check_once_per_event),
)


# --- the whole file ------------------------------------------------------------------------


def _no_events(sheet, ctx: Context) -> list[dict]:
    if ctx.events:
        return []
    return [
        SPEC.error(
            1,
            "occupation_code",
            "本竞赛尚未设置赛项，请先添加赛项",
            "This competition has no events yet; add its events first",
        )
    ]


def _already_registered(ctx: Context) -> list[dict]:
    by_event: dict[int, list[str]] = {}
    for event_id, id_hash in ctx.first_row_of:
        by_event.setdefault(event_id, []).append(id_hash)
    errors = []
    for event_id, hashes in by_event.items():
        for start in range(0, len(hashes), 500):
            for id_hash in Contestant.objects.filter(
                event_id=event_id, id_number_hash__in=hashes[start : start + 500]
            ).values_list("id_number_hash", flat=True):
                errors.append(
                    SPEC.error(
                        ctx.first_row_of[(event_id, id_hash)],
                        "id_number",
                        "该选手已报名本赛项",
                        "This contestant is already registered for this event",
                    )
                )
    return errors


class ContestantImportErrors(ImportRefused):
    """The file was refused and nothing was imported; ``errors`` lists every problem."""


SPEC = Spec(
    columns=COLUMNS,
    checks=CHECKS,
    refused=ContestantImportErrors,
    missing_zh="缺少“{header}”列，请使用选手名单模板",
    missing_en="Missing column “{header}”; use the template",
    empty=("名单中没有选手", "The file has no contestants"),
    noun=("名选手", "contestants"),
    sheet_title=SHEET_TITLE,
    max_rows=MAX_ROWS,
    masks={"id_number": mask_id_number},
    # Years of one decimal could not say "一年以上" (11 months is not a year): the old column is
    # refused by name rather than read as something it is not.
    retired={
        "省内参保年限": (
            "“省内参保年限”列已停用，请改用“省内参保月数”列（整数月，满 12 个月为一年以上，"
            "苏人社办函〔2022〕54号 一），或下载新模板",
            "The column “省内参保年限” (pension years) is no longer accepted: use “省内参保月数” "
            "(pension months, whole months, 12 is a year, 54号 一) or download the new template",
        ),
        "pension years": (
            "“Pension years”列已停用，请改用“省内参保月数”列（整数月）",
            "The column “Pension years” is no longer accepted: use “Pension months” (whole months)",
        ),
    },
    before_rows=_no_events,
    after_rows=_already_registered,
)


def read_sheet(file, filename: str):
    """The uploaded file (skilleval.imports.Sheet); ContestantImportErrors when unreadable."""
    return read_with(SPEC, file, filename)


# --- importing -----------------------------------------------------------------------------


def import_contestants(competition, file, filename: str, *, user) -> dict:
    """Check and import a contestant file, all or nothing. Raises Forbidden for anyone but the
    organiser (Competition.is_organised_by), ContestantImportErrors (nothing written) when any row
    is bad."""
    competition.require_organiser(user, gettext("只有主办单位可以登记选手"))
    sheet = read_sheet(file, filename)

    def lock() -> Context:
        # One upload at a time per competition.
        type(competition).objects.select_for_update().filter(pk=competition.pk).first()
        return Context.of(competition)

    return import_all_or_nothing(SPEC, sheet, lock, _write)


def _write(ctx: Context, clean: list[dict]) -> dict:
    competition = ctx.competition
    contestants = []
    for row in clean:
        values = {k: v for k, v in row.items() if k not in ("row", "id_number") and k[0] != "_"}
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
            "rows_sha256": rows_digest(clean, _audited),
        },
    )
    return {"imported": len(contestants), "eligible": eligible, "out_of_area": out_of_area}


def _audited(row: dict) -> list:
    """What the audit entry's fingerprint (rows_digest) takes of a row: keyed hashes, no plain
    IDs."""
    return [
        keyed_hash(row["id_number"]),
        row["name"],
        row["event"].pk,
        row["group"],
        getattr(row["pension_region"], "pk", ""),
        row["pension_months"],
        getattr(row["hukou_region"], "pk", ""),
        row["school_name"],
        getattr(row["school_region"], "pk", ""),
        row["current_level"] or "",
        row["work_years"],
    ]
