from datetime import date

import pytest
import time_machine

from skilleval import rules
from skilleval.models import RuleParameterVersion
from tests.factories import OccupationFactory

pytestmark = pytest.mark.django_db


def evaluate(api, rule_id, facts, as_of="2024-06-01"):
    return api.post(
        f"/api/v1/rules/{rule_id}/evaluate/", {"as_of": as_of, "facts": facts}, format="json"
    )


class TestOccupationEvaluable:
    @pytest.mark.parametrize(
        ("code", "allowed"),
        [
            ("2-02-07-04", False),  # professional/technical: not a skill occupation
            ("3-01-02-05", True),
            ("4-10-01-02", True),
            ("5-01-01-01", True),
            ("6-18-01-01", True),
            ("7-01-00-00", False),  # armed forces
            ("1-01-00-00", False),
            ("6-18-01-01-01", True),  # a 工种 below the occupation
        ],
    )
    def test_only_major_groups_3_to_6_are_evaluable(self, api, code, allowed):
        OccupationFactory(code=code, name="某职业")
        response = evaluate(api, "occupation.evaluable", {"occupation_code": code})
        assert response.status_code == 200
        body = response.json()
        assert body["result"] == {"allowed": allowed}
        assert body["clause"] == "苏人社办函〔2022〕54号 三"
        assert "54号 三" in body["explanation"]["zh"] and "54号 三" in body["explanation"]["en"]

    def test_a_code_not_in_the_catalog_is_not_evaluable(self, api):
        body = evaluate(api, "occupation.evaluable", {"occupation_code": "6-18-01-99"}).json()
        assert body["result"] == {"allowed": False}
        assert "不得擅造职业" in body["explanation"]["zh"]

    def test_it_names_the_fact_when_the_code_is_malformed(self, api):
        response = evaluate(api, "occupation.evaluable", {"occupation_code": "618-01"})
        assert response.status_code == 400
        assert "occupation_code" in response.json()["facts"]
        assert "occupation_code" in response.json()["detail"]["en"]


class TestExitApplicationDeadline:
    @pytest.mark.parametrize(
        ("batch", "received_on", "allowed", "deadline"),
        [
            (1, "2020-09-29", True, "2020-09-30"),
            (1, "2020-09-30", True, "2020-09-30"),  # the cut-off day is inclusive
            (1, "2020-10-01", False, "2020-09-30"),
            (2, "2020-12-31", True, "2020-12-31"),
            (2, "2021-01-01", False, "2020-12-31"),
            (2, "2020-10-01", True, "2020-12-31"),
        ],
    )
    def test_applications_close_after_the_cut_off_day(
        self, api, batch, received_on, allowed, deadline
    ):
        response = evaluate(
            api,
            "exit.application_deadline",
            {"exit_batch": batch, "received_on": received_on},
            as_of=received_on,
        )
        assert response.status_code == 200
        body = response.json()
        assert body["rule"] == "exit.application_deadline"
        assert body["as_of"] == received_on
        assert body["clause"] == "苏人社函〔2020〕239号 二(一)"
        assert body["result"] == {"allowed": allowed, "deadline": deadline}

    def test_it_refuses_an_exit_batch_other_than_1_or_2(self, api):
        response = evaluate(
            api, "exit.application_deadline", {"exit_batch": 3, "received_on": "2020-09-01"}
        )
        assert response.status_code == 400
        assert list(response.json()["facts"]) == ["exit_batch"]

    def test_it_names_a_missing_fact(self, api):
        response = evaluate(api, "exit.application_deadline", {"exit_batch": 1})
        assert response.status_code == 400
        assert list(response.json()["facts"]) == ["received_on"]

    def test_it_names_a_bad_date(self, api):
        response = evaluate(
            api, "exit.application_deadline", {"exit_batch": 1, "received_on": "30/09/2020"}
        )
        assert response.status_code == 400
        assert "received_on" in response.json()["facts"]

    def test_parameters_are_judged_as_of_the_date_asked(self, api):
        # A province admin moved the batch-1 cut-off from 2025-01-01 on; 2020 answers keep the old one.
        RuleParameterVersion.objects.create(
            rule_id="exit.application_deadline",
            effective_from=date(2025, 1, 1),
            parameters={"batch_1_cutoff": "2020-10-15", "batch_2_cutoff": "2020-12-31"},
        )
        facts = {"exit_batch": 1, "received_on": "2020-10-10"}
        old = evaluate(api, "exit.application_deadline", facts, as_of="2020-10-10").json()
        new = evaluate(api, "exit.application_deadline", facts, as_of="2025-01-01").json()
        assert old["result"] == {"allowed": False, "deadline": "2020-09-30"}
        assert new["result"] == {"allowed": True, "deadline": "2020-10-15"}


