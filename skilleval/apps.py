from django.apps import AppConfig


class SkillevalConfig(AppConfig):
    """Users and roles, reference data (regions, levels, occupations), the rule engine, jobs."""

    name = "skilleval"
    verbose_name = "技能人才评价"

    def ready(self):
        # Rules register themselves on import.
        from skilleval import rules, signals  # noqa: F401
        from skilleval.changelog import signals as changelog

        signals.connect()
        changelog.connect()
