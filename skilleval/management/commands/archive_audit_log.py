from django.core.management.base import BaseCommand, CommandError

from skilleval.changelog.archive import archive, purge_archived, verify_archives


class Command(BaseCommand):
    help = (
        "Write audit entries older than AUDIT_ONLINE_DAYS to a signed archive file; with --purge "
        "(as the owner of the tables) delete what the verified archives hold; with --verify only "
        "check the archive files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--purge", action="store_true")
        parser.add_argument("--verify", action="store_true")

    def handle(self, *args, purge=False, verify=False, **options):
        if not verify:
            written = archive()
            self.stdout.write(
                f"archived to {written}" if written else "nothing old enough to archive"
            )
        checked, problem = verify_archives()
        if problem:
            raise CommandError(f"archives do not verify after {checked} entries: {problem}")
        self.stdout.write(self.style.SUCCESS(f"archives verify: {checked} entries"))
        if purge:
            self.stdout.write(f"deleted {purge_archived()} archived entries from the database")
