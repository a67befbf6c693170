"""The three administrators of 等保 2.0 third level, each unable to do another's work, none seeing
the business data; the superuser's changes are logged."""

import pytest

from skilleval.choices import JobKind, JobStatus, Role
from skilleval.models import AuditEntry, Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(db):
    return {
        role: UserFactory(username=role, role=role)
        for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN, Role.PROVINCE_ADMIN)
    }


def as_user(client, user):
    client.force_login(user)
    return client


PAGES = {
    "/account/users/": Role.SECURITY_ADMIN,
    "/audits/log/": Role.AUDIT_ADMIN,
}


@pytest.mark.parametrize("path,owner", PAGES.items())
def test_each_administrators_page_is_theirs_alone(client, admins, path, owner):
    for role, user in admins.items():
        status = as_user(client, user).get(path).status_code
        assert status == (200 if role == owner else 403), (path, role, status)


def test_the_system_administrator_sees_and_retries_every_job_the_others_do_not(
    client, admins, alice
):
    job = Job.objects.create(
        kind=JobKind.ROSTER_IMPORT, status=JobStatus.FAILED, started_by=alice, error="boom"
    )
    system = as_user(client, admins[Role.SYSTEM_ADMIN])
    assert system.get(f"/jobs/{job.pk}/").status_code == 200
    assert [j["id"] for j in system.get("/api/v1/jobs/").json()["results"]] == [job.pk]
    assert system.post(f"/jobs/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.attempts == 1  # it ran again

    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        other = as_user(client, admins[role])
        assert other.get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN])
def test_administrators_see_no_business_data(client, admins, role, nanjing_institution):
    api = as_user(client, admins[role])
    assert api.get("/api/v1/institutions/").json()["count"] == 0
    assert api.get(f"/institutions/{nanjing_institution.pk}/").status_code == 404
    assert api.get("/api/v1/certificates/").json()["count"] == 0


def test_the_audit_administrator_exports_verifies_and_the_export_is_logged(client, admins):
    AuditEntry.objects.record("update", object_type="x", object_repr='=HYPERLINK("http://e")')
    auditor = as_user(client, admins[Role.AUDIT_ADMIN])
    export = auditor.get("/audits/log/?format=csv")
    body = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in body  # a formula is written as text
    assert AuditEntry.objects.filter(object_type="audits.auditlog").exists()

    verified = auditor.post("/audits/log/verify/", follow=True)
    assert "审计日志完整" in verified.content.decode()


def test_the_audit_log_filters_by_actor_and_action(client, admins):
    AuditEntry.objects.record("update", object_type="institutions.batch", object_repr="批次甲")
    AuditEntry.objects.record("create", object_type="institutions.filing", object_repr="备案乙")
    auditor = as_user(client, admins[Role.AUDIT_ADMIN])
    page = auditor.get("/audits/log/?action=create").content.decode()
    assert "备案乙" in page and "批次甲" not in page
    assert auditor.get("/audits/log/?since=2026-02-31").status_code == 200


def test_every_change_by_the_superuser_is_an_audit_entry(client):
    from skilleval.models import User

    root = User.objects.create_superuser("root", password="Root-horse-2026-x")
    as_user(client, root).post("/admin/skilleval/region/add/", {})
    entry = AuditEntry.objects.filter(object_type="superuser").latest("seq")
    assert entry.after["path"] == "/admin/skilleval/region/add/"
    assert entry.actor_name
