"""Every URL × every role × own and other tenant's object × GET and unsafe methods answers what
the table in tests/permission_matrix.py declares, and never a server error. A URL pattern
without a row, or a row without a URL pattern, fails.

The world (tests/permission_world.py) is built once for the module inside a transaction that is
rolled back at the end; each request runs in a savepoint rolled back after it, so an unsafe
method that succeeds changes nothing for the next one.
"""

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client

from tests.permission_matrix import ADMIN, ADMIN_NAMESPACE, TABLE, matches
from tests.permission_routes import build_url, site_routes
from tests.permission_world import ROLES, build_world

pytestmark = pytest.mark.django_db
ROUTES = site_routes()
OBJECTLESS_TARGETS = (None, "review", "notice", "region")


def is_admin(key: str) -> bool:
    return key.split(":")[0] == ADMIN_NAMESPACE or key.startswith(f"{ADMIN_NAMESPACE}/")


def test_every_url_pattern_has_a_row():
    missing = sorted(key for key in ROUTES if not is_admin(key) and key not in TABLE)
    assert missing == [], f"URL patterns without a row in the permission matrix: {missing}"


def test_every_row_names_a_url_pattern():
    gone = sorted(key for key in TABLE if key not in ROUTES)
    assert gone == [], f"rows of the permission matrix for URL patterns that are gone: {gone}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        world.clients = {}
        for role in ROLES:  # signed in here, so that the sessions outlive each test
            signed_in(world, role)
        yield world
        transaction.set_rollback(True)


def signed_in(world, role) -> Client:
    """One client per role for the module, signed in again when a request ended its session
    (sign-out, password change)."""
    client = world.clients.setdefault(role, Client(raise_request_exception=False))
    user = world.user(role)
    if user is not None:
        cookie = client.cookies.get("sessionid")
        if cookie is None or not Session.objects.filter(session_key=cookie.value).exists():
            client.force_login(user)
    return client


def send(client, method, url):
    if method in ("patch", "delete"):
        return getattr(client, method)(url, content_type="application/json")
    return getattr(client, method)(url)


def cases():
    for key, (rule, target) in TABLE.items():
        ownerships = ["-"] if target in OBJECTLESS_TARGETS else ["own", "other"]
        yield pytest.param(key, rule, target, ownerships, id=key)


@pytest.mark.parametrize(("key", "rule", "target", "ownerships"), list(cases()))
def test_each_role_gets_what_the_matrix_declares(world, key, rule, target, ownerships):
    wrong = []
    for role in ROLES:
        for ownership in ownerships:
            tenant = world.other if ownership == "other" else world.own
            for method in rule.methods():
                client = signed_in(world, role)
                url = build_url(ROUTES[key], target, world, tenant, world.user(role))
                expected = rule.expected(method, role, ownership)
                savepoint = transaction.savepoint()
                try:
                    response = send(client, method, url)
                finally:
                    transaction.savepoint_rollback(savepoint)
                if not matches(expected, response):
                    wrong.append(
                        f"{method.upper()} {url} ({key}) as {role} on the {ownership} object: "
                        f"{response.status_code} {response.get('Location', '')}, "
                        f"expected {expected}"
                    )
    assert wrong == [], "\n".join(wrong)


def admin_routes():
    for key, route in ROUTES.items():
        if is_admin(key) and not route.kwargs and key.endswith(("admin:index", "_changelist")):
            yield pytest.param(key, id=key)


@pytest.mark.parametrize("key", list(admin_routes()))
def test_the_django_admin_is_for_superusers_only(world, key):
    wrong = []
    for role in ROLES:
        for method in ADMIN.methods():
            client = signed_in(world, role)
            url = build_url(ROUTES[key], None, world, world.own, world.user(role))
            savepoint = transaction.savepoint()
            try:
                response = send(client, method, url)
            finally:
                transaction.savepoint_rollback(savepoint)
            expected = ADMIN.expected(method, role, "-")
            if not matches(expected, response):
                wrong.append(f"{method.upper()} {url} as {role}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
