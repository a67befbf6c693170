"""Test settings: SQLite in memory by default, PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.

CI sets both, so the suite runs against the real stack there.
"""

from skilleval.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-4f2a9b7c1e3d5f7a9b0c2d4e6f8a0b1c3d5e7f9a"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

DATABASES = {
    "default": env.db("DATABASE_URL")
    if env.str("DATABASE_URL", default="")
    else sqlite_database(":memory:")
}
MEDIA_ROOT = env.str("TEST_MEDIA_ROOT", default=str(VAR_DIR / "test-media"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests sign in with force_login; the two-factor tests and the browser journeys switch the
# requirement on and give real TOTP codes.
TWO_FACTOR_REQUIRED = False

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Tests run tasks in-process unless a test starts a real worker (tests/conftest.py); that worker
# sends the tasks it starts (bulk issuance's chunks) through the broker, as in production.
CELERY_TASK_ALWAYS_EAGER = not env.bool("SKILLEVAL_TEST_WORKER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

PERSONAL_DATA_KEY = "qZ0d6m2m0y2sQqWnq4r9o3dGZb7s1bM7cT2l9iW0V5E="
# From a file, not the code: a subprocess of a test (manage.py shell) keys the chain alike.
VAR_DIR.mkdir(exist_ok=True)
AUDIT_LOG_KEY = local_secret(VAR_DIR / "audit_log.key", new_audit_log_key)

# Static files come straight from static/ and the installed apps; no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

CERTIFICATE_SIGNING_DEMO = True
CERTIFICATE_SIGNING_DEMO_DIR = str(VAR_DIR / "test-demo-signing")
