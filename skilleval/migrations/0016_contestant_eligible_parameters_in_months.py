from decimal import ROUND_DOWN, Decimal

from django.db import migrations

RULE = "competition.contestant_eligible"


# The rule's parameter is months now (54号 一 "一年以上" = 12 months): stored versions follow,
# so a version effective in the past keeps being read by the rule instead of being refused.
def years_into_months(apps, schema_editor):
    RuleParameterVersion = apps.get_model("skilleval", "RuleParameterVersion")
    for version in RuleParameterVersion.objects.filter(rule_id=RULE):
        parameters = dict(version.parameters)
        if "min_pension_years" in parameters:
            years = Decimal(str(parameters.pop("min_pension_years")))
            parameters["min_pension_months"] = int(
                (years * 12).to_integral_value(rounding=ROUND_DOWN)
            )
            RuleParameterVersion.objects.filter(pk=version.pk).update(parameters=parameters)


def months_into_years(apps, schema_editor):
    RuleParameterVersion = apps.get_model("skilleval", "RuleParameterVersion")
    for version in RuleParameterVersion.objects.filter(rule_id=RULE):
        parameters = dict(version.parameters)
        if "min_pension_months" in parameters:
            months = parameters.pop("min_pension_months")
            parameters["min_pension_years"] = str(
                (Decimal(months) / 12).quantize(Decimal("0.1"), ROUND_DOWN)
            )
            RuleParameterVersion.objects.filter(pk=version.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [("skilleval", "0015_change_log_from_audits")]

    operations = [migrations.RunPython(years_into_months, months_into_years)]
