"""The embedded default: SQLite file, jobs run in-process, files under var/. No server needed."""

from cryptography.fernet import Fernet

from skilleval.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-only-not-a-secret-9c1f0e7b2d4a6e8f0a1b3c5d7e9f")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])

VAR_DIR.mkdir(exist_ok=True)
DATABASES = (
    {"default": env.db("DATABASE_URL", default="")}
    if env.str("DATABASE_URL", default="")
    else {"default": sqlite_database(VAR_DIR / "db.sqlite3")}
)
MEDIA_ROOT = VAR_DIR / "media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# No broker: Celery runs each task in-process, at the moment it is dispatched.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_TASK_ALWAYS_EAGER = True
    # Never used for tasks, but Celery opens a producer even for eager ones: a host named here
    # keeps it from warning that none was given.
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_EAGER_PROPAGATES = False


# Keys generated once for this checkout; production takes them from the environment.
PERSONAL_DATA_KEY = env.str("PERSONAL_DATA_KEY", default="") or local_secret(
    VAR_DIR / "personal_data.key", lambda: Fernet.generate_key().decode()
)
AUDIT_LOG_KEY = env.str("AUDIT_LOG_KEY", default="") or local_secret(
    VAR_DIR / "audit_log.key", new_audit_log_key
)

# The demo accounts (seed_demo) may give this code instead of their authenticator app's: the
# portal stays walkable on a fresh machine. Production refuses to start with one.
TWO_FACTOR_DEMO_CODE = env.str("TWO_FACTOR_DEMO_CODE", default="246810")

# Static files come straight from static/ and the installed apps; no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

CERTIFICATE_SIGNING_DEMO = True  # without CERTIFICATE_SIGNING_P12, sign with var/demo-signing/
