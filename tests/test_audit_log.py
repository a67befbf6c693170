import hashlib
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audits.models import Complaint
from competitions.models import CompetitionFiling, Contestant, Recognition
from institutions.choices import InstitutionKind
from institutions.models import Batch, Filing, Institution
from skilleval.changelog import chain, context
from skilleval.changelog.archive import verify_chain, write_checkpoint
from skilleval.choices import AuditAction
from skilleval.models import AppendOnlyError, AuditEntry
from tests.append_only import REWRITES_OF_AN_ENTRY, assert_refused_as_append_only
from tests.clock import SHANGHAI, on
from tests.conftest import REPO
from tests.factories import (
    InstitutionFactory,
    approved_filing,
    region,
)
from tests.test_audits_api import file_complaint
from tests.test_batches_api import (  # noqa: F401 (fixtures)
    EXAM_WEEK,
    answers,
    as_user,
    planned,
    roster,
    walk_to_publicity,
)
from tests.test_certificate_views import make_certificate
from tests.test_competitions_api import competition_body, contestant_body
from tests.test_institutions_api import FILINGS, approve, attach_all, open_filing
from tests.test_jobs import start_import

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")


def test_a_change_outside_any_request_is_recorded_with_a_named_system_actor():
    institution = InstitutionFactory(name="旧名称")
    institution.name = "新名称"
    institution.save()
    created, updated = entries_for(institution)
    assert created.action == AuditAction.CREATE and created.before is None
    assert updated.action == AuditAction.UPDATE
    assert updated.before["name"] == "旧名称" and updated.after["name"] == "新名称"
    assert updated.actor_id is None
    assert updated.actor_name.startswith("system:")


def test_the_shell_is_named_as_the_actor(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["manage.py", "shell"])
    assert context.current().name == "system:manage.py shell"


def test_a_celery_task_is_named_as_the_actor():
    context.set_system_actor("system:celery:skilleval.tasks.run_job")
    try:
        institution = InstitutionFactory()
    finally:
        context.clear()
    assert entries_for(institution).get().actor_name == "system:celery:skilleval.tasks.run_job"


