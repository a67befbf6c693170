"""Benchmark of the public certificate lookup under load (issue 5, "Performance"):

    manage.py bench_lookup --certificates 1000000 [--baseline 10000] [--duration 20]
                           [--connections 32] [--workers N] [--worker-class sync|gthread]
                           [--threads 4] [--keep]

1. On the configured PostgreSQL database, load `--baseline` certificates with COPY (rows made in
   Python: every row its own person, ID number, keyed hash, Fernet ciphertext and verification
   token; one certificate in five is a second certificate of the same person).
2. Start gunicorn (`skilleval.wsgi`, production settings from the environment, the same
   PERSONAL_DATA_KEY that made the rows, LOOKUP_RATE_LIMIT_ENABLED=False set explicitly) on a free
   port of 127.0.0.1 and wait until it answers.
3. Drive POST /api/v1/public/lookup/ with wrk (Debian package `wrk`; without it a Python asyncio
   generator) for `--duration` seconds at `--connections` concurrency, rotating JSON bodies over a
   few hundred known people: name + ID number hits, name + certificate number hits, and 20 % misses
   (a wrong name), since a miss runs the same query.
4. Load the rest up to `--certificates` and measure again; print requests/s, p50/p90/p99, errors,
   the p50 ratio and PASS/FAIL against the targets: ≥ 1,200 lookups/s, p99 ≤ 30 ms at 1,000,000,
   p50(1,000,000) ≤ 1.25 × p50(10,000).
   Beside it, in the same run on the same server: the ceiling, a constant DRF view behind the same
   middleware (`/api/v1/public/bench-ceiling/`, routed only with SKILLEVAL_BENCH_CEILING), and the
   lookup's share of it (target ≥ 0.4×); then the server restarts with the rate limits and the
   captcha gate on, at rates no load reaches, so every check runs through Redis and none refuses:
   the second figure.
5. Stop gunicorn (its process group) and delete the rows it made unless --keep.

Every request goes to 127.0.0.1; each run is bounded by --duration (plus a short warm-up).
"""

import asyncio
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from certificates.choices import CertificateKind, CertificateStatus
from certificates.models import Certificate
from institutions.choices import IdType, InstitutionKind
from institutions.models import Institution
from skilleval import personal_data
from skilleval.demo import make_resident_id, make_uscc
from skilleval.models import Occupation, Region

