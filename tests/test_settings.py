"""Production is configured only by the environment and refuses to start on a bad value."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.conftest import REPO

GOOD = {
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-test-run-only-123",
    "ALLOWED_HOSTS": "pj.example.gov.cn",
    "DATABASE_URL": "postgres://skilleval:pw@db:5432/skilleval",
    "REDIS_URL": "redis://redis:6379/0",
    "PERSONAL_DATA_KEY": Fernet.generate_key().decode(),
    "AUDIT_LOG_KEY": "k" * 10 + "audit-log-key-for-the-test-run-only-456",
}


def run_manage(env_overrides, *args):
    # A production process starts with none of these (nor the journeys' async switch).
    unset = {*GOOD, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update({"DJANGO_SETTINGS_MODULE": "skilleval.settings.production", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("variable", sorted(GOOD))
def test_a_missing_variable_stops_the_start_and_is_named(variable):
    env = {k: v for k, v in GOOD.items() if k != variable}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert f"Environment variable {variable} is required" in result.stderr


@pytest.mark.parametrize(
    ("variable", "bad"),
    [
        ("DATABASE_URL", "sqlite:///db.sqlite3"),
        ("REDIS_URL", "http://redis:6379"),
        ("PERSONAL_DATA_KEY", "not-a-key"),
        ("SECRET_KEY", "short"),
        ("AUDIT_LOG_KEY", "too-short-to-be-a-key"),
    ],
)
def test_a_bad_value_stops_the_start_and_is_named(variable, bad):
    result = run_manage({**GOOD, variable: bad}, "check")
    assert result.returncode != 0
    assert f"Environment variable {variable} has a bad value" in result.stderr


def test_the_deployment_checklist_is_clean_with_good_values():
    result = run_manage(GOOD, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
