"""双随机: reproducible draws that never send an inspector to their own city or institution."""

import hashlib
import json
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import draws
from audits.choices import Population
from audits.draws import draw, draw_from, reproduce, reproduction, stored_picks
from audits.models import Complaint, Inspector, SpotCheck
from audits.models.supervision import json_digest
from skilleval.models import AuditEntry
from tests.factories import InstitutionFactory, approved_filing, occupation_with_resources, region
from tests.inspections import CITIES, inspector_in_every_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    lathe = occupation_with_resources()
    institutions = []
    for n, county in enumerate(
        ["320115", "320106", "320508", "320583", "320213", "320311", "320411", "321002"]
    ):
        institution = InstitutionFactory(name=f"机构{n}", county=region(county))
        approved_filing(institution, [(lathe, 4)])
        institutions.append(institution)
    return institutions


@pytest.fixture
def pool(catalog):
    inspectors = inspector_in_every_city()
    # One inspector works at a Nanjing institution: never sent there.
    Inspector.objects.create(name="机构内检查员", city=region("320500"), institution=catalog[0])
    return inspectors


def test_the_draw_is_reproduced_from_its_seed_and_inputs(pool, catalog, province_auditor):
    spot_check = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.3")
    )
    stored = [
        {
            "institution": e.institution_id,
            "batch": None,
            "weight": float(e.weight),
            "inspectors": sorted(e.inspectors.values_list("pk", flat=True)),
        }
        for e in spot_check.entities.all()
    ]
    assert reproduce(spot_check) == stored
    assert spot_check.sample_size == 3  # 8 × 0.3 = 2.4, rounded up


def test_the_same_seed_gives_the_same_draw_and_another_seed_may_not(
    pool, catalog, province_auditor
):
    first = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5"), seed="abc"
    )
    again = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5"), seed="abc"
    )
    ids = lambda sc: [e.institution_id for e in sc.entities.all()]  # noqa: E731
    assert ids(first) == ids(again)


def test_at_least_one_entity_is_drawn(pool, catalog, province_auditor):
    assert (
        draw(
            user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.01")
        ).sample_size
        == 1
    )


def test_too_few_inspectors_is_a_clear_error(catalog, province_auditor):
    Inspector.objects.create(name="南京检查员", city=region("320100"))
    Inspector.objects.create(name="苏州检查员", city=region("320500"))
    with pytest.raises(ValidationError, match="检查人员库不足"):
        draw(user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal(1))


def test_only_province_auditors_draw(pool, nanjing_staff):
    with pytest.raises(PermissionDenied):
        draw(user=nanjing_staff, population=Population.INSTITUTIONS, ratio=Decimal("0.5"))


def test_a_redraw_is_a_new_draw_with_a_reason(pool, catalog, province_auditor):
    first = draw(user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5"))
    with pytest.raises(ValidationError):
        draw(
            user=province_auditor,
            population=Population.INSTITUTIONS,
            ratio=Decimal("0.5"),
            replaces=first,
        )
    second = draw(
        user=province_auditor,
        population=Population.INSTITUTIONS,
        ratio=Decimal("0.5"),
        replaces=first,
        redraw_reason="检查人员回避变更",
    )
    assert second.pk != first.pk and first.replaced_by == second


def test_complaints_weigh_an_institution_up(pool, catalog, province_auditor):
    for _ in range(5):
        Complaint.objects.create(
            target_type="institution",
            target_description="x",
            institution=catalog[3],
            content="违规",
        )
    spot_check = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.2")
    )
    weights = dict(
        zip(
            (row[0] for row in spot_check.inputs["population"]),
            spot_check.inputs["weights"],
            strict=True,
        )
    )
    assert weights[catalog[3].pk] == 6.0 and weights[catalog[0].pk] == 1.0


@settings(max_examples=200, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=8),
    entities=st.lists(st.integers(1, 30), min_size=1, max_size=40),
    inspectors=st.lists(
        st.tuples(st.sampled_from(CITIES), st.one_of(st.none(), st.integers(1, 30))),
        min_size=2,
        max_size=40,
    ),
    size=st.integers(1, 10),
)
def test_no_inspector_is_ever_sent_to_their_own_city_or_institution(
    seed, entities, inspectors, size
):
    inputs = {
        # An institution is in one city: derive the city from its id.
        "population": [[inst, None, CITIES[inst % 13]] for inst in entities],
        "weights": [1.0 + random.Random(i).random() for i in range(len(entities))],
        "inspectors": [[n, city, inst] for n, (city, inst) in enumerate(inspectors)],
    }
    by_id = {row[0]: row for row in inputs["inspectors"]}
    try:
        picks = draw_from(inputs, seed, min(size, len(entities)), 2)
    except ValidationError:
        return  # the pool could not staff an entity: refused, never a conflict
    for pick in picks:
        city = CITIES[pick["institution"] % 13]
        assert len(pick["inspectors"]) == 2
        for inspector in pick["inspectors"]:
            assert by_id[inspector][1] != city
            assert by_id[inspector][2] != pick["institution"]
    assert draw_from(inputs, seed, min(size, len(entities)), 2) == picks  # reproducible


