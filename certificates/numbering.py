"""Allocating certificate numbers: gap-free, never reused, unique under concurrency.

Each number is a prefix (everything but the sequence) and a sequence. A NumberSeries row per
prefix holds the last sequence handed out; allocation locks that row (SELECT … FOR UPDATE) inside
the caller's transaction, so a rolled-back issuance gives its numbers back and two processes never
get the same one. The prefixes follow skilleval/rules/certificates.py.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from certificates.choices import CertificateKind
from certificates.models import NumberExhausted, NumberSeries
from institutions.choices import InstitutionKind
from skilleval import rules
from skilleval.rules.certificates import JIANGSU, CertificateNumberFormat

SEQUENCE_WIDTH = {
    CertificateKind.SKILL_LEVEL: 6,
    CertificateKind.VOCATIONAL_QUALIFICATION: 5,
    CertificateKind.SPECIAL_ABILITY: 5,
    CertificateKind.COMPETITION: 4,
}


def allocate(prefix: str, width: int, count: int = 1) -> list[str]:
    """`count` consecutive numbers for a prefix. Must run inside the transaction that stores them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate() must run inside the transaction that stores the numbers")
    NumberSeries.objects.get_or_create(prefix=prefix, defaults={"width": width})
    series = NumberSeries.objects.select_for_update().get(prefix=prefix)
    first, last = series.last + 1, series.last + count
    if last > 10**width - 1:
        raise NumberExhausted(
            gettext("证书编号段 %(prefix)s 已用尽（最大 %(value)s，已用 %(last)s，需 %(count)s）")
            % {"prefix": prefix, "value": 10**width - 1, "last": series.last, "count": count}
        )
    series.last = last
    series.save(update_fields=["last"])
    return [f"{prefix}{n:0{width}d}" for n in range(first, last + 1)]


def issued_run(numbers: list[str], issued_on: date) -> dict:
    """What the audit log keeps of certificates issued in one go (bulk_create sends no signals,
    so one entry stands for them): how many, the first and last number, the date."""
    return {
        "count": len(numbers),
        "first": numbers[0],
        "last": numbers[-1],
        "issued_on": issued_on.isoformat(),
    }


def _city(institution) -> str:
    return institution.city_id[2:4]


def _province_serial(institution) -> str:
    if not institution.province_serial:
        raise NumberExhausted(
            gettext("%(institution)s 尚未分配省级机构序号，不能生成证书编号")
            % {"institution": institution}
        )
    return institution.province_serial


def prefix_for(
    kind: str,
    *,
    institution,
    issued_on: date,
    level: int | None = None,
    competition_serial: int | None = None,
) -> str:
    """Everything of a number but its sequence; the year is the year of issue."""
    yy = f"{issued_on.year % 100:02d}"
    params = rules.get_rule(CertificateNumberFormat.id).parameters_as_of(issued_on)
    if kind == CertificateKind.SKILL_LEVEL:
        # Y: employer; S: social training evaluation organisation (schools file as these too).
        kind_letter = "Y" if institution.kind == InstitutionKind.EMPLOYER else "S"
        return f"{kind_letter}{institution.ministry_code}{JIANGSU}{_province_serial(institution)}{yy}{level}"
    if kind == CertificateKind.VOCATIONAL_QUALIFICATION:
        if institution.vq_station_type is None or not institution.vq_station_serial:
            raise NumberExhausted(
                gettext("%(institution)s 不是登记的职业技能鉴定站") % {"institution": institution}
            )
        return f"{yy}{JIANGSU}{_city(institution)}{institution.vq_station_type}{institution.vq_station_serial}{level}"
    if kind == CertificateKind.SPECIAL_ABILITY:
        return f"{params['special_ability_prefix']}{JIANGSU}{_city(institution)}{yy}{_province_serial(institution)}"
    if kind == CertificateKind.COMPETITION:
        return f"{params['competition_prefix']}{JIANGSU}{_city(institution)}{yy}{competition_serial:05d}"
    raise ValueError(kind)
