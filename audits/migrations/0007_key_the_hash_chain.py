"""Key the audit hash chain: every entry's hash becomes HMAC-SHA256 under AUDIT_LOG_KEY.

Strategy: re-key at migration time. The existing chain is first verified link by link (each
entry must match the old unkeyed rule, or already the keyed one, for entries written earlier in
the same `migrate` run); a broken chain stops the migration, so tampering that the old rule
still detects is never re-signed. Then every entry's link and hash are recomputed under the key,
in order, and the chain head follows. Afterwards only the keyed rule verifies, so nobody without
the key can rewrite the log. Reversing recomputes the unkeyed hashes.

On PostgreSQL the append-only trigger is switched off for this one transaction; only the owner
of the table, who runs migrations, may do that.
"""

import hashlib

from django.db import migrations

from skilleval.changelog.chain import GENESIS_HASH, entry_hash, entry_payload

PAGE = 2000
TRIGGER = "audits_auditentry_append_only"


def unkeyed_hash(entry) -> str:
    """The chain's rule before it was keyed."""
    return hashlib.sha256(entry_payload(entry)).hexdigest()


def _pages(AuditEntry):
    last = 0
    while page := list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:PAGE]):
        yield page
        last = page[-1].seq


def _check_intact(AuditEntry):
    expected_prev, expected_seq = GENESIS_HASH, 1
    for page in _pages(AuditEntry):
        for entry in page:
            if (
                entry.seq != expected_seq
                or entry.prev_hash != expected_prev
                or entry.hash not in (unkeyed_hash(entry), entry_hash(entry))
            ):
                raise RuntimeError(
                    f"audit log broken at entry #{expected_seq}: not re-keyed. "
                    "Investigate with manage.py verify_audit_log before migrating."
                )
            expected_prev, expected_seq = entry.hash, entry.seq + 1


def _rechain(apps, schema_editor, digest):
    AuditEntry = apps.get_model("audits", "AuditEntry")
    AuditChainHead = apps.get_model("audits", "AuditChainHead")
    _check_intact(AuditEntry)
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE audits_auditentry DISABLE TRIGGER {TRIGGER}")
    prev, last, rekeyed = GENESIS_HASH, 0, 0
    for page in _pages(AuditEntry):
        changed = []
        for entry in page:
            old = (entry.prev_hash, entry.hash)
            entry.prev_hash = prev
            entry.hash = prev = digest(entry)
            last = entry.seq
            if (entry.prev_hash, entry.hash) != old:
                changed.append(entry)
        AuditEntry.objects.bulk_update(changed, ["prev_hash", "hash"])
        rekeyed += len(changed)
    if postgres:
        schema_editor.execute(f"ALTER TABLE audits_auditentry ENABLE TRIGGER {TRIGGER}")
    AuditChainHead.objects.filter(pk=1).update(seq=last, hash=prev)
    if rekeyed:
        print(f"\n  audit log: {rekeyed} entries re-chained, head #{last} {prev[:16]}")


def key_the_chain(apps, schema_editor):
    _rechain(apps, schema_editor, entry_hash)


def unkey_the_chain(apps, schema_editor):
    _rechain(apps, schema_editor, unkeyed_hash)


class Migration(migrations.Migration):
    dependencies = [("audits", "0006_quality_reviews")]

    operations = [migrations.RunPython(key_the_chain, unkey_the_chain)]