def test_the_draw_picks_the_largest_efraimidis_spirakis_keys_as_before():
    """Faster selection, same draw: the entities are those with the largest keys u^(1/w) drawn
    in population order from the seed, exactly as a full sort of every key picks them."""
    rows = 5_000
    inputs = {
        "population": [[n % 97 + 1, n + 1, CITIES[n % 13]] for n in range(rows)],
        "weights": [1.0 + (n % 7) * 1.5 for n in range(rows)],
        "inspectors": [[n + 1, CITIES[n % 13], None] for n in range(40)],
    }
    seed = "9f2c"
    rng = random.Random(seed)
    keys = [(rng.random() ** (1.0 / w), index) for index, w in enumerate(inputs["weights"])]
    expected = [inputs["population"][i][1] for _, i in sorted(keys, reverse=True)[:250]]
    picks = draw_from(inputs, seed, 250, 2)
    assert [pick["batch"] for pick in picks] == expected


def test_a_draw_recorded_before_this_code_is_drawn_the_same():
    """Golden value: the digest of these picks was taken with the draw as it was before the
    population became tuples and the keys lost their indices. Old draws must reproduce."""
    inputs = {
        "population": [[n % 37 + 1, n + 1, CITIES[(n % 37 + 1) % 13]] for n in range(600)],
        "weights": [1.0 + (n % 5) * 1.0 + (n % 3) * 2.0 for n in range(600)],
        "inspectors": [
            [n + 1, CITIES[n % 13], (n % 37 + 1) if n % 4 == 0 else None] for n in range(45)
        ],
    }
    picks = draw_from(inputs, "golden-seed", 60, 3)
    text = json.dumps(picks, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "8450a0b85e544153bebfdca55016e2118e472c1c5192b0ad44aa273ee76ceef2"
    )
    assert picks[0] == {"institution": 30, "batch": 252, "weight": 6.0, "inspectors": [1, 26, 41]}


def test_equal_keys_go_to_the_later_entity_as_before():
    """A huge weight makes u^(1/w) exactly 1.0 for every entity: the tie is broken as comparing
    (key, index) pairs broke it, the later entity first."""
    inputs = {
        "population": [[1, n + 1, CITIES[0]] for n in range(10)],
        "weights": [1e300] * 10,
        "inspectors": [[n + 1, CITIES[5], None] for n in range(4)],
    }
    assert [pick["batch"] for pick in draw_from(inputs, "t", 4, 1)] == [10, 9, 8, 7]


def test_the_audit_log_keeps_the_digest_of_the_stored_inputs_not_the_inputs(
    pool, catalog, province_auditor
):
    spot_check = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5")
    )
    logged = AuditEntry.objects.get(object_type="audits.spotcheck", object_id=str(spot_check.pk))
    assert "inputs" not in logged.after
    stored = SpotCheck.objects.get(pk=spot_check.pk)
    assert logged.after["inputs_sha256"] == stored.inputs_sha256 == json_digest(stored.inputs)
    assert stored.inputs_intact() is True
    assert len(stored.inputs["population"]) == 8
    # A changed input no longer matches the digest in the hash-chained log, and the draw is not
    # reproduced from it.
    stored.inputs["weights"][0] = 9.0
    assert stored.inputs_intact() is False
    SpotCheck.objects.filter(pk=stored.pk).update(inputs=stored.inputs)
    result = reproduction(SpotCheck.objects.get(pk=stored.pk))
    assert not result["matches"] and "摘要不符" in result["errors"][0]


def test_the_drawn_entities_are_logged_by_the_digest_of_what_is_stored(
    pool, catalog, province_auditor
):
    spot_check = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5")
    )
    logged = AuditEntry.objects.get(
        object_type="audits.spotcheckentity", object_id=f"spot_check:{spot_check.pk}"
    )
    assert logged.after == {"count": 4, "picks_sha256": json_digest(stored_picks(spot_check))}
    assert logged.after["picks_sha256"] == json_digest(reproduce(spot_check))


def test_a_draw_recorded_before_digests_still_reproduces(pool, catalog, province_auditor):
    spot_check = draw(
        user=province_auditor, population=Population.INSTITUTIONS, ratio=Decimal("0.5")
    )
    SpotCheck.objects.filter(pk=spot_check.pk).update(inputs_sha256="")
    old = SpotCheck.objects.get(pk=spot_check.pk)
    assert old.inputs_intact() is None
    assert reproduction(old)["matches"]


def test_a_spot_check_made_without_the_draw_gets_its_digest_too(catalog, province_auditor):
    inputs = {"population": [[catalog[0].pk, None, "320100"]], "weights": [1.0], "inspectors": []}
    spot_check = SpotCheck.objects.create(
        population=Population.INSTITUTIONS,
        ratio=Decimal("0.5"),
        seed="s",
        inputs=inputs,
        population_size=1,
        sample_size=1,
        inspectors_per_entity=0,
        drawn_by=province_auditor,
    )
    spot_check.refresh_from_db()
    assert spot_check.inputs == inputs and spot_check.inputs_intact() is True


def test_copy_writes_exactly_the_rows_bulk_create_writes(
    on_postgres, pool, catalog, province_auditor, monkeypatch
):
    def rows(spot_check):
        return [
            (
                e.position,
                e.institution_id,
                e.batch_id,
                e.weight,
                sorted(i.pk for i in e.inspectors.all()),
            )
            for e in spot_check.entities.order_by("position").prefetch_related("inspectors")
        ]

    arguments = {
        "user": province_auditor,
        "population": Population.INSTITUTIONS,
        "ratio": Decimal("0.5"),
        "seed": "same",
    }
    copied = draw(**arguments)
    monkeypatch.setattr(draws, "USE_POSTGRES_COPY", False)
    created = draw(**arguments)
    assert rows(copied) == rows(created) and len(rows(copied)) == 4
    assert reproduction(copied)["matches"] and reproduction(created)["matches"]