class TestExitCertificateIssueDeadline:
    @pytest.mark.parametrize(
        ("issue_date", "allowed"),
        [("2021-01-30", True), ("2021-01-31", True), ("2021-02-01", False), ("2022-05-01", False)],
    )
    def test_nothing_is_issued_on_or_after_1_february_2021(self, api, issue_date, allowed):
        body = evaluate(
            api,
            "exit.certificate_issue_deadline",
            {"issue_date": issue_date, "access_type": False},
        ).json()
        assert body["result"] == {"allowed": allowed, "last_day": "2021-01-31"}
        assert body["clause"] == "苏人社函〔2020〕239号 二(三)"
        if not allowed:
            assert "证明" in body["explanation"]["zh"]


class TestTheRuleApi:
    def test_an_unknown_rule_is_a_404(self, api):
        assert evaluate(api, "no.such_rule", {}).status_code == 404
        assert api.get("/api/v1/rules/no.such_rule/").status_code == 404

    def test_the_list_shows_every_rule_with_clause_period_and_parameters(self, api):
        body = api.get("/api/v1/rules/").json()
        by_id = {rule["id"]: rule for rule in body}
        assert set(rules.RULES) <= set(by_id)
        deadline = by_id["exit.application_deadline"]
        assert deadline["clause"] == "苏人社函〔2020〕239号 二(一)"
        assert deadline["valid_from"] == "2020-09-14"
        assert deadline["parameters"] == {
            "batch_1_cutoff": "2020-09-30",
            "batch_2_cutoff": "2020-12-31",
        }
        assert set(deadline["facts"]) == {"exit_batch", "received_on"}

    @time_machine.travel(date(2026, 11, 22))
    def test_as_of_defaults_to_today_in_jiangsu(self, api):
        response = api.post(
            "/api/v1/rules/occupation.evaluable/evaluate/",
            {"facts": {"occupation_code": "6-18-01-01"}},
            format="json",
        )
        assert response.json()["as_of"] == "2026-11-22"

    def test_a_bad_as_of_is_refused_by_name(self, api):
        response = evaluate(
            api, "occupation.evaluable", {"occupation_code": "6-18-01-01"}, as_of="yesterday"
        )
        assert response.status_code == 400
        assert "as_of" in response.json()["errors"]

    def test_the_self_check_is_rate_limited(self, api, monkeypatch):
        from django.core.cache import cache

        from skilleval.api.views import RuleSelfCheckThrottle

        monkeypatch.setattr(
            RuleSelfCheckThrottle, "THROTTLE_RATES", {"rule-self-check": "3/minute"}
        )
        cache.clear()
        codes = [
            evaluate(api, "occupation.evaluable", {"occupation_code": "6-18-01-01"}).status_code
            for _ in range(4)
        ]
        cache.clear()
        assert codes == [200, 200, 200, 429]

    def test_a_rotating_forwarded_header_does_not_lift_the_self_check_limit(self, api, monkeypatch):
        from skilleval.api.views import RuleSelfCheckThrottle

        monkeypatch.setattr(
            RuleSelfCheckThrottle, "THROTTLE_RATES", {"rule-self-check": "2/minute"}
        )
        codes = [
            api.post(
                "/api/v1/rules/occupation.evaluable/evaluate/",
                {"facts": {"occupation_code": "6-18-01-01"}},
                format="json",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            ).status_code
            for n in range(3)
        ]
        assert codes[-1] == 429


class TestParameterVersions:
    @time_machine.travel(date(2026, 11, 22))
    def test_a_province_admin_adds_a_version_from_a_future_date(self, api_as, province_admin):
        response = api_as(province_admin).post(
            "/api/v1/rules/occupation.evaluable/parameters/",
            {
                "effective_from": "2027-01-01",
                "parameters": {"evaluable_major_groups": [3, 4, 5, 6]},
            },
            format="json",
        )
        assert response.status_code == 201
        version = RuleParameterVersion.objects.get(rule_id="occupation.evaluable")
        assert version.created_by == province_admin
        assert version.effective_from == date(2027, 1, 1)

    @time_machine.travel(date(2026, 11, 22))
    def test_a_past_effective_date_is_refused(self, api_as, province_admin):
        response = api_as(province_admin).post(
            "/api/v1/rules/exit.application_deadline/parameters/",
            {"effective_from": "2026-11-21", "parameters": {}},
            format="json",
        )
        assert response.status_code == 400
        assert not RuleParameterVersion.objects.exists()

    @time_machine.travel(date(2026, 11, 22))
    def test_bad_parameters_are_refused_by_name(self, api_as, province_admin):
        response = api_as(province_admin).post(
            "/api/v1/rules/exit.application_deadline/parameters/",
            {"effective_from": "2027-01-01", "parameters": {"batch_1_cutoff": "soon"}},
            format="json",
        )
        assert response.status_code == 400
        assert "batch_1_cutoff" in response.json()["parameters"]

    def test_only_province_admins_may_change_parameters(
        self, api_as, nanjing_staff, province_auditor
    ):
        for user in (nanjing_staff, province_auditor):
            response = api_as(user).post(
                "/api/v1/rules/occupation.evaluable/parameters/",
                {"effective_from": "2099-01-01", "parameters": {}},
                format="json",
            )
            assert response.status_code == 403
        assert not RuleParameterVersion.objects.exists()


