from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    """Vocational skill competitions, contestants, filings and direct recognition."""

    name = "competitions"
    verbose_name = "职业技能竞赛"
