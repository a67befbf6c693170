"""One reusable test of an API endpoint, in the spirit of NetBox's utilities/testing/api.py.

A test class per endpoint declares its URL, how to make a row in a tenant (`make`), what each role
reads (`reads`), and, where the endpoint writes, the data of a create or an update and the roles
that may send it. The base classes generate, for every role of the portal:

- ReadTests: the list and every detail, with three rows: the acting user's tenant's (江宁区,
  Nanjing), a neighbour's in the same city (玄武区) and Suzhou's. A role reads ALL of them, its
  OWN only (a city clerk its city's two, a county clerk, an institution or an organiser its own
  one: a Nanjing clerk never sees Suzhou's rows), NOTHING (an empty list, every detail a 404), or
  is REFUSED (401/403);
- CreateTests: 201 for the creators and the new row is in their scope, a refusal and no row for
  everybody else; with `creates_only_in_own_scope`, a creator sending Suzhou's data is refused too;
- UpdateTests: 200 and the change stored for the updaters, a refusal and nothing changed for the
  others; a scoped updater cannot change Suzhou's row.

The acting user is always Nanjing's user of the role (tenant "own"). Rows come from
tests/factories.py.
"""

from functools import cached_property

import pytest
from rest_framework.test import APIClient

from skilleval.choices import INSTITUTION_ROLES, Role
from tests.factories import InstitutionFactory, UserFactory, region

ANONYMOUS = "anonymous"
SUPERUSER = "superuser"
ROLES = [ANONYMOUS, SUPERUSER, *Role.values]

# What a role reads from an endpoint.
ALL = "all"  # both tenants' rows
OWN = "own"  # its own tenant's row only
NOTHING = "nothing"  # an empty list; every detail is a 404
REFUSED = "refused"  # 401 (anonymous) or 403, for the list and every detail

REFUSALS = (401, 403)


class Tenant:
    """One city's side of the world: its county, an institution there and a user of each role,
    made when first asked for."""

    def __init__(self, key: str, city: str, county: str, institution: str, province_serial: str):
        self.key = key
        self.city = region(city)
        self.county = region(county)
        self._institution = (institution, province_serial)
        self._users = {}

    @cached_property
    def institution(self):
        name, serial = self._institution
        return InstitutionFactory(name=name, county=self.county, province_serial=serial)

    def user(self, role: str):
        if role == ANONYMOUS:
            return None
        if role not in self._users:
            fields = {"username": f"{self.key}-{role}", "role": role}
            if role == SUPERUSER:
                fields.update(role="", is_superuser=True, is_staff=True)
            elif role == Role.CITY_STAFF:
                fields["city"] = self.city
            elif role == Role.COUNTY_STAFF:
                fields["county"] = self.county
            elif role in INSTITUTION_ROLES:
                fields["institution"] = self.institution
            elif role == Role.COMPETITION_ORGANISER:
                fields["organisation"] = f"{self.city}总工会"
            self._users[role] = UserFactory(**fields)
        return self._users[role]


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


class EndpointTest:
    """What every endpoint test declares."""

    url: str  # the list's URL, e.g. "/api/v1/batches/"
    model: type  # the model the endpoint lists
    lookup = "pk"  # the row's attribute in the detail URL; None when there is no detail
    body_key = "id"  # the field of a listed row that names it
    reads: dict = {}  # role -> ALL, OWN or NOTHING; a role not named is REFUSED

    def make(self, tenant):
        """A row belonging to the tenant (its institution, city, county or organiser)."""
        raise NotImplementedError

    @pytest.fixture
    def own(self, db):
        return Tenant("nanjing", "320100", "320115", "南京宁江机电有限公司", "000123")

    @pytest.fixture
    def neighbour(self, db):
        return Tenant("xuanwu", "320100", "320102", "南京玄武职业技能评价中心", "002123")

    @pytest.fixture
    def other(self, db):
        return Tenant("suzhou", "320500", "320508", "苏州姑苏职业技能评价中心", "001123")

    def key(self, row) -> str:
        return str(getattr(row, self.lookup or "pk"))

    def detail_url(self, row) -> str:
        return f"{self.url}{self.key(row)}/"

    def listed(self, client) -> set[str] | int:
        """The keys of every listed row (all pages), or the refusal's status."""
        keys, url = set(), self.url
        while url:
            response = client.get(url)
            if response.status_code != 200:
                return response.status_code
            body = response.json()
            results = body["results"] if isinstance(body, dict) else body
            keys |= {str(item[self.body_key]) for item in results}
            url = body.get("next") if isinstance(body, dict) else None
        return keys

    def reading(self, role) -> str:
        return self.reads.get(role, REFUSED)

    def pytest_generate_tests(self, metafunc):
        if "role" in metafunc.fixturenames:
            roles = self.roles_for(metafunc.definition.name) or [
                pytest.param(None, marks=pytest.mark.skip(reason="no role of it is tenant-bound"))
            ]
            metafunc.parametrize("role", roles)

    def roles_for(self, test_name: str) -> list[str]:
        """The roles a generated test runs for: every role unless a base class narrows it."""
        return ROLES


