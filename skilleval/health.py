"""Liveness (/healthz) and readiness (/readyz) for load balancers and container health checks.

Both are answered by a middleware placed first, before host validation, the HTTPS redirect,
sessions and the language: a probe from inside the container (plain HTTP to 127.0.0.1) gets the
same answer as one through the proxy, and /healthz touches nothing but this process.
"""

import contextlib
import shutil
import time
import uuid
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

WORKER_HEARTBEAT_KEY = "skilleval:celery-worker-heartbeat"
# Probes must answer quickly: an unreachable Redis is a failed check after this, not a hung probe.
REDIS_TIMEOUT = 2  # seconds


def _redis():
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def write_worker_heartbeat() -> None:
    """Called by every Celery worker every WORKER_HEARTBEAT_INTERVAL seconds (skilleval/celery.py).
    A failed write is left for /readyz to notice; it never stops the worker."""
    with contextlib.suppress(redis.RedisError):
        _redis().set(WORKER_HEARTBEAT_KEY, time.time(), ex=24 * 60 * 60)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {}


def check_cache() -> dict:
    # Redis itself, not the process-local stand-in that hides its outage (skilleval/cache.py).
    backend = getattr(cache, "redis_only", cache)
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    backend.set(key, value, timeout=10)
    if backend.get(key) != value:
        raise RuntimeError("cache did not return the value just written")
    backend.delete(key)
    return {}


def check_worker() -> dict:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return {"skipped": "tasks run in-process (no broker)"}
    beat = _redis().get(WORKER_HEARTBEAT_KEY)
    if beat is None:
        raise RuntimeError("no Celery worker heartbeat")
    age = time.time() - float(beat)
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last Celery worker heartbeat {int(age)} s ago")
    return {"heartbeat_age_s": int(age)}


def check_disk() -> dict:
    # MEDIA_ROOT holds uploads and generated PDFs; before the first upload it may not exist yet.
    path = Path(settings.MEDIA_ROOT).resolve()
    while not path.exists():
        path = path.parent
    free_mb = shutil.disk_usage(path).free // (1024 * 1024)
    if free_mb < settings.READYZ_MIN_FREE_DISK_MB:
        raise RuntimeError(
            f"{free_mb} MB free in MEDIA_ROOT, below {settings.READYZ_MIN_FREE_DISK_MB} MB"
        )
    return {"free_mb": free_mb}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "worker": check_worker,
    "disk": check_disk,
}


def readiness() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"ok": True, **check()}
        except Exception as exc:  # a probe reports every failure, whatever its kind
            # The exception's class and our own messages only: a driver's message may carry a
            # host name or a password-bearing URL.
            detail = str(exc) if isinstance(exc, RuntimeError) else type(exc).__name__
            results[name] = {"ok": False, "error": detail}
    return all(result["ok"] for result in results.values()), results


class HealthCheckMiddleware:
    """/healthz: the process answers (no database). /readyz: 200 when every check passes, 503
    naming the failing ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            ok, checks = readiness()
            failing = [name for name, result in checks.items() if not result["ok"]]
            return JsonResponse(
                {"status": "ok" if ok else "fail", "failing": failing, "checks": checks},
                status=200 if ok else 503,
            )
        return self.get_response(request)
