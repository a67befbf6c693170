"""API tokens: issued by password or from the account page, hashed, expiring, revocable by their
owner alone, and ended by signing out."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from skilleval.models import ApiToken, AuditEntry
from skilleval.models.tokens import token_digest

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-9"


def obtain(username, name=""):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 200, response.content
    return response.json()


def with_token(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_token_from_the_password_works_and_says_when_it_expires(alice, settings):
    before = timezone.now()
    body = obtain("alice", name="成绩导入脚本")
    assert body["name"] == "成绩导入脚本" and body["current"] is False
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + ttl <= expires <= timezone.now() + ttl
    assert with_token(body["token"]).get("/api/v1/institutions/").status_code == 200


def test_only_the_hash_of_a_token_is_stored(alice):
    secret = obtain("alice")["token"]
    token = ApiToken.objects.get(user=alice)
    assert token.digest == token_digest(secret) and secret not in token.digest
    stored = [str(value) for value in ApiToken.objects.values().get()]
    assert not any(secret in value for value in stored)
    assert secret.startswith(token.prefix)
    # Nor does the audit log of its creation keep the digest.
    entry = AuditEntry.objects.get(object_type="skilleval.apitoken", action="create")
    assert "digest" not in entry.after and token.digest not in str(entry.after)


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Wrong username or password" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_with_a_401_that_says_so(alice, settings):
    secret = obtain("alice")["token"]
    later = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = with_token(secret).get("/api/v1/institutions/")
        in_english = with_token(secret).get("/api/v1/institutions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and in_english.status_code == 401
    assert "过期" in response.json()["detail"]  # in Chinese unless the client asks for English
    assert "expired" in in_english.json()["detail"] and "过期" not in in_english.json()["detail"]


def test_a_token_still_works_just_before_it_expires(alice, settings):
    secret = obtain("alice")["token"]
    later = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=-1)
    with time_machine.travel(later, tick=False):
        assert with_token(secret).get("/api/v1/institutions/").status_code == 200


def test_the_ttl_is_a_setting(alice, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    secret = obtain("alice")["token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        assert with_token(secret).get("/api/v1/institutions/").status_code == 401


def test_signing_out_of_the_web_session_revokes_the_users_tokens(alice, bob):
    alices, bobs = obtain("alice")["token"], obtain("bob")["token"]
    browser = Client()
    assert (
        browser.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    browser.post("/accounts/logout/")
    response = with_token(alices).get("/api/v1/institutions/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert with_token(bobs).get("/api/v1/institutions/").status_code == 200  # only hers


def test_a_user_has_several_tokens_and_lists_only_their_own(alice, bob):
    first, second = obtain("alice", "one")["token"], obtain("alice", "two")["token"]
    obtain("bob", "bobs")
    listing = with_token(first).get("/api/v1/auth/tokens/").json()
    assert listing["count"] == 2
    assert {row["name"] for row in listing["results"]} == {"one", "two"}
    assert [row["current"] for row in listing["results"]] == [False, True]  # newest first
    assert "token" not in listing["results"][0] and "digest" not in listing["results"][0]
    assert with_token(second).get("/api/v1/auth/tokens/").json()["count"] == 2


def test_the_owner_revokes_a_token_and_it_stops_working(alice):
    keep, drop = obtain("alice", "keep")["token"], obtain("alice", "drop")["token"]
    dropped = ApiToken.objects.get(name="drop")
    assert with_token(keep).delete(f"/api/v1/auth/tokens/{dropped.pk}/").status_code == 204
    assert with_token(drop).get("/api/v1/institutions/").status_code == 401
    assert with_token(keep).get("/api/v1/institutions/").status_code == 200
    assert AuditEntry.objects.filter(
        object_type="skilleval.apitoken", object_id=str(dropped.pk), action="delete"
    ).exists()


def test_another_user_can_neither_see_nor_revoke_a_token(alice, bob, province_admin):
    obtain("alice", "hers")
    hers = ApiToken.objects.get(user=alice)
    for intruder in (bob, province_admin):
        client = APIClient()
        client.force_authenticate(intruder)
        assert client.get("/api/v1/auth/tokens/").json()["count"] == 0
        assert client.delete(f"/api/v1/auth/tokens/{hers.pk}/").status_code == 404
        browser = Client()
        browser.force_login(intruder)
        assert browser.post(f"/account/tokens/{hers.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=hers.pk).exists()


def test_the_number_of_valid_tokens_per_user_is_limited(alice, settings):
    settings.API_TOKEN_MAX_PER_USER = 2
    obtain("alice"), obtain("alice")
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "revoke one" in response.content.decode()


def test_the_account_page_shows_a_new_secret_once_and_revokes(client, alice):
    client.force_login(alice)
    page = client.post("/account/tokens/", {"name": "夜间同步"}).content.decode()
    token = ApiToken.objects.get(user=alice)
    secret = re.search(r"<code[^>]*data-secret>([^<]+)</code>", page).group(1)
    assert ApiToken.objects.find(secret) == token
    assert with_token(secret).get("/api/v1/institutions/").status_code == 200
    listing = client.get("/account/tokens/").content.decode()
    assert "夜间同步" in listing and secret not in listing  # the list shows the prefix only
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert with_token(secret).get("/api/v1/institutions/").status_code == 401


def test_last_use_is_recorded_without_an_audit_entry_per_request(alice):
    secret = obtain("alice")["token"]
    entries = AuditEntry.objects.count()
    with_token(secret).get("/api/v1/institutions/")
    with_token(secret).get("/api/v1/institutions/")
    assert ApiToken.objects.get().last_used_at is not None
    assert AuditEntry.objects.count() == entries


def test_tokens_expired_over_a_week_ago_are_deleted_by_the_daily_task(alice, settings):
    from skilleval.tasks import delete_expired_api_tokens

    ApiToken.objects.issue(alice, name="old")
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        ApiToken.objects.issue(alice, name="recent")
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert delete_expired_api_tokens.delay().get() == 1
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["recent"]
