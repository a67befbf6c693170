import logging
import os
import socket
import time
from datetime import timedelta

from celery import current_task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, JobKind, JobStatus
from skilleval.job_pages import in_both_languages
from skilleval.querysets import ScopedQuerySet

log = logging.getLogger(__name__)

# What runs each kind of job: a function taking the Job, dotted so apps need not import each other.
JOB_HANDLERS = {
    JobKind.OCCUPATION_IMPORT: "skilleval.occupation_import.run_import_job",
    JobKind.ROSTER_IMPORT: "institutions.roster.run_roster_import_job",
    JobKind.CERTIFICATE_ISSUANCE: "certificates.tasks.run_issuance_job",
}

TIME_LIMIT_EXCEEDED = _("任务运行超过 %(minutes)s 分钟仍未完成，已停止；请检查原因后重试")


def connection_lost(exc: Exception) -> bool:
    """Whether a handler running in a Celery worker failed because of its database connection.
    Never for a job run in-process (tasks run eagerly inside a caller's transaction): closing
    the connection there would end the caller's transaction."""
    in_a_worker = bool(current_task) and not current_task.request.is_eager
    # OperationalError covers a killed or restarted server (and a deadlock): a run later helps.
    return in_a_worker and isinstance(exc, InterfaceError | OperationalError)


