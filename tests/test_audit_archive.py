"""Audit entries older than AUDIT_ONLINE_DAYS go to signed, chained archive files; the chain
verifies across archive and database, before and after the owner purges; any change to a file
is found (网络安全法 第二十一条: kept at least six months)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from skilleval.changelog import archive
from skilleval.changelog.archive import verify_chain, write_checkpoint
from skilleval.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def places(settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = str(tmp_path / "archive")
    settings.AUDIT_CHECKPOINT_PATH = str(tmp_path / "checkpoints.log")
    settings.AUDIT_ONLINE_DAYS = 400


def entries_at(moment, n, label):
    with time_machine.travel(moment, tick=False):
        for i in range(n):
            AuditEntry.objects.record("update", object_type="test", object_repr=f"{label}{i}")


def last_seq():
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.fixture
def year_of_entries():
    """Entries from today (the first of the chain), then two more 300 days later."""
    start = timezone.now()
    entries_at(start, 3, "old")
    old_end = last_seq()
    write_checkpoint()
    entries_at(start + 300 * DAY, 2, "new")
    return start, old_end


def test_old_entries_are_archived_and_the_chain_verifies_across_archive_and_database(
    year_of_entries,
):
    start, old_end = year_of_entries
    total = last_seq()
    written = archive.archive(start + 450 * DAY)  # the first three are 450 days old, not the rest
    assert written.name == f"audit-{1:012d}-{old_end:012d}.jsonl"
    assert archive.verify_archives() == (old_end, None)
    assert verify_chain() == (total, None)
    assert archive.archive(start + 450 * DAY) is None  # nothing more is old enough

    second = archive.archive(start + 800 * DAY)  # later the newer ones follow, in a second file
    assert second.name == f"audit-{old_end + 1:012d}-{total:012d}.jsonl"
    assert archive.verify_archives() == (total, None)
    assert verify_chain() == (total, None)


def test_a_changed_byte_in_an_archive_is_found(year_of_entries):
    start, _ = year_of_entries
    written = archive.archive(start + 450 * DAY)
    written.write_text(written.read_text(encoding="utf-8").replace("old1", "oldX"), "utf-8")
    _checked, problem = archive.verify_archives()
    assert problem and "differ" in problem
    assert verify_chain()[1] == problem


def test_a_removed_archive_file_breaks_the_chain_of_files(year_of_entries):
    start, _ = year_of_entries
    first = archive.archive(start + 450 * DAY)
    archive.archive(start + 800 * DAY)
    first.unlink()
    assert archive.verify_archives()[1] is not None


def test_after_the_owner_purges_the_database_chain_goes_on_from_the_archive(year_of_entries):
    start, old_end = year_of_entries
    total = last_seq()
    archive.archive(start + 450 * DAY)

    assert archive.purge_archived() == old_end
    assert AuditEntry.objects.order_by("seq").values_list("seq", flat=True)[0] == old_end + 1
    assert verify_chain() == (total, None)

    AuditEntry.objects.record("update", object_type="test", object_repr="after the purge")
    assert verify_chain() == (total + 1, None)


def test_the_online_period_cannot_be_set_below_six_months(monkeypatch):
    import importlib

    import skilleval.settings.base as base

    monkeypatch.setenv("AUDIT_ONLINE_DAYS", "90")
    with pytest.raises(Exception, match="at least 183"):
        importlib.reload(base)
    monkeypatch.delenv("AUDIT_ONLINE_DAYS")
    importlib.reload(base)
