"""Benchmark of bulk certificate issuance (issue 5): N passing candidates with photos, issued end to
end by the same code path as the background job (numbers, individual PDFs, the merged print PDF,
the ZIP), then the plain approach — one WeasyPrint document per certificate — timed on a sample.

    manage.py bench_issuance --certificates 10000 --sample 50 [--signing both|on|off] \
        [--workers 1,2] [--keep]

In this process (`issuance.issue_batch`: every chunk rendered here, one after the other), and
with `--workers` as the issuance job on real Celery worker processes started by the benchmark
(one process each, on this machine): the job numbers the certificates, each render chunk goes
to whichever worker is free, a chord's callback merges and zips. That needs the broker
(REDIS_URL) and a database the workers share (PostgreSQL).

Every individual PDF is signed (certificates/signing.py); `--signing both` (the default) issues
two batches, unsigned and signed, and prints what signing costs (target: it must not halve the
rate).

Target on the project's 2-core machine (issue 14): ≥ 150 certificates/s at 10,000, peak memory
≤ 1 GiB (this process and its render processes together, sampled from /proc), individual PDFs
≤ 60 KB on average with the photo. The load average is printed: the figures mean little on a
machine busy with other work, the same-run plain baseline gives the ratio.
"""

import os
import random
import resource
import shutil
import subprocess
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from certificates import fonts, issuance, pdf
from certificates.models import Certificate, CertificatePrint, NumberSeries
from institutions.choices import (
    BatchStatus,
    EligibilityStatus,
    EvaluationType,
    InstitutionKind,
    QuestionSource,
)
from institutions.models import Batch, Candidate, Institution
from skilleval import personal_data
from skilleval.celery import answers, one_task_worker
from skilleval.celery import app as celery_app
from skilleval.choices import AuditAction, JobKind, JobStatus, Role
from skilleval.demo import make_photo_jpeg, make_resident_id, make_uscc
from skilleval.models import AuditEntry, Job, Occupation, Region, User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉玉兰萍红鹏飞宇浩然子轩梓涵一诺欣怡晨阳雨桐佳琪俊杰志强国庆海燕丹丹思远嘉怡博文家豪"
RARE = "珺喆昇堃燚䶮琤玥彧翀"  # 生僻字: about one name in a hundred


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_bytes(pid)
        stack.extend(children.get(pid, []))
    return total


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class MemorySampler(threading.Thread):
    """The peak of tree_rss_bytes, sampled five times a second; `peak_children` without this
    process (the workers of a job, while this process only waits for it)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = self.peak_children = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(0.2):
            tree = tree_rss_bytes(os.getpid())
            self.peak = max(self.peak, tree)
            self.peak_children = max(self.peak_children, tree - _rss_bytes(os.getpid()))

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


class Command(BaseCommand):
    help = "Benchmark bulk certificate issuance against the plain one-document-per-certificate way."

    def add_arguments(self, parser):
        parser.add_argument("--certificates", type=int, default=10000)
        parser.add_argument("--sample", type=int, default=50)
        parser.add_argument("--keep", action="store_true", help="keep the batch and its files")
        parser.add_argument(
            "--workers",
            default="",
            help="also issue as the job on this many worker processes, e.g. 1,2 (needs "
            "REDIS_URL and PostgreSQL)",
        )
        parser.add_argument(
            "--signing",
            choices=["both", "on", "off"],
            default="both",
            help="issue with signed PDFs, unsigned ones, or one batch each (compared)",
        )

    def handle(self, *args, **options):
        n, sample = options["certificates"], options["sample"]
        self.stdout.write(f"faces: {', '.join(f.description for f in fonts.prepare())}")
        self.stdout.write(f"HarfBuzz subsetting: {fonts.harfbuzz_subset_available()}")
        modes = {"both": [False, True], "on": [True], "off": [False]}[options["signing"]]
        rates = {}
        for sign in modes:
            started = time.perf_counter()
            batch, signatory = self.build_batch(n)
            self.stdout.write(
                f"\nbuilt batch {batch.pk}: {n} candidates in {time.perf_counter() - started:.1f} s"
            )
            try:
                self.run_bulk(batch, signatory, n, sign)
                rates[sign] = self.bulk_rate
                if sign == modes[-1]:
                    self.run_plain(batch, sample)
            finally:
                if not options["keep"]:
                    self.clean_up(batch, signatory)
        if len(rates) == 2:
            self.stdout.write(
                f"\nsigning: {rates[True]:.1f} certificates/s signed, {rates[False]:.1f} unsigned "
                f"({rates[True] / rates[False]:.2f}×; target ≥ 0.5×)"
            )
        spread = {}
        for workers in [int(w) for w in options["workers"].split(",") if w.strip()]:
            batch, signatory = self.build_batch(n)
            try:
                spread[workers] = self.run_job(batch, signatory, n, workers)
            finally:
                if not options["keep"]:
                    self.clean_up(batch, signatory)
        if spread:
            figures = ", ".join(f"{w} worker(s): {rate:.1f}/s" for w, rate in spread.items())
            self.stdout.write(f"\nthe job on worker processes, signed: {figures}")

    # --- the benchmark --------------------------------------------------------------------------

    def run_bulk(self, batch, signatory, n, sign=True):
        last = {"at": 0.0}

        def progress(done, total=None, message=None):
            now = time.perf_counter()
            if now - last["at"] > 5 or done == total:
                last["at"] = now
                self.stdout.write(f"  … {message}")

        sampler = MemorySampler()
        sampler.start()
        wall = time.perf_counter()
        result = issuance.issue_batch(batch, signatory, progress=progress, sign=sign)
        wall = time.perf_counter() - wall
        peak_tree = sampler.stop()
        load = os.getloadavg()
        self.bulk_rate = n / wall
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        timings = result["timings"]
        sizes = {
            "zip": default_storage.size(result["zip"]),
            "merged": default_storage.size(result["merged_pdf"]),
        }
        pdf_sizes = [
            default_storage.size(name)
            for name in Certificate.objects.filter(batch=batch).values_list("pdf", flat=True)
        ]
        average_pdf = sum(pdf_sizes) / len(pdf_sizes)
        self.stdout.write(
            f"\nbulk issuance in this process (issue_batch), PDFs "
            f"{'signed' if sign else 'unsigned'}\n"
            f"  certificates      {n}  ({result['first_number']} … {result['last_number']})\n"
            f"  numbers           {timings['numbers']:8.1f} s\n"
            f"  PDFs              {timings['pdfs']:8.1f} s  ({issuance.RENDER_CHUNK} per document, "
            f"in this process)\n"
            f"  merged PDF        {timings['merge']:8.1f} s  ({result['pages']} pages, {sizes['merged'] / 2**20:.0f} MiB)\n"
            f"  ZIP               {timings['zip']:8.1f} s  ({sizes['zip'] / 2**20:.0f} MiB)\n"
            f"  records           {timings['records']:8.1f} s\n"
            f"  wall time         {wall:8.1f} s\n"
            f"  certificates/s    {self.bulk_rate:8.1f}   (target ≥ 150)\n"
            f"  individual PDF    {average_pdf / 1024:8.1f} KB on average, "
            f"{max(pdf_sizes) / 1024:.1f} KB the largest (target ≤ 60 KB)\n"
            f"  peak memory       {peak_tree / 2**20:8.0f} MiB all processes together, sampled "
            f"(target ≤ 1024)\n"
            f"                    {own / 2**20:8.0f} MiB this process, {child / 2**20:.0f} MiB "
            f"largest render process (ru_maxrss)\n"
            f"  load average      {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min, at the end; "
            f"{os.cpu_count()} cores)"
        )
        assert Certificate.objects.filter(batch=batch).count() == n
        batch.refresh_from_db()
        assert batch.status == BatchStatus.CERTIFICATES_ISSUED

    def run_job(self, batch, signatory, n, workers) -> float:
        """The issuance job as production runs it, on `workers` worker processes."""
        if not settings.CELERY_BROKER_URL.startswith("redis") or connection.vendor != "postgresql":
            raise CommandError("--workers needs REDIS_URL (the broker) and PostgreSQL")
        celery_app.control.purge()
        processes = [self.start_worker(f"bench{k}") for k in range(workers)]
        sampler = MemorySampler()
        sampler.start()
        try:
            wall = time.perf_counter()
            job = Job.objects.create(
                kind=JobKind.CERTIFICATE_ISSUANCE,
                params={"batch_id": batch.pk},
                started_by=signatory,
                institution=batch.institution,
            )
            job.send()
            while not Job.objects.filter(pk=job.pk, finished_at__isnull=False).exists():
                time.sleep(0.25)
            wall = time.perf_counter() - wall
        finally:
            peak = sampler.stop()
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"the issuance job failed: {job.error}")
        load = os.getloadavg()
        rate = n / wall
        by = ", ".join(f"{count}" for count in job.result["rendered_by"].values())
        self.stdout.write(
            f"\nthe issuance job on {workers} worker process(es), PDFs signed\n"
            f"  certificates      {n}  ({job.result['first_number']} … {job.result['last_number']})\n"
            f"  rendered by       {len(job.result['rendered_by'])} process(es): {by}\n"
            f"  wall time         {wall:8.1f} s  (from the job's start to its end)\n"
            f"  certificates/s    {rate:8.1f}   (target ≥ 150)\n"
            f"  peak memory       {sampler.peak_children / 2**20:8.0f} MiB the workers together, "
            f"sampled (target ≤ 1024); {peak / 2**20:.0f} MiB with this process, which only "
            f"waits for the job\n"
            f"  load average      {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (at the end; "
            f"{os.cpu_count()} cores)"
        )
        return rate

    def start_worker(self, name) -> subprocess.Popen:
        """A `celery worker` process (one task at a time) on this project's settings."""
        process = subprocess.Popen(
            one_task_worker(name, "WARNING"), cwd=settings.BASE_DIR, env=os.environ.copy()
        )
        deadline = time.monotonic() + 60
        while not answers(name):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise CommandError(f"worker {name} did not start")
        return process

    def run_plain(self, batch, sample):
        if not sample:
            return
        certificates = list(
            Certificate.objects.filter(batch=batch)
            .select_related("institution", "occupation")
            .order_by("number")[:sample]
        )
        pdf.render_certificate(certificates[0])  # warm up (fonts, stylesheet)
        wall = time.perf_counter()
        for certificate in certificates:
            pdf.render_certificate(certificate)
        wall = time.perf_counter() - wall
        plain_rate = len(certificates) / wall
        self.stdout.write(
            f"\nplain approach (one WeasyPrint document per certificate, one process)\n"
            f"  sample            {len(certificates)}\n"
            f"  certificates/s    {plain_rate:8.1f}   ({wall / len(certificates) * 1000:.0f} ms each)\n"
            f"  bulk / plain      {self.bulk_rate / plain_rate:8.1f}×"
        )

    # --- data -----------------------------------------------------------------------------------

    def build_batch(self, n):
        rng = random.Random(20260503)
        city, county = Region.objects.get(code="320100"), Region.objects.get(code="320115")
        used = set(
            Institution.objects.exclude(province_serial=None).values_list(
                "province_serial", flat=True
            )
        )
        serial = next(f"{s:06d}" for s in range(990000, 1000000) if f"{s:06d}" not in used)
        institution = Institution.objects.create(
            name="基准测试职业技能评价中心（南京）",
            kind=InstitutionKind.SOCIAL_ORG,
            uscc=make_uscc("320100", 900000000 + int(serial) - 990000 + rng.randrange(10**6) * 10),
            city=city,
            county=county,
            responsible_person="李建国",
            contact_phone="025-12345678",
            province_serial=serial,
        )
        occupation, _ = Occupation.objects.get_or_create(
            code="6-18-01-01", defaults={"name": "车工"}
        )
        signatory = User.objects.create(
            username=f"bench-signatory-{institution.pk}",
            role=Role.INSTITUTION_SIGNATORY,
            institution=institution,
        )
        batch = Batch.objects.create(
            institution=institution,
            occupation=occupation,
            level=4,
            evaluation_type=EvaluationType.SKILL_LEVEL,
            region=county,
            venue="基准测试考点",
            examiners="张考评\n李考评",
            question_source=QuestionSource.NATIONAL_BANK,
            exam_starts_on=date(2026, 4, 1),
            exam_ends_on=date(2026, 4, 2),
            status=BatchStatus.RESULTS_APPROVED,
            created_by=signatory,
        )
        jpeg = make_photo_jpeg()
        folder = Path(default_storage.path(f"batches/{batch.pk}/photos"))
        folder.mkdir(parents=True, exist_ok=True)
        candidates = []
        for i in range(n):
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(RARE if rng.random() < 0.005 else GIVEN)
                for _ in range(rng.choice((1, 2)))
            )
            birth = date(1970, 1, 1) + timedelta(days=i // 1000)
            id_number = make_resident_id("320102", f"{birth:%Y%m%d}", i)
            (folder / f"{i}.jpg").write_bytes(jpeg)
            candidates.append(
                Candidate(
                    batch=batch,
                    name=name,
                    id_number_encrypted=personal_data.encrypt(id_number),
                    id_number_hash=personal_data.keyed_hash(id_number),
                    id_number_masked=personal_data.mask_id_number(id_number),
                    gender="male",
                    education=3,
                    work_years=Decimal(8),
                    eligibility=EligibilityStatus.PASSED,
                    photo=f"batches/{batch.pk}/photos/{i}.jpg",
                    passed=True,
                )
            )
        Candidate.objects.bulk_create(candidates, batch_size=2000)
        return batch, signatory

    def clean_up(self, batch, signatory):
        """Remove what the benchmark made. Bulk-made rows go the way they came (no per-row
        signals); one audit entry records the removal."""
        institution = batch.institution
        certificates = Certificate.objects.filter(batch=batch)
        prefixes = {number[:-6] for number in certificates.values_list("number", flat=True)}
        with transaction.atomic():
            CertificatePrint.objects.filter(certificate__batch=batch)._raw_delete("default")
            certificates._raw_delete("default")
            Candidate.objects.filter(batch=batch)._raw_delete("default")
            NumberSeries.objects.filter(prefix__in=prefixes)._raw_delete("default")
            batch.transitions.all()._raw_delete("default")
            Job.objects.filter(params__batch_id=batch.pk)._raw_delete("default")
            Batch.objects.filter(pk=batch.pk)._raw_delete("default")
            User.objects.filter(pk=signatory.pk)._raw_delete("default")
            Institution.objects.filter(pk=institution.pk)._raw_delete("default")
            AuditEntry.objects.record(
                AuditAction.DELETE,
                object_type="institutions.batch",
                object_id=batch.pk,
                object_repr=f"基准测试批次 {batch.pk} 已清理 / benchmark batch removed",
            )
        for folder in (f"batches/{batch.pk}", issuance.outputs(batch)["folder"]):
            shutil.rmtree(default_storage.path(folder), ignore_errors=True)
        for prefix in prefixes:
            for year_month in Path(default_storage.path("certificates/pdf")).glob("*/*"):
                for path in year_month.glob(f"{prefix}*.pdf"):
                    path.unlink()
        self.stdout.write("cleaned up (use --keep to keep the batch)")
