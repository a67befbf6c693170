from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """Evaluation institutions, their filings and the public catalog."""

    name = "institutions"
    verbose_name = "评价机构"
