from django.core.management.base import BaseCommand

from skilleval.changelog import chain
from skilleval.changelog.archive import write_checkpoint


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the audit log's end (number, hash, count, time) to "
        "AUDIT_CHECKPOINT_PATH, outside the database. Celery beat does this every 15 minutes."
    )

    def handle(self, *args, **options):
        checkpoint = write_checkpoint()
        self.stdout.write(
            f"检查点 / Checkpoint: #{checkpoint.seq} {checkpoint.hash[:16]} "
            f"({checkpoint.count} entries) -> {chain.checkpoint_path()}"
        )
