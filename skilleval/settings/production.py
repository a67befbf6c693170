"""Production: configured only by the environment. A missing or bad value stops the start,
naming the variable."""

import ipaddress
from urllib.parse import urlparse

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from skilleval.settings.base import *  # noqa: F403

DEBUG = False


def _is_postgres_url(value: str) -> bool:
    return urlparse(value).scheme in {"postgres", "postgresql", "pgsql"} and bool(
        urlparse(value).path.strip("/")
    )


def _is_redis_url(value: str) -> bool:
    return urlparse(value).scheme in {"redis", "rediss"}


def _is_fernet_key(value: str) -> bool:
    try:
        Fernet(value.encode())
    except ValueError:
        return False
    return True


def trusted_proxies(entries: list[str]) -> list[str]:
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"Environment variable TRUSTED_PROXIES has a bad value: {entry!r} is not an "
                "address or network (e.g. 10.0.0.5,172.18.0.0/16)."
            ) from None
    return entries


SECRET_KEY = require("SECRET_KEY", lambda v: len(v) >= 50, "Use at least 50 random characters.")
ALLOWED_HOSTS = [
    h.strip()
    for h in require(
        "ALLOWED_HOSTS", hint="Comma-separated host names, e.g. pj.jshrss.gov.cn"
    ).split(",")
    if h.strip()
]
DATABASES = {
    "default": env.db_url_config(
        require("DATABASE_URL", _is_postgres_url, "Expected postgres://user:pass@host:5432/name.")
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = 60
# No extra "SELECT 1" before each request (measured: a quarter of a lookup's time); a connection
# that fails is closed at the end of its request and opened anew by the next.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
REDIS_URL = require("REDIS_URL", _is_redis_url, "Expected redis://host:6379/0.")
PERSONAL_DATA_KEY = require(
    "PERSONAL_DATA_KEY",
    _is_fernet_key,
    "Expected a Fernet key: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'",
)
AUDIT_LOG_KEY = require(
    "AUDIT_LOG_KEY",
    lambda v: len(v) >= AUDIT_LOG_KEY_MIN_LENGTH,
    f"At least {AUDIT_LOG_KEY_MIN_LENGTH} random characters, kept outside the database: "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
)

CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CACHES = {
    "default": {
        # Redis; while it is unreachable each process keeps the keys in memory (skilleval/cache.py).
        "BACKEND": "skilleval.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        # An unreachable Redis is given up on (and /readyz fails) in seconds, not waited for.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# With S3_BUCKET, files go to an S3-compatible object store (MinIO in docker-compose.yml) that
# every worker machine shares; without it, to MEDIA_ROOT on this machine.
S3_BUCKET = env.str("S3_BUCKET", default="")
STORAGES = {
    "default": object_storage(
        S3_BUCKET,
        env.str("S3_ENDPOINT_URL", default=""),
        env.str("S3_ACCESS_KEY_ID", default=""),
        env.str("S3_SECRET_ACCESS_KEY", default=""),
        env.str("S3_REGION", default="us-east-1"),
    )
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS behind a reverse proxy that sets X-Forwarded-Proto and X-Forwarded-For.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Lockout and rate limits key on the real client address: X-Forwarded-For is believed only
# from these proxies (skilleval/addresses.py). Empty: gunicorn is reached directly.
TRUSTED_PROXIES = trusted_proxies(env.list("TRUSTED_PROXIES", default=[]))

# Two-factor sign-in is not optional here, and the demo's shared code is never accepted.
if not TWO_FACTOR_REQUIRED or env.str("TWO_FACTOR_DEMO_CODE", default=""):
    raise ImproperlyConfigured(
        "Production requires two-factor sign-in: unset TWO_FACTOR_REQUIRED=false and "
        "TWO_FACTOR_DEMO_CODE (the demo code is for the embedded default only)."
    )
TWO_FACTOR_DEMO_CODE = ""
