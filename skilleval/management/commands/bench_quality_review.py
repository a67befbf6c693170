"""Benchmark the half-year quality review (issue 7): generate a province's half-year of data and
time `audits.reviews.run_review` over it.

Target on a 2-core machine with PostgreSQL: 1,000,000 certificates in 5,000 batches and 1,000
institutions reviewed in ≤ 60 s.

    manage.py bench_quality_review --certificates 1000000 --batches 5000 --institutions 1000 \
        [--year 2026 --half 1] [--keep]

The data set is written with INSERT … SELECT over a number series (PostgreSQL generate_series;
a recursive CTE elsewhere), so generating a million certificates takes seconds, not an hour of
ORM saves. It is shaped so that every indicator fires somewhere:
- every 10th institution's filing expires 100 days into the half-year (certificates after it are
  outside the validity, those in the 15 days before it are a rush);
- every 97th batch's occupation-level is left out of its institution's filing (out of scope);
- every 53rd batch passes everyone (pass-rate anomaly), others pass 60–79 %;
- 1 % of candidates have an eligibility override, every 9th batch is publicised late, and every
  5th institution has a complaint.
Benchmark rows are marked (institution names start with 【基准】, certificate numbers with QRB) and
deleted afterwards, with the benchmark's review, unless --keep. ID numbers are placeholders, not
encrypted: never run this against a database with real users' lookups.
"""

import math
import re
import resource
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from audits.models import Complaint, QualityReview, ReviewRow
from audits.reviews import half_year_period, run_review
from certificates.models import Certificate
from institutions.models import Batch, BatchTransition, Candidate, Filing, FilingItem, Institution
from skilleval.choices import RegionKind, Role
from skilleval.demo import make_uscc
from skilleval.models import Occupation, Region, User

MARK = "【基准】"
NUMBER_PREFIX = "QRB"
USCC_SERIAL = (
    880_000_000  # serials of the benchmark's institutions: make_uscc(city, USCC_SERIAL + n)
)
OCCUPATIONS = 40  # bench occupations 6-99-98-01 … 6-99-98-40, each at levels 3–5
BENCH_USER = "bench-quality-review"


