"""The change log moved from the audits app into the core app (skilleval 0015, audits 0011): a
database from before the move migrates forward with its log intact and still verifying."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from skilleval.changelog.archive import verify_chain
from skilleval.choices import AuditAction
from skilleval.models import AuditEntry, AuditSignal
from tests.append_only import REWRITES_OF_AN_ENTRY, assert_refused_as_append_only

BEFORE_THE_MOVE = [
    ("audits", "0010_constraint_messages_in_one_language"),
    ("skilleval", "0014_constraint_messages_in_one_language"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


def _content_type_label(model) -> str:
    return ContentType.objects.get(model=model._meta.model_name).app_label


def test_a_database_from_before_the_move_migrates_forward(live_db):
    AuditEntry.objects.record(AuditAction.UPDATE, object_type="test.before", object_id=1)
    ContentType.objects.get_for_model(AuditEntry)
    ContentType.objects.get_for_model(AuditSignal)

    executor = _migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    # Before the move the audits app owns the models, on the very same tables.
    assert old.get_model("audits", "AuditEntry")._meta.db_table == AuditEntry._meta.db_table
    assert old.get_model("audits", "AuditSignal")._meta.db_table == AuditSignal._meta.db_table
    assert _content_type_label(AuditEntry) == "audits"
    AuditEntry.objects.record(AuditAction.UPDATE, object_type="test.before", object_id=2)
    written = AuditEntry.objects.count()

    executor = _migrate(None)
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    assert new.get_model("skilleval", "AuditEntry")._meta.db_table == "audits_auditentry"
    with pytest.raises(LookupError):
        new.get_model("audits", "AuditEntry")
    assert _content_type_label(AuditEntry) == "skilleval"
    assert _content_type_label(AuditSignal) == "skilleval"
    AuditEntry.objects.record(AuditAction.UPDATE, object_type="test.after", object_id=3)
    assert AuditEntry.objects.count() == written + 1
    assert verify_chain() == (written + 1, None)


def test_the_database_still_refuses_to_change_the_log_after_the_move(live_db, on_postgres):
    _migrate(BEFORE_THE_MOVE)
    _migrate(None)
    entry = AuditEntry.objects.record(AuditAction.UPDATE, object_type="test.after", object_id=1)
    for sql in REWRITES_OF_AN_ENTRY:
        assert_refused_as_append_only(sql, [entry.pk])
