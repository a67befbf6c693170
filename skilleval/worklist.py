"""What waits for a user: the to-do list on each dashboard and the count in the navigation.

Each queue is a query over what the user may act on, oldest first. Who may act is the models' own
decision (`may_be_decided_by`, `may_be_approved_by`, the querysets' `visible_to`); this module only
gathers, per role, the objects where the next step is the user's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from audits.choices import ComplaintStatus
from audits.models import Complaint, SpotCheck
from competitions.choices import CompetitionFilingStatus
from competitions.models import Competition, CompetitionFiling, Honour
from institutions.choices import CLOSED_BATCH_STATUSES, NEXT_BATCH_ACTION, BatchStatus
from institutions.models import Batch, ExitRemedy, Filing
from skilleval.choices import JobStatus, Role
from skilleval.models import AccountGuard, AuditSignal, Job

SHOWN_PER_QUEUE = 10
SIGNAL_WINDOW = timedelta(days=30)  # rush and volume signals stay on the list for a month


@dataclass
class Task:
    title: str
    url: str
    since: datetime | date
    next_step: str = ""

    @property
    def age_days(self) -> int:
        since = self.since
        if isinstance(since, datetime):
            since = timezone.localtime(since).date()
        return max((timezone.localdate() - since).days, 0)


@dataclass
class Queue:
    name: str
    link: str
    tasks: list[Task] = field(default_factory=list)
    total: int = 0


def _queue(name, link, queryset, to_task) -> Queue:
    rows = list(queryset[:SHOWN_PER_QUEUE])
    total = len(rows) if len(rows) < SHOWN_PER_QUEUE else queryset.count()
    return Queue(name=name, link=link, tasks=[to_task(row) for row in rows], total=total)


def filings_to_decide(user) -> Queue:
    waiting = (
        Filing.objects.waiting_for(user).select_related("institution").order_by("submitted_at")
    )
    return _queue(
        _("待审核的机构备案"),
        reverse("filing-list") + "?status=submitted",
        waiting,
        lambda f: Task(str(f.institution), reverse("filing-detail", args=[f.pk]), f.submitted_at),
    )


def batches_to_approve(user) -> Queue:
    waiting = Batch.objects.visible_to(user).filter(status=BatchStatus.RESULTS_PUBLICISED)
    if not user.is_province_admin:
        waiting = waiting.filter(institution__city_id=user.city_id)
    waiting = waiting.select_related("institution", "occupation").order_by("publicised_on")
    return _queue(
        _("成绩公示中、待审核的批次"),
        reverse("batch-list") + "?status=results_publicised",
        waiting,
        lambda b: Task(str(b), reverse("batch-detail", args=[b.pk]), b.publicised_on),
    )


def refunds_to_confirm(user) -> Queue:
    """239号 二(二): candidates of a batch invalidated at its cut-off who chose a refund, in the
    user's city, until the refund is confirmed."""
    waiting = (
        ExitRemedy.objects.visible_to(user)
        .open_refunds()
        .select_related("candidate__batch__institution")
        .order_by("recorded_at", "pk")
    )
    return _queue(
        _("待核实的无效批次考生退费"),
        reverse("refund-list") + "?status=open",
        waiting,
        lambda r: Task(
            f"{r.candidate.batch.institution}：{r.candidate.name}",
            reverse("refund-list") + "?status=open",
            r.recorded_at,
            _("应退 %(fee)s 元") % {"fee": r.fee},
        ),
    )


def competition_filings_to_decide(user) -> Queue:
    waiting = (
        CompetitionFiling.objects.waiting_for(user)
        .select_related("competition")
        .order_by("submitted_at")
    )
    return _queue(
        _("待处理的竞赛备案"),
        reverse("competition-filing-list"),
        waiting,
        lambda f: Task(str(f), reverse("competition-filing-detail", args=[f.pk]), f.submitted_at),
    )


def honours_to_recognise(user) -> Queue:
    waiting = Honour.objects.waiting_for(user).order_by("recorded_at")
    return _queue(
        _("待认定的表彰"),
        reverse("honour-list") + "?status=recorded",
        waiting,
        lambda h: Task(f"{h.name} {h.title}", reverse("honour-detail", args=[h.pk]), h.recorded_at),
    )


def open_complaints(user) -> Queue:
    waiting = (
        Complaint.objects.visible_to(user)
        .exclude(status=ComplaintStatus.CONCLUDED)
        .order_by("received_at")
    )
    return _queue(
        _("待办理的举报"),
        reverse("complaint-list"),
        waiting,
        lambda c: Task(
            f"{c.reference} {c.target_description}",
            reverse("complaint-detail", args=[c.pk]),
            c.received_at,
            c.get_status_display(),
        ),
    )


def audit_signals(user) -> Queue:
    recent = AuditSignal.objects.filter(created_at__gte=timezone.now() - SIGNAL_WINDOW)
    if user.role == Role.CITY_STAFF:
        recent = recent.filter(institution__city_id=user.city_id)
    elif user.role == Role.COUNTY_STAFF:
        recent = recent.filter(institution__county_id=user.county_id)
    recent = recent.select_related("institution", "batch").order_by("created_at")
    return _queue(
        _("近 30 天的督查提示"),
        reverse("spot-check-list"),
        recent,
        lambda s: Task(
            f"{s.institution}：{s.detail}",
            reverse("batch-detail", args=[s.batch_id])
            if s.batch_id
            else reverse("institution-detail", args=[s.institution_id]),
            s.created_at,
        ),
    )