class TimedCursor:
    """A cursor that records how long each INSERT took, by table."""

    def __init__(self, cursor, steps: dict):
        self.cursor, self.steps = cursor, steps

    def execute(self, sql: str, params):
        started = time.perf_counter()
        self.cursor.execute(sql, params)
        name = re.search(r"INSERT INTO (\S+)", sql).group(1).strip('"')
        self.steps[name] = time.perf_counter() - started


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Command(BaseCommand):
    help = "Generate a half-year of certificates, batches and institutions and time the quality review."

    def add_arguments(self, parser):
        parser.add_argument("--certificates", type=int, default=1_000_000)
        parser.add_argument("--batches", type=int, default=5_000)
        parser.add_argument("--institutions", type=int, default=1_000)
        parser.add_argument("--year", type=int, default=2026)
        parser.add_argument("--half", type=int, choices=(1, 2), default=1)
        parser.add_argument(
            "--keep", action="store_true", help="keep the generated data and review"
        )

    def handle(self, *args, certificates, batches, institutions, year, half, keep, **options):
        if min(certificates, batches, institutions) < 1 or batches < institutions:
            raise CommandError("all sizes must be positive and --batches ≥ --institutions")
        if Institution.objects.filter(name__startswith=MARK).exists():
            self.stdout.write("removing the data of an earlier run that was kept …")
            self._clean()

        start, end = half_year_period(year, half)
        timings, self.steps = {}, {}
        started = time.perf_counter()
        with transaction.atomic():
            self._generate(certificates, batches, institutions, start, end)
        timings["generation"] = time.perf_counter() - started
        if connection.vendor == "postgresql":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would have, long before a real review
            timings["analyze"] = time.perf_counter() - started

        rss_before = peak_mib()
        started = time.perf_counter()
        review = run_review(year, half)
        timings["review"] = time.perf_counter() - started
        totals = review.totals

        lines = [
            ("database", connection.vendor),
            ("half-year", f"{year} H{half} ({start} – {end})"),
            ("certificates", f"{certificates:,}"),
            ("batches", f"{batches:,}"),
            ("institutions", f"{institutions:,}"),
            ("generation", f"{timings['generation']:.1f} s"),
            *[(f"  {name}", f"{seconds:.1f} s") for name, seconds in self.steps.items()],
            *([("analyze", f"{timings['analyze']:.1f} s")] if "analyze" in timings else []),
            ("review wall time", f"{timings['review']:.1f} s"),
            ("review rows", f"{totals['institutions']:,}"),
            ("flagged institutions", f"{totals['flagged_institutions']:,}"),
            *[(f"  flag {code}", f"{n:,}") for code, n in totals["flags"].items()],
            ("peak RSS before review", f"{rss_before:.0f} MiB"),
            ("peak RSS (ru_maxrss)", f"{peak_mib():.0f} MiB"),
        ]
        width = max(len(label) for label, _ in lines)
        for label, value in lines:
            self.stdout.write(f"{label:<{width}}  {value:>28}")
        if timings["review"] > 60:
            self.stdout.write(self.style.WARNING("above the target: ≤ 60 s"))
        if keep:
            self.stdout.write(f"kept: review #{review.pk} and the generated data")
        else:
            started = time.perf_counter()
            self._clean(review)
            self.stdout.write(
                f"generated data and review deleted in {time.perf_counter() - started:.1f} s "
                "(use --keep to keep them)"
            )

    # --- generation --------------------------------------------------------------------------

    def _numbers(self, count: int) -> str:
        """A FROM item yielding n = 0 … count-1."""
        if connection.vendor == "postgresql":
            return f"generate_series(0, {int(count) - 1}) AS g(n)"
        return (
            f"(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {int(count) - 1}) SELECT n FROM s) AS g"
        )

    def _date_plus(self, base: str, days: str) -> str:
        """SQL for the date `base` plus `days` days."""
        if connection.vendor == "postgresql":
            return f"(({base})::date + ({days})::integer)"
        return f"date({base}, '+' || ({days}) || ' days')"

    def _ranked(self, model, where: str) -> str:
        """The benchmark's rows of a table numbered 0, 1, … in id order: (id, idx)."""
        return (
            f"(SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS idx FROM {table(model)} "
            f"WHERE {where})"
        )

    def _generate(self, n_certificates, n_batches, n_institutions, start: date, end: date):
        now = timezone.now()
        user, _ = User.objects.get_or_create(
            username=BENCH_USER, defaults={"role": Role.PROVINCE_ADMIN, "is_active": False}
        )
        cities = list(Region.objects.filter(kind=RegionKind.CITY).order_by("code"))
        occupations = Occupation.objects.bulk_create(
            [
                Occupation(code=f"6-99-98-{k + 1:02d}", name=f"{MARK}职业{k + 1}")
                for k in range(OCCUPATIONS)
                if not Occupation.objects.filter(code=f"6-99-98-{k + 1:02d}").exists()
            ]
        )
        del occupations
        # Institutions: few enough for bulk_create (their USCC check characters are computed here).
        Institution.objects.bulk_create(
            [
                Institution(
                    name=f"{MARK}评价机构{n:04d}",
                    kind="social_org",
                    uscc=make_uscc(cities[n % len(cities)].code, USCC_SERIAL + n),
                    city=cities[n % len(cities)],
                    responsible_person="基准",
                    contact_phone="025-00000000",
                )
                for n in range(n_institutions)
            ],
            batch_size=1000,
        )
        institutions = self._ranked(Institution, f"name LIKE '{MARK}%%'")
        occupations_ranked = self._ranked(Occupation, "code LIKE '6-99-98-%%'")
        span = (end - start).days
        exam_span = max(1, span - 40)  # exams end early enough for certificates in the half-year

        with connection.cursor() as raw:
            cursor = TimedCursor(raw, self.steps)
            # One approved filing per institution; every 10th expires 100 days into the half-year.
            expiring = start + timedelta(days=100)
            cursor.execute(
                f"""
                INSERT INTO {table(Filing)} (institution_id, authority_id, status, valid_from,
                    valid_until, created_by_id, created_at, decision_reason, end_reason)
                SELECT i.id, inst.city_id, 'approved', %s,
                    CASE WHEN i.idx %% 10 = 0 THEN %s ELSE %s END, %s, %s, '', ''
                FROM {institutions} i JOIN {table(Institution)} inst ON inst.id = i.id
                """,
                [date(2024, 1, 1), expiring, date(2099, 12, 31), user.pk, now],
            )
            # Batches: batch b belongs to institution b mod I, occupation-level from b, exams spread
            # over the half-year; the batches of institutions whose filing expires end their exam
            # 28 days before it, so most of their certificates fall in the 15 days before expiry.
            rush_day = (expiring - start).days - 28
            cursor.execute(
                f"""
                INSERT INTO {table(Batch)} (institution_id, occupation_id, level, evaluation_type,
                    region_id, venue, examiners, question_source, exam_starts_on, exam_ends_on,
                    note, status, publicised_on, status_reason, created_by_id, created_at,
                    graduate_cohort)
                SELECT x.institution_id, x.occupation_id, 3 + x.n %% 3, 'skill_level', x.city_id,
                    '基准考点', '考评员', 'national_bank',
                    {self._date_plus("%s", "x.day_offset")},
                    {self._date_plus("%s", "x.day_offset + 1")},
                    '', 'certificates_issued',
                    {self._date_plus("%s", "x.day_offset + 1 + CASE WHEN x.n %% 9 = 0 THEN 25 ELSE 5 END")},
                    '', %s, %s, false
                FROM (
                    SELECT g.n, i.id AS institution_id, inst.city_id, o.id AS occupation_id,
                        CASE WHEN i.idx %% 10 = 0 THEN {rush_day}
                             ELSE (g.n * 7) %% {exam_span} END AS day_offset
                    FROM {self._numbers(n_batches)}
                    JOIN {institutions} i ON i.idx = g.n %% {n_institutions}
                    JOIN {table(Institution)} inst ON inst.id = i.id
                    JOIN {occupations_ranked} o ON o.idx = (g.n / 3) %% {OCCUPATIONS}
                ) x
                """,
                [start, start, start, user.pk, now],
            )
            batches = self._ranked(Batch, f"venue = '基准考点' AND created_by_id = {user.pk}")
            # The filed scope: every occupation-level the institution runs, except those of every
            # 97th batch.
            cursor.execute(
                f"""
                INSERT INTO {table(FilingItem)} (filing_id, occupation_id, level, source,
                    enterprise_spec)
                SELECT DISTINCT f.id, b.occupation_id, b.level, 'requested', ''
                FROM {batches} r JOIN {table(Batch)} b ON b.id = r.id
                JOIN {table(Filing)} f ON f.institution_id = b.institution_id
                WHERE r.idx %% 97 <> 0
                """,
                [],
            )
            # Candidates: 25 % more than certificates; every 53rd batch passes all who sat.
            per_batch = math.ceil(n_certificates / n_batches)
            roster = math.ceil(per_batch * 1.25)
            cursor.execute(
                f"""
                INSERT INTO {table(Candidate)} (batch_id, name, id_type, id_number_encrypted,
                    id_number_hash, id_number_masked, gender, education, work_years,
                    insured_region, hukou_region, phone, eligibility, eligibility_basis,
                    eligibility_reason, eligibility_override, absent, passed, created_at,
                    current_certificate_number, photo, eligibility_reason_en, training_route)
                SELECT r.id, '基准考生', 'resident_id', 'bench', 'bench-' || g.n, '3201**********0000',
                    'male', 3, 5, '', '', '', 'passed', 'standard', '',
                    g.n %% 100 = 0, g.n %% {roster} = 1,
                    CASE WHEN g.n %% {roster} = 1 THEN false
                         WHEN r.idx %% 53 = 0 THEN true
                         ELSE (g.n %% {roster}) * 100 < (60 + r.idx %% 20) * {roster} END,
                    %s, '', '', '', ''
                FROM {self._numbers(n_batches * roster)}
                JOIN {batches} r ON r.idx = g.n / {roster}
                """,
                [now],
            )
            # The batches are past their exam: their results counted as record_examined counts them.
            Batch.objects.filter(venue="基准考点", created_by=user).count_results()
            # Certificates: per_batch per batch, issued 20 days after the exam (some later).
            cursor.execute(
                f"""
                INSERT INTO {table(Certificate)} (kind, number, status, institution_id, batch_id,
                    holder_name, id_type, id_number_encrypted, id_number_hash, id_number_masked,
                    occupation_id, work_type, level, issued_on, signatory, photo, pdf,
                    verification_token, revocation_reason, created_at)
                SELECT 'skill_level', '{NUMBER_PREFIX}' || g.n, 'valid', b.institution_id, b.id,
                    '基准持证人', 'resident_id', 'bench', 'bench-' || g.n, '3201**********0000',
                    b.occupation_id, '', b.level,
                    {self._date_plus("b.exam_ends_on", "20 + g.n %% 10")},
                    '基准', '', '', 'bench-' || g.n, '', %s
                FROM {self._numbers(n_certificates)}
                JOIN {batches} r ON r.idx = g.n / {per_batch}
                JOIN {table(Batch)} b ON b.id = r.id
                """,
                [now],
            )
            # Complaints against every 5th institution, received in the half-year.
            received = timezone.make_aware(
                timezone.datetime.combine(start + timedelta(days=30), timezone.datetime.min.time())
            )
            cursor.execute(
                f"""
                INSERT INTO {table(Complaint)} (reference, target_type, target_description,
                    institution_id, content, contact, attachment, status, outcome, received_at,
                    public_summary)
                SELECT 'QRB' || i.idx, 'institution', '基准', i.id, '基准举报', '', '',
                    'received', '', %s, ''
                FROM {institutions} i WHERE i.idx %% 5 = 0
                """,
                [received],
            )

    # --- clean-up ----------------------------------------------------------------------------

    def _clean(self, review=None):
        mine = f"SELECT id FROM {table(Institution)} WHERE name LIKE '{MARK}%%'"
        with transaction.atomic(), connection.cursor() as cursor:
            if review is not None:
                ReviewRow.objects.filter(review=review).delete()
                QualityReview.objects.filter(pk=review.pk).delete()
            # Rows of other reviews that name benchmark institutions (a kept run reviewed again).
            cursor.execute(f"DELETE FROM {table(ReviewRow)} WHERE institution_id IN ({mine})", [])
            cursor.execute(f"DELETE FROM {table(Complaint)} WHERE institution_id IN ({mine})", [])
            cursor.execute(f"DELETE FROM {table(Certificate)} WHERE institution_id IN ({mine})", [])
            batches = f"SELECT id FROM {table(Batch)} WHERE institution_id IN ({mine})"
            cursor.execute(f"DELETE FROM {table(Candidate)} WHERE batch_id IN ({batches})", [])
            cursor.execute(
                f"DELETE FROM {table(BatchTransition)} WHERE batch_id IN ({batches})",
                [],
            )
            cursor.execute(f"DELETE FROM {table(Batch)} WHERE institution_id IN ({mine})", [])
            filings = f"SELECT id FROM {table(Filing)} WHERE institution_id IN ({mine})"
            cursor.execute(f"DELETE FROM {table(FilingItem)} WHERE filing_id IN ({filings})", [])
            cursor.execute(
                f"DELETE FROM {table(Filing.region_scope.through)} WHERE filing_id IN ({filings})",
                [],
            )
            cursor.execute(f"DELETE FROM {table(Filing)} WHERE institution_id IN ({mine})", [])
            cursor.execute(f"DELETE FROM {table(Institution)} WHERE name LIKE '{MARK}%%'", [])
            Occupation.objects.filter(code__startswith="6-99-98-", name__startswith=MARK).delete()
