"""Benchmark the roster upload (issue 4): generate N valid, distinct candidates as .xlsx or .csv
and import them through institutions.roster.import_roster, the code path of the upload job.

Targets on a 2-core machine with PostgreSQL, at 100,000 rows: the import takes ≤ 3 × the raw
python-calamine read of the same file, timed in the same run (issue 14), with a peak memory
≤ 512 MiB (ru_maxrss of this process, file generation included).

    manage.py bench_roster_import --rows 100000 [--format xlsx|csv] [--keep]

It works on the configured database: a benchmark institution, occupation, approved filing and
batch are created once and reused; the batch's candidates are deleted afterwards unless --keep.
"""

import csv
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from openpyxl import Workbook
from python_calamine import load_workbook
from stdnum.cn import ric

from institutions import roster
from institutions.choices import (
    BatchStatus,
    EvaluationType,
    FilingStatus,
    InstitutionKind,
    QuestionSource,
)
from institutions.models import Batch, Candidate, Filing, FilingItem, Institution
from institutions.roster import COLUMNS
from skilleval.choices import Role
from skilleval.demo import make_uscc
from skilleval.models import AuditEntry, Occupation, OccupationLevel, Region, User

COUNTY = "320115"  # 江宁区, Nanjing
OCCUPATION_CODE = "6-99-99-99"  # not in the 大典: the benchmark's own occupation
LEVEL = 4
EDUCATION = ("初中", "高中", "中专", "技工学校", "大专", "本科")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def resident_id(n: int) -> str:
    """Person n of the benchmark: a valid GB 11643 number, distinct for n < 10,000,000.

    Same shape as skilleval.demo.make_resident_id, but the check character is computed over all
    17 digits (ric.calc_check_digit expects the full 18-character number).
    """
    birth = date(1970, 1, 1) + timedelta(days=n // 1000)
    body = f"{COUNTY}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def person(n: int) -> list:
    return [
        SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 3) % len(GIVEN)],
        "居民身份证",
        resident_id(n),
        "男" if n % 2 else "女",  # the 17th digit is n's last digit: odd for men
        EDUCATION[n % len(EDUCATION)],
        str(3 + n % 20),
        "五级/初级工" if n % 3 == 0 else "",
        f"S0000320001232{n % 10_000_000:08d}" if n % 3 == 0 else "",
        "2015-06-30" if n % 3 == 0 else "",
        "南京市",
        "南京市江宁区",
        f"139{n:08d}",
        "否",
    ]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def database_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend, when the server runs on this machine
    (read from /proc): with the client's own CPU time it shows the cost apart from other load."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def raw_read_seconds(path: Path) -> float:
    """The floor of any import: python-calamine reading the same file into Python lists, nothing
    checked. Best of two, so that the first read's page-cache misses do not flatter the ratio."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        workbook = load_workbook(str(path))
        rows = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
        best = min(best, time.perf_counter() - started)
        del workbook, rows
    return best


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Command(BaseCommand):
    help = "Generate a roster of N candidates and time its import (issue 4 benchmark)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
        parser.add_argument("--keep", action="store_true", help="keep the imported candidates")
        parser.add_argument(
            "--bulk-create",
            action="store_true",
            help="write through bulk_create also on PostgreSQL (instead of COPY), to compare",
        )

    def handle(self, *args, rows, keep, **options):
        file_format = options["format"]
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        roster.USE_POSTGRES_COPY = not options["bulk_create"]
        batch, user = self._batch()
        self._clear(batch)
        start_rss = peak_mib()

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"roster.{file_format}"
            started = time.perf_counter()
            (self._write_xlsx if file_format == "xlsx" else self._write_csv)(path, rows)
            generated = time.perf_counter() - started
            size_mib = path.stat().st_size / 2**20
            after_generation = peak_mib()
            raw = raw_read_seconds(path) if file_format == "xlsx" else None

            marks = {}

            def progress(done, total, message):
                # import_roster reports checking as 0..N and writing as N..2N of 2N; the
                # rows are sent to the database while they are checked, the rest and the
                # commit come after.
                if done >= total // 2 and "checked" not in marks:
                    marks["checked"] = time.perf_counter()

            cpu_before, db_cpu_before = cpu_seconds(), database_cpu_seconds()
            started = time.perf_counter()
            with path.open("rb") as handle:
                result = roster.import_roster(
                    batch, handle, path.name, user=user, progress=progress
                )
            wall = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
            db_cpu_after = database_cpu_seconds()
        checked = marks.get("checked", started + wall) - started

        imported = result["imported"]
        vendor = connection.vendor
        if vendor == "postgresql":
            vendor += " (bulk_create)" if options["bulk_create"] else " (COPY)"
        lines = [
            ("database", vendor),
            ("rows", f"{imported:,}"),
            (f"file ({file_format})", f"{size_mib:.1f} MiB"),
            ("generation", f"{generated:.1f} s"),
            ("read + check (rows sent alongside)", f"{checked:.1f} s"),
            ("write (the rest, commit)", f"{wall - checked:.1f} s"),
            ("import wall time", f"{wall:.1f} s"),
            ("import CPU time (this process)", f"{cpu:.1f} s"),
            *(
                [("import CPU time (database backend)", f"{db_cpu_after - db_cpu_before:.1f} s")]
                if db_cpu_before is not None and db_cpu_after is not None
                else []
            ),
            ("rows/s", f"{imported / wall:,.0f}"),
            *(
                [
                    ("raw calamine read (same file)", f"{raw:.2f} s"),
                    ("import / raw read", f"{wall / raw:.2f} ×"),
                ]
                if raw
                else []
            ),
            ("peak RSS at start", f"{start_rss:.0f} MiB"),
            ("peak RSS after generation", f"{after_generation:.0f} MiB"),
            ("peak RSS (ru_maxrss)", f"{peak_mib():.0f} MiB"),
            ("load average (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ]
        width = max(len(label) for label, _ in lines)
        for label, value in lines:
            self.stdout.write(f"{label:<{width}}  {value:>12}")
        if not keep:
            self._clear(batch)
            self.stdout.write("candidates deleted (use --keep to keep them)")
        if (raw and wall > 3 * raw) or peak_mib() > 512:
            self.stdout.write(
                self.style.WARNING("above the target: ≤ 3 × the raw calamine read and ≤ 512 MiB")
            )

    # --- the file ----------------------------------------------------------------------------

    def _write_xlsx(self, path: Path, rows: int):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("考生名单")
        sheet.append([column.header for column in COLUMNS])
        for n in range(rows):
            sheet.append(person(n))
        workbook.save(path)

    def _write_csv(self, path: Path, rows: int):
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.header for column in COLUMNS])
            writer.writerows(person(n) for n in range(rows))

    # --- the batch ---------------------------------------------------------------------------

    @transaction.atomic
    def _batch(self) -> tuple[Batch, User]:
        county = Region.objects.get(code=COUNTY)
        institution, _ = Institution.objects.get_or_create(
            uscc=make_uscc(COUNTY, 990001),
            defaults={
                "name": "基准测试评价机构（benchmark）",
                "kind": InstitutionKind.SOCIAL_ORG,
                "city": county.parent,
                "county": county,
                "responsible_person": "基准测试",
                "contact_phone": "025-00000000",
            },
        )
        user, created = User.objects.get_or_create(
            username="bench-roster",
            defaults={"role": Role.INSTITUTION_STAFF, "institution": institution},
        )
        if created:
            user.set_unusable_password()
            user.save()
        occupation, _ = Occupation.objects.get_or_create(
            code=OCCUPATION_CODE, defaults={"name": "基准测试职业（benchmark）"}
        )
        OccupationLevel.objects.update_or_create(
            occupation=occupation,
            level=LEVEL,
            defaults={"has_national_standard": True, "has_question_bank": True},
        )
        if not Filing.objects.filter(institution=institution, status=FilingStatus.APPROVED):
            filing = Filing.objects.create(
                institution=institution,
                authority=county.parent,
                status=FilingStatus.APPROVED,
                valid_from=date(2024, 1, 1),
                valid_until=date(2099, 12, 31),
                created_by=user,
            )
            filing.region_scope.set(Region.objects.filter(code="320000"))
            FilingItem.objects.create(filing=filing, occupation=occupation, level=LEVEL)
        batch = Batch.objects.filter(
            institution=institution, status=BatchStatus.PLAN_PUBLISHED
        ).first()
        if batch is None:
            batch = Batch.objects.plan(
                institution=institution,
                user=user,
                occupation=occupation,
                level=LEVEL,
                evaluation_type=EvaluationType.SKILL_LEVEL,
                region=county,
                exam_starts_on=date(2099, 1, 1),
                exam_ends_on=date(2099, 1, 2),
                venue="基准测试",
                examiners="基准测试",
                question_source=QuestionSource.NATIONAL_BANK,
            )
            batch.publish_plan(user)
        return batch, user

    def _clear(self, batch: Batch):
        """Remove the benchmark's candidates in one statement (a queryset delete would send a
        signal, and write an audit entry, per row), and record that once. Then VACUUM: every
        run deletes the same people, and each new row's unique (batch, hash) check otherwise
        visits the dead rows of every earlier run (16 runs made the write phase 60 % slower)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(Candidate._meta.db_table)} "
                "WHERE batch_id = %s",
                [batch.pk],
            )
            if cursor.rowcount:
                AuditEntry.objects.record(
                    "delete",
                    object_type="institutions.candidate",
                    object_id=f"batch:{batch.pk}",
                    object_repr=f"{batch} 基准测试考生 {cursor.rowcount} 人",
                    before={"batch": batch.pk, "count": cursor.rowcount},
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # outside any transaction, as VACUUM must be
                cursor.execute(f"VACUUM {connection.ops.quote_name(Candidate._meta.db_table)}")
