"""The random draw of 双随机、一公开: entities at random (weighted up by complaints and past findings)
and inspectors at random for each, with avoidance (回避).

A draw is a pure function of its inputs and seed: `draw_from(inputs, seed, size, per_entity)`.
The inputs (population with weights, inspector pool) are stored with the SpotCheck, so anyone can
repeat the draw and get the same result (`reproduce`).

Speed (`manage.py bench_spot_check`, 100,000 batches, target 0.2 s): the population stays in the
tuples the query returns (100k small lists cost more in garbage collection than the draw itself),
the inputs are serialized once, and the drawn rows go in by COPY on PostgreSQL.
"""

import heapq
import random
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audits.choices import FindingOutcome, Population
from audits.models import Complaint, Finding, Inspector, SpotCheck, SpotCheckEntity
from audits.models.supervision import JSONText, canonical_json, json_digest
from institutions.choices import BatchStatus
from institutions.models import Batch, Filing, Institution
from skilleval import rules
from skilleval.choices import INSTITUTION_ROLES, AuditAction, Role
from skilleval.models import AuditEntry
from skilleval.rules.audits import InspectorMayInspect, SampleSize

COMPLAINT_WEIGHT = 1.0  # each complaint adds this to an entity's weight of 1
FINDING_WEIGHT = 2.0  # each past finding with issues adds this


def population_rows(population: str, filters: dict) -> list[tuple]:
    """[(institution id, batch id or None, city code), …] in a stable order (lists once stored)."""
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
            (pk, None, city)
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
    return list(queryset.order_by("pk").values_list("institution_id", "pk", "institution__city_id"))


def weights_for(rows: list[tuple]) -> list[float]:
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
    weight = {
        institution: 1.0
        + COMPLAINT_WEIGHT * complaints.get(institution, 0)
        + FINDING_WEIGHT * findings.get(institution, 0)
        for institution in institution_ids
    }
    return [weight[row[0]] for row in rows]


def inspector_pool() -> list[tuple]:
    """[(inspector id, city code, institution id or None), …] of the active pool."""
    return list(
        Inspector.objects.active().order_by("pk").values_list("pk", "city_id", "institution_id")
    )


def draw_from(inputs: dict, seed: str, size: int, per_entity: int) -> list[dict]:
    """The draw itself. Entities: weighted sampling without replacement (Efraimidis–Spirakis keys
    u^(1/w)); inspectors: a random choice among those with no conflict of interest."""
    rng = random.Random(seed)
    uniform = rng.random
    population, weights = inputs["population"], inputs["weights"]
    keys = [uniform() ** (1.0 / weight) for weight in weights]
    # The largest keys, an exact tie going to the later entity as when (key, index) pairs were
    # compared: nlargest keeps the first of equal keys, so it walks the indices backwards.
    chosen = heapq.nlargest(size, range(len(keys) - 1, -1, -1), key=keys.__getitem__)
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


def date_range_problems(population: str, start, end) -> dict[str, str]:
    """What is wrong with a draw's exam-date range, by field: drawing batches needs both dates,
    and the range must not end before it starts."""
    if population == Population.BATCHES and not (start and end):
        return {"date_from": gettext("抽查评价批次须填写考试日期范围")}
    if start and end and start > end:
        return {"date_to": gettext("结束日期早于开始日期")}
    return {}


def draw_arguments(
    *, population: str, ratio, per_entity: int, city, occupation_code: str, date_from, date_to
) -> dict:
    """The keyword arguments of `draw` (but the user) from a draw's form or request; the exam
    dates filter only a draw of batches."""
    filters = {"city": city.pk if city else "", "occupation": occupation_code}
    if population == Population.BATCHES:
        filters.update({"from": date_from, "to": date_to})
    return {
        "population": population,
        "ratio": ratio,
        "per_entity": per_entity,
        "filters": filters,
    }


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
    inputs = {"population": rows, "weights": weights_for(rows), "inspectors": inspector_pool()}
    decision = rules.evaluate(SampleSize.id, {"population": len(rows), "ratio": ratio})
    if decision.not_in_force:
        # The spot check itself is 实施意见 二十五: without it in force there is no draw to make.
        raise ValidationError(decision.text)
    size = decision.result["sample_size"]
    if size == 0:
        raise ValidationError(gettext("抽查范围内没有对象"))
    seed = seed or secrets.token_hex(16)
    picks = draw_from(inputs, seed, size, per_entity)
    # Serialized once: this text is stored, and its digest goes to the audit log (SpotCheck.save).
    stored_inputs = JSONText(canonical_json(inputs))
    with transaction.atomic():
        spot_check = SpotCheck.objects.create(
            population=population,
            filters=filters,
            inputs=stored_inputs,
            ratio=ratio,
            seed=seed,
            population_size=len(rows),
            sample_size=size,
            inspectors_per_entity=per_entity,
            replaces=replaces,
            redraw_reason=redraw_reason.strip(),
            drawn_by=user,
        )
        spot_check.inputs = inputs  # the value again, not the text it was written from
        save_picks(spot_check, picks)
        # Bulk inserts send no signals: the drawn entities go into the audit log here.
        AuditEntry.objects.record(
            AuditAction.CREATE,
            object_type="audits.spotcheckentity",
            object_id=f"spot_check:{spot_check.pk}",
            object_repr=f"{spot_check} 抽取 {len(picks)} 个对象",
            # By digest, like the inputs: the picks follow from the inputs and seed (reproduce),
            # and stored_picks() of an untouched draw gives this digest again.
            after={"count": len(picks), "picks_sha256": json_digest(picks)},
        )
    return spot_check


# PostgreSQL takes the drawn entities and their inspectors by COPY; other databases (SQLite) by
# bulk_create, whose per-field preparation of 15,000 rows alone costs more than the whole draw.
USE_POSTGRES_COPY = True


def save_picks(spot_check: SpotCheck, picks: list[dict]) -> None:
    """The drawn entities in their order, each with its inspectors."""
    insert_rows(
        SpotCheckEntity,
        ("spot_check_id", "position", "institution_id", "batch_id", "weight"),
        (
            (spot_check.pk, n, pick["institution"], pick["batch"], Decimal(str(pick["weight"])))
            for n, pick in enumerate(picks, start=1)
        ),
    )
    entity_at = dict(spot_check.entities.values_list("position", "pk"))
    insert_rows(
        SpotCheckEntity.inspectors.through,
        ("spotcheckentity_id", "inspector_id"),
        (
            (entity_at[n], inspector)
            for n, pick in enumerate(picks, start=1)
            for inspector in pick["inspectors"]
        ),
    )


def insert_rows(model, fields: tuple[str, ...], rows) -> None:
    """New rows of `model`, each a tuple of values for `fields` (attribute names), in one go."""
    if USE_POSTGRES_COPY and connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        model.objects.bulk_create(model(**dict(zip(fields, row, strict=True))) for row in rows)


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
    """Run the draw again from its seed and inputs and compare with what is stored; inputs that
    no longer match their digest in the audit log are not run at all."""

    def comparable(pick):
        return (pick["institution"], pick["batch"], round(pick["weight"], 3), pick["inspectors"])

    stored = stored_picks(spot_check)
    if spot_check.inputs_intact() is False:
        # Inputs edited after the draw would reproduce whatever they were edited to give.
        return {
            "matches": False,
            "stored": stored,
            "reproduced": [],
            "errors": [
                gettext("保存的抽取输入与审计日志中的摘要不符：抽取后被改动过，不能据此复核")
            ],
        }
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
