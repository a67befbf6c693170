"""End-to-end journeys in Debian's Chromium, driven by Playwright, against a live server.

The live server runs in this process (pytest-django's `live_server`) on the test database; with
PostgreSQL and Redis configured, background jobs go to a real Celery worker process. Screenshots of
each journey's last step are kept under var/e2e/ (CI keeps them as artifacts).
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import REPO, needs

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO / "var" / "e2e"
DEMO_PASSWORD = "Demo-2026-skill"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _database_between_browser_steps():
    """Playwright's sync API runs an event loop in the test thread for the rest of the session;
    the journeys only touch the database between browser steps, never concurrently with it. Set
    once the first journey runs (not at import: it would reach the deployment check of others)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; no network beyond this machine."""
    needs(Path(CHROMIUM).exists(), "needs Debian's chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "accept_downloads": True}


@pytest.fixture
def demo(live_db, settings, tmp_path):
    """The demo data, created by `seed_demo` through the same model methods the pages use."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", verbosity=0)


@pytest.fixture(autouse=True)
def _two_factor_sign_in(settings):
    """The journeys sign in as people do in production: password, then the authenticator's code."""
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_DEMO_CODE = ""


def current_code(username: str) -> str:
    """What the account's authenticator app shows now (the demo enrols every account). A code
    is good once: a second sign-in within the same 30 seconds waits for the next one."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while device.last_t is not None and totp.t() <= device.last_t:
        time.sleep(1)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password=DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form button[type=submit]:not(.link)")
        page.wait_for_load_state()
        assert "/account/two-factor/verify/" in page.url, f"{username}: no second factor asked"
        page.fill("#id_code", current_code(username))
        page.click("main form button[type=submit]:not(.link)")
        page.wait_for_load_state()
        assert "/account" not in page.url, f"{username} could not sign in"
        return page

    return sign_in


@pytest.fixture
def switch_to_english():
    def switch(page):
        page.click("form.lang button[value=en]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"

    return switch


@pytest.fixture
def screenshot(request):
    """Keep the journey's last step as an image: var/e2e/<test name>.png."""

    def take(page, name: str = ""):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = request.node.name + (f"-{name}" if name else "")
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)

    return take