def test_domain_code_evaluates_rules_with_python_values():
    decision = rules.evaluate(
        "exit.application_deadline",
        {"exit_batch": 2, "received_on": date(2021, 1, 1)},
        as_of=date(2021, 1, 1),
    )
    assert decision.result == {"allowed": False, "deadline": date(2020, 12, 31)}


class TestStrictInput:
    """Never a 500, never a silent guess: every fact has a range, unknown names are refused."""

    def test_a_huge_number_is_refused_by_name_not_overflowed(self, api):
        response = evaluate(
            api, "batch.volume_surge", {"candidates": 10**400, "usual_candidates": 10}
        )
        assert response.status_code == 400
        assert "candidates" in response.json()["facts"]

    @pytest.mark.parametrize(
        ("rule_id", "facts"),
        [
            ("exit.application_deadline", {"exit_batch": 1, "received_on": "9999-12-31"}),
            ("exit.certificate_issue_deadline", {"issue_date": "0001-01-01", "access_type": False}),
            ("batch.results_publicity", {"publicised_on": "9999-12-31", "on": "2024-06-01"}),
        ],
    )
    def test_a_far_date_is_refused_by_name(self, api, rule_id, facts):
        response = evaluate(api, rule_id, facts)
        assert response.status_code == 400
        far = next(n for n, v in facts.items() if str(v)[:4] in ("9999", "0001"))
        assert far in response.json()["facts"]

    def test_a_far_as_of_date_is_refused_by_name(self, api):
        response = evaluate(
            api,
            "exit.certificate_issue_deadline",
            {"issue_date": "2021-01-01", "access_type": False},
            as_of="9999-12-31",
        )
        assert response.status_code == 400
        assert "as_of" in response.json()["facts"]

    def test_an_unknown_fact_is_refused_instead_of_taking_the_default(self, api):
        response = evaluate(
            api,
            "competition.contestant_eligible",
            {
                "group": "student",
                "pension_months_in_province": 0,
                "hukou_in_province": False,
                "enroled_in_province_school": True,  # the typo
            },
        )
        assert response.status_code == 400
        assert "enroled_in_province_school" in response.json()["facts"]

    def test_an_unknown_parameter_is_refused_by_name(self):
        rule = rules.get_rule("competition.out_of_area_filing")
        with pytest.raises(rules.InvalidParameters) as refused:
            rule.validate_parameters({"organiser_maximum": "0.2"})
        assert "organiser_maximum" in refused.value.errors


class TestCertificateNumbersExactlyAsPrinted:
    VALID = "S000032000123265000001"

    @pytest.mark.parametrize(
        ("number", "valid"),
        [
            (VALID, True),
            (VALID.lower(), False),  # lower-case letters are not the printed number
            (VALID[:-1] + "\uff11", False),  # a full-width "１" is not an ASCII digit
            (VALID[:-1] + "\u0661", False),  # nor is an Arabic-Indic digit
            (VALID + "\n", False),  # nothing after the number, not even a newline
            (" " + VALID, False),
        ],
    )
    def test_only_ascii_digits_and_capitals_as_printed_are_valid(self, number, valid):
        decision = rules.evaluate(
            "certificate.number_format", {"kind": "skill_level", "number": number}
        )
        assert decision.result["valid"] is valid


class TestAvoidanceFollowsTheRegionHierarchy:
    def may_inspect(self, inspector_city, entity_city):
        facts = {"inspector_city": inspector_city, "entity_city": entity_city}
        return rules.evaluate("audit.inspector_may_inspect", facts).result["allowed"]

    def test_an_inspector_from_a_county_stands_aside_for_the_whole_city(self):
        assert self.may_inspect("320115", "320100") is False  # 江宁区 → 南京市
        assert self.may_inspect("320100", "320102") is False  # 南京市 → 玄武区
        assert self.may_inspect("320115", "320102") is False  # two counties of 南京
        assert self.may_inspect("320583", "320500") is False  # 昆山市 is in 苏州市
        assert self.may_inspect("320115", "320500") is True

    @pytest.mark.parametrize("code", ["110000", "329999", "32010", "abc"])
    def test_a_region_outside_jiangsu_is_refused_by_name(self, api, code):
        response = evaluate(
            api, "audit.inspector_may_inspect", {"inspector_city": code, "entity_city": "320100"}
        )
        assert response.status_code == 400
        assert list(response.json()["facts"]) == ["inspector_city"]


@pytest.mark.parametrize(
    ("as_of", "certificate"),
    [("2021-01-31", "vocational_qualification"), ("2021-02-01", None)],
)
def test_the_batch_2_graduate_route_gives_no_qualification_certificate_from_february_2021(
    as_of, certificate
):
    decision = rules.evaluate("exit.graduate_route", {"exit_batch": 2}, date.fromisoformat(as_of))
    assert decision.result["certificate"] == certificate
