import logging

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

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
        """Record a job and hand it to a worker once the surrounding transaction commits."""
        from skilleval.tasks import run_job

        job = self.create(
            kind=kind,
            started_by=user,
            institution=institution,
            params=params or {},
            input_file=input_file,
        )
        transaction.on_commit(lambda: run_job.delay(job.pk))
        return job


class Job(models.Model):
    """A piece of background work (import, bulk issuance, review) with its progress and outcome."""

    kind = models.CharField("类型", max_length=40, choices=JobKind.choices)
    status = models.CharField(
        "状态", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("当前步骤", max_length=300, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    input_file = models.FileField("输入文件", upload_to="jobs/input/%Y/%m/", blank=True)
    result = models.JSONField("结果摘要", default=dict, blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/result/%Y/%m/", blank=True)
    error = models.TextField("错误", blank=True)
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
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
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
        Job.objects.filter(pk=self.pk).update(**changes)

    def with_live_progress(self) -> "Job":
        """The job with the freshest progress of a running handler (see report_progress)."""
        if self.status == JobStatus.RUNNING:
            live = cache.get(self._progress_key)
            if live:
                self.done, self.total, self.message = live["done"], live["total"], live["message"]
        return self

    def run(self) -> None:
        """Run the job's handler. Safe to call twice: a finished job is left alone, and a job
        whose worker died mid-run (still 'running') is run again; handlers are idempotent."""
        claimed = audited_update(
            self,
            {"status__in": [JobStatus.QUEUED, JobStatus.RUNNING]},
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            error="",
        )
        if not claimed:
            log.info("job %s already finished; nothing to do", self.pk)
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