LOOKUP_PATH = "/api/v1/public/lookup/"
CEILING_PATH = "/api/v1/public/bench-ceiling/"  # routed only on this server (BENCH_CEILING)
TARGET_RATE = 1200.0  # lookups/s
TARGET_P99_MS = 30.0
TARGET_P50_RATIO = 1.25
TARGET_CEILING_SHARE = 0.4  # of the constant DRF view's rate on the same server
# Limits on, at rates the load never reaches: every check runs (Redis), none refuses.
UNREACHABLE_LIMITS = {
    "LOOKUP_RATE_PER_CLIENT": "100000000/minute",
    "LOOKUP_RATE_PER_IDENTITY": "100000000/minute",
    "LOOKUP_CAPTCHA_AFTER_MISSES": "100000000",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂建华文辉玉萍红鹏飞宇浩然子轩梓涵一诺欣怡晨阳雨桐佳琪俊志国庆海燕丹思远嘉博家豪"
RARE = "珺喆昇堃燚䶮琤玥彧翀"  # 生僻字: about one name in a hundred
# 县级 region codes of Jiangsu for the ID numbers' first six digits.
ID_REGIONS = (
    "320102",
    "320104",
    "320105",
    "320106",
    "320111",
    "320115",
    "320205",
    "320311",
    "320402",
    "320505",
)
OCCUPATIONS = (
    ("6-18-01-01", "车工"),
    ("6-18-01-02", "铣工"),
    ("6-18-01-05", "磨工"),
    ("6-20-03-01", "电工"),
    ("4-03-02-01", "中式烹调师"),
    ("4-10-01-06", "保育师"),
)
INSTITUTIONS = 8
SECOND_CERTIFICATE_EVERY = 5  # certificate i with i % 5 == 4 belongs to the person of i - 1

COLUMNS = (
    "kind",
    "number",
    "status",
    "holder_name",
    "id_type",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "work_type",
    "level",
    "issued_on",
    "signatory",
    "photo",
    "pdf",
    "verification_token",
    "revocation_reason",
    "created_at",
    "institution_id",
    "occupation_id",
)


# --- pure parts (tests/test_bench_lookup.py) ---------------------------------------------------


def percentile(sorted_values, q: float) -> float:
    """The q-th percentile (0–100) of ascending values, interpolating linearly between ranks
    (numpy's default); 0.0 for no values."""
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * min(max(q, 0.0), 100.0) / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def person_of(index: int) -> int:
    """The person a certificate belongs to: one certificate in five is a second one."""
    if index % SECOND_CERTIFICATE_EVERY == SECOND_CERTIFICATE_EVERY - 1:
        return index - 1
    return index


def person(k: int) -> tuple[str, str]:
    """(name, resident ID number) of person k, deterministic; ID numbers are distinct for
    distinct k below 146 million and well formed (GB 11643)."""
    seq, rest = k % 1000, k // 1000
    region, day = ID_REGIONS[rest % len(ID_REGIONS)], rest // len(ID_REGIONS)
    # 97 is prime to 14,600 days (40 years): distinct days for distinct `day` values.
    birth = date(1965, 1, 1) + timedelta(days=(day * 97) % 14600)
    h = (k * 2654435761 + 12345) % 2**32
    given_pool = RARE if h % 100 == 0 else GIVEN
    name = SURNAMES[h % len(SURNAMES)] + GIVEN[(h >> 8) % len(GIVEN)]
    if (h >> 16) % 3:
        name += given_pool[(h >> 20) % len(given_pool)]
    return name, make_resident_id(region, f"{birth:%Y%m%d}", seq)


def wrong_name(name: str) -> str:
    """Another plausible name for a miss: the last character replaced."""
    last = name[-1]
    replacement = GIVEN[(GIVEN.find(last) + 7) % len(GIVEN)]
    if replacement == last:
        replacement = GIVEN[0] if last != GIVEN[0] else GIVEN[1]
    return name[:-1] + replacement


def lookup_bodies(targets, *, miss_share: float = 0.2, number_share: float = 0.1) -> list[dict]:
    """One request body per target (name, id_number, certificate_number), in target order:
    the first `number_share` of every ten look up by certificate number, the last `miss_share`
    carry a wrong name (half with the ID number, half with the certificate number), the rest are
    name + ID number hits. Every body has exactly one of id_number / certificate_number."""
    bodies = []
    misses, by_number = round(miss_share * 10), round(number_share * 10)
    for i, (name, id_number, number) in enumerate(targets):
        slot = i % 10
        if slot >= 10 - misses:
            if slot % 2:
                bodies.append({"name": wrong_name(name), "certificate_number": number})
            else:
                bodies.append({"name": wrong_name(name), "id_number": id_number})
        elif slot < by_number:
            bodies.append({"name": name, "certificate_number": number})
        else:
            bodies.append({"name": name, "id_number": id_number})
    return bodies


WRK_LUA = r"""
local bodies_file = @BODIES_FILE@
local path = @PATH@
local reqs = {}
local counter = 0
non2xx = 0
empty = 0
answered = 0

function init(args)
  for line in io.lines(bodies_file) do
    if #line > 0 then
      local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
      reqs[#reqs + 1] = wrk.format("POST", path, headers, line)
    end
  end
  counter = ((wrk_thread_id or 0) * 997) % #reqs
end

function request()
  counter = counter % #reqs + 1
  return reqs[counter]
end

function response(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif body and string.find(body, '"results":[]', 1, true) then
    empty = empty + 1
  end
end

local threads = {}
function setup(thread)
  thread:set("wrk_thread_id", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local n2, e, a = 0, 0, 0
  for _, t in ipairs(threads) do
    n2 = n2 + t:get("non2xx")
    e = e + t:get("empty")
    a = a + t:get("answered")
  end
  local errs = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%d " ..
    "non2xx=%d empty=%d answered=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, n2, e, a, errs.connect, errs.read,
    errs.write, errs.timeout))
end
"""


def wrk_script(bodies_file: str, path: str = LOOKUP_PATH) -> str:
    """A wrk Lua script rotating POST bodies read from a file (one JSON document per line),
    counting non-2xx answers and empty results per thread, and printing one BENCH line."""
    script = WRK_LUA.replace("@BODIES_FILE@", json.dumps(bodies_file))
    return script.replace("@PATH@", json.dumps(path))


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # non-2xx answers plus socket errors and timeouts
    empty: int  # 2xx answers with no result (the intended misses)
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> int:
        return self.requests - self.errors


def parse_wrk(output: str) -> Result:
    """The BENCH line printed by wrk_script's done()."""
    match = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
    if not match:
        raise CommandError(f"wrk printed no BENCH line:\n{output}")
    values = {key: int(float(value)) for key, value in re.findall(r"(\w+)=(\S+)", match[1])}
    socket_errors = sum(values[k] for k in ("connect", "read", "write", "timeout"))
    return Result(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        p50_ms=values["p50_us"] / 1000,
        p90_ms=values["p90_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        errors=values["non2xx"] + socket_errors,
        empty=values["empty"],
        tool="wrk",
    )


# --- the Python load generator (when wrk is missing) -----------------------------------------


async def _python_client(port, requests, offset, deadline, latencies, counts):
    reader = writer = None
    i = offset
    while time.perf_counter() < deadline:
        request = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            status = int(head.split(b" ", 2)[1])
            lower = head.lower()
            length = re.search(rb"content-length:\s*(\d+)", lower)
            body = await reader.readexactly(int(length[1])) if length else await reader.read()
            if not length or b"connection: close" in lower:
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            counts["failed"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        latencies.append(time.perf_counter() - started)
        if not 200 <= status <= 299:
            counts["errors"] += 1
        elif b'"results":[]' in body:
            counts["empty"] += 1
    if writer is not None:
        writer.close()


def python_load(
    port: int, bodies: list[dict], seconds: float, connections: int, path: str = LOOKUP_PATH
) -> Result:
    """A closed-loop asyncio generator (keep-alive when the server allows it). It shares the two
    cores with the server, so its figures are worse than wrk's."""
    requests = []
    for body in bodies:
        data = json.dumps(body, ensure_ascii=False).encode()
        requests.append(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
    latencies: list[float] = []
    counts = {"errors": 0, "failed": 0, "empty": 0}

    async def main():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _python_client(port, requests, c * 997, deadline, latencies, counts)
                for c in range(connections)
            )
        )

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()
    ms = [v * 1000 for v in latencies]
    return Result(
        requests=len(latencies) + counts["failed"],
        seconds=elapsed,
        p50_ms=percentile(ms, 50),
        p90_ms=percentile(ms, 90),
        p99_ms=percentile(ms, 99),
        max_ms=ms[-1] if ms else 0.0,
        errors=counts["errors"] + counts["failed"],
        empty=counts["empty"],
        tool="python-asyncio",
    )


# --- the command -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Command(BaseCommand):
    help = "Benchmark the public lookup API under load at 1,000,000 and 10,000 certificates."

    def add_arguments(self, parser):
        cores = len(os.sched_getaffinity(0))
        parser.add_argument("--certificates", type=int, default=1_000_000)
        parser.add_argument("--baseline", type=int, default=10_000)
        parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
        parser.add_argument("--warmup", type=int, default=3, help="seconds before each run")
        # 16 clients in flight: at 600 requests/s, 32 would queue ≥ 53 ms by arithmetic alone
        # (latency = connections / throughput), whatever the code does.
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--workers", type=int, default=2 * cores)
        parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
        parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
        parser.add_argument("--wrk-threads", type=int, default=1)
        parser.add_argument("--targets", type=int, default=500, help="known people to look up")
        parser.add_argument("--keep", action="store_true", help="keep the generated rows")
        parser.add_argument(
            "--python-load",
            action="store_true",
            help="use the Python generator even when wrk is installed",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"bench_lookup needs PostgreSQL; the configured database is {connection.vendor}. "
                "Set DATABASE_URL=postgres://user@127.0.0.1:5432/name (SQLite is not measured)."
            )
        total, baseline = options["certificates"], options["baseline"]
        if not 0 < baseline < total:
            raise CommandError("--baseline must be positive and below --certificates")
        self.options = options
        self.wrk = None if options["python_load"] else shutil.which("wrk")
        if self.wrk is None and not options["python_load"]:
            self.stdout.write(
                "wrk not found: apt-get install -y wrk  (falling back to the Python generator, "
                "which shares the CPU with the server)"
            )
        self.workdir = Path(tempfile.mkdtemp(prefix="bench_lookup_"))
        self.server = None
        self.institutions: list[int] = []
        self.created_occupations: list[int] = []
        results = {}
        try:
            self.prepare_reference_rows()
            targets = self.targets(baseline)
            bodies = lookup_bodies(targets)
            self.bodies = bodies
            self.bodies_file = self.workdir / "bodies.jsonl"
            self.bodies_file.write_text(
                "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies)
            )
            self.load(0, baseline)
            self.start_server()
            self.sanity_check(targets)
            results[baseline] = self.measure(baseline)
            self.load(baseline, total)
            results[total] = self.measure(total)
            ceiling = self.measure(total, path=CEILING_PATH, label="ceiling: constant DRF view")
            self.stop_server()
            self.start_server(limits=True)
            limited = self.measure(total, label="rate limits and captcha gate on")
            self.report(results, baseline, total, ceiling, limited)
        finally:
            self.stop_server()
            if self.options["keep"]:
                self.stdout.write(f"kept {total} certificates (institutions {self.institutions})")
            else:
                self.clean_up()
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- data -----------------------------------------------------------------------------------

    def prepare_reference_rows(self):
        city, county = Region.objects.get(code="320100"), Region.objects.get(code="320115")
        used = set(
            Institution.objects.exclude(province_serial=None).values_list(
                "province_serial", flat=True
            )
        )
        serials = [f"{s:06d}" for s in range(980000, 1000000) if f"{s:06d}" not in used]
        self.serials = serials[:INSTITUTIONS]
        for n, serial in enumerate(self.serials):
            uscc_serial = 800000000 + int(serial) % 100000 * 100 + n
            while Institution.objects.filter(uscc=make_uscc("320100", uscc_serial)).exists():
                uscc_serial += 7
            institution = Institution.objects.create(
                name=f"查询基准测试评价机构{n + 1}（南京）",
                kind=InstitutionKind.SOCIAL_ORG,
                uscc=make_uscc("320100", uscc_serial),
                city=city,
                county=county,
                responsible_person="李建国",
                contact_phone="025-12345678",
                province_serial=serial,
            )
            self.institutions.append(institution.pk)
        self.occupations = []
        for code, name in OCCUPATIONS:
            occupation, created = Occupation.objects.get_or_create(
                code=code, defaults={"name": name}
            )
            self.occupations.append(occupation.pk)
            if created:
                self.created_occupations.append(occupation.pk)

    def row(self, i: int, now, fernet_encrypt):
        name, id_number = person(person_of(i))
        institution = i % INSTITUTIONS
        level = 1 + (i // INSTITUTIONS) % 5
        number = f"S0000{self.serials[institution]}25{level}{i // INSTITUTIONS:06d}"
        issued_on = date(2019, 1, 1) + timedelta(days=(i * 7) % 2500)
        return (
            CertificateKind.SKILL_LEVEL.value,
            number,
            CertificateStatus.VALID.value,
            name,
            IdType.RESIDENT_ID.value,
            fernet_encrypt(id_number),
            personal_data.keyed_hash(id_number),
            personal_data.mask_id_number(id_number),
            "",
            level,
            issued_on,
            "王建国",
            "",
            f"certificates/pdf/{issued_on:%Y/%m}/{number}.pdf",
            secrets.token_urlsafe(32),
            "",
            now,
            self.institutions[institution],
            self.occupations[(i // 3) % len(self.occupations)],
        )

    def targets(self, baseline: int):
        """A few hundred known (name, ID number, certificate number) spread over the baseline
        rows, so the same people are looked up at every size."""
        count = min(self.options["targets"], baseline)
        step = baseline // count
        out = []
        for i in range(0, step * count, step):
            name, id_number = person(person_of(i))
            level = 1 + (i // INSTITUTIONS) % 5
            number = f"S0000{self.serials[i % INSTITUTIONS]}25{level}{i // INSTITUTIONS:06d}"
            out.append((name, id_number, number))
        return out

    def load(self, start: int, stop: int):
        """COPY rows [start, stop) in one transaction, then ANALYZE."""
        encrypt = Fernet(settings.PERSONAL_DATA_KEY.encode()).encrypt

        def fernet_encrypt(value: str) -> str:
            return encrypt(value.encode()).decode()

        now = timezone.now()
        started = last = time.perf_counter()
        table = Certificate._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for i in range(start, stop):
                    copy.write_row(self.row(i, now, fernet_encrypt))
                    if time.perf_counter() - last > 15:
                        last = time.perf_counter()
                        self.stdout.write(f"  … {i + 1 - start} rows")
        copied = time.perf_counter() - started
        with connection.cursor() as cursor:
            # VACUUM too: a table just filled by COPY makes its first readers write hint bits and
            # competes with autovacuum, which a table in service has long done. Measure steady state.
            cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("SELECT count(*) FROM " + table)
            count = cursor.fetchone()[0]
        self.stdout.write(
            f"loaded certificates {start}…{stop - 1}: {stop - start} rows in {copied:.1f} s "
            f"({(stop - start) / copied:,.0f}/s), VACUUM ANALYZE in "
            f"{time.perf_counter() - started - copied:.1f} s; {count} certificates in the table"
        )

    def clean_up(self):
        started = time.perf_counter()
        table = Certificate._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            if self.institutions:
                cursor.execute(
                    f"DELETE FROM {table} WHERE institution_id = ANY(%s)", [self.institutions]
                )
                deleted = cursor.rowcount
                Institution.objects.filter(pk__in=self.institutions)._raw_delete("default")
            else:
                deleted = 0
            unused = Occupation.objects.filter(pk__in=self.created_occupations).exclude(
                pk__in=Certificate.objects.values("occupation_id")
            )
            unused._raw_delete("default")
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
        self.stdout.write(
            f"cleaned up: {deleted} certificates and {len(self.institutions)} institutions "
            f"removed in {time.perf_counter() - started:.1f} s (use --keep to keep them)"
        )

    # --- the server -----------------------------------------------------------------------------

    def database_url(self) -> str:
        if os.environ.get("DATABASE_URL"):
            return os.environ["DATABASE_URL"]
        db = settings.DATABASES["default"]
        auth = quote(db.get("USER") or "postgres", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"

    def server_env(self, limits: bool = False) -> dict:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="skilleval.settings.production",
            SECRET_KEY="bench-lookup-" + secrets.token_urlsafe(48),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.database_url(),
            REDIS_URL=os.environ.get("REDIS_URL")
            or getattr(settings, "REDIS_URL", "")
            or "redis://127.0.0.1:6379/12",
            # The key that made the rows: hashes and ciphertexts match the server's.
            PERSONAL_DATA_KEY=settings.PERSONAL_DATA_KEY,
            SECURE_SSL_REDIRECT="False",
            # The benchmark's explicit switch: no throttles, no captcha gate (lookup.py); for the
            # second figure they are on at rates no load reaches.
            LOOKUP_RATE_LIMIT_ENABLED=str(limits),
            SKILLEVAL_BENCH_CEILING="True",
            PYTHONUNBUFFERED="1",
        )
        if limits:
            env.update(UNREACHABLE_LIMITS)
        return env

    def start_server(self, limits: bool = False):
        self.port = free_port()
        options = self.options
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "skilleval.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            options["worker_class"],
            "--backlog",
            "512",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if options["worker_class"] == "gthread":
            command += ["--threads", str(options["threads"])]
        self.server_log = self.workdir / "gunicorn.log"
        log = self.server_log.open("wb")
        self.server = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=self.server_env(limits),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            if self.server.poll() is not None:
                raise CommandError(f"gunicorn exited:\n{self.server_log.read_text()[-3000:]}")
            try:
                status, _ = self.post(self.bodies[0], timeout=5)
                if status == 200:
                    break
                raise CommandError(
                    f"the server answers {status}:\n{self.server_log.read_text()[-3000:]}"
                )
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError("gunicorn did not answer within 60 s") from None
                time.sleep(0.3)
        extra = (
            f", {options['threads']} threads each" if options["worker_class"] == "gthread" else ""
        )
        self.stdout.write(
            f"gunicorn on 127.0.0.1:{self.port}: {options['workers']} {options['worker_class']} "
            f"workers{extra}, production settings, LOOKUP_RATE_LIMIT_ENABLED={limits}"
        )

    def stop_server(self):
        if self.server is None or self.server.poll() is not None:
            return
        try:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.stdout.write("gunicorn stopped")

    def post(self, body: dict, timeout: float = 10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(
                "POST",
                LOOKUP_PATH,
                body=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def sanity_check(self, targets):
        """A hit finds its certificate, a wrong name finds nothing: the server reads the rows
        with the key that made them."""
        name, id_number, number = targets[0]
        status, hit = self.post({"name": name, "id_number": id_number})
        results = json.loads(hit)["results"] if status == 200 else None
        if not results or number not in {r["number"] for r in results}:
            raise CommandError(f"sanity check failed: hit answered {status} {hit[:300]!r}")
        status, miss = self.post({"name": wrong_name(name), "id_number": id_number})
        if status != 200 or json.loads(miss)["results"]:
            raise CommandError(f"sanity check failed: miss answered {status} {miss[:300]!r}")
        self.stdout.write("sanity: a hit finds its certificate, a wrong name finds nothing")

    # --- load -----------------------------------------------------------------------------------

    def run_load(self, seconds: int, path: str = LOOKUP_PATH) -> Result:
        connections = self.options["connections"]
        if self.wrk is None:
            return python_load(self.port, self.bodies, seconds, connections, path)
        script = self.workdir / "lookup.lua"
        script.write_text(wrk_script(str(self.bodies_file), path))
        threads = max(1, min(self.options["wrk_threads"], connections))
        completed = subprocess.run(
            [
                self.wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{self.port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
        if completed.returncode:
            raise CommandError(f"wrk failed:\n{completed.stdout}\n{completed.stderr}")
        return parse_wrk(completed.stdout)

    def measure(self, size: int, path: str = LOOKUP_PATH, label: str = "lookup") -> Result:
        if self.options["warmup"]:
            self.run_load(self.options["warmup"], path)
        before = loadavg()
        result = self.run_load(self.options["duration"], path)
        self.loadavg = (before, loadavg())
        self.stdout.write(
            f"\n{label}, {size:,} certificates ({result.tool}, {self.options['connections']} connections, "
            f"{result.seconds:.0f} s)\n"
            f"  requests        {result.requests:>10,}   ({result.empty:,} answered with no "
            f"result: {result.empty / max(result.ok, 1):.0%}, 20 % intended)\n"
            f"  requests/s      {result.rate:>10.0f}\n"
            f"  p50             {result.p50_ms:>10.1f} ms\n"
            f"  p90             {result.p90_ms:>10.1f} ms\n"
            f"  p99             {result.p99_ms:>10.1f} ms\n"
            f"  max             {result.max_ms:>10.1f} ms\n"
            f"  errors          {result.errors:>10}   (non-2xx, socket errors, timeouts)\n"
            f"  load average    {before} before, {self.loadavg[1]} after (1/5/15 min)\n"
        )
        return result

    def report(self, results, baseline: int, total: int, ceiling: Result, limited: Result):
        big, small = results[total], results[baseline]
        ratio = big.p50_ms / small.p50_ms if small.p50_ms else float("inf")
        share = big.rate / ceiling.rate if ceiling.rate else 0.0

        def verdict(ok: bool) -> str:
            return "PASS" if ok else "FAIL"

        self.stdout.write(
            f"p50 ratio {total:,} / {baseline:,}: {big.p50_ms:.1f} / {small.p50_ms:.1f} ms = "
            f"{ratio:.2f}×\n"
            f"{verdict(big.rate >= TARGET_RATE)}  lookups/s at {total:,}: {big.rate:.0f} "
            f"(target ≥ {TARGET_RATE:.0f})\n"
            f"{verdict(big.p99_ms <= TARGET_P99_MS)}  p99 at {total:,}: {big.p99_ms:.1f} ms "
            f"(target ≤ {TARGET_P99_MS:.0f} ms)\n"
            f"{verdict(ratio <= TARGET_P50_RATIO)}  p50 ratio: {ratio:.2f}× "
            f"(target ≤ {TARGET_P50_RATIO}×)\n"
            f"{verdict(share >= TARGET_CEILING_SHARE)}  share of the ceiling: {big.rate:.0f} / "
            f"{ceiling.rate:.0f} = {share:.2f}× (target ≥ {TARGET_CEILING_SHARE}×)\n"
            f"      with rate limits and captcha gate on: {limited.rate:.0f}/s, "
            f"p99 {limited.p99_ms:.1f} ms ({limited.rate / big.rate if big.rate else 0:.2f}× "
            f"of limits off)\n"
            f"{verdict(big.errors == 0 and small.errors == 0)}  errors: {big.errors} at {total:,}, "
            f"{small.errors} at {baseline:,}\n"
            f"cores: {len(os.sched_getaffinity(0))}, load average now {loadavg()}"
        )
