"""Rule ids are names other systems use (the self-check API, stored parameter versions, audit
signals): callers refer to them through the rule classes, and their values never change."""

import re
from pathlib import Path

from skilleval import rules

# As published in the README's rule table and /api/v1/rules/.
PUBLISHED_IDS = {
    "occupation.evaluable",
    "institution.scope_allows",
    "institution.eligible_as_social_org",
    "institution.branch_announced",
    "exit.application_deadline",
    "exit.batch_valid_at_cutoff",
    "exit.certificate_issue_deadline",
    "exit.graduate_route",
    "exit.rush_before_cutoff",
    "exit.invalidated_batch_remedy",
    "batch.question_source",
    "batch.volume_surge",
    "batch.results_publicity",
    "batch.step_after_exam",
    "certificate.number_format",
    "competition.contestant_eligible",
    "competition.out_of_area_filing",
    "competition.cross_region_filing",
    "competition.fees_allowed",
    "competition.certificate_issuer",
    "competition.direct_recognition",
    "honour.direct_recognition",
    "audit.sample_size",
    "audit.inspector_may_inspect",
    "complaint.outcome_publishable",
}


def test_the_registered_rules_keep_their_published_ids():
    assert set(rules.RULES) == PUBLISHED_IDS


def test_each_rule_is_registered_under_its_own_id():
    assert all(rule.id == rule_id for rule_id, rule in rules.RULES.items())


def test_the_readme_rule_table_lists_every_rule_with_its_facts():
    """The README's table is what people read: every rule, none else, each with all its facts."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    readme = readme.split("### The rule engine", 1)[1].split("\n### ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z_.]+)` \| [^|]+ \| (.+) \|$", readme, re.MULTILINE))
    assert set(rows) == PUBLISHED_IDS
    for rule_id, rule in rules.RULES.items():
        listed = set(re.findall(r"\b[a-z_]+\b", re.sub(r"\(.*?\)", "", rows[rule_id])))
        assert set(rule.fact_names()) == listed, rule_id
