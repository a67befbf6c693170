from django.core.management.base import BaseCommand

from audits.models import CertificateSummary, refresh_summary


class Command(BaseCommand):
    help = "Rebuild the certificate summary the statistics pages read (also nightly by beat)."

    def handle(self, *args, **options):
        refreshed = refresh_summary()
        self.stdout.write(
            f"{CertificateSummary.objects.count()} summary rows, "
            f"certificates issued before {refreshed.covers_until}"
        )
