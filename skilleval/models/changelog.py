"""The change log (as NetBox keeps it in its core): every change and sign-in as an append-only,
hash-chained entry, and the signals the rules raise for the auditors. The tables keep the names
they had in the audits app (db_table), where these models lived first."""

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skilleval.changelog import chain, context
from skilleval.choices import AuditAction

GENESIS_HASH = chain.GENESIS_HASH


class AppendOnlyError(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(gettext("审计日志只可追加"))

    def delete(self):
        raise AppendOnlyError(gettext("审计日志只可追加"))


class AuditChainHead(models.Model):
    """The last link of the audit hash chain. Its row lock serialises appends, so the chain
    stays a single line however many processes write at once."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        db_table = "audits_auditchainhead"

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
    """One recorded change or sign-in event, append-only; each entry carries the keyed hash of
    the one before it, so a changed or missing row breaks the chain (manage.py verify_audit_log,
    skilleval/changelog/chain.py)."""

    seq = models.BigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # entries outlive accounts; nothing may cascade into the log
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    request_id = models.CharField(_("请求号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("修改后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryManager()

    class Meta:
        db_table = "audits_auditentry"
        ordering = ["-seq"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(gettext("审计日志只可追加"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(gettext("审计日志只可追加"))

    @property
    def object_label(self) -> str:
        """What kind of thing changed, in words (the model's name), not its internal label."""
        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    def compute_hash(self) -> str:
        """HMAC-SHA256 under AUDIT_LOG_KEY, which is kept outside the database (skilleval/changelog/chain.py)."""
        return chain.entry_hash(self)


class AuditSignal(models.Model):
    """Something the rules noticed for the auditors: rush evaluation before a deadline, a batch far
    above the institution's usual size (239号 四: 严禁突击鉴定、突击发证)."""

    kind = models.CharField(_("类型（规则）"), max_length=80)
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
    detail = models.CharField(_("说明"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "audits_auditsignal"
        ordering = ["-created_at"]
        verbose_name = _("督查提示")
        verbose_name_plural = _("督查提示")

    def __str__(self):
        return f"{self.kind}: {self.detail}"
