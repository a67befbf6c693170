import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from audits import context
from audits.choices import AuditAction

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只可追加 / The audit log is append-only")

    def delete(self):
        raise AppendOnlyError("审计日志只可追加 / The audit log is append-only")


class AuditChainHead(models.Model):
    """The last link of the audit hash chain. Its row lock serialises appends, so the chain
    stays a single line however many processes write at once."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class AuditEntryManager(models.Manager.from_queryset(AuditEntryQuerySet)):
    def record(
        self, action, *, object_type="", object_id="", object_repr="", before=None, after=None
    ):
        """Append one entry for the current actor (request user or system actor)."""
        return self.record_many(
            [
                {
                    "action": action,
                    "object_type": object_type,
                    "object_id": str(object_id),
                    "object_repr": str(object_repr)[:200],
                    "before": before,
                    "after": after,
                }
            ]
        )[0]

    def record_many(self, changes: list[dict]) -> list["AuditEntry"]:
        """Append several entries in one go (bulk operations), chained in order."""
        actor = context.current()
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            entries = []
            for change in changes:
                entry = AuditEntry(
                    seq=head.seq + 1,
                    created_at=timezone.now(),
                    actor_id=actor.user_id,
                    actor_name=actor.name,
                    request_id=actor.request_id,
                    prev_hash=head.hash,
                    **change,
                )
                entry.hash = entry.compute_hash()
                head.seq, head.hash = entry.seq, entry.hash
                entries.append(entry)
            AuditEntry.objects.bulk_create(entries)
            head.save(update_fields=["seq", "hash"])
        return entries


class AuditEntry(models.Model):
    """One recorded change or sign-in event, append-only; each entry carries the hash of the one
    before it, so a changed or missing row breaks the chain (manage.py verify_audit_log)."""

    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # entries outlive accounts; nothing may cascade into the log
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150)
    request_id = models.CharField("请求号", max_length=64, blank=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("修改后", null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryManager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只可追加 / The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只可追加 / The audit log is append-only")

    def compute_hash(self) -> str:
        payload = {
            "seq": self.seq,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "request_id": self.request_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(
            payload,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            cls=DjangoJSONEncoder,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def verify_chain(batch_size: int = 5000) -> tuple[int, str | None]:
    """Walk the chain from the first entry; return (entries checked, first problem or None)."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
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
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (last_seq, expected_prev):
        return checked, f"the chain head says #{head.seq} but the log ends at #{last_seq}"
    return checked, None


class AuditSignal(models.Model):
    """Something the rules noticed for the auditors: rush evaluation before a deadline, a batch far
    above the institution's usual size (239号 四: 严禁突击鉴定、突击发证)."""

    kind = models.CharField("类型（规则）", max_length=80)
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="signals"
    )
    batch = models.ForeignKey(
        "institutions.Batch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signals",
    )
    detail = models.CharField("说明", max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "督查提示"
        verbose_name_plural = "督查提示"

    def __str__(self):
        return f"{self.kind}: {self.detail}"
