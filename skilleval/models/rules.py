from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RuleParameterVersionManager(models.Manager):
    def add_version(self, rule, effective_from, parameters: dict, *, note="", user=None):
        """A province admin sets new parameters from a date on. Past dates are refused so that
        decisions already taken keep the parameters they were taken under."""
        from skilleval.rules.engine import InvalidParameters, local_today

        if effective_from < local_today():
            raise InvalidParameters({"effective_from": [gettext("生效日期不得早于今天")]})
        validated = rule.validate_parameters(parameters)
        return self.create(
            rule_id=rule.id,
            effective_from=effective_from,
            parameters=rule.parameters_as_json(validated),
            note=note,
            created_by=user,
        )


class RuleParameterVersion(models.Model):
    """A version of one rule's parameters (deadlines, thresholds, ratios), in force from a date.

    The version in force on a day is the one with the latest effective_from on or before it;
    before the first version a rule uses the defaults it declares in code.
    """

    rule_id = models.CharField(_("规则"), max_length=80)
    effective_from = models.DateField(_("生效日期"))
    parameters = models.JSONField(_("参数"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RuleParameterVersionManager()

    class Meta:
        ordering = ["rule_id", "-effective_from"]
        verbose_name = _("规则参数版本")
        verbose_name_plural = _("规则参数版本")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "effective_from"],
                name="rule_parameters_one_version_per_day",
                violation_error_message=_("该规则在此日期已有参数版本"),
            )
        ]

    def __str__(self):
        return f"{self.rule_id} @ {self.effective_from}"
