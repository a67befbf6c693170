from django.core.management.base import BaseCommand, CommandError

from audits.models import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain; report the first broken link and exit non-zero."

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if problem:
            raise CommandError(
                f"审计日志校验失败 / Audit log broken: {problem} ({checked} entries intact)"
            )
        self.stdout.write(self.style.SUCCESS(f"审计日志完整 / Audit log intact: {checked} entries"))
