"""Benchmark the 双随机 draw over a large population of batches (target: 100,000 batches ≤ 0.2 s).

It times `audits.draws.draw`, the function the page and the API call, from reading the population
to the commit, with DEBUG off as in production (DEBUG keeps every statement's SQL, megabytes of
inputs among them). The last draw is reproduced afterwards, untimed, to show it still matches.
The load average is printed: on a shared machine the figure means little without it.

Run it on a scratch database: the generated institutions and batches are bulk-inserted (so the
audit log does not record them) and kept for the next run.
"""

import os
import resource
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from audits.choices import Population
from audits.draws import draw, reproduction
from audits.models import Inspector
from institutions.choices import BatchStatus, EvaluationType, QuestionSource
from institutions.models import Batch, Institution
from skilleval.choices import Role
from skilleval.demo import make_uscc
from skilleval.models import Occupation, Region, User

PREFIX = "抽查基准机构"
TARGET = 0.2  # seconds for one draw over 100,000 batches (issue 14)


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Command(BaseCommand):
    help = "Time a spot-check draw over N batches (generated on the configured database)."

    def add_arguments(self, parser):
        parser.add_argument("--batches", type=int, default=100_000)
        parser.add_argument("--institutions", type=int, default=1_000)
        parser.add_argument("--ratio", type=Decimal, default=Decimal("0.05"))
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args, batches, institutions, ratio, runs, **options):
        started = time.perf_counter()
        auditor = self._data(batches, institutions)
        with connection.cursor() as cursor:
            # Fresh tables are unknown to the planner until autovacuum gets to them.
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"data: {batches} batches, {institutions} institutions in {time.perf_counter() - started:.1f} s"
        )
        self.stdout.write(f"database: {connection.vendor}; load average before: {loadavg()}")
        timings = []
        with override_settings(DEBUG=False):
            for _ in range(runs):
                started = time.perf_counter()
                spot_check = draw(
                    user=auditor,
                    population=Population.BATCHES,
                    ratio=ratio,
                    filters={"from": date(2026, 1, 1), "to": date(2026, 12, 31)},
                )
                timings.append(time.perf_counter() - started)
        load_after = loadavg()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        best = min(timings)
        self.stdout.write(
            f"draw over {spot_check.population_size} batches, sample {spot_check.sample_size}, "
            f"{runs} runs: best {best:.3f} s, median {statistics.median(timings):.3f} s, "
            f"worst {max(timings):.3f} s; target ≤ {TARGET} s: "
            f"{'met' if best <= TARGET else f'NOT met ({best / TARGET:.1f}× the target)'}"
        )
        self.stdout.write(
            f"load average after: {load_after} (1, 5, 15 min); peak memory {peak:.0f} MiB"
        )
        reproduced = reproduction(spot_check)["matches"]
        self.stdout.write(f"the last draw reproduces from its stored inputs and seed: {reproduced}")

    def _data(self, batches, institutions):
        creator = User.objects.get_or_create(
            username="bench-auditor", defaults={"role": Role.PROVINCE_AUDITOR}
        )[0]
        if Batch.objects.filter(institution__name__startswith=PREFIX).count() >= batches:
            return creator
        occupation = Occupation.objects.filter(major_group=6).first() or Occupation.objects.create(
            code="6-18-01-01", name="车工"
        )
        counties = list(Region.objects.counties())
        creator = User.objects.get_or_create(
            username="bench-auditor", defaults={"role": Role.PROVINCE_AUDITOR}
        )[0]
        with transaction.atomic():
            created = Institution.objects.bulk_create(
                Institution(
                    name=f"{PREFIX}{n}",
                    kind="social_org",
                    uscc=make_uscc("320000", 900_000 + n),
                    city_id=counties[n % len(counties)].parent_id,
                    county=counties[n % len(counties)],
                    responsible_person="基准",
                    contact_phone="025-00000000",
                )
                for n in range(institutions)
            )
            start = date(2026, 1, 1)
            Batch.objects.bulk_create(
                (
                    Batch(
                        institution=created[n % institutions],
                        occupation=occupation,
                        level=4,
                        evaluation_type=EvaluationType.SKILL_LEVEL,
                        region_id=created[n % institutions].county_id,
                        venue="基准考点",
                        examiners="基准",
                        question_source=QuestionSource.NATIONAL_BANK,
                        exam_starts_on=start + timedelta(days=n % 360),
                        exam_ends_on=start + timedelta(days=n % 360),
                        status=BatchStatus.EXAMINED,
                        created_by=creator,
                    )
                    for n in range(batches)
                ),
                batch_size=5000,
            )
            for n, city in enumerate(Region.objects.cities()):
                for k in range(3):
                    Inspector.objects.create(name=f"基准检查员{n}-{k}", city=city)
        return creator
