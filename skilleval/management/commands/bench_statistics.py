"""Benchmark the statistics pages (issue 15): with 1,000,000 certificates every statistics page
answers in ≤ 300 ms at p95.

    manage.py bench_statistics --certificates 1000000 --batches 5000 --institutions 1000 \
        [--requests 20] [--keep]

The data are bench_quality_review's (INSERT … SELECT over a number series), spread over the last
24 months. Each statistics page, its chart and the quarterly report are requested --requests times
through the Django test client (the whole middleware stack, one process, no network) as the
province admin, a city's staff and an institution's staff, and p50/p95 per page are printed with
the load average. Run it against PostgreSQL on a scratch database; the generated rows, marked as
bench_quality_review marks them, are deleted afterwards unless --keep.
"""

import os
import time
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from django.urls import reverse
from django.utils import timezone

from audits.models import refresh_summary
from audits.statistics import VIEWS, months_before
from institutions.models import Institution
from skilleval.choices import Role
from skilleval.management.commands import bench_quality_review
from skilleval.management.commands.bench_lookup import percentile
from skilleval.models import Region, User

TARGET_MS = 300
BENCH_USERS = ("bench-statistics-province", "bench-statistics-city", "bench-statistics-institution")


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Command(bench_quality_review.Command):
    help = "Generate 24 months of certificates and time every statistics page (p50/p95)."

    def add_arguments(self, parser):
        parser.add_argument("--certificates", type=int, default=1_000_000)
        parser.add_argument("--batches", type=int, default=5_000)
        parser.add_argument("--institutions", type=int, default=1_000)
        parser.add_argument("--requests", type=int, default=20)
        parser.add_argument("--keep", action="store_true", help="keep the generated data")

    def handle(self, *args, certificates, batches, institutions, requests, keep, **options):
        if min(certificates, batches, institutions, requests) < 1 or batches < institutions:
            raise CommandError("all sizes must be positive and --batches ≥ --institutions")
        if Institution.objects.filter(name__startswith=bench_quality_review.MARK).exists():
            self.stdout.write("removing the data of an earlier run that was kept …")
            User.objects.filter(username__in=BENCH_USERS).delete()
            self._clean()
        today = timezone.localdate()
        start = months_before(today.replace(day=1), 23)
        self.steps = {}
        started = time.perf_counter()
        with transaction.atomic():
            self._generate(certificates, batches, institutions, start, today - timedelta(days=1))
        generation = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        started = time.perf_counter()
        refresh_summary()  # what the nightly beat task does
        refreshing = time.perf_counter() - started

        users = self._users()
        year, quarter = (
            (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
        )
        pages = [("index", reverse("statistics"), {})]
        for view in VIEWS:
            pages.append((view, reverse("statistics-view", args=[view]), {}))
            pages.append((f"{view} chart", reverse("statistics-chart", args=[view]), {}))
        quarter_query = {"year": year, "quarter": quarter}
        pages.append(("quarterly", reverse("statistics-quarterly"), quarter_query))

        self.stdout.write(
            f"database {connection.vendor}; {certificates:,} certificates, {batches:,} batches, "
            f"{institutions:,} institutions; generated in {generation:.1f} s; "
            f"summary refreshed in {refreshing:.1f} s; "
            f"{requests} requests per page and user"
        )
        self.stdout.write(f"load average before: {loadavg()}")
        self.stdout.write(f"{'page':<22}{'user':<14}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        slow = []
        setup_test_environment()
        with override_settings(TWO_FACTOR_REQUIRED=False):
            for role, user in users.items():
                client = Client()
                client.force_login(user)
                for name, url, query in pages:
                    client.get(url, query)  # the first request warms the caches
                    times = []
                    for _ in range(requests):
                        started = time.perf_counter()
                        response = client.get(url, query)
                        times.append((time.perf_counter() - started) * 1000)
                        if response.status_code != 200:
                            raise CommandError(f"{url} answered {response.status_code} to {role}")
                    times.sort()
                    p95 = percentile(times, 95)
                    self.stdout.write(
                        f"{name:<22}{role:<14}{percentile(times, 50):>9.0f}{p95:>9.0f}"
                        f"{times[-1]:>9.0f}"
                    )
                    if p95 > TARGET_MS:
                        slow.append(f"{name} ({role})")
        self.stdout.write(f"load average after: {loadavg()}")
        if slow:
            self.stdout.write(self.style.WARNING(f"above {TARGET_MS} ms at p95: {', '.join(slow)}"))
        # The audit log keeps their entries (it names actors without a foreign key constraint).
        User.objects.filter(username__in=BENCH_USERS).delete()
        if not keep:
            self._clean()
            self.stdout.write("generated data deleted (use --keep to keep them)")

    def _users(self) -> dict:
        institution = Institution.objects.filter(
            name__startswith=bench_quality_review.MARK
        ).earliest("pk")
        city = Region.objects.get(pk=institution.city_id)
        makes = [
            ("province", BENCH_USERS[0], {"role": Role.PROVINCE_ADMIN}),
            ("city", BENCH_USERS[1], {"role": Role.CITY_STAFF, "city": city}),
            (
                "institution",
                BENCH_USERS[2],
                {"role": Role.INSTITUTION_STAFF, "institution": institution},
            ),
        ]
        users = {}
        for role, username, fields in makes:
            users[role], _ = User.objects.update_or_create(
                username=username,
                defaults={**fields, "is_active": True, "must_change_password": False},
            )
        return users
