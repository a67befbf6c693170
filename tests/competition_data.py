"""The competition the competition tests start from, its contestants' ID numbers, and the headers
of the contestant spreadsheet written out as the organisers' template spells them (so that a
renamed column fails the tests instead of following along)."""

from datetime import date

from stdnum.cn import ric

from tests.factories import region

CONTESTANT_HEADERS = [
    "姓名",
    "身份证号",
    "组别",
    "赛项职业编码",
    "养老保险参保地",
    "省内参保月数",
    "户籍地",
    "就读院校",
    "院校所在地",
    "现有等级",
    "从业年限",
]


def competition_fields(user, host="320100", kind="city", klass=1, **fields) -> dict:
    """南京市车工技能大赛, created by `user`: a city competition of class 1 on 1–3 December 2026;
    `fields` change or add to it."""
    return {
        "name": "南京市车工技能大赛",
        "organiser_name": "南京市总工会",
        "kind": kind,
        "competition_class": klass,
        "host_region": region(host),
        "starts_on": date(2026, 12, 1),
        "ends_on": date(2026, 12, 3),
        "contact_phone": "025-12345678",
        "created_by": user,
        **fields,
    }


def resident_id(n: int, area: str = "320102") -> str:
    """A resident ID number with a correct GB 11643 check character. (stdnum's calc_check_digit
    reads the first 17 characters of an 18-character number, hence the placeholder.)"""
    body = f"{area}199{n % 10}0{1 + n % 9}15{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "?")
