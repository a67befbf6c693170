"""The random draw of 双随机、一公开: entities at random (weighted up by complaints and past findings)
and inspectors at random for each, with avoidance (回避).

A draw is a pure function of its inputs and seed: `draw_from(inputs, seed, size, per_entity)`.
The inputs (population with weights, inspector pool) are stored with the SpotCheck, so anyone can
repeat the draw and get the same result (`reproduce`).
"""

import heapq
import random
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audits.choices import FindingOutcome, Population
from audits.models import Complaint, Finding, Inspector, SpotCheck, SpotCheckEntity
from institutions.choices import BatchStatus
from institutions.models import Batch, Filing, Institution
from skilleval import rules
from skilleval.choices import INSTITUTION_ROLES, AuditAction, Role
from skilleval.models import AuditEntry
from skilleval.rules.audits import InspectorMayInspect, SampleSize

COMPLAINT_WEIGHT = 1.0  # each complaint adds this to an entity's weight of 1
FINDING_WEIGHT = 2.0  # each past finding with issues adds this


def population_rows(population: str, filters: dict) -> list[list]:
    """[[institution id, batch id or None, city code], …] in a stable order."""
    if population == Population.INSTITUTIONS:
        queryset = Institution.objects.in_catalog()
        if filters.get("city"):
            queryset = queryset.filter(city_id=filters["city"])
        if filters.get("occupation"):
            # In the filed scope today: the union of the institution's valid filings.
            queryset = queryset.filter(
                Exists(
                    Filing.objects.valid_on(timezone.localdate()).filter(
                        institution=OuterRef("pk"), items__occupation__code=filters["occupation"]
                    )
                )
            )
        return [
            [pk, None, city]
            for pk, city in queryset.order_by("pk").values_list("pk", "city_id").distinct()
        ]
    queryset = Batch.objects.exclude(status__in=[BatchStatus.DRAFT, BatchStatus.CANCELLED])
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
    uniform = rng.random
    population, weights = inputs["population"], inputs["weights"]
    keys = [(uniform() ** (1.0 / weight), index) for index, weight in enumerate(weights)]
    # nlargest is sorted(…, reverse=True)[:size] without sorting the whole population.
    chosen = [index for _, index in heapq.nlargest(size, keys)]
    pool = inputs["inspectors"]  # [[id, city, institution id or None], …]
    eligible_for = {}  # (city, institution) → eligible inspectors; the same for every batch of it
    picks = []
    for index in chosen:
        institution, batch, city = population[index]
        eligible = eligible_for.get((city, institution))
        if eligible is None:
            eligible = eligible_for[(city, institution)] = [
                i
                for i in pool
                if InspectorMayInspect.conflict(i[1], i[2], city, institution) is None
            ]
        if len(eligible) < per_entity:
            raise ValidationError(
                gettext(
                    "检查人员库不足：对象（机构 %(institution)s）可用检查人员 %(count)s 名，需要 %(per_entity)s 名"
                )
                % {"institution": institution, "count": len(eligible), "per_entity": per_entity}
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
    if not (user.is_province_admin or user.role == Role.PROVINCE_AUDITOR):
        raise PermissionDenied(gettext("仅省级督查人员可以抽查"))
    if replaces is not None and not redraw_reason.strip():
        raise ValidationError(gettext("重新抽取须说明原因"))
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
    decision = rules.evaluate(SampleSize.id, {"population": len(rows), "ratio": ratio})
    if decision.not_in_force:
        # The spot check itself is 实施意见 二十五: without it in force there is no draw to make.
        raise ValidationError(decision.text)
    size = decision.result["sample_size"]
    if size == 0:
        raise ValidationError(gettext("抽查范围内没有对象"))
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
        # bulk_create sends no signals: the drawn entities go into the audit log here.
        AuditEntry.objects.record(
            AuditAction.CREATE,
            object_type="audits.spotcheckentity",
            object_id=f"spot_check:{spot_check.pk}",
            object_repr=f"{spot_check} 抽取 {len(picks)} 个对象",
            after={"picks": picks},
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


def require_province_staff(user) -> None:
    if not user.sees_everything:
        raise PermissionDenied(gettext("仅省级督查人员和管理员"))


# --- the steps after a draw: findings, redraw, publication, responses (pages and API) ----------

SUPERSEDED = _("该抽查已被重新抽取，以新的抽查为准")
PUBLISHED = _("结果已公开，不能再修改")


def check_open(spot_check: SpotCheck) -> None:
    """Findings, redraws and publication only while the draw is current and unpublished."""
    if SpotCheck.objects.filter(replaces=spot_check).exists():
        raise ValidationError(SUPERSEDED)
    if spot_check.published_at:
        raise ValidationError(PUBLISHED)


def redraw(spot_check: SpotCheck, *, user, reason: str) -> SpotCheck:
    """A new, logged draw over the same population that names the one it replaces (never a
    silent redraw); refused once inspections have begun (findings recorded)."""
    require_province_staff(user)
    check_open(spot_check)
    if Finding.objects.filter(entity__spot_check=spot_check).exists():
        raise ValidationError(gettext("已记录检查结果的抽查不能重新抽取"))
    try:
        return draw(
            user=user,
            population=spot_check.population,
            ratio=spot_check.ratio,
            filters=spot_check.filters,
            per_entity=spot_check.inspectors_per_entity,
            replaces=spot_check,
            redraw_reason=reason,
        )
    except IntegrityError:  # redrawn by someone else meanwhile (replaces is one-to-one)
        raise ValidationError(SUPERSEDED) from None


def record_finding(
    entity: SpotCheckEntity, *, user, outcome: str, detail: str, action_taken: str = ""
) -> Finding:
    """What the inspectors found at one entity; may be corrected until publication."""
    require_province_staff(user)
    check_open(entity.spot_check)
    finding, _ = Finding.objects.update_or_create(
        entity=entity,
        defaults={
            "outcome": outcome,
            "detail": detail.strip(),
            "action_taken": action_taken.strip(),
            "recorded_by": user,
        },
    )
    return finding


def publish(spot_check: SpotCheck, *, user) -> SpotCheck:
    """一公开: publish once every drawn entity has a finding. The row lock makes a double
    click publish once; the save is recorded in the audit log like any other change."""
    require_province_staff(user)
    with transaction.atomic():
        locked = SpotCheck.objects.select_for_update().get(pk=spot_check.pk)
        check_open(locked)
        missing = locked.entities.filter(finding__isnull=True).count()
        if missing:
            raise ValidationError(
                gettext("还有 %(missing)s 个抽查对象未记录检查结果") % {"missing": missing}
            )
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
    spot_check.published_at = locked.published_at
    return spot_check


def visible_entities(spot_check: SpotCheck, user):
    """The drawn entities this user may see: all for the province, their own city's for city
    staff, their own for an institution (scoping through Institution.visible_to)."""
    entities = spot_check.entities.select_related(
        "institution__city", "batch__occupation", "finding"
    ).prefetch_related("inspectors__city", "inspectors__institution")
    if not user.sees_everything:
        entities = entities.filter(institution__in=Institution.objects.visible_to(user))
    return entities


def respond(entity: SpotCheckEntity, *, user, text: str) -> Finding:
    """The inspected institution answers a finding about it."""
    if (
        not user.has_role(*INSTITUTION_ROLES)
        or not visible_entities(entity.spot_check, user).filter(pk=entity.pk).exists()
    ):
        raise PermissionDenied(gettext("仅被检查机构可以回应"))
    try:
        finding = entity.finding
    except Finding.DoesNotExist:
        raise ValidationError(gettext("尚未记录检查结果")) from None
    finding.institution_response = text.strip()
    finding.save(update_fields=["institution_response"])
    return finding


def stored_picks(spot_check: SpotCheck) -> list[dict]:
    """The stored draw in the shape audits.draws returns it."""
    return [
        {
            "institution": entity.institution_id,
            "batch": entity.batch_id,
            "weight": float(entity.weight),
            "inspectors": sorted(i.pk for i in entity.inspectors.all()),
        }
        for entity in spot_check.entities.order_by("position").prefetch_related("inspectors")
    ]


def reproduction(spot_check: SpotCheck) -> dict:
    """Run the draw again from its seed and inputs and compare with what is stored."""

    def comparable(pick):
        return (pick["institution"], pick["batch"], round(pick["weight"], 3), pick["inspectors"])

    stored = stored_picks(spot_check)
    try:
        again = reproduce(spot_check)
    except ValidationError as refusal:
        return {"matches": False, "stored": stored, "reproduced": [], "errors": refusal.messages}
    differing = [
        n
        for n, (a, b) in enumerate(zip(stored, again, strict=False), start=1)
        if comparable(a) != comparable(b)
    ]
    if len(stored) != len(again):
        differing.append(min(len(stored), len(again)) + 1)
    return {
        "matches": not differing,
        "stored": stored,
        "reproduced": again,
        "differing_positions": differing,
    }
