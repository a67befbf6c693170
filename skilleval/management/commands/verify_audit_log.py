from django.core.management.base import BaseCommand, CommandError

from skilleval.changelog import chain
from skilleval.changelog.archive import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit log's keyed hash chain and that every signed checkpoint outside the "
        "database still matches it; report the first problem and exit non-zero."
    )

    def handle(self, *args, **options):
        checked, problem = verify_chain()
        if problem:
            raise CommandError(
                f"审计日志校验失败 / Audit log broken: {problem} ({checked} entries intact)"
            )
        checkpoints, _ = chain.read_checkpoints()
        if not checkpoints:
            self.stderr.write(
                self.style.WARNING(
                    f"尚无检查点 / No checkpoints in {chain.checkpoint_path()}: removal of the "
                    "newest entries cannot be detected (manage.py audit_checkpoint)"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志完整 / Audit log intact: {checked} entries, "
                f"{len(checkpoints)} checkpoints matched"
            )
        )
