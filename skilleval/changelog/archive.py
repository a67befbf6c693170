"""Keeping the audit log for years without keeping it all in the database (网络安全法 第二十一条:
network logs kept no less than six months), and checking it: the signed checkpoints outside the
database (write_checkpoint), the archives, and the chain as one from the first archived entry to
the newest row (verify_chain, manage.py verify_audit_log).

Entries older than AUDIT_ONLINE_DAYS (at least 183) are written, in order, to archive files under
AUDIT_ARCHIVE_DIR: one JSON line per entry exactly as stored (with its keyed hash and the link to
the one before), then a manifest line naming the first and last entry, the SHA-256 of the entry
lines and of the previous archive file, signed with AUDIT_LOG_KEY. The files chain like the
entries: a changed, missing or reordered file breaks verify_archives(). Archiving never deletes;
`manage.py archive_audit_log --purge`, run as the owner of the tables (the application's role
may not delete from the log), then removes what the archives hold, and the database chain is
verified from the last archived entry on.
"""

import hashlib
import hmac
import json
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from skilleval.changelog import chain
from skilleval.models.changelog import AuditChainHead, AuditEntry

ARCHIVE_DOMAIN = b"skilleval audit archive v1\n"
TRIGGER = "audits_auditentry_append_only"


def archive_dir() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def _files() -> list[Path]:
    return sorted(archive_dir().glob("audit-*.jsonl"))


def _signature(manifest: dict) -> str:
    fields = {k: v for k, v in manifest.items() if k != "mac"}
    return hmac.new(
        chain._key(), ARCHIVE_DOMAIN + chain._canonical(fields), hashlib.sha256
    ).hexdigest()


def _entry_line(entry) -> dict:
    return {**chain.entry_fields(entry), "hash": entry.hash}


def last_archived() -> dict | None:
    """The manifest of the newest archive file (first, last, last_hash …), or None."""
    files = _files()
    if not files:
        return None
    return json.loads(files[-1].read_text(encoding="utf-8").splitlines()[-1])["archive"]


def archive(now=None) -> Path | None:
    """Write the entries older than AUDIT_ONLINE_DAYS that no archive holds yet to a new file;
    None when there are none. Nothing is deleted."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.AUDIT_ONLINE_DAYS)
    previous = last_archived()
    after_seq = previous["last"] if previous else 0
    # A prefix of the chain, in order: archiving stops at the first entry still too recent.
    entries = []
    for entry in AuditEntry.objects.filter(seq__gt=after_seq).order_by("seq").iterator():
        if entry.created_at >= before:
            break
        entries.append(entry)
    if not entries:
        return None
    lines = [chain._canonical(_entry_line(e)).decode() for e in entries]
    body = "".join(line + "\n" for line in lines)
    files = _files()
    manifest = {
        "first": entries[0].seq,
        "last": entries[-1].seq,
        "count": len(entries),
        "last_hash": entries[-1].hash,
        "entries_sha256": hashlib.sha256(body.encode()).hexdigest(),
        "previous_sha256": hashlib.sha256(files[-1].read_bytes()).hexdigest() if files else "",
        "written_at": chain.now_iso(),
    }
    manifest["mac"] = _signature(manifest)
    target = archive_dir() / f"audit-{entries[0].seq:012d}-{entries[-1].seq:012d}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(body + json.dumps({"archive": manifest}, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    if target.exists():
        raise FileExistsError(target)  # archives are never overwritten
    os.replace(temporary, target)
    return target


def verify_archives() -> tuple[int, str | None]:
    """Check every archive file: its signature, its entries' hashes and links, and its link to
    the file before; return (entries checked, first problem or None)."""
    expected_prev, expected_seq, checked, previous_bytes = chain.GENESIS_HASH, 1, 0, None
    for path in _files():
        raw = path.read_bytes()
        *entry_lines, manifest_line = raw.decode("utf-8").splitlines()
        try:
            manifest = json.loads(manifest_line)["archive"]
        except (ValueError, KeyError):
            return checked, f"{path.name}: no manifest (truncated?)"
        if not hmac.compare_digest(_signature(manifest), str(manifest.get("mac", ""))):
            return checked, f"{path.name}: the manifest is not signed with this key (altered?)"
        body = "".join(line + "\n" for line in entry_lines)
        if hashlib.sha256(body.encode()).hexdigest() != manifest["entries_sha256"]:
            return checked, f"{path.name}: the entries differ from the signed manifest"
        link = hashlib.sha256(previous_bytes).hexdigest() if previous_bytes is not None else ""
        if manifest["previous_sha256"] != link:
            return checked, f"{path.name}: does not follow the archive before it"
        for line in entry_lines:
            fields = json.loads(line)
            stored_hash = fields.pop("hash")
            entry = AuditEntry(**fields)
            entry.created_at = timezone.datetime.fromisoformat(fields["created_at"])
            if entry.seq != expected_seq:
                return checked, f"{path.name}: entry #{expected_seq} is missing"
            if entry.prev_hash != expected_prev or chain.entry_hash(entry) != stored_hash:
                return checked, f"{path.name}: entry #{entry.seq} does not match its hash"
            expected_prev, expected_seq, checked = stored_hash, entry.seq + 1, checked + 1
        previous_bytes = raw
    return checked, None


def purge_archived() -> int:
    """Delete from the database the entries the archives hold (verified first). Only the owner
    of the tables may: on PostgreSQL the append-only trigger is switched off for this one
    transaction, which the application's role is not allowed to do."""
    _checked, problem = verify_archives()
    if problem:
        raise ValueError(f"the archives do not verify, nothing deleted: {problem}")
    manifest = last_archived()
    if manifest is None:
        return 0
    with transaction.atomic():
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE audits_auditentry DISABLE TRIGGER {TRIGGER}")
        with connection.cursor() as cursor:  # the model refuses deletes; this is the one place
            cursor.execute("DELETE FROM audits_auditentry WHERE seq <= %s", [manifest["last"]])
            deleted = cursor.rowcount
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE audits_auditentry ENABLE TRIGGER {TRIGGER}")
    return deleted


