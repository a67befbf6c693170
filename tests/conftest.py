"""Users of every role; the occupation, filing and scope most tests start from; the days before
and after the competitions; and a real Celery worker for the tests that need one.

Scoped endpoints are tested with an owner, a colleague and an outsider:
alice and bob work at the same institution in Nanjing (江宁区), charlie at one in Suzhou.
"""

import importlib
import os
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from rest_framework.test import APIClient

from institutions.choices import InstitutionKind
from institutions.models import Filing
from skilleval.choices import Role
from tests.clock import SHANGHAI
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    occupation_with_resources,
    region,
)

REPO = Path(__file__).resolve().parent.parent
# CI sets this so that a missing PostgreSQL or Redis fails the run instead of skipping tests.
REQUIRE_SERVICES = os.environ.get("SKILLEVAL_REQUIRE_SERVICES") == "1"


def needs(condition: bool, reason: str):
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and job progress live in the cache: every test starts without them."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _portal_language():
    """Every test starts in the portal's language (Chinese): a request of an earlier test that
    chose English leaves English active in the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path):
    """Each test's audit checkpoints go to a file of its own, like its database starts empty."""
    settings.AUDIT_CHECKPOINT_PATH = str(tmp_path / "audit-checkpoints.log")


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_triggers():
    """Between transactional tests Django empties every table with one TRUNCATE, which the audit
    log's triggers refuse on PostgreSQL. The test database's superuser empties it with triggers
    off (session_replication_role), something the application's own role may not do."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_with_triggers_off(self, *args, **kwargs):
        statements = sql_flush(self, *args, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else []

    patcher = pytest.MonkeyPatch()
    patcher.setattr(DatabaseOperations, "sql_flush", flush_with_triggers_off)
    yield
    patcher.undo()


@pytest.fixture
def on_postgres(settings):
    needs(
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        "needs PostgreSQL (DATABASE_URL)",
    )


@pytest.fixture
def live_db(transactional_db):
    """A database whose writes are really committed (other processes see them). After each such
    test Django empties every table, so the reference data of the migrations is put back first."""
    from django.apps import apps

    from skilleval.models import Region

    if not Region.objects.exists():
        importlib.import_module("skilleval.migrations.0002_jiangsu_regions").load_regions(
            apps, None
        )


@pytest.fixture
def nanjing_institution(db):
    return InstitutionFactory(name="南京测试机电有限公司", county=region("320115"))


@pytest.fixture
def suzhou_institution(db):
    return InstitutionFactory(name="苏州测试评价中心", county=region("320508"))


@pytest.fixture
def alice(nanjing_institution):
    return UserFactory(
        username="alice", role=Role.INSTITUTION_STAFF, institution=nanjing_institution
    )


@pytest.fixture
def bob(nanjing_institution):
    return UserFactory(username="bob", role=Role.INSTITUTION_STAFF, institution=nanjing_institution)


@pytest.fixture
def charlie(suzhou_institution):
    return UserFactory(
        username="charlie", role=Role.INSTITUTION_STAFF, institution=suzhou_institution
    )


@pytest.fixture
def lathe(db):
    """车工 (6-18-01-01) with a national standard and a question bank at every level: the
    occupation the tests file, plan, certify and hold competitions in."""
    return occupation_with_resources()


@pytest.fixture
def draft(nanjing_institution, alice, lathe):
    """alice's filing in the making: 车工 level 4 across Nanjing, no materials attached yet."""
    filing = Filing.objects.open_draft(nanjing_institution, user=alice)
    filing.region_scope.set([region("320100")])
    filing.add_item(lathe, 4, user=alice)
    return filing


@pytest.fixture
def scope(nanjing_institution, lathe):
    """The Nanjing institution's approved filing, inside which its batches are planned: 车工 at
    levels 4 and 2, across Nanjing."""
    return approved_filing(nanjing_institution, [(lathe, 4), (lathe, 2)], regions=["320100"])


@pytest.fixture
def before_the_competitions():
    """Today is 2 November 2026, a month before the competitions the tests create (from 1
    December)."""
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)):
        yield


@pytest.fixture
def after_the_competitions(before_the_competitions):
    """Today is 4 December 2026, the day after the competitions' last: results, recognitions and
    certificates."""
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)):
        yield


@pytest.fixture
def nanjing_centre(db):
    """Nanjing's appraisal centre (职业技能鉴定指导中心), which issues certificates on behalf (代章)
    of the organisers that may not issue their own."""
    return InstitutionFactory(
        name="南京市职业技能鉴定指导中心",
        kind=InstitutionKind.APPRAISAL_CENTRE,
        county=region("320106"),
        responsible_person="陈立新",
    )


@pytest.fixture
def province_admin(db):
    return UserFactory(username="padmin", role=Role.PROVINCE_ADMIN)


@pytest.fixture
def province_auditor(db):
    return UserFactory(username="pauditor", role=Role.PROVINCE_AUDITOR)


@pytest.fixture
def security_admin(db):
    return UserFactory(username="secadmin", role=Role.SECURITY_ADMIN)


@pytest.fixture
def nanjing_staff(db):
    return UserFactory(username="nanjing", role=Role.CITY_STAFF, city=region("320100"))


@pytest.fixture
def suzhou_staff(db):
    return UserFactory(username="suzhou", role=Role.CITY_STAFF, city=region("320500"))


@pytest.fixture
def jiangning_staff(db):
    return UserFactory(username="jiangning", role=Role.COUNTY_STAFF, county=region("320115"))


@pytest.fixture
def organiser(db):
    return UserFactory(
        username="organiser", role=Role.COMPETITION_ORGANISER, organisation="某市总工会"
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True, is_staff=True)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as():
    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


WORKER_APPLICATION_NAME = "skilleval-test-worker"


def start_celery_worker(settings, name: str = "first") -> subprocess.Popen:
    """A real `celery worker` process on Redis, sharing the test database (PostgreSQL); returned
    once it answers a ping under its own node name (so a second one is really up too)."""
    from skilleval.celery import answers, one_task_worker

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "skilleval.settings.test",
        # Named, so a fault test can end the worker's sessions and nobody else's.
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}?application_name={WORKER_APPLICATION_NAME}",
        "REDIS_URL": settings.REDIS_URL,
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SKILLEVAL_TEST_WORKER": "1",
    }
    worker = subprocess.Popen(
        one_task_worker(name),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not answers(name):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"celery worker did not start:\n{worker.stdout.read()}")
    return worker


@pytest.fixture
def celery_worker_process(settings):
    """A real worker for the test; tasks are sent to it instead of running in-process."""
    needs(bool(settings.REDIS_URL), "needs Redis (REDIS_URL)")
    needs(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "needs PostgreSQL")
    from skilleval.celery import app

    app.control.purge()
    worker = start_celery_worker(settings)
    app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