def _open_draws(title, draws) -> Queue:
    """Open draws of spot checks, oldest first, each a task on its own page."""
    return _queue(
        title,
        reverse("spot-check-list"),
        draws.order_by("drawn_at"),
        lambda s: Task(str(s), reverse("spot-check-detail", args=[s.pk]), s.drawn_at),
    )


def spot_checks_to_carry_out(user) -> Queue:
    return _open_draws(_("待录入检查结果的抽查"), SpotCheck.objects.awaiting_findings())


def spot_checks_to_publish(user) -> Queue:
    return _open_draws(_("检查完毕、待公开的抽查"), SpotCheck.objects.ready_to_publish())


def running_batches(user) -> Queue:
    # Waiting for the city or the signatory is not this user's next step.
    not_ours = [
        *CLOSED_BATCH_STATUSES,
        BatchStatus.RESULTS_PUBLICISED,
        BatchStatus.RESULTS_APPROVED,
    ]
    running = (
        Batch.objects.visible_to(user)
        .exclude(status__in=not_ours)
        .select_related("institution", "occupation")
        .order_by("exam_starts_on", "pk")
    )

    def to_task(batch):
        action = NEXT_BATCH_ACTION.get(batch.status)
        return Task(
            str(batch),
            reverse("batch-detail", args=[batch.pk]),
            batch.created_at,
            _("下一步：%(step)s") % {"step": action} if action else "",
        )

    return _queue(_("进行中的评价批次"), reverse("batch-list"), running, to_task)


def batches_to_sign_off(user) -> Queue:
    waiting = (
        Batch.objects.visible_to(user)
        .filter(status=BatchStatus.RESULTS_APPROVED)
        .select_related("institution", "occupation")
        .order_by("pk")
    )
    return _queue(
        _("成绩已审核、待签发证书的批次"),
        reverse("batch-list") + "?status=results_approved",
        waiting,
        lambda b: Task(str(b), reverse("batch-detail", args=[b.pk]), b.created_at),
    )


def unfinished_jobs(user) -> Queue:
    jobs = (
        Job.objects.filter(started_by=user)
        .exclude(status=JobStatus.SUCCEEDED)
        .order_by("created_at")
    )
    return _queue(
        _("未完成或失败的后台任务"),
        reverse("dashboard"),
        jobs,
        lambda j: Task(
            str(j), reverse("job-detail", args=[j.pk]), j.created_at, j.get_status_display()
        ),
    )


def jobs_needing_attention(user) -> Queue:
    """The system administrator's: every failed job, and every job still waiting or running."""
    jobs = Job.objects.visible_to(user).exclude(status=JobStatus.SUCCEEDED).order_by("created_at")
    return _queue(
        _("失败或未完成的后台任务（全部）"),
        reverse("dashboard"),
        jobs,
        lambda j: Task(
            str(j), reverse("job-detail", args=[j.pk]), j.created_at, j.get_status_display()
        ),
    )


def locked_accounts(user) -> Queue:
    """The security administrator's: accounts locked after repeated wrong passwords."""
    locked = AccountGuard.objects.filter(locked_until__gt=timezone.now()).order_by("last_failed_at")
    return _queue(
        _("因多次密码错误锁定的账号"),
        reverse("account-list"),
        locked,
        lambda g: Task(g.username, reverse("account-list"), g.last_failed_at, ""),
    )


def competition_filings_of_organiser(user) -> Queue:
    open_filings = (
        CompetitionFiling.objects.filter(
            competition__in=_visible_competitions(user),
            status__in=[CompetitionFilingStatus.SUBMITTED, CompetitionFilingStatus.REJECTED],
        )
        .select_related("competition")
        .order_by("submitted_at")
    )
    return _queue(
        _("竞赛备案（待审核或不予备案）"),
        reverse("competition-filing-list"),
        open_filings,
        lambda f: Task(
            str(f),
            reverse("competition-filing-detail", args=[f.pk]),
            f.submitted_at,
            f.get_status_display(),
        ),
    )


def _visible_competitions(user):
    return Competition.objects.visible_to(user)


QUEUES_BY_ROLE = {
    Role.PROVINCE_ADMIN: [
        filings_to_decide,
        competition_filings_to_decide,
        honours_to_recognise,
        unfinished_jobs,
    ],
    Role.PROVINCE_AUDITOR: [
        spot_checks_to_carry_out,
        spot_checks_to_publish,
        open_complaints,
        audit_signals,
    ],
    Role.CITY_STAFF: [
        filings_to_decide,
        batches_to_approve,
        refunds_to_confirm,
        competition_filings_to_decide,
        honours_to_recognise,
        open_complaints,
        audit_signals,
    ],
    Role.COUNTY_STAFF: [
        competition_filings_to_decide,
        honours_to_recognise,
        open_complaints,
        audit_signals,
    ],
    Role.INSTITUTION_STAFF: [running_batches, unfinished_jobs],
    Role.INSTITUTION_SIGNATORY: [batches_to_sign_off, running_batches, unfinished_jobs],
    Role.COMPETITION_ORGANISER: [competition_filings_of_organiser, unfinished_jobs],
    Role.SECURITY_ADMIN: [locked_accounts],
    Role.SYSTEM_ADMIN: [jobs_needing_attention],
}


def work_queues(user) -> list[Queue]:
    return [queue(user) for queue in QUEUES_BY_ROLE.get(user.role, [])]


def waiting_count(user) -> int:
    """The number in the navigation: everything on the user's to-do list."""
    return sum(queue.total for queue in work_queues(user))


def navigation(request) -> dict:
    """Context processor: the to-do count beside 工作台, computed only when a page shows it (an
    error page, which must render without the database, never touches it)."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.role:
            return 0
        return waiting_count(user)

    return {"waiting_count": SimpleLazyObject(count)}