def write_checkpoint() -> chain.Checkpoint:
    """Append a signed checkpoint of the log's current end to the file outside the database."""
    # One statement, so the count and the last number come from the same snapshot.
    totals = AuditEntry.objects.aggregate(last=Max("seq"), count=Count("pk"))
    last = totals["last"] or 0
    last_hash = (
        AuditEntry.objects.filter(seq=last).values_list("hash", flat=True).first()
        or chain.GENESIS_HASH
    )
    checkpoint = chain.Checkpoint(last, last_hash, totals["count"], chain.now_iso())
    chain.append_checkpoint(checkpoint)
    return checkpoint


def verify_chain(batch_size: int = 5000) -> tuple[int, str | None]:
    """Walk the chain from the first entry, checking each keyed hash and link, and that every
    signed checkpoint outside the database is still matched; return (entries checked, first
    problem or None)."""
    checkpoints, problem = chain.read_checkpoints()
    if problem:
        return 0, problem
    # Entries written to archive files are verified there; the database goes on from the last.
    archived, problem = verify_archives()
    if problem:
        return archived, problem
    base = last_archived()
    expected_prev, last_seq = (base["last_hash"], base["last"]) if base else (chain.GENESIS_HASH, 0)
    expected_seq, checked = last_seq + 1, last_seq
    pending = {c.seq: c for c in checkpoints if c.seq > last_seq}
    queryset = AuditEntry.objects.order_by("seq")
    while True:
        page = list(queryset.filter(seq__gt=last_seq)[:batch_size])
        if not page:
            break
        for entry in page:
            if entry.seq != expected_seq:
                return checked, f"entry #{expected_seq} is missing (next is #{entry.seq})"
            if entry.prev_hash != expected_prev:
                return checked, f"entry #{entry.seq}: link to the previous entry is broken"
            if entry.compute_hash() != entry.hash:
                return checked, f"entry #{entry.seq}: content does not match its hash"
            expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
            last_seq = entry.seq
            checkpoint = pending.pop(entry.seq, None)
            if checkpoint and (checkpoint.hash, checkpoint.count) != (entry.hash, checked):
                return checked, (
                    f"entry #{entry.seq} differs from the checkpoint of {checkpoint.at}"
                )
    if pending:
        checkpoint = pending[max(pending)]
        return checked, (
            f"the log ends at #{last_seq}, but the checkpoint of {checkpoint.at} recorded "
            f"#{checkpoint.seq}: entries were removed"
        )
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (last_seq, expected_prev):
        return checked, f"the chain head says #{head.seq} but the log ends at #{last_seq}"
    return checked, None
