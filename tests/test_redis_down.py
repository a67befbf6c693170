"""Redis goes down: the public pages and the lookup keep answering, sign-in works, a job started
meanwhile is recorded and says it waits for the queue, and once Redis is back the sweeper sends it
to a real worker. PostgreSQL and a Redis server of the test's own, stopped and started again
(the shared one is never touched), configured as production configures them.
"""

import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from skilleval.cache import Outage
from skilleval.choices import JobKind, JobStatus
from skilleval.models import Job, Occupation
from tests.conftest import needs, start_celery_worker
from tests.test_lookup import ID_NUMBER, NUMBER, make_certificate

CSV = "职业编码,职业名称,工种,等级\n4-14-02-02,养老护理员,,一级;二级;三级\n".encode()
PASSWORD = "Correct-horse-9"  # tests/factories.py


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server process on a port of its own, which the test stops and starts."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self):
        self.process.kill()
        self.process.wait()
        assert not self.answers()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(settings, on_postgres):
    """Cache and broker on a Redis of the test's own, as in production; tasks go to the broker."""
    needs(bool(settings.REDIS_URL), "needs Redis (REDIS_URL)")
    needs(shutil.which("redis-server") is not None, "needs redis-server")
    from skilleval.celery import app

    server = RedisServer()
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "skilleval.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    broker_url = app.conf.broker_url
    use_broker(app, server.url)
    app.conf.task_always_eager = False
    Outage.end()
    cache.local.clear()  # the stand-in outlives a test, as it outlives an outage
    try:
        yield server
    finally:
        app.conf.task_always_eager = True
        use_broker(app, broker_url)
        Outage.end()
        if server.process.poll() is None:
            server.stop()


def use_broker(app, url):
    """Point the test process's Celery app at another broker. kombu keeps its pools in a registry
    shared by the process: they are closed and forgotten, so the next send opens new ones."""
    from kombu import pools

    # Closing a pooled connection reads the answer of a consumer's pending BRPOP first; one left
    # blocking by an earlier test (a reply queue read without a timeout) would hang the suite.
    closer = threading.Thread(target=pools.reset, daemon=True)
    closer.start()
    closer.join(timeout=10)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


def test_with_redis_down_the_public_pages_and_the_lookup_answer(redis_server, nanjing_institution):
    certificate = make_certificate(nanjing_institution)
    redis_server.stop()
    anyone = Client()
    for path in ("/", "/lookup/", f"/v/{certificate.verification_token}/"):
        assert anyone.get(path).status_code == 200, path
    page = anyone.post(
        "/lookup/", {"mode": "number", "name": "王小明", "certificate_number": NUMBER}
    )
    assert page.status_code == 200 and 'class="cert-card"' in page.content.decode()
    api = anyone.post(
        "/api/v1/public/lookup/",
        {"name": "王小明", "id_number": ID_NUMBER},
        content_type="application/json",
    )
    assert api.status_code == 200 and [r["number"] for r in api.json()["results"]] == [NUMBER]
    # /readyz is not fooled by the stand-in: the cache check asks Redis itself.
    ready = anyone.get("/readyz")
    assert ready.status_code == 503 and "cache" in ready.json()["failing"]


def test_with_redis_down_the_lookup_limits_still_hold(redis_server, nanjing_institution, settings):
    make_certificate(nanjing_institution)
    settings.LOOKUP_RATE_PER_IDENTITY = "2/minute"
    redis_server.stop()
    api = Client()
    answers = [
        api.post(
            "/api/v1/public/lookup/",
            {"name": "王小明", "id_number": ID_NUMBER},
            content_type="application/json",
        ).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]


def test_with_redis_down_sign_in_works(redis_server, province_admin):
    redis_server.stop()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": province_admin.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_with_redis_down_the_province_admin_dashboard_raises_the_alarm(
    redis_server, province_admin
):
    client = Client()
    client.force_login(province_admin)
    assert "service-alarm" not in client.get("/dashboard/").content.decode()
    redis_server.stop()
    page = client.get("/dashboard/").content.decode()
    assert "service-alarm" in page and "缓存（Redis）" in page


def test_a_job_started_with_redis_down_is_recorded_and_sent_by_the_sweeper_once_it_is_back(
    live_db, redis_server, province_admin, settings
):
    redis_server.stop()
    started = time.monotonic()
    job = Job.objects.start(
        JobKind.OCCUPATION_IMPORT,
        user=province_admin,
        input_file=ContentFile(CSV, name="occupations.csv"),
    )  # no transaction around it: sent (or not) at once
    assert time.monotonic() - started < 30  # the broker's refusal does not hang the request
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (JobStatus.QUEUED, None)
    client = Client()
    client.force_login(province_admin)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and "消息队列暂时不可用" in page.content.decode()

    # While Redis is still down the sweeper tries and leaves it recorded.
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert Job.objects.sweep()["sent"] == []

    redis_server.start()
    Outage.end()
    worker = start_celery_worker(settings)
    try:
        assert Job.objects.sweep()["sent"] == [job.pk]
        deadline = time.monotonic() + 120
        while not Job.objects.get(pk=job.pk).is_finished:
            assert time.monotonic() < deadline, "the job was not run after Redis came back"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.sent_at is not None and job.attempts == 1
    assert Occupation.objects.filter(code="4-14-02-02").exists()
