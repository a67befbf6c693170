"""Two-factor sign-in (等保 2.0 third level): the password, then a TOTP code; enrolment on the first
sign-in with recovery codes; a security administrator's reset; API tokens only with the code."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from skilleval.models import AuditEntry

pytestmark = pytest.mark.django_db


PASSWORD = "Correct-horse-9"


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_DEMO_CODE = ""


def code_of(device, offset_steps=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def after_the_throttle():
    """django-otp makes a device wait 1, 2, 4 … seconds after each wrong code."""
    return time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def password_only(username) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password itself is right"
    return client


def test_the_password_alone_reaches_no_page_only_the_second_step(alice):
    enrolled(alice)
    client = password_only("alice")

    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/verify/?next=/dashboard/")
    assert client.get("/institutions/batches/").status_code == 302
    assert client.get("/api/v1/institutions/").status_code == 403  # the session API as well


def test_the_current_code_signs_in_and_is_good_only_once(alice):
    device = enrolled(alice)
    client = password_only("alice")
    code = code_of(device)

    response = client.post("/account/two-factor/verify/?next=/dashboard/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200

    again = password_only("alice")
    refused = again.post("/account/two-factor/verify/", {"code": code})
    assert refused.status_code == 200 and "验证码不正确或已使用过" in refused.content.decode()
    assert again.get("/dashboard/").status_code == 302


def test_five_wrong_codes_end_the_sign_in(alice):
    enrolled(alice)
    client = password_only("alice")
    for _ in range(4):
        assert client.post("/account/two-factor/verify/", {"code": "000000"}).status_code == 200
    response = client.post("/account/two-factor/verify/", {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/account/two-factor/verify/").status_code == 302  # signed out
    assert AuditEntry.objects.filter(action="login_failed", object_id=str(alice.pk)).count() == 5


def test_the_first_sign_in_enrols_an_app_and_shows_recovery_codes_once(alice):
    client = password_only("alice")
    assert client.get("/dashboard/")["Location"].startswith("/account/two-factor/setup/")

    page = client.get("/account/two-factor/setup/").content.decode()
    assert "<svg" in page  # the QR code to scan
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    wrong = client.post("/account/two-factor/setup/", {"code": "123456"})
    assert "验证码不正确" in wrong.content.decode()

    with after_the_throttle():  # a wrong code makes the device wait before the next try
        done = client.post("/account/two-factor/setup/", {"code": code_of(device)})
    codes = re.findall(r"<code>(\d{4} \d{4})</code>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/dashboard/").status_code == 200
    assert AuditEntry.objects.filter(object_id=str(alice.pk), after__two_factor="enrolled")

    # A recovery code stands in for the phone, once.
    later = password_only("alice")
    assert later.post("/account/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert later.get("/dashboard/").status_code == 200
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    reused = password_only("alice")
    assert reused.post("/account/two-factor/verify/", {"code": codes[0]}).status_code == 200


def test_an_enrolled_user_cannot_enrol_a_second_app_by_the_setup_page(alice):
    enrolled(alice)
    client = password_only("alice")
    response = client.get("/account/two-factor/setup/")
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_security_administrator_resets_a_lost_phone_and_it_is_logged(alice, security_admin):
    enrolled(alice)
    session_device = enrolled(security_admin)
    verified = password_only(security_admin.username)
    verified.post("/account/two-factor/verify/", {"code": code_of(session_device)})

    response = verified.post(f"/account/two-factor/reset/{alice.pk}/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert AuditEntry.objects.filter(object_id=str(alice.pk), after__two_factor="reset").exists()
    # Alice enrols again at her next sign-in.
    assert (
        password_only("alice")
        .get("/dashboard/")["Location"]
        .startswith("/account/two-factor/setup/")
    )


def test_nobody_else_resets_another_users_second_factor(alice, bob):
    enrolled(alice)
    device = enrolled(bob)
    client = password_only("bob")
    client.post("/account/two-factor/verify/", {"code": code_of(device)})
    assert client.post(f"/account/two-factor/reset/{alice.pk}/").status_code == 403
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_an_api_token_needs_the_current_code_as_well(alice):
    device = enrolled(alice)
    body = {"username": "alice", "password": PASSWORD}
    without = APIClient().post("/api/v1/auth/token/", body)
    assert without.status_code == 400 and "code" in without.json()
    wrong = APIClient().post("/api/v1/auth/token/", {**body, "code": "000000"})
    assert wrong.status_code == 400
    with after_the_throttle():
        issued = APIClient().post("/api/v1/auth/token/", {**body, "code": code_of(device)})
    assert issued.status_code == 200 and issued.json()["token"]


def test_the_demo_code_is_accepted_only_where_it_is_configured(alice, settings):
    enrolled(alice)
    assert (
        password_only("alice").post("/account/two-factor/verify/", {"code": "246810"}).status_code
        == 200
    )  # not configured: refused
    settings.TWO_FACTOR_DEMO_CODE = "246810"
    client = password_only("alice")
    assert client.post("/account/two-factor/verify/", {"code": "246810"}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_a_code_from_half_a_minute_ago_is_still_accepted_once(alice):
    """Clocks of phones drift: the code of the previous step is accepted (tolerance 1)."""
    device = enrolled(alice)
    with time_machine.travel(timezone.now(), tick=False):
        previous = code_of(device, offset_steps=-1)
        client = password_only("alice")
        assert client.post("/account/two-factor/verify/", {"code": previous}).status_code == 302
