import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audits.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, JobKind, JobStatus
from skilleval.querysets import ScopedQuerySet

log = logging.getLogger(__name__)

# What runs each kind of job: a function taking the Job, dotted so apps need not import each other.
JOB_HANDLERS = {
    JobKind.OCCUPATION_IMPORT: "skilleval.occupation_import.run_import_job",
    JobKind.ROSTER_IMPORT: "institutions.roster.run_roster_import_job",
    JobKind.CERTIFICATE_ISSUANCE: "certificates.issuance.run_issuance_job",
}


class JobQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        mine = Q(started_by=user)
        if user.role in INSTITUTION_ROLES:
            return mine | Q(institution_id=user.institution_id)
        return mine


class JobManager(models.Manager.from_queryset(JobQuerySet)):
    def start(self, kind, *, user=None, institution=None, params=None, input_file=None) -> "Job":
        """Record a job and hand it to a worker once the surrounding transaction commits. With
        the broker down the job stays recorded, unsent; the sweeper sends it when it is back."""
        job = self.create(
            kind=kind,
            started_by=user,
            institution=institution,
            params=params or {},
            input_file=input_file,
        )
        transaction.on_commit(job.send)
        return job

    def sweep(self, now=None) -> dict:
        """What the sweeper (Celery beat, every minute) does: a running job whose heartbeat
        stopped (its worker died) goes back to the queue; a queued job never handed to the broker
        (it was down), or handed over but never picked up, is sent again. Each move is a
        conditional update, so two sweepers never requeue one job twice."""
        now = now or timezone.now()
        stale = now - timedelta(seconds=settings.JOB_STALE_AFTER)
        requeued = [
            pk
            for pk in self.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale).values_list(
                "pk", flat=True
            )
            if cache.get(f"job-heartbeat:{pk}", 0) < stale.timestamp()
            and self.filter(pk=pk, status=JobStatus.RUNNING, heartbeat_at__lt=stale).update(
                status=JobStatus.QUEUED, sent_at=None, message="工作进程中断，已重新排队"
            )
        ]
        unsent = self.filter(status=JobStatus.QUEUED).filter(
            Q(pk__in=requeued)
            | Q(sent_at__isnull=True, created_at__lt=now - timedelta(seconds=30))
            | Q(sent_at__lt=stale)
        )
        sent = [job.pk for job in unsent if job.send()]
        return {"requeued": requeued, "sent": sent}


class Job(models.Model):
    """A piece of background work (import, bulk issuance, review) with its progress and outcome."""

    kind = models.CharField(_("类型"), max_length=40, choices=JobKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("当前步骤"), max_length=300, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    input_file = models.FileField(_("输入文件"), upload_to="jobs/input/%Y/%m/", blank=True)
    result = models.JSONField(_("结果摘要"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/result/%Y/%m/", blank=True)
    error = models.TextField(_("错误"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Handed to the broker (None: not yet, e.g. the broker was down when the job was started).
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed by every progress report: a running job whose heartbeat stops lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(total=0) | Q(done__lte=F("total")),
                name="job_done_not_above_total",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def _progress_key(self) -> str:
        return f"job-progress:{self.pk}"

    def report_progress(self, done: int, total: int | None = None, message: str | None = None):
        """Record progress where a browser polling the job sees it at once.

        A handler that works inside one transaction (all-or-nothing imports) would hide a row
        update until it commits, so progress also goes to the cache, which is outside it.
        """
        changes = {"done": done}
        if total is not None:
            changes["total"] = total
        if message is not None:
            changes["message"] = message[:300]
        for field, value in changes.items():
            setattr(self, field, value)
        cache.set(
            self._progress_key,
            {"done": self.done, "total": self.total, "message": self.message},
            timeout=24 * 60 * 60,
        )
        now = timezone.now()
        # The row update is invisible while the handler's transaction is open; the cache is not.
        cache.set(f"job-heartbeat:{self.pk}", now.timestamp(), timeout=24 * 60 * 60)
        Job.objects.filter(pk=self.pk).update(**changes, heartbeat_at=now)

    def with_live_progress(self) -> "Job":
        """The job with the freshest progress of a running handler (see report_progress)."""
        if self.status == JobStatus.RUNNING:
            live = cache.get(self._progress_key)
            if live:
                self.done, self.total, self.message = live["done"], live["total"], live["message"]
        return self

    @property
    def waits_for_the_broker(self) -> bool:
        return self.status == JobStatus.QUEUED and self.sent_at is None

    def send(self) -> bool:
        """Hand the job to the broker; False (logged, never raised) when the broker is down."""
        from skilleval.tasks import run_job

        try:
            run_job.apply_async(args=[self.pk], retry=False)
        except Exception:  # kombu's OperationalError and whatever a broken transport raises
            log.warning(
                "broker unavailable: job %s stays queued until the sweeper resends it", self.pk
            )
            return False
        Job.objects.filter(pk=self.pk, sent_at__isnull=True).update(sent_at=timezone.now())
        return True

    def may_be_retried_by(self, user) -> bool:
        return user.is_authenticated and (user.pk == self.started_by_id or user.is_province_admin)

    def retry(self, user) -> None:
        """A failed job (or one stuck without a worker) run again on a staff member's request;
        handlers are idempotent, so nothing done before is done twice."""
        if not self.may_be_retried_by(user):
            raise PermissionDenied(gettext("只有发起人或省级管理员可以重试"))
        stuck = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER)
        retried = Job.objects.filter(
            Q(status=JobStatus.FAILED)
            | Q(status=JobStatus.QUEUED, sent_at__isnull=True)
            | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stuck),
            pk=self.pk,
        ).update(status=JobStatus.QUEUED, sent_at=None, attempts=0, error="", finished_at=None)
        if not retried:
            raise ValidationError(gettext("任务正在运行或已完成，无需重试"))
        self.refresh_from_db()
        self.send()

    def run(self) -> None:
        """Run the job's handler. Safe to call twice: a finished job is left alone, and a job
        whose worker died mid-run (still 'running') is run again; handlers are idempotent.
        After JOB_MAX_ATTEMPTS runs that never finished, the job fails instead of looping."""
        claimed = audited_update(
            self,
            {"status__in": [JobStatus.QUEUED, JobStatus.RUNNING]},
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
        )
        if not claimed:
            log.info("job %s already finished; nothing to do", self.pk)
            return
        self.refresh_from_db()
        if self.attempts > settings.JOB_MAX_ATTEMPTS:
            Job.objects.filter(pk=self.pk).update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                error=gettext(
                    "任务已运行 %(value)s 次仍未完成（工作进程多次中断），请联系管理员后重试"
                )
                % {"value": self.attempts - 1},
            )
            return
        handler = import_string(JOB_HANDLERS[self.kind])
        try:
            result = handler(self) or {}
        except Exception as exc:
            log.exception("job %s failed", self.pk)
            audited_update(
                self, {}, status=JobStatus.FAILED, error=str(exc)[:5000], finished_at=timezone.now()
            )
        else:
            audited_update(
                self, {}, status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now()
            )
