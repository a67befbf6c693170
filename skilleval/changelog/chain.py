"""The audit log's keyed hash chain and its signed checkpoints outside the database.

Each entry's hash is HMAC-SHA256, under AUDIT_LOG_KEY, of its content and the previous entry's
hash. The key never enters the database, so whoever owns the database can delete or change rows
but cannot compute the hashes that would make the chain verify again.

Deleting the newest rows and moving the chain head back leaves a shorter chain that is still
consistent. Checkpoints catch that: every so often (Celery beat, `manage.py audit_checkpoint`)
the last entry's sequence number and hash and the entry count are appended, signed with the
same key, to a file opened with O_APPEND on storage the database cannot reach
(AUDIT_CHECKPOINT_PATH). `manage.py verify_audit_log` checks that the database still holds every
checkpointed entry.
"""

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
CHECKPOINT_DOMAIN = b"skilleval audit checkpoint v1\n"


def _key() -> bytes:
    return settings.AUDIT_LOG_KEY.encode()


def _canonical(payload: dict) -> bytes:
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def entry_fields(entry) -> dict:
    """Every column of an entry but its hash, as its hash covers them (and as archives keep
    them). `entry` may be a historical model (migrations), so only attributes are read."""
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "request_id": entry.request_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


def entry_payload(entry) -> bytes:
    """What an entry's hash covers: every column but the hash itself."""
    return _canonical(entry_fields(entry))


def entry_hash(entry) -> str:
    return hmac.new(_key(), entry_payload(entry), hashlib.sha256).hexdigest()


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    count: int
    at: str

    def _fields(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "count": self.count, "at": self.at}

    def signature(self) -> str:
        return hmac.new(
            _key(), CHECKPOINT_DOMAIN + _canonical(self._fields()), hashlib.sha256
        ).hexdigest()

    def line(self) -> str:
        return json.dumps({**self._fields(), "mac": self.signature()}, sort_keys=True) + "\n"


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def append_checkpoint(checkpoint: Checkpoint) -> None:
    """One write() of one line to a file opened O_APPEND: lines never interleave or overwrite,
    and the file can be made append-only by the operating system (chattr +a)."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, checkpoint.line().encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_checkpoints() -> tuple[list[Checkpoint], str | None]:
    """The checkpoints in the file, and the first line that is not a validly signed one."""
    path = checkpoint_path()
    if not path.exists():
        return [], None
    checkpoints = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                fields = json.loads(line)
                checkpoint = Checkpoint(
                    int(fields["seq"]), str(fields["hash"]), int(fields["count"]), str(fields["at"])
                )
                signed = hmac.compare_digest(checkpoint.signature(), str(fields["mac"]))
            except (ValueError, KeyError, TypeError):
                signed = False
            if not signed:
                return checkpoints, (
                    f"checkpoint line {number} of {path} is not signed with this key (altered?)"
                )
            checkpoints.append(checkpoint)
    return checkpoints, None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