class ReadTests(EndpointTest):
    def test_list_and_detail_show_what_the_role_may_read(self, role, own, neighbour, other):
        mine, next_door, theirs = self.make(own), self.make(neighbour), self.make(other)
        client = client_for(own.user(role))
        expected = self.reading(role)
        listed = self.listed(client)
        if expected == REFUSED:
            assert listed in REFUSALS
            if self.lookup:
                assert client.get(self.detail_url(mine)).status_code in REFUSALS
            return
        assert isinstance(listed, set), f"the list answered {listed}"
        city_wide = role == Role.CITY_STAFF
        visible = {
            ALL: (True, True, True),
            OWN: (True, city_wide, False),
            NOTHING: (False, False, False),
        }[expected]
        for row, seen in zip((mine, next_door, theirs), visible, strict=True):
            assert (self.key(row) in listed) is seen, f"{row} listed: {not seen}"
            if self.lookup:
                status = client.get(self.detail_url(row)).status_code
                assert status == (200 if seen else 404), f"{row}: {status}"


class CreateTests(EndpointTest):
    creators: set = set()  # the roles that may create
    creates_only_in_own_scope = False  # a creator may not create in the other tenant

    def create_data(self, tenant) -> dict:
        """The body of a valid create for the tenant; may write what it needs first."""
        raise NotImplementedError

    def post(self, client, data):
        return client.post(self.url, data, format="json")

    def test_only_the_creators_create(self, role, own):
        data = self.create_data(own)
        before = self.model.objects.count()
        response = self.post(client_for(own.user(role)), data)
        if role not in self.creators:
            assert response.status_code in REFUSALS, response.content
            assert self.model.objects.count() == before
            return
        assert response.status_code == 201, response.json()
        assert self.model.objects.count() == before + 1
        if self.lookup and self.reading(role) in (ALL, OWN):
            created = self.model.objects.order_by("-pk").first()
            assert client_for(own.user(role)).get(self.detail_url(created)).status_code == 200

    def test_a_creator_cannot_create_outside_their_scope(self, role, own, other):
        data = self.create_data(other)
        before = self.model.objects.count()
        response = self.post(client_for(own.user(role)), data)
        assert response.status_code in (400, 403, 404), response.content
        assert self.model.objects.count() == before

    def roles_for(self, test_name):
        if test_name == "test_a_creator_cannot_create_outside_their_scope":
            scoped = [r for r in self.creators if self.reading(r) == OWN]
            return sorted(scoped) if self.creates_only_in_own_scope else []
        return super().roles_for(test_name)


class UpdateTests(EndpointTest):
    updaters: set = set()  # the roles that may change a row of their own tenant

    def update_data(self, tenant) -> dict:
        raise NotImplementedError

    def stored(self, row) -> dict:
        """What the update changes, as stored now (defaults to the fields of update_data)."""
        row.refresh_from_db()
        return {field: getattr(row, field) for field in self.update_data(None)}

    def test_only_the_updaters_update(self, role, own):
        row = self.make(own)
        before = self.stored(row)
        response = client_for(own.user(role)).patch(
            self.detail_url(row), self.update_data(own), format="json"
        )
        if role in self.updaters:
            assert response.status_code == 200, response.json()
            assert self.stored(row) != before
        else:
            assert response.status_code in (*REFUSALS, 404), response.content
            assert self.stored(row) == before

    def test_an_updater_cannot_change_another_tenants_row(self, role, own, other):
        row = self.make(other)
        before = self.stored(row)
        response = client_for(own.user(role)).patch(
            self.detail_url(row), self.update_data(other), format="json"
        )
        assert response.status_code in (403, 404), response.content
        assert self.stored(row) == before

    def roles_for(self, test_name):
        if test_name == "test_an_updater_cannot_change_another_tenants_row":
            return sorted(r for r in self.updaters if self.reading(r) == OWN)
        return super().roles_for(test_name)
