"""Self-service password change: the old password stops working, the log records it, tokens end."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from skilleval.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db
OLD, NEW = "Correct-horse-9", "Lantern-river-2026"


def sign_in(username, password):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client if response.status_code == 302 else None


def change(client, old=OLD, new=NEW, confirm=None):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": confirm or new},
    )


def test_a_user_changes_their_password_and_the_old_one_stops_working(nanjing_staff):
    client = sign_in("nanjing", OLD)
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200  # this session stays signed in
    assert sign_in("nanjing", OLD) is None
    assert sign_in("nanjing", NEW) is not None


def test_a_wrong_old_password_changes_nothing(nanjing_staff):
    client = sign_in("nanjing", OLD)
    page = change(client, old="not-my-password")
    assert page.status_code == 200
    assert sign_in("nanjing", OLD) is not None


def test_the_audit_log_records_the_password_change_without_the_hash(nanjing_staff):
    client = sign_in("nanjing", OLD)
    change(client)
    entry = AuditEntry.objects.filter(
        object_type="skilleval.user", object_id=str(nanjing_staff.pk), action="update"
    ).latest("seq")
    assert entry.after["password_changed"] is True
    assert entry.actor_id == nanjing_staff.pk
    nanjing_staff.refresh_from_db()
    assert nanjing_staff.password not in str(entry.before) + str(entry.after)


def test_changing_the_password_revokes_the_api_tokens(nanjing_staff):
    ApiToken.objects.issue(nanjing_staff, name="script")
    change(sign_in("nanjing", OLD))
    assert not ApiToken.objects.filter(user=nanjing_staff).exists()


def test_the_page_is_in_english_after_the_switch_and_linked_from_the_navigation(nanjing_staff):
    client = sign_in("nanjing", OLD)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    dashboard = client.get("/dashboard/").content.decode()
    assert 'href="/account/password/"' in dashboard and 'href="/account/tokens/"' in dashboard
    page = client.get("/account/password/").content.decode()
    assert '<html lang="en">' in page
    assert "Change password" in page and "Old password" in page
    refused = change(client, confirm="Something-else-1").content.decode()
    assert "didn’t match" in refused or "didn't match" in refused


def test_the_password_pages_need_a_signed_in_user():
    assert Client().get("/account/password/")["Location"].startswith("/accounts/login/")
    assert Client().get("/account/tokens/")["Location"].startswith("/accounts/login/")
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401
