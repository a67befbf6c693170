"""The rules of issue 3 at their boundaries, through the public self-check API."""

import pytest
from django.db import IntegrityError, transaction

from institutions.choices import InstitutionKind
from tests.factories import InstitutionFactory, OccupationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog():
    """The occupations these rules are asked about are in the catalog (54号 三: no invented ones);
    车工 defines levels 1–5, 制冷工 only 3–5."""
    OccupationFactory(code="6-18-01-01", name="车工", levels=(1, 2, 3, 4, 5))
    OccupationFactory(code="3-01-02-02", name="秘书", levels=(1, 2, 3, 4, 5))
    OccupationFactory(code="6-31-01-03", name="制冷工", levels=(3, 4, 5))


def decide(api, rule_id, facts, as_of="2024-06-01"):
    response = api.post(
        f"/api/v1/rules/{rule_id}/evaluate/", {"as_of": as_of, "facts": facts}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def scope(
    kind, code="6-18-01-01", level=4, national=False, bank=False, spec=False, enterprise=False
):
    return {
        "institution_kind": kind,
        "occupation_code": code,
        "level": level,
        "has_national_standard": national,
        "has_question_bank": bank,
        "has_provincial_spec": spec,
        "has_enterprise_spec": enterprise,
    }


class TestScopeAllows:
    @pytest.mark.parametrize("kind", ["social_org", "technical_school", "appraisal_centre"])
    @pytest.mark.parametrize(
        ("national", "bank", "spec", "allowed"),
        [
            (True, True, False, True),
            (False, False, True, True),
            (True, False, False, False),  # a standard without a question bank is not enough
            (False, True, False, False),
            (False, False, False, False),
            (True, True, True, True),
        ],
    )
    def test_a_third_party_needs_standard_and_bank_or_a_provincial_spec(
        self, api, kind, national, bank, spec, allowed
    ):
        body = decide(
            api, "institution.scope_allows", scope(kind, national=national, bank=bank, spec=spec)
        )
        assert body["result"] == {"allowed": allowed}
        assert body["clause"] == "苏人社办函〔2022〕54号 三"

    @pytest.mark.parametrize(
        ("national", "enterprise", "allowed"),
        [(True, False, True), (False, True, True), (False, False, False)],
    )
    def test_an_employer_needs_the_national_standard_or_a_filed_enterprise_specification(
        self, api, national, enterprise, allowed
    ):
        facts = scope("employer", national=national, enterprise=enterprise)
        assert decide(api, "institution.scope_allows", facts)["result"] == {"allowed": allowed}

    @pytest.mark.parametrize("kind", ["employer", "social_org"])
    def test_an_occupation_not_in_the_catalog_is_refused_as_invented(self, api, kind):
        facts = scope(kind, code="6-18-01-99", national=True, bank=True)
        body = decide(api, "institution.scope_allows", facts)
        assert body["result"] == {"allowed": False}
        assert "不得擅造职业" in body["explanation"]["zh"]

    def test_a_level_the_standard_does_not_define_is_refused_as_added(self, api):
        facts = scope("social_org", code="6-31-01-03", level=2, national=True, bank=True)
        body = decide(api, "institution.scope_allows", facts)
        assert body["result"] == {"allowed": False}
        assert "不得擅加职业技能等级" in body["explanation"]["zh"]

    @pytest.mark.parametrize("kind", ["employer", "social_org"])
    @pytest.mark.parametrize(
        ("code", "allowed"),
        [("2-02-07-04", False), ("3-01-02-02", True), ("6-31-01-03", True), ("7-01-00-00", False)],
    )
    def test_only_major_groups_3_to_6_whoever_asks(self, api, kind, code, allowed):
        facts = scope(kind, code=code, national=True, bank=True)
        assert decide(api, "institution.scope_allows", facts)["result"] == {"allowed": allowed}

    @pytest.mark.parametrize("level", [0, 6, "四"])
    def test_a_level_outside_1_to_5_is_a_bad_fact(self, api, level):
        response = api.post(
            "/api/v1/rules/institution.scope_allows/evaluate/",
            {"facts": scope("employer", level=level)},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()["facts"]) == ["level"]

    def test_an_unknown_kind_is_a_bad_fact(self, api):
        response = api.post(
            "/api/v1/rules/institution.scope_allows/evaluate/",
            {"facts": scope("ministry")},
            format="json",
        )
        assert response.status_code == 400 and "institution_kind" in response.json()["facts"]


class TestEligibleAsSocialOrg:
    @pytest.mark.parametrize(
        ("department", "owned", "decoupled", "non_professional", "allowed"),
        [
            (False, False, None, False, True),  # not an association
            (False, False, True, False, True),  # a decoupled professional association
            (False, False, False, False, False),  # an association still tied to its department
            (False, False, True, True, False),  # decoupled, but not a professional association
            (True, False, None, False, False),
            (False, True, None, False, False),
            (True, True, False, True, False),
        ],
    )
    def test_41_2_1(self, api, department, owned, decoupled, non_professional, allowed):
        body = decide(
            api,
            "institution.eligible_as_social_org",
            {
                "is_government_department": department,
                "owned_by_government": owned,
                "association_decoupled": decoupled,
                "non_professional_association": non_professional,
            },
        )
        assert body["result"] == {"allowed": allowed}
        assert body["clause"] == "中就培函〔2020〕41号 二(一)"

    def test_association_decoupled_must_be_given_even_if_null(self, api):
        response = api.post(
            "/api/v1/rules/institution.eligible_as_social_org/evaluate/",
            {"facts": {"is_government_department": False, "owned_by_government": False}},
            format="json",
        )
        assert response.status_code == 400 and sorted(response.json()["facts"]) == [
            "association_decoupled",
            "non_professional_association",
        ]


class TestBranchAnnounced:
    @pytest.mark.parametrize(
        ("on", "may_run"),
        [("2024-03-01", False), ("2024-03-05", False), ("2024-03-06", True)],
    )
    def test_a_branch_runs_nothing_during_its_five_day_announcement(self, api, on, may_run):
        body = decide(api, "institution.branch_announced", {"announced_on": "2024-03-01", "on": on})
        assert body["result"] == {"may_run": may_run, "announcement_ends": "2024-03-05"}

    def test_a_branch_never_announced_may_not_run(self, api):
        body = decide(
            api, "institution.branch_announced", {"announced_on": None, "on": "2024-03-06"}
        )
        assert body["result"]["may_run"] is False


def test_the_database_refuses_a_non_professional_association_as_a_social_org(db):
    # 41号 二(一) is about social training evaluation organisations only.
    employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER, non_professional_association=True)
    with transaction.atomic(), pytest.raises(IntegrityError):
        InstitutionFactory(kind=InstitutionKind.SOCIAL_ORG, non_professional_association=True)
    assert employer.pk
