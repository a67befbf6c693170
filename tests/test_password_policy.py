"""Passwords expire after 90 days, the last five never come back, and an account an administrator
created changes its initial password at the first sign-in (等保 2.0 third level)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from skilleval.models import PasswordHistory, User
from skilleval.passwords import password_must_change

pytestmark = pytest.mark.django_db


def change(client, old, new):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_a_password_older_than_90_days_leads_to_the_change_page_and_nowhere_else(client, alice):
    alice.set_password("First-horse-2026")
    alice.save()
    client.force_login(alice)
    assert client.get("/dashboard/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=91)):
        client.force_login(alice)  # the session itself ended long ago
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response["Location"] == "/account/password/"
        assert client.get("/api/v1/institutions/").status_code == 403
        assert client.get("/account/password/").status_code == 200

        assert change(client, "First-horse-2026", "Second-horse-2026").status_code == 302
        assert client.get("/dashboard/").status_code == 200


def test_none_of_the_last_five_passwords_comes_back(alice):
    passwords = [f"Horse-number-{n}-battery" for n in range(6)]
    for password in passwords:
        alice.set_password(password)
        alice.save()
    assert PasswordHistory.objects.filter(user=alice).count() == 5

    from django.contrib.auth.password_validation import validate_password

    for recent in passwords[1:]:
        with pytest.raises(ValidationError, match="最近 5 次"):
            validate_password(recent, alice)
    validate_password(passwords[0], alice)  # the sixth-last may come back


def test_the_change_page_refuses_a_recent_password(client, alice):
    alice.set_password("First-horse-2026")
    alice.save()
    client.force_login(alice)
    response = change(client, "First-horse-2026", "First-horse-2026")
    assert response.status_code == 200 and "最近 5 次" in response.content.decode()


def test_an_account_an_administrator_creates_changes_its_password_first(client):
    root = User.objects.create_superuser("root", password="Root-horse-2026-x")
    client.force_login(root)
    response = client.post(
        "/admin/skilleval/user/add/",
        {
            "username": "newclerk",
            "password1": "Initial-horse-2026",
            "password2": "Initial-horse-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    clerk = User.objects.get(username="newclerk")
    assert clerk.must_change_password and password_must_change(clerk)

    client.force_login(clerk)
    assert client.get("/dashboard/")["Location"] == "/account/password/"
    change(client, "Initial-horse-2026", "My-own-horse-2026")
    clerk.refresh_from_db()
    assert not clerk.must_change_password
    assert client.get("/dashboard/").status_code == 200
