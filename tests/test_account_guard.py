"""Wrong passwords of one account from many addresses (axes counts them per address): a proof of
work from the 5th, harder with each failure; a lock from the 15th that time or a security
administrator lifts; a loop without the proof can neither guess nor lock."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from skilleval import proof_of_work
from skilleval.models import AccountGuard

pytestmark = pytest.mark.django_db


PASSWORD = "Correct-horse-9"


@pytest.fixture(autouse=True)
def quick_work(settings):
    settings.SIGN_IN_POW_BITS = 4  # the same check, 16 hashes instead of 65,536


def attempt(username, password, address, proof=None):
    """A sign-in from its own address (each one a fresh client: axes never sees a repeat)."""
    client = Client(REMOTE_ADDR=address)
    return client.post(
        "/accounts/login/", {"username": username, "password": password, **(proof or {})}
    )


def solved(response) -> dict:
    challenge = response.context["captcha"]
    assert challenge is not None, "the page asks for a proof of work"
    return {
        "captcha_token": challenge.token,
        "captcha_answer": proof_of_work.solve(challenge.token, challenge.bits),
    }


def wrong_from_many_addresses(username, times, start=0):
    last = None
    for n in range(start, start + times):
        last = attempt(username, "wrong-password", f"198.51.100.{n}")
    return last


def test_from_the_fifth_wrong_password_every_try_needs_a_proof_of_work(alice):
    fifth = wrong_from_many_addresses("alice", 5)
    assert fifth.context["captcha"].bits == 4

    # Without the proof even the right password is not tried, and nothing is counted.
    for n in range(20):
        refused = attempt("alice", PASSWORD, f"203.0.113.{n}")
        assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session
        assert "请完成安全验证" in refused.content.decode()
    assert AccountGuard.objects.get(username="alice").failures == 5
    assert not AccountGuard.objects.get(username="alice").is_locked()

    # With it, the right password signs in and the count starts again.
    signed_in = attempt("alice", PASSWORD, "203.0.113.200", solved(refused))
    assert signed_in.status_code == 302
    assert not AccountGuard.objects.filter(username="alice").exists()


def test_the_work_grows_with_each_failure_and_the_fifteenth_locks(alice):
    page = wrong_from_many_addresses("alice", 5)
    for n in range(9):
        page = attempt("alice", "wrong-password", f"192.0.2.{n}", solved(page))
        assert page.context["captcha"].bits == 4 + n + 1
    page = attempt("alice", "wrong-password", "192.0.2.99", solved(page))  # the 15th
    assert AccountGuard.objects.get(username="alice").is_locked()

    locked = attempt("alice", PASSWORD, "192.0.2.100")
    assert locked.status_code == 200 and "已锁定" in locked.content.decode()

    # An hour later the lock lifts by itself (the proof of work is still due).
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        page = attempt("alice", "wrong-password", "192.0.2.101")
        assert "已锁定" not in page.content.decode()


def test_a_name_that_is_no_account_answers_exactly_like_one_that_is(alice):
    real = wrong_from_many_addresses("alice", 5)
    made_up = wrong_from_many_addresses("no-such-user", 5)
    assert real.context["captcha"].bits == made_up.context["captcha"].bits
    assert real.content.decode().count("请") == made_up.content.decode().count("请")


def test_a_security_administrator_lifts_a_lock(alice, security_admin, client):
    for _ in range(15):
        AccountGuard.objects.record_failure("alice")
    client.force_login(security_admin)
    response = client.post(f"/account/users/{alice.pk}/unlock/")
    assert response.status_code == 302
    assert attempt("alice", PASSWORD, "192.0.2.7").status_code == 302


def test_the_api_token_endpoint_is_behind_the_same_guard(alice):
    from rest_framework.test import APIClient

    for _ in range(5):
        AccountGuard.objects.record_failure("alice")
    refused = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429
    challenge = refused.json()["challenge"]
    answer = proof_of_work.solve(challenge["token"], challenge["bits"])
    issued = APIClient().post(
        "/api/v1/auth/token/",
        {
            "username": "alice",
            "password": PASSWORD,
            "captcha_token": challenge["token"],
            "captcha_answer": answer,
        },
    )
    assert issued.status_code == 200, issued.content
