"""/healthz (the process answers) and /readyz (database, cache, worker heartbeat, disk)."""

import time

import pytest
from django.test import Client

from skilleval import health
from tests.conftest import needs

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_answers_without_the_database():
    # No django_db mark: a query would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_answers_any_host_over_plain_http(settings):
    # A container probe talks to 127.0.0.1 over HTTP, whatever ALLOWED_HOSTS and the HTTPS redirect.
    settings.ALLOWED_HOSTS = ["pj.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200


@pytest.mark.django_db
def test_readyz_is_200_when_every_check_passes():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "worker", "disk"}
    assert body["checks"]["disk"]["free_mb"] > 0


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_checks_when_redis_is_unreachable(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
        }
    }
    settings.REDIS_URL = CLOSED_REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    started = time.monotonic()
    response = Client().get("/readyz")
    assert time.monotonic() - started < 10  # a probe answers, it does not hang
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failing"] == ["cache", "worker"]
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()  # no addresses in a public answer
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_media_root_is_short_of_disk(settings):
    settings.READYZ_MIN_FREE_DISK_MB = 10**12
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["disk"]
    assert "below" in response.json()["checks"]["disk"]["error"]


@pytest.fixture
def real_redis(settings):
    needs(bool(settings.REDIS_URL), "needs Redis (REDIS_URL)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)
    yield health._redis()
    health._redis().delete(health.WORKER_HEARTBEAT_KEY)


@pytest.mark.django_db
def test_readyz_fails_without_a_worker_heartbeat_and_passes_with_a_fresh_one(real_redis, settings):
    assert Client().get("/readyz").json()["failing"] == ["worker"]
    health.write_worker_heartbeat()
    assert Client().get("/readyz").status_code == 200
    stale = time.time() - settings.WORKER_HEARTBEAT_MAX_AGE - 5
    real_redis.set(health.WORKER_HEARTBEAT_KEY, stale)
    body = Client().get("/readyz").json()
    assert body["failing"] == ["worker"] and "heartbeat" in body["checks"]["worker"]["error"]


@pytest.mark.celery_worker
def test_a_running_celery_worker_writes_the_heartbeat(live_db, real_redis, celery_worker_process):
    deadline = time.monotonic() + 30
    while real_redis.get(health.WORKER_HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["worker"]["heartbeat_age_s"] < 30