def test_a_change_through_the_api_is_recorded_with_the_user_and_request_id(api_as, province_admin):
    response = api_as(province_admin).post(
        "/api/v1/rules/occupation.evaluable/parameters/",
        {"effective_from": "2099-01-01", "parameters": {"evaluable_major_groups": [3, 4, 5, 6]}},
        format="json",
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.filter(object_type="skilleval.ruleparameterversion").get()
    assert entry.actor_id == province_admin.pk
    assert entry.actor_name == "padmin"
    assert entry.request_id == "req-42"
    assert response["X-Request-ID"] == "req-42"


def test_a_delete_keeps_the_state_before_it():
    institution = InstitutionFactory(name="将被删除的机构")
    pk = institution.pk
    institution.delete()
    entry = AuditEntry.objects.get(
        object_type="institutions.institution", object_id=str(pk), action="delete"
    )
    assert entry.before["name"] == "将被删除的机构"
    assert entry.after is None


def test_passwords_never_enter_the_log(alice):
    alice.set_password("Another-secret-77")
    alice.first_name = "爱丽丝"
    alice.save()
    for entry in entries_for(alice):
        assert "password" not in (entry.before or {}) and "password" not in (entry.after or {})


def test_sign_ins_and_failures_are_logged(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    client.post("/accounts/login/", {"username": "alice", "password": "Correct-horse-9"})
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert AuditAction.LOGIN_FAILED in actions
    assert AuditAction.LOGIN in actions


def test_the_app_refuses_to_change_or_delete_entries():
    InstitutionFactory()
    entry = AuditEntry.objects.order_by("-seq").first()
    entry.actor_name = "someone else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_name="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_the_chain_verifies_after_many_changes():
    for n in range(5):
        InstitutionFactory(name=f"机构{n}")
    checked, problem = verify_chain()
    assert problem is None
    assert checked == AuditEntry.objects.count()
    call_command("verify_audit_log")


def _tamper(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a database owner bypassing the trigger can do this: the test plays that role.
            cursor.execute(
                "ALTER TABLE audits_auditentry DISABLE TRIGGER audits_auditentry_append_only"
            )
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audits_auditentry ENABLE TRIGGER audits_auditentry_append_only"
            )


def test_tampering_with_one_row_breaks_the_chain_at_that_row():
    for n in range(3):
        InstitutionFactory(name=f"机构{n}")
    victim = AuditEntry.objects.filter(object_type="institutions.institution").order_by("seq")[1]
    _tamper("UPDATE audits_auditentry SET actor_name = %s WHERE id = %s", ["mallory", victim.pk])
    checked, problem = verify_chain()
    assert problem == f"entry #{victim.seq}: content does not match its hash"
    assert checked == victim.seq - 1
    with pytest.raises(CommandError, match=f"#{victim.seq}"):
        call_command("verify_audit_log")


def test_deleting_a_row_breaks_the_chain():
    for n in range(3):
        InstitutionFactory(name=f"机构{n}")
    victim = AuditEntry.objects.filter(object_type="institutions.institution").order_by("seq")[1]
    _tamper("DELETE FROM audits_auditentry WHERE id = %s", [victim.pk])
    _, problem = verify_chain()
    assert problem == f"entry #{victim.seq} is missing (next is #{victim.seq + 1})"


def test_postgresql_itself_refuses_updates_and_deletes(on_postgres):
    InstitutionFactory()
    entry = AuditEntry.objects.order_by("-seq").first()
    for sql in REWRITES_OF_AN_ENTRY:
        assert_refused_as_append_only(sql, [entry.pk])


def test_an_edit_in_manage_py_shell_is_logged_with_a_system_actor(live_db, on_postgres, settings):
    institution = InstitutionFactory(name="壳层修改前")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    code = (
        "from institutions.models import Institution; "
        f"i = Institution.objects.get(pk={institution.pk}); i.name = '壳层修改后'; i.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env={"DJANGO_SETTINGS_MODULE": "skilleval.settings.test", "DATABASE_URL": url, "PATH": ""},
        check=True,
    )
    entry = entries_for(Institution.objects.get(pk=institution.pk)).last()
    assert entry.after["name"] == "壳层修改后"
    assert entry.actor_name == "system:manage.py shell"
    assert verify_chain()[1] is None


# --- keyed chain and checkpoints ----------------------------------------------------------------


def _rewrite_every_row(digest):
    """What an owner of the database could do without the key: recompute every link and hash."""
    prev = chain.GENESIS_HASH
    for entry in AuditEntry.objects.order_by("seq"):
        entry.prev_hash = prev
        entry.hash = prev = digest(entry)
        _tamper(
            "UPDATE audits_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [entry.prev_hash, entry.hash, entry.pk],
        )
    _tamper_head(AuditEntry.objects.order_by("-seq").first().seq, prev)


def _tamper_head(seq, hash_):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audits_auditchainhead DISABLE TRIGGER USER")
        cursor.execute("UPDATE audits_auditchainhead SET seq = %s, hash = %s", [seq, hash_])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audits_auditchainhead ENABLE TRIGGER USER")


def test_entries_are_hashed_with_the_key_from_outside_the_database(settings):
    InstitutionFactory()
    entry = AuditEntry.objects.order_by("-seq").first()
    settings.AUDIT_LOG_KEY = "another-key-" + "x" * 40
    assert entry.compute_hash() != entry.hash


def test_rewriting_every_row_with_recomputed_unkeyed_hashes_fails_verification():
    for n in range(3):
        InstitutionFactory(name=f"机构{n}")
    _rewrite_every_row(lambda e: hashlib.sha256(chain.entry_payload(e)).hexdigest())
    assert verify_chain()[1] == "entry #1: content does not match its hash"
    with pytest.raises(CommandError, match="#1"):
        call_command("verify_audit_log")


def test_rewriting_every_row_under_a_guessed_key_fails_verification(settings):
    for n in range(3):
        InstitutionFactory(name=f"机构{n}")
    real_key = settings.AUDIT_LOG_KEY
    settings.AUDIT_LOG_KEY = "a-key-the-database-owner-made-up-" + "y" * 20
    _rewrite_every_row(chain.entry_hash)
    settings.AUDIT_LOG_KEY = real_key
    assert verify_chain()[1] == "entry #1: content does not match its hash"


def test_deleting_the_newest_rows_and_moving_the_head_back_is_caught_by_a_checkpoint():
    for n in range(4):
        InstitutionFactory(name=f"机构{n}")
    call_command("audit_checkpoint", stdout=io.StringIO())
    last = AuditEntry.objects.order_by("-seq").first().seq
    assert verify_chain() == (last, None)

    _tamper("DELETE FROM audits_auditentry WHERE seq > %s", [last - 2])
    kept = AuditEntry.objects.get(seq=last - 2)
    _tamper_head(kept.seq, kept.hash)

    checked, problem = verify_chain()
    assert checked == last - 2
    assert problem.startswith(f"the log ends at #{last - 2}, but the checkpoint of ")
    assert problem.endswith(f"recorded #{last}: entries were removed")
    with pytest.raises(CommandError, match="entries were removed"):
        call_command("verify_audit_log")


def test_the_log_keeps_verifying_as_it_grows_past_its_checkpoints():
    InstitutionFactory()
    call_command("audit_checkpoint", stdout=io.StringIO())
    InstitutionFactory()
    call_command("audit_checkpoint", stdout=io.StringIO())
    InstitutionFactory()
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "2 checkpoints matched" in out.getvalue()


def test_checkpoints_are_appended_signed_to_the_file_outside_the_database(settings):
    InstitutionFactory()
    first = write_checkpoint()
    second = write_checkpoint()
    lines = Path(settings.AUDIT_CHECKPOINT_PATH).read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [first.seq, second.seq]
    assert json.loads(lines[0])["hash"] == AuditEntry.objects.get(seq=first.seq).hash
    assert json.loads(lines[0])["count"] == AuditEntry.objects.count()


def test_an_altered_checkpoint_line_fails_verification(settings):
    InstitutionFactory()
    write_checkpoint()
    path = Path(settings.AUDIT_CHECKPOINT_PATH)
    fields = json.loads(path.read_text())
    fields["seq"] -= 1  # pretending the log was shorter, without the key to sign it
    path.write_text(json.dumps(fields) + "\n")
    assert verify_chain()[1].startswith("checkpoint line 1 of ")


def test_postgresql_refuses_to_truncate_the_log_or_move_its_head_back(on_postgres):
    InstitutionFactory()
    for sql in (
        "TRUNCATE audits_auditentry",
        "TRUNCATE audits_auditchainhead",
        "UPDATE audits_auditchainhead SET seq = seq - 1",
        "DELETE FROM audits_auditchainhead",
    ):
        assert_refused_as_append_only(sql)
    assert verify_chain()[1] is None


def test_the_application_role_may_only_read_and_append_to_the_log(on_postgres, settings):
    institution = InstitutionFactory()
    role = f"{settings.DATABASES['default']['NAME']}_app"[:63]
    call_command("create_app_role", role, stdout=io.StringIO())

    def as_app(sql, params=()):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{role}"')
            cursor.execute(sql, params)
            cursor.execute("RESET ROLE")

    as_app("SELECT count(*) FROM audits_auditentry")
    as_app("UPDATE institutions_institution SET name = name WHERE id = %s", [institution.pk])
    for sql in (
        "TRUNCATE audits_auditentry",
        "UPDATE audits_auditentry SET actor_name = 'x'",
        "DELETE FROM audits_auditentry",
        "ALTER TABLE audits_auditentry DISABLE TRIGGER USER",
        "ALTER TABLE institutions_institution ADD COLUMN sneaky int",
        "DELETE FROM audits_auditchainhead",
        "CREATE TABLE sneaky (id int)",
    ):
        with pytest.raises(Exception, match=r"permission denied|must be owner"):
            as_app(sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        InstitutionFactory()  # the app still records changes: it appends and moves the head
        assert verify_chain()[1] is None
        cursor.execute("RESET ROLE")


# --- every workflow step is logged, whichever path takes it --------------------------------------


def status_steps(obj, field="status"):
    """The (before, after) values of `field` in the object's logged updates, oldest first."""
    return [
        (entry.before[field], entry.after[field])
        for entry in entries_for(obj).filter(action=AuditAction.UPDATE)
        if entry.before[field] != entry.after[field]
    ]


class TestEveryWorkflowStepIsLogged:
    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def test_approving_a_filing_through_the_api_is_logged_with_the_status_before_and_after(
        self, api_as, alice, nanjing_staff, nanjing_institution, lathe
    ):
        client = api_as(alice)
        pk = open_filing(client, nanjing_institution, items=[(lathe, 4)])
        attach_all(client, pk)
        assert client.post(f"{FILINGS}{pk}/submit/").status_code == 200
        response = api_as(nanjing_staff).post(
            f"{FILINGS}{pk}/approve/",
            {"valid_from": "2025-01-01", "valid_until": "2027-12-31"},
            format="json",
            HTTP_X_REQUEST_ID="approve-1",
        )
        assert response.status_code == 200, response.json()

        filing = Filing.objects.get(pk=pk)
        assert status_steps(filing) == [("draft", "submitted"), ("submitted", "approved")]
        approval = entries_for(filing).last()
        assert (approval.actor_id, approval.request_id) == (nanjing_staff.pk, "approve-1")
        assert approval.after["decided_by_id"] == nanjing_staff.pk
        assert verify_chain()[1] is None

    def test_rejecting_a_filing_is_logged(
        self, api_as, alice, nanjing_staff, nanjing_institution, lathe
    ):
        client = api_as(alice)
        pk = open_filing(client, nanjing_institution, items=[(lathe, 4)])
        attach_all(client, pk)
        client.post(f"{FILINGS}{pk}/submit/")
        assert approve(api_as(nanjing_staff), pk, valid_until="2020-01-01").status_code == 400
        api_as(nanjing_staff).post(f"{FILINGS}{pk}/reject/", {"reason": "考评人员不足"})
        assert status_steps(Filing.objects.get(pk=pk))[-1] == ("submitted", "rejected")

    def test_every_batch_step_is_logged_once_as_it_is_recorded_in_the_batch_history(
        self, request, alice, nanjing_staff
    ):
        # The batch API tests' fixtures: a batch planned through the API, and its roster.
        pk, candidates, client = map(request.getfixturevalue, ["planned", "roster", "as_user"])
        with on(EXAM_WEEK):
            walk_to_publicity(client(alice), pk, candidates)
            client(nanjing_staff).step(pk, "return-results", {"reason": "成绩有误"})
            client(alice).step(pk, "cancel", {"reason": "场地不可用"})
        batch = Batch.objects.get(pk=pk)
        created, *history = [(t.from_status, t.to_status) for t in batch.transitions.order_by("pk")]
        assert created == ("", "draft") and len(history) == 9
        assert history[-1] == ("examined", "cancelled")
        assert status_steps(batch) == history

    def test_suspending_and_restoring_an_institution_is_logged(
        self, api_as, province_admin, nanjing_institution
    ):
        url = f"/api/v1/institutions/{nanjing_institution.pk}/catalog/"
        client = api_as(province_admin)
        client.post(url, {"action": "suspend", "reason": "抽查发现问题"})
        client.post(url, {"action": "restore", "reason": "整改完成"})
        assert status_steps(nanjing_institution, "catalog_status") == [
            ("active", "suspended"),
            ("suspended", "active"),
        ]

    def test_deciding_a_competition_filing_and_a_recognition_is_logged(
        self, api_as, organiser, lathe, nanjing_staff
    ):
        InstitutionFactory(
            name="南京市职业技能鉴定指导中心",
            kind=InstitutionKind.APPRAISAL_CENTRE,
            county=region("320106"),
        )
        client = api_as(organiser)

        def create(**changes):
            made = client.post("/api/v1/competitions/", competition_body(**changes), format="json")
            url = f"/api/v1/competitions/{made.json()['id']}/"
            client.post(url + "events/", {"occupation_code": lathe.code}, format="json")
            return url, client.get(url).json()

        with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)):
            county_url, _ = create(host_region="320115", regions_involved=["320106"], kind="county")
            filing = client.post(county_url + "filings/", {"reason": "cross_region"}, format="json")
            assert filing.status_code == 201, filing.json()
            decided = api_as(nanjing_staff).post(
                f"/api/v1/competition-filings/{filing.json()['id']}/decide/",
                {"approve": True},
                format="json",
            )
            assert decided.status_code == 200, decided.json()

            city_url, competition = create()
            client.post("/api/v1/contestants/", contestant_body(competition, 1), format="json")
            Contestant.objects.update(rank=1)
        # Recognitions come after the competition's last day (2026-12-03).
        with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)):
            assert client.post(city_url + "propose/").status_code == 200
            recognition = Recognition.objects.get()
            granted = api_as(nanjing_staff).post(
                f"/api/v1/recognitions/{recognition.pk}/decide/",
                {"grant": True, "level": 3},
                format="json",
            )
            assert granted.status_code == 200, granted.json()
        assert status_steps(CompetitionFiling.objects.get()) == [("submitted", "approved")]
        assert status_steps(recognition) == [("proposed", "granted")]

    def test_each_step_of_a_complaint_is_logged(
        self, api_as, nanjing_staff, nanjing_institution, lathe
    ):
        approved_filing(nanjing_institution, [(lathe, 4)])  # in the catalog, so open to complaints
        filed = file_complaint(institution=nanjing_institution.pk)
        assert filed.status_code == 201, filed.json()
        complaint = Complaint.objects.get()
        staff = api_as(nanjing_staff)
        url = f"/api/v1/complaints/{complaint.pk}/advance/"
        staff.post(url, {"assignee": nanjing_staff.pk})
        staff.post(url)
        staff.post(url, {"outcome": "经查属实"})
        assert status_steps(complaint) == [
            ("received", "assigned"),
            ("assigned", "investigating"),
            ("investigating", "concluded"),
        ]

    def test_revoking_a_certificate_through_the_api_is_logged(
        self, api_as, province_auditor, nanjing_institution
    ):
        certificate = make_certificate(nanjing_institution)
        response = api_as(province_auditor).post(
            f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "督查发现违规发证"}
        )
        assert response.status_code == 200
        assert status_steps(certificate) == [("valid", "revoked")]
        assert entries_for(certificate).last().after["revocation_reason"] == "督查发现违规发证"

    def test_a_jobs_run_is_logged_from_queued_to_succeeded(
        self, province_admin, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_import(province_admin)
        assert status_steps(job) == [("queued", "running"), ("running", "succeeded")]
