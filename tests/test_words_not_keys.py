"""Stored values reach people as words in their language, never as internal keys: fees, filing
materials, rule parameters and who set them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from institutions.models import Filing
from skilleval import rules
from skilleval.models import RuleParameterVersion
from skilleval.rules.engine import local_today

pytestmark = pytest.mark.django_db


def test_a_charged_fee_is_named_in_words_in_both_languages():
    decision = rules.evaluate(
        "competition.fees_allowed",
        {"fees": [{"name": "报名费", "amount": "200"}, {"name": "证书费", "amount": "30"}]},
    )
    assert "现收取：报名费 200.00 元、证书费 30.00 元" in decision.zh
    assert "报名费 200.00 yuan, 证书费 30.00 yuan" in decision.en


def test_missing_filing_materials_are_named_in_words(nanjing_institution, alice):
    filing = Filing.objects.open_draft(nanjing_institution, user=alice)

    with translation.override("zh-hans"):
        [missing] = [p for p in filing.problems_before_decision() if "材料不全" in p]
    with translation.override("en"):
        [in_english] = [p for p in filing.problems_before_decision() if "Missing" in p]

    assert "职业技能等级认定工作方案" in missing and "Work plan" not in missing
    assert "Work plan" in in_english and "职业技能等级认定工作方案" not in in_english
    assert "work_plan" not in missing + in_english and "exam_management" not in missing


@pytest.fixture
def version(province_admin):
    rule = rules.get_rule("batch.results_publicity")
    return RuleParameterVersion.objects.add_version(
        rule, local_today(), {"working_days": 7}, note="演示", user=province_admin
    )


def test_the_public_rule_page_names_parameters_and_hides_who_set_them(client, version):
    page = client.get(reverse("rule-detail", args=["batch.results_publicity"])).content.decode()

    assert "公示工作日数：7" in page
    assert "working_days" not in page and "{'" not in page
    assert version.created_by.username not in page
    assert "省级管理员" in page  # the role of whoever set it


def test_the_rule_list_names_parameters_in_english_too(client, version, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("rule-list")).content.decode()

    assert "Working days of publicity" in page and "working_days" not in page


def test_a_past_effective_date_is_refused_next_to_its_field_not_by_its_key(client, province_admin):
    client.force_login(province_admin)
    yesterday = local_today() - timedelta(days=1)

    page = client.post(
        reverse("rule-detail", args=["batch.results_publicity"]),
        {"version": "1", "effective_from": yesterday, "parameters": '{"working_days": 7}'},
    )

    assert "生效日期不得早于今天" in page.content.decode()
    assert "effective_from:" not in page.content.decode()
    assert page.context["version_form"].errors["effective_from"]


def test_an_unknown_parameter_value_error_names_the_parameter_in_words(client, province_admin):
    client.force_login(province_admin)

    page = client.post(
        reverse("rule-detail", args=["batch.results_publicity"]),
        {
            "version": "1",
            "effective_from": date.today() + timedelta(days=3),
            "parameters": '{"working_days": 99}',
        },
    ).content.decode()

    assert "公示工作日数：" in page and "working_days:" not in page


def test_the_dashboard_names_what_changed_in_words(client, province_admin, nanjing_institution):
    client.force_login(province_admin)

    page = client.get(reverse("dashboard")).content.decode()

    assert "评价机构" in page and "institutions.institution" not in page
