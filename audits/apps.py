from django.apps import AppConfig


class AuditsConfig(AppConfig):
    """The append-only audit log; later spot checks, quality reviews and complaints."""

    name = "audits"
    verbose_name = "审计与质量"

    def ready(self):
        from audits import signals

        signals.connect()