def this_worker() -> str:
    """Who runs a job, for the operator reading the row: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class JobTimeLimitExceeded(Exception):
    """Raised by a progress report once the run is older than JOB_TIME_LIMIT: the job fails with
    this text instead of running (and keeping its heartbeat) forever."""


# Returned by a handler that handed the rest of its work to other tasks (bulk issuance's render
# chunks on any worker): the job stays running, and the task that finishes the work calls
# Job.finish for this run.
CONTINUES_ELSEWHERE = object()


class JobSuperseded(Exception):
    """Raised by a progress report when the job is no longer this run's (the sweeper requeued it
    or a staff member retried it): the run stops and leaves the job to the run that has it."""


class JobQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        if user.may_run_the_system:
            return Q()
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
        """What the sweeper (Celery beat, every minute) does.

        A running job whose heartbeat stopped (its worker died) goes back to the queue. Its row is
        locked first and a row locked by someone else is skipped (SKIP LOCKED): a worker reporting
        progress inside its handler's transaction holds that lock, so a job is never requeued
        under the run still doing it. A queued job the broker never got (it was down) is sent
        again; one handed over but not started yet (a long queue) only after JOB_RESEND_AFTER, so
        waiting jobs are not sent again every minute. Sending numbers the run (see send), so of
        two messages for one job only the newest can start it."""
        now = now or timezone.now()
        stale = now - timedelta(seconds=settings.JOB_STALE_AFTER)
        requeued = []
        with transaction.atomic():
            dead = self.select_for_update(skip_locked=True).filter(
                status=JobStatus.RUNNING, heartbeat_at__lt=stale
            )
            for job in dead:
                # The cache has the heartbeat of a handler whose transaction hides the row's.
                if cache.get(f"job-heartbeat:{job.pk}", 0) >= stale.timestamp():
                    continue
                if audited_update(
                    job,
                    {"status": JobStatus.RUNNING, "heartbeat_at__lt": stale},
                    status=JobStatus.QUEUED,
                    sent_at=None,
                    message=in_both_languages(_("工作进程中断，已重新排队")),
                ):
                    requeued.append(job.pk)
        # Sent once the requeue is committed: the worker that gets the message must see it.
        never_sent = Q(sent_at__isnull=True) & (
            Q(pk__in=requeued) | Q(created_at__lt=now - timedelta(seconds=30))
        )
        not_started = Q(sent_at__lt=now - timedelta(seconds=settings.JOB_RESEND_AFTER))
        sent = []
        for job in self.filter(status=JobStatus.QUEUED).filter(never_sent | not_started):
            # Only if nobody sent it meanwhile (another sweeper, a retry).
            unchanged = Q(sent_at__isnull=True) if job.sent_at is None else Q(sent_at=job.sent_at)
            if job.send(where=unchanged):
                sent.append(job.pk)
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
    # Numbers the messages sent for the job (see send): a message starts only the run it names.
    run_number = models.PositiveIntegerField(default=0)
    # Host and process running the job (written with the heartbeat), for an operator.
    worker = models.CharField(max_length=100, blank=True, default="")
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
        """Record progress where a browser polling the job sees it at once, and renew the
        heartbeat that tells the sweeper the run is alive.

        A handler that works inside one transaction (all-or-nothing imports) would hide a row
        update until it commits, so progress and heartbeat also go to the cache, which is outside
        it; the row itself is written at most every JOB_HEARTBEAT_INTERVAL seconds.

        Raises JobTimeLimitExceeded once the run is older than JOB_TIME_LIMIT, and JobSuperseded
        when the job is no longer this run's: the handler stops there (its transaction, if any,
        rolls back)."""
        self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message[:300]
        now = timezone.now()
        limit = timedelta(seconds=settings.JOB_TIME_LIMIT)
        if self.started_at and now - self.started_at > limit:
            raise JobTimeLimitExceeded(
                in_both_languages(TIME_LIMIT_EXCEEDED, {"minutes": settings.JOB_TIME_LIMIT // 60})
            )
        cache.set(
            self._progress_key,
            {"done": self.done, "total": self.total, "message": self.message},
            timeout=24 * 60 * 60,
        )
        cache.set(f"job-heartbeat:{self.pk}", now.timestamp(), timeout=24 * 60 * 60)
        last_beat = getattr(self, "_row_beat_at", None)
        if last_beat is not None and time.monotonic() - last_beat < settings.JOB_HEARTBEAT_INTERVAL:
            return
        # Only while the job is still this run's: requeued or retried, it is another run's.
        beating = Job.objects.filter(
            pk=self.pk, status=JobStatus.RUNNING, run_number=self.run_number
        ).update(
            done=self.done,
            total=self.total,
            message=self.message,
            heartbeat_at=now,
            worker=this_worker(),
        )
        if not beating:
            raise JobSuperseded(f"job {self.pk}: run {self.run_number} is no longer the job's run")
        self._row_beat_at = time.monotonic()

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

    def send(self, where: Q | None = None) -> bool:
        """Hand the job's next run to the broker: the run number goes up (with sent_at) and the
        message names it, so only the newest message of a job can start it (see run). False,
        logged and never raised, when the job is not queued, `where` no longer holds, or the
        broker is down (then sent_at is cleared and the sweeper sends it again).

        A worker must see the new number before the message: inside a transaction, the message
        goes when it commits."""
        from skilleval.tasks import run_job

        if transaction.get_connection().in_atomic_block and not run_job.app.conf.task_always_eager:
            transaction.on_commit(lambda: self.send(where))
            return True
        now = timezone.now()
        with transaction.atomic():
            numbered = Job.objects.filter(where or Q(), pk=self.pk, status=JobStatus.QUEUED)
            if not numbered.update(run_number=F("run_number") + 1, sent_at=now):
                return False
            self.run_number = Job.objects.values_list("run_number", flat=True).get(pk=self.pk)
        self.sent_at = now
        try:
            run_job.apply_async(args=[self.pk, self.run_number], retry=False)
        except Exception:  # kombu's OperationalError and whatever a broken transport raises
            log.warning(
                "broker unavailable: job %s stays queued until the sweeper resends it", self.pk
            )
            Job.objects.filter(pk=self.pk, run_number=self.run_number).update(sent_at=None)
            self.sent_at = None
            return False
        return True

    def may_be_retried_by(self, user) -> bool:
        return user.is_authenticated and (
            user.pk == self.started_by_id or user.is_province_admin or user.may_run_the_system
        )

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

    def run(self, run_number: int | None = None) -> None:
        """Run the job's handler for the message of run `run_number`.

        Only a queued job starts, and only for the message of its current run: a copy delivered
        again while the job runs (acks_late, the broker's visibility timeout), a copy arriving
        after it finished, or the message of a run since replaced (requeued, retried) is logged
        and dropped, so no job ever runs twice at once. A message without a number (sent before
        runs were numbered) is for the current run. Handlers are idempotent: a run after a worker
        died mid-run finishes the work without doing any of it twice. After JOB_MAX_ATTEMPTS runs
        that never finished, the job fails instead of looping."""
        where = {"status": JobStatus.QUEUED}
        if run_number is not None:
            where["run_number"] = run_number
        claimed = audited_update(
            self,
            where,
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
            worker=this_worker(),
        )
        if not claimed:
            self.refresh_from_db(fields=["status", "run_number"])
            log.info(
                "job %s: message for run %s dropped (the job is %s, run %s)",
                self.pk,
                run_number,
                self.status,
                self.run_number,
            )
            return
        self._row_beat_at = time.monotonic()
        mine = {"status": JobStatus.RUNNING, "run_number": self.run_number}
        if self.attempts > settings.JOB_MAX_ATTEMPTS:
            Job.objects.filter(pk=self.pk, **mine).update(
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
            result = handler(self)
            if result is CONTINUES_ELSEWHERE:
                return
        except JobSuperseded:
            log.warning(
                "job %s: run %s stopped, the job was requeued or retried", self.pk, self.run_number
            )
            return
        except Exception as exc:
            if connection_lost(exc):
                # The database went away under the run (restart, failover, a killed
                # connection): nothing the job did wrong. A new connection puts it back in the
                # queue for another run; handlers are idempotent, JOB_MAX_ATTEMPTS bounds it.
                log.exception("job %s: database connection lost; requeued", self.pk)
                connection.close()
                requeued = in_both_languages(_("数据库连接中断，已重新排队"))
                if Job.objects.filter(pk=self.pk, **mine).update(
                    status=JobStatus.QUEUED, sent_at=None, message=requeued
                ):
                    self.send()
                return
            log.exception("job %s failed", self.pk)
            self.finish(error=str(exc))
        else:
            self.finish(result=result or {})

    def finish(self, *, result: dict | None = None, error: str | None = None) -> bool:
        """Record this run's outcome: succeeded with `result`, or failed with `error`. Only while
        the job is still this run's; False (logged) when it was requeued or retried meanwhile:
        the run that has it records the outcome."""
        mine = {"status": JobStatus.RUNNING, "run_number": self.run_number}
        if error is not None:  # an exception without a message is a failure all the same
            outcome = {"status": JobStatus.FAILED, "error": error[:5000]}
        else:
            outcome = {"status": JobStatus.SUCCEEDED, "result": result or {}}
        progress = {"done": self.done, "total": self.total, "message": self.message}
        if audited_update(self, mine, **outcome, **progress, finished_at=timezone.now()):
            return True
        log.warning(
            "job %s: run %s finished after the job was requeued or retried; the run that "
            "has it records the outcome",
            self.pk,
            mine["run_number"],
        )
        return False
