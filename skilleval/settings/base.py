"""Settings shared by every environment.

Environment-specific modules (local, production, test) import this and set the
database, cache, broker and secrets. Nothing here changes URLs or behaviour.
"""

import os
import secrets
import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded default: SQLite, media, keys

env = environ.Env()

# pyHanko imports cryptography's DSA key class, which cryptography announces as deprecated at every
# start of every command; certificates are signed with RSA or ECDSA keys only (certificates/signing.py).
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")


def require(name: str, check=None, hint: str = "") -> str:
    """Read a required environment variable; fail at start, naming it, when missing or bad."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"Environment variable {name} is required. {hint}".strip())
    if check is not None and not check(value):
        raise ImproperlyConfigured(f"Environment variable {name} has a bad value. {hint}".strip())
    return value


def local_secret(path: Path, generate) -> str:
    """A secret generated once into a file of this checkout (embedded default, tests); production
    takes it from the environment. O_EXCL: of two processes starting at once, one writes it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as key_file:
            key_file.write(generate())
    return path.read_text().strip()


def sqlite_database(path) -> dict:
    # IMMEDIATE transactions and a busy timeout let a background job and the web
    # process share the embedded database without "database is locked" errors.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }


def object_storage(bucket: str, endpoint_url: str, access_key: str, secret_key: str, region: str):
    """Default storage in an S3-compatible object store (django-storages): uploads and generated
    files shared by every web and worker machine. Never public: the portal serves each file only
    through its scoped views, so no ACL is set and nothing is read by URL."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key,
            "secret_key": secret_key,
            "region_name": region,
            "default_acl": None,
            "file_overwrite": True,  # a rerun replaces what an interrupted run stored
            "addressing_style": "path",  # MinIO and other self-hosted stores
        },
    }


INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "skilleval",
    "institutions",
    "certificates",
    "competitions",
    "audits",
]

MIDDLEWARE = [
    "skilleval.health.HealthCheckMiddleware",  # first: /healthz and /readyz need nothing below
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "skilleval.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): second factor given
    "django.contrib.messages.middleware.MessageMiddleware",
    "skilleval.two_factor.RequireTwoFactorMiddleware",
    "skilleval.passwords.RequirePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "skilleval.changelog.context.AuditContextMiddleware",
    "skilleval.accounts.LogSuperuserChangesMiddleware",
    "skilleval.middleware.NoStoreForStaffMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "skilleval.urls"
WSGI_APPLICATION = "skilleval.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "skilleval.worklist.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "skilleval.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout is checked before the password
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "skilleval.passwords.PasswordHistoryValidator"},
]
# 等保 2.0 third level: passwords change periodically and do not come back (skilleval/passwords.py).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
PASSWORD_HISTORY_SIZE = 5
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# Staff sessions end after 30 idle minutes: every request renews the cookie.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout after repeated sign-in failures, with a cool-off rather than a permanent lock,
# keyed to username and the client address (skilleval/addresses.py: X-Forwarded-For is
# believed only from TRUSTED_PROXIES).
# Two-factor sign-in (等保 2.0 third level: two kinds of authentication, one cryptographic): every
# account gives a TOTP code after its password; the first sign-in enrols an authenticator app.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
# A code every demo account may give instead of its app's. Only the embedded default sets it; the
# production settings refuse to start with one.
TWO_FACTOR_DEMO_CODE = ""
OTP_TOTP_ISSUER = "江苏省技能人才评价管理平台"
TWO_FACTOR_RECOVERY_CODES = 10

# Wrong passwords of one account from all addresses together (skilleval.models.AccountGuard):
# a proof of work from the 5th (16 bits, one more per failure), a lock from the 15th.
SIGN_IN_CHALLENGE_AFTER = 5
SIGN_IN_LOCK_AFTER = 15
SIGN_IN_LOCK_MINUTES = 60
SIGN_IN_FAILURE_WINDOW = 24 * 60 * 60
SIGN_IN_POW_BITS = 16

AXES_CLIENT_IP_CALLABLE = "skilleval.addresses.client_address_or_none"
TRUSTED_PROXIES: list[str] = []
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # every deadline in the notices is a local date
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers on every response (tests/test_security_headers.py).
# Content-Security-Policy: the pages load only this site's own scripts, styles, images and fonts,
# and run no inline script or style: templates keep theirs in static/js and static/css (a test
# scans them). The PDFs' data: images (QR codes, photos) are drawn by WeasyPrint on the server,
# where no CSP applies; only the API docs page widens img-src, for Swagger UI's data: icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# No page needs a device or a payment: refused to the pages and to anything they might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
# Django's defaults, stated because they are part of the policy: another site never learns which
# page (a certificate's, a lookup's) a link was followed from, and a window this site opens or
# is opened by shares no browsing context with another origin.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused or missing token is a 401 that says why, not a bare 403.
        "skilleval.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"rule-self-check": "60/minute"},
    # A throttle that forgets to key on skilleval.addresses.client_address still does not
    # believe X-Forwarded-For: DRF's get_ident then answers the connection's address.
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "skilleval.api.base.exception_handler",
}

# API tokens (POST /api/v1/auth/token/, /account/tokens/): valid this many hours, at most this many
# valid at once per user; signing out or changing the password revokes all of a user's tokens.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=8)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("Environment variable API_TOKEN_TTL_HOURS must be at least 1.")
API_TOKEN_MAX_PER_USER = 10

# /readyz: fails below this much free disk where uploads and PDFs are written, and when no Celery
# worker has written its heartbeat (every WORKER_HEARTBEAT_INTERVAL s) for WORKER_HEARTBEAT_MAX_AGE s.
READYZ_MIN_FREE_DISK_MB = env.int("READYZ_MIN_FREE_DISK_MB", default=1024)
WORKER_HEARTBEAT_INTERVAL = 30
WORKER_HEARTBEAT_MAX_AGE = 120

SPECTACULAR_SETTINGS = {
    "TITLE": "skilleval API",
    "DESCRIPTION": _("江苏省技能人才评价管理"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind" or "status": name each enum after its choices.
    "ENUM_NAME_OVERRIDES": {
        "JobKindEnum": "skilleval.choices.JobKind",
        "JobStatusEnum": "skilleval.choices.JobStatus",
        "RegionKindEnum": "skilleval.choices.RegionKind",
        "InstitutionKindEnum": "institutions.choices.InstitutionKind",
        "CatalogStatusEnum": "institutions.choices.CatalogStatus",
        "FilingStatusEnum": "institutions.choices.FilingStatus",
        "MaterialKindEnum": "institutions.choices.MaterialKind",
        "BatchStatusEnum": "institutions.choices.BatchStatus",
        "CertificateKindEnum": "certificates.choices.CertificateKind",
        "CertificateStatusEnum": "certificates.choices.CertificateStatus",
        "SkillLevelEnum": "skilleval.choices.Level",
        "EligibilityStatusEnum": "institutions.choices.EligibilityStatus",
        "EligibilityBasisEnum": "institutions.choices.EligibilityBasis",
        "CompetitionFilingLevelEnum": "competitions.choices.FilingLevel",
        "CompetitionFilingStatusEnum": "competitions.choices.CompetitionFilingStatus",
        "RecognitionStatusEnum": "competitions.choices.RecognitionStatus",
        "ComplaintStatusEnum": "audits.choices.ComplaintStatus",
        "ContestantGroupEnum": "competitions.choices.ContestantGroup",
        "FilingReasonEnum": "competitions.choices.FilingReason",
        "HonourKindEnum": "competitions.choices.HonourKind",
        "HonourStatusEnum": "competitions.choices.HonourStatus",
    },
}

# Celery reads every CELERY_* setting (see skilleval/celery.py).
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True  # a job killed mid-run is delivered again
# Results are kept only where a task asks (ignore_result=False): the render chunks of bulk
# issuance, whose chord counts them in the result backend (Redis) before its callback runs.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Jobs (skilleval/models/jobs.py): a running job whose heartbeat (its progress reports, written to
# the row at most every JOB_HEARTBEAT_INTERVAL seconds) is older than JOB_STALE_AFTER lost its
# worker and is requeued by the sweeper; after JOB_MAX_ATTEMPTS runs it fails.
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=10 * 60)
JOB_HEARTBEAT_INTERVAL = 5
JOB_MAX_ATTEMPTS = 3
# A job handed to the broker but not started (a long queue) is sent again only after this long,
# not every minute: a queue is never flooded with copies of its own messages.
JOB_RESEND_AFTER = env.int("JOB_RESEND_AFTER", default=6 * 60 * 60)
# A run older than this stops at its next progress report and the job fails with a message. The
# job checks it itself: the worker's thread pool (docker-compose.yml) ignores Celery's time limits.
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=2 * 60 * 60)
for _name, _seconds in [
    ("JOB_STALE_AFTER", JOB_STALE_AFTER),
    ("JOB_RESEND_AFTER", JOB_RESEND_AFTER),
    ("JOB_TIME_LIMIT", JOB_TIME_LIMIT),
]:
    if _seconds <= JOB_HEARTBEAT_INTERVAL:
        raise ImproperlyConfigured(
            f"Environment variable {_name} has a bad value. "
            f"Seconds, more than the heartbeat's {JOB_HEARTBEAT_INTERVAL}."
        )
# Celery's own limits (enforced by a prefork pool only) come after the job's, which explains itself.
CELERY_TASK_SOFT_TIME_LIMIT = JOB_TIME_LIMIT + 5 * 60
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT + 10 * 60
# Redis redelivers an unacknowledged task after the visibility timeout: above the longest a task
# may run. A copy delivered while its job still runs is dropped all the same (Job.run).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {"task": "skilleval.tasks.sweep_jobs", "schedule": 60.0},
    "archive-audit-log": {
        "task": "skilleval.tasks.archive_audit_log",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    "verify-audit-log-nightly": {
        "task": "skilleval.tasks.verify_audit_log",
        "schedule": crontab(hour=2, minute=0),
    },
    # Signed checkpoints outside the database: rows removed or rewritten after a checkpoint are
    # detected by verify_audit_log; the interval bounds what could go unnoticed.
    "audit-log-checkpoint": {
        "task": "skilleval.tasks.write_audit_checkpoint",
        "schedule": crontab(minute="*/15"),
    },
    # Just after midnight, so a batch is invalid from the first minute after its cut-off day.
    "invalidate-batches-past-exit-cutoff": {
        "task": "institutions.tasks.invalidate_batches_past_exit_cutoff",
        "schedule": crontab(hour=0, minute=5),
    },
    "delete-expired-api-tokens": {
        "task": "skilleval.tasks.delete_expired_api_tokens",
        "schedule": crontab(hour=1, minute=15),
    },
    # The statistics read a nightly summary of the certificates and count the days since live.
    "refresh-statistics-summary": {
        "task": "audits.tasks.refresh_statistics_summary",
        "schedule": crontab(hour=1, minute=45),
    },
    # 54号 五: 一年两次 — on 1 January and 1 July, for the half-year that just ended.
    "quality-review-half-yearly": {
        "task": "audits.tasks.run_half_year_quality_review",
        "schedule": crontab(minute=30, hour=3, day_of_month=1, month_of_year="1,7"),
    },
}

# The audit log's chain is keyed (HMAC-SHA256) with AUDIT_LOG_KEY, set by each environment; its
# signed checkpoints go to an append-only file outside the database (README "Audit log").
AUDIT_CHECKPOINT_PATH = env.str(
    "AUDIT_CHECKPOINT_PATH", default=str(VAR_DIR / "audit-checkpoints.log")
)
AUDIT_LOG_KEY_MIN_LENGTH = 32
# 网络安全法 第二十一条: logs kept at least six months. Older entries go to signed, chained archive
# files (skilleval/changelog/archive.py, monthly by beat); the database keeps AUDIT_ONLINE_DAYS of them.
AUDIT_ARCHIVE_DIR = env.str("AUDIT_ARCHIVE_DIR", default=str(VAR_DIR / "audit-archive"))
AUDIT_ONLINE_DAYS = env.int("AUDIT_ONLINE_DAYS", default=400)
if AUDIT_ONLINE_DAYS < 183:
    raise ImproperlyConfigured(
        "Environment variable AUDIT_ONLINE_DAYS must be at least 183 (six months, "
        "网络安全法 第二十一条)."
    )


def new_audit_log_key() -> str:
    return secrets.token_urlsafe(48)


# Public certificate lookup (SPEC "Public lookup and privacy"): limits per client address and per
# identity (the keyed hash of the ID or certificate number); a captcha after repeated misses.
# Only a benchmark may switch the limits off, explicitly.
LOOKUP_RATE_LIMIT_ENABLED = env.bool("LOOKUP_RATE_LIMIT_ENABLED", default=True)
LOOKUP_RATE_PER_CLIENT = env.str("LOOKUP_RATE_PER_CLIENT", default="30/minute")
LOOKUP_RATE_PER_IDENTITY = env.str("LOOKUP_RATE_PER_IDENTITY", default="10/minute")
LOOKUP_CAPTCHA_AFTER_MISSES = env.int("LOOKUP_CAPTCHA_AFTER_MISSES", default=3)
# bench_lookup's own server only: routes a constant view beside the lookup, its ceiling.
BENCH_CEILING = env.bool("SKILLEVAL_BENCH_CEILING", default=False)
LOOKUP_MISS_WINDOW = 15 * 60  # seconds
LOOKUP_CAPTCHA_MAX_AGE = 5 * 60
LOOKUP_DOWNLOAD_MAX_AGE = 10 * 60

# Public addresses printed on certificates and pages (SPEC "Certificates").
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # fontTools logs every glyph it subsets at INFO: thousands of lines per certificate font.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Certificate PDFs are signed (PAdES) with the province's key, a PKCS#12 file; its password comes
# from the environment only (certificates/signing.py, README "Signed certificates"). Outside
# production a throwaway demo CA is made under CERTIFICATE_SIGNING_DEMO_DIR when no key is set.
CERTIFICATE_SIGNING_P12 = env.str("CERTIFICATE_SIGNING_P12", default="")
CERTIFICATE_SIGNING_P12_PASSWORD = env.str("CERTIFICATE_SIGNING_P12_PASSWORD", default="")
# The CA certificate(s) a signature must chain to (PEM); by default the CAs in the key file.
CERTIFICATE_SIGNING_TRUST_ROOTS = env.str("CERTIFICATE_SIGNING_TRUST_ROOTS", default="")
# A timestamp authority (RFC 3161) makes the signatures PAdES B-T; without it they are B-B.
CERTIFICATE_SIGNING_TSA_URL = env.str("CERTIFICATE_SIGNING_TSA_URL", default="")
CERTIFICATE_SIGNING_DEMO = False  # local and test settings allow the demo key; production never
CERTIFICATE_SIGNING_DEMO_DIR = str(VAR_DIR / "demo-signing")
