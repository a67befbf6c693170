from django.apps import AppConfig


class AuditsConfig(AppConfig):
    """Supervision: spot checks, findings, complaints, notices, credit flags and quality reviews.
    The change log they read lives in the core app (skilleval/changelog/)."""

    name = "audits"
    verbose_name = "审计与质量"
