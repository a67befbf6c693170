"""The random draw of 双随机、一公开: entities at random (weighted up by complaints and past findings)
and inspectors at random for each, with avoidance (回避).

A draw is a pure function of its inputs and seed: `draw_from(inputs, seed, size, per_entity)`.
The inputs (population with weights, inspector pool) are stored with the SpotCheck, so anyone can
repeat the draw and get the same result (`reproduce`).
"""

import random
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from audits.choices import FindingOutcome, Population
from audits.models import Complaint, Finding, Inspector, SpotCheck, SpotCheckEntity
from skilleval import rules
from skilleval.rules.audits import InspectorMayInspect

COMPLAINT_WEIGHT = 1.0  # each complaint adds this to an entity's weight of 1
FINDING_WEIGHT = 2.0  # each past finding with issues adds this


def population_rows(population: str, filters: dict) -> list[list]:
    """[[institution id, batch id or None, city code], …] in a stable order."""
    from institutions.models import Batch, Institution

    if population == Population.INSTITUTIONS:
        queryset = Institution.objects.in_catalog()
        if filters.get("city"):
            queryset = queryset.filter(city_id=filters["city"])
        if filters.get("occupation"):
            queryset = queryset.filter(filings__items__occupation__code=filters["occupation"])
        return [
            [pk, None, city]
            for pk, city in queryset.order_by("pk").values_list("pk", "city_id").distinct()
        ]
    queryset = Batch.objects.exclude(status__in=["draft", "cancelled"])
    if filters.get("from"):
        queryset = queryset.filter(exam_starts_on__gte=filters["from"])
    if filters.get("to"):
        queryset = queryset.filter(exam_starts_on__lte=filters["to"])
    if filters.get("city"):
        queryset = queryset.filter(institution__city_id=filters["city"])
    if filters.get("occupation"):
        queryset = queryset.filter(occupation__code=filters["occupation"])
    return [
        list(row)
        for row in queryset.order_by("pk").values_list(
            "institution_id", "pk", "institution__city_id"
        )
    ]


def weights_for(rows: list[list]) -> list[float]:
    """1, plus more for institutions with complaints and past findings with issues."""
    institution_ids = {row[0] for row in rows}
    complaints = dict(
        Complaint.objects.filter(institution_id__in=institution_ids)
        .values_list("institution_id")
        .annotate(n=Count("pk"))
    )
    findings = dict(
        Finding.objects.filter(entity__institution_id__in=institution_ids)
        .exclude(outcome=FindingOutcome.NO_ISSUE)
        .values_list("entity__institution_id")
        .annotate(n=Count("pk"))
    )
    return [
        1.0
        + COMPLAINT_WEIGHT * complaints.get(row[0], 0)
        + FINDING_WEIGHT * findings.get(row[0], 0)
        for row in rows
    ]


def draw_from(inputs: dict, seed: str, size: int, per_entity: int) -> list[dict]:
    """The draw itself. Entities: weighted sampling without replacement (Efraimidis–Spirakis keys
    u^(1/w)); inspectors: a random choice among those with no conflict of interest."""
    rng = random.Random(seed)
    population, weights = inputs["population"], inputs["weights"]
    keys = [(rng.random() ** (1.0 / weight), index) for index, weight in enumerate(weights)]
    chosen = [index for _, index in sorted(keys, reverse=True)[:size]]
    pool = inputs["inspectors"]  # [[id, city, institution id or None], …]
    picks = []
    for index in chosen:
        institution, batch, city = population[index]
        eligible = [
            i for i in pool if InspectorMayInspect.conflict(i[1], i[2], city, institution) is None
        ]
        if len(eligible) < per_entity:
            raise ValidationError(
                f"检查人员库不足：对象（机构 {institution}）可用检查人员 {len(eligible)} 名，需要 {per_entity} 名 / "
                "Not enough inspectors without a conflict of interest"
            )
        picks.append(
            {
                "institution": institution,
                "batch": batch,
                "weight": weights[index],
                "inspectors": sorted(i[0] for i in rng.sample(eligible, per_entity)),
            }
        )
    return picks


def draw(
    *,
    user,
    population: str,
    ratio: Decimal,
    filters: dict | None = None,
    per_entity: int = 2,
    seed: str | None = None,
    replaces: SpotCheck | None = None,
    redraw_reason: str = "",
) -> SpotCheck:
    """Province auditors draw; the seed and inputs are kept so the draw can be reproduced."""
    if not (user.is_province_admin or user.role == "province_auditor"):
        raise PermissionDenied("仅省级督查人员可以抽查 / Only province auditors draw spot checks")
    if replaces is not None and not redraw_reason.strip():
        raise ValidationError("重新抽取须说明原因 / A redraw needs a reason")
    filters = {k: str(v) for k, v in (filters or {}).items() if v}
    rows = population_rows(population, filters)
    inputs = {
        "population": rows,
        "weights": weights_for(rows),
        "inspectors": [
            list(row)
            for row in Inspector.objects.active()
            .order_by("pk")
            .values_list("pk", "city_id", "institution_id")
        ],
    }
    size = rules.evaluate("audit.sample_size", {"population": len(rows), "ratio": ratio}).result[
        "sample_size"
    ]
    if size == 0:
        raise ValidationError("抽查范围内没有对象 / Nothing to draw from")
    seed = seed or secrets.token_hex(16)
    picks = draw_from(inputs, seed, size, per_entity)
    with transaction.atomic():
        spot_check = SpotCheck.objects.create(
            population=population,
            filters=filters,
            inputs=inputs,
            ratio=ratio,
            seed=seed,
            population_size=len(rows),
            sample_size=size,
            inspectors_per_entity=per_entity,
            replaces=replaces,
            redraw_reason=redraw_reason.strip(),
            drawn_by=user,
        )
        entities = SpotCheckEntity.objects.bulk_create(
            SpotCheckEntity(
                spot_check=spot_check,
                position=n,
                institution_id=pick["institution"],
                batch_id=pick["batch"],
                weight=Decimal(str(pick["weight"])),
            )
            for n, pick in enumerate(picks, start=1)
        )
        Through = SpotCheckEntity.inspectors.through
        Through.objects.bulk_create(
            Through(spotcheckentity_id=entity.pk, inspector_id=inspector)
            for entity, pick in zip(entities, picks, strict=True)
            for inspector in pick["inspectors"]
        )
    return spot_check


def reproduce(spot_check: SpotCheck) -> list[dict]:
    """Run the recorded draw again from its stored inputs and seed."""
    return draw_from(
        spot_check.inputs,
        spot_check.seed,
        spot_check.sample_size,
        spot_check.inspectors_per_entity,
    )


def published_results():
    """一公开: the entities of published draws with their findings, for the public page."""
    return (
        SpotCheckEntity.objects.filter(spot_check__published_at__isnull=False)
        .filter(Q(finding__isnull=False))
        .select_related("institution", "batch__occupation", "finding", "spot_check")
        .order_by("-spot_check__published_at", "position")
    )
