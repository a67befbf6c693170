from django.core.management.base import BaseCommand

from institutions.tasks import invalidate_batches_past_exit_cutoff


class Command(BaseCommand):
    help = "239号 二(二): mark batches that missed their exit cut-off invalid (also run daily by beat)."

    def handle(self, *args, **options):
        count = invalidate_batches_past_exit_cutoff()
        self.stdout.write(f"无效批次 / batches made invalid: {count}")
