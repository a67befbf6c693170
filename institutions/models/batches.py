from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import (
    BATCH_FLOW,
    CLOSED_BATCH_STATUSES,
    BatchStatus,
    EligibilityBasis,
    EligibilityStatus,
    EvaluationType,
    Gender,
    IdType,
    InstitutionKind,
    QuestionSource,
)
from institutions.models.institutions import institution_scope
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog import context as audit_context
from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, JobKind, JobStatus, Level, Role, TrainingRoute
from skilleval.models import ApplicationCondition, AuditSignal, Job
from skilleval.personal_data import decrypt
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.batches import (
    AFTER_EXAM_STEPS,
    ExitBatchValidAtCutoff,
    ExitGraduateRoute,
    QuestionSourceAllowed,
    ResultsPublicity,
    RushBeforeCutoff,
    StepAfterExam,
    VolumeSurge,
)
from skilleval.rules.exit_deadlines import ExitApplicationDeadline, ExitCertificateIssueDeadline

PASS_MARK = Decimal(60)
# 239号 二(四): "2020年下半年，技工院校、职业院校毕业生评价工作由各设区市组织开展".
GRADUATE_HALF_YEAR = (date(2020, 7, 1), date(2020, 12, 31))
# Who evaluates the graduates on each route of exit.graduate_route, and how.
GRADUATE_ROUTES = {
    "school_skill_level": (InstitutionKind.TECHNICAL_SCHOOL, EvaluationType.SKILL_LEVEL),
    "city_daily_appraisal": (
        InstitutionKind.APPRAISAL_CENTRE,
        EvaluationType.VOCATIONAL_QUALIFICATION,
    ),
}


def graduate_route_problems(institution, occupation, evaluation_type, starts_on, ends_on, today):
    """239号 二(四): a batch of 2020 H2 school graduates examines in that half-year, in an
    occupation leaving the catalog, on the route rule exit.graduate_route gives its exit batch:
    batch 1 by the school (skill-level certificates), batch 2 by the city's daily appraisal
    (vocational qualification certificates) — the latter closed once 二(三) ends issuance."""
    clause = ExitGraduateRoute.clause
    problems = []
    if not (GRADUATE_HALF_YEAR[0] <= starts_on and ends_on <= GRADUATE_HALF_YEAR[1]):
        problems.append(
            gettext("毕业生评价批次的考试须在2020年下半年（%(clause)s）") % {"clause": clause}
        )
    if not occupation.vq_exit_batch:
        problems.append(
            gettext("该职业不在退出目录的两批职业之内，不适用毕业生评价安排（%(clause)s）")
            % {"clause": clause}
        )
        return problems
    decision = rules.evaluate(ExitGraduateRoute.id, {"exit_batch": occupation.vq_exit_batch}, today)
    route = decision.result["route"] if decision.in_effect else None
    if route is None:
        problems.append(decision.text)
        return problems
    kind, evaluated_as = GRADUATE_ROUTES[route]
    if institution.kind != kind or evaluation_type != evaluated_as:
        problems.append(decision.text)
    return problems


# Who counts as having sat the exam, and as having passed it (the statistics and the quality
# review's pass rates): present and scored; present and passing.
SAT = Q(absent=False, passed__isnull=False)
PASSED = Q(absent=False, passed=True)
# The steps after record_examined: no score changes any more (scores are entered only while
# the admission tickets are out), so the counts taken then stay true.
RESULTS_CLOSED = [
    BatchStatus.EXAMINED,
    BatchStatus.RESULTS_PUBLICISED,
    BatchStatus.RESULTS_APPROVED,
    BatchStatus.CERTIFICATES_ISSUED,
]


class BatchQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return institution_scope(user, "institution__")

    def open(self):
        return self.exclude(status__in=CLOSED_BATCH_STATUSES)

    def count_results(self) -> int:
        """Set results_sat and results_passed from the candidates, in one UPDATE (for rows written
        without record_examined: the benchmarks' generated batches)."""

        def counted(condition):
            rows = Candidate.objects.filter(condition, batch_id=OuterRef("pk")).order_by()
            return Coalesce(
                Subquery(rows.values("batch_id").annotate(n=Count("pk")).values("n")), 0
            )

        return self.filter(status__in=RESULTS_CLOSED).update(
            results_sat=counted(SAT), results_passed=counted(PASSED)
        )


class BatchManager(models.Manager.from_queryset(BatchQuerySet)):
    def plan(
        self,
        *,
        institution,
        user,
        occupation,
        level,
        evaluation_type,
        region,
        exam_starts_on,
        exam_ends_on,
        venue,
        examiners,
        question_source,
        note="",
        graduate_cohort=False,
    ) -> "Batch":
        """Institution staff plan a batch inside their filed scope; every refusal cites its clause."""
        if not user.has_role(*INSTITUTION_ROLES) or user.institution_id not in (
            institution.pk,
            institution.parent_id,
        ):
            raise Forbidden(gettext("只能为本机构创建评价批次"))
        today = timezone.localdate()
        rules.require(QuestionSourceAllowed.id, {"question_source": question_source}, today)
        problems = institution.check_scope(occupation, level, region, on=today).problems
        exit_batch = (
            occupation.vq_exit_batch
            if evaluation_type == EvaluationType.VOCATIONAL_QUALIFICATION
            else None
        )
        if exit_batch:
            try:
                rules.require(
                    ExitApplicationDeadline.id,
                    {"exit_batch": exit_batch, "received_on": today},
                    today,
                )
            except rules.RuleRefusal as refusal:
                problems.append(refusal.message)
        if exam_ends_on < exam_starts_on:
            problems.append(gettext("考试结束日期不得早于开始日期"))
        if graduate_cohort:
            problems += graduate_route_problems(
                institution, occupation, evaluation_type, exam_starts_on, exam_ends_on, today
            )
        if problems:
            raise ValidationError(problems)
        with transaction.atomic():
            batch = self.create(
                institution=institution,
                occupation=occupation,
                level=level,
                evaluation_type=evaluation_type,
                region=region,
                exam_starts_on=exam_starts_on,
                exam_ends_on=exam_ends_on,
                venue=venue,
                examiners=examiners,
                question_source=question_source,
                exit_batch=exit_batch,
                graduate_cohort=graduate_cohort,
                note=note,
                created_by=user,
            )
            BatchTransition.objects.create(
                batch=batch, action="plan", to_status=BatchStatus.DRAFT, actor=user
            )
            if exit_batch:
                batch.flag_if(RushBeforeCutoff.id, {"exit_batch": exit_batch, "created_on": today})
        return batch


class Batch(models.Model):
    """An evaluation batch (评价批次): one institution, occupation, level and evaluation type, taken
    through the steps of 239号 二(二) from plan to certificates."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="batches"
    )
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    evaluation_type = models.CharField(_("评价类型"), max_length=30, choices=EvaluationType.choices)
    region = models.ForeignKey(
        "skilleval.Region", verbose_name=_("考试地区"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.CharField(_("考试地点"), max_length=200)
    examiners = models.TextField(_("考评人员"), help_text=_("每行一人"))
    question_source = models.CharField(_("试题来源"), max_length=20, choices=QuestionSource.choices)
    exam_starts_on = models.DateField(_("考试开始日期"))
    exam_ends_on = models.DateField(_("考试结束日期"))
    exit_batch = models.PositiveSmallIntegerField(_("退出目录批次"), null=True, blank=True)
    graduate_cohort = models.BooleanField(
        _("2020年下半年技工院校、职业院校毕业生评价"),
        default=False,
        help_text=_("苏人社函〔2020〕239号 二(四)"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    tickets_generated_on = models.DateField(_("准考证号生成日期"), null=True, blank=True)
    publicised_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    status_reason = models.CharField(_("最近退回/取消/无效原因"), max_length=500, blank=True)
    # Counted once, when the scores are closed (record_examined), so that the statistics read one
    # row a batch instead of its candidates; empty before (the statistics count those live).
    results_sat = models.PositiveIntegerField(_("实考人数"), null=True, blank=True, editable=False)
    results_passed = models.PositiveIntegerField(
        _("合格人数"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BatchManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("评价批次")
        verbose_name_plural = _("评价批次")
        constraints = [
            models.CheckConstraint(
                condition=~Q(question_source=QuestionSource.SELF_MADE),
                name="batch_no_self_made_papers",
                violation_error_message=_("严禁私自命制试题（239号 四）"),
            ),
            models.CheckConstraint(
                condition=Q(exam_ends_on__gte=F("exam_starts_on")), name="batch_exam_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="batch_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(graduate_cohort=False)
                | Q(
                    exam_starts_on__gte=GRADUATE_HALF_YEAR[0],
                    exam_ends_on__lte=GRADUATE_HALF_YEAR[1],
                ),
                name="batch_graduate_cohort_in_2020_h2",
                violation_error_message=_("毕业生评价批次的考试须在2020年下半年（239号 二(四)）"),
            ),
            models.CheckConstraint(
                condition=Q(results_sat__isnull=True, results_passed__isnull=True)
                | Q(
                    results_sat__isnull=False,
                    results_passed__isnull=False,
                    results_passed__lte=F("results_sat"),
                ),
                name="batch_results_counted_together",
            ),
        ]

    def __str__(self):
        return f"{self.institution} {self.occupation.name} {self.get_level_display()} #{self.pk}"

    @property
    def step(self) -> int:
        """Position in the workflow (0 = draft); closed states have none."""
        return BATCH_FLOW.index(self.status) if self.status in BATCH_FLOW else -1

    # --- who may press which button ------------------------------------------------------

    def is_run_by(self, user) -> bool:
        return user is not None and self.institution.may_be_managed_by(user)

    def may_be_approved_by(self, user) -> bool:
        return user.is_province_admin or (
            user.role == Role.CITY_STAFF and user.city_id == self.institution.city_id
        )

    def may_be_signed_off_by(self, user) -> bool:
        """谁评价、谁发证、谁负责 (54号 四): the signatory of the institution that evaluated."""
        return (
            user.role == Role.INSTITUTION_SIGNATORY and user.institution_id == self.institution_id
        )

    def require_run_by(self, user, message=None):
        """Refuse (403) anyone but the staff of the institution running the batch."""
        if not self.is_run_by(user):
            raise Forbidden(message or gettext("您无权执行此操作"))

    def require_approver(self, user):
        """Refuse (403) anyone but the institution's city or the province (54号 五)."""
        if not self.may_be_approved_by(user):
            raise Forbidden(gettext("您无权执行此操作"))

    # --- the 239号 cut-off ----------------------------------------------------------------

    def enforce_exit_cutoff(self, on: date | None = None) -> bool:
        """239号 二(二): after its cut-off, a batch that had not generated admission tickets becomes
        invalid. Called by the daily job and before every action. True when it became invalid."""
        if not self.exit_batch or self.status in CLOSED_BATCH_STATUSES:
            return False
        on = on or timezone.localdate()
        decision = rules.evaluate(
            ExitBatchValidAtCutoff.id,
            {
                "exit_batch": self.exit_batch,
                "reached_admission_tickets_on": self.tickets_generated_on,
            },
            on,
        )
        # Before 239号 there was no cut-off: a batch is not invalidated by a rule not yet in force.
        if decision.not_in_force or decision.result["valid"]:
            return False
        return self._move(
            "invalidate",
            self.status,
            BatchStatus.INVALID,
            None,
            note=decision.zh,
            status_reason=decision.zh,
        )

    # --- dates in order (239号 四) ----------------------------------------------------------

    def after_exam(self, step: str, on: date | None = None) -> "rules.Decision":
        """Whether a step that follows the exam (scores, publicity, approval, certificates; named
        by the status it leads to) is open on a day: only once the exam's last day is over."""
        on = on or timezone.localdate()
        facts = {"step": step, "exam_ends_on": self.exam_ends_on, "on": on}
        return rules.evaluate(StepAfterExam.id, facts, on)

    def require_exam_over(self, step: str, on: date | None = None) -> None:
        on = on or timezone.localdate()
        facts = {"step": step, "exam_ends_on": self.exam_ends_on, "on": on}
        rules.require(StepAfterExam.id, facts, on, key="open")

    @property
    def exam_is_over(self) -> bool:
        return timezone.localdate() > self.exam_ends_on

    # --- the workflow ---------------------------------------------------------------------

    def _move(self, action, from_status, to_status, actor, note="", **fields) -> bool:
        """Move by a conditional update and record the step; of two clicks, one wins, one is told."""
        with transaction.atomic():
            if not audited_update(self, {"status": from_status}, status=to_status, **fields):
                self.refresh_from_db()
                raise ValidationError(
                    gettext("批次当前状态为“%(status)s”，操作未执行")
                    % {"status": self.get_status_display()}
                )
            BatchTransition.objects.create(
                batch=self,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                actor_name=actor.get_username() if actor else audit_context.current().name,
                note=note,
            )
        return True

    def _step(self, action, user, from_status, to_status, *, approver=False, **fields):
        if approver:
            self.require_approver(user)
        else:
            self.require_run_by(user)
        if self.enforce_exit_cutoff():
            raise ValidationError(self.status_reason)
        if self.status != from_status:
            raise ValidationError(
                gettext("批次当前状态为“%(status)s”，不能执行此操作")
                % {"status": self.get_status_display()}
            )
        if to_status in AFTER_EXAM_STEPS:
            self.require_exam_over(to_status)  # 239号 四: nothing is examined before the exam
        self._move(action, from_status, to_status, user, **fields)

    def publish_plan(self, user):
        self._step("publish_plan", user, BatchStatus.DRAFT, BatchStatus.PLAN_PUBLISHED)

    def check_roster_upload(self, user):
        """May `user` upload a roster now: the batch's own staff, while the plan is published
        (239号 二(二): the roster follows the published plan). The page, the API and the import
        job itself all ask here."""
        self.require_run_by(user)
        if self.enforce_exit_cutoff():
            raise ValidationError(self.status_reason)
        if self.status != BatchStatus.PLAN_PUBLISHED:
            raise ValidationError(
                gettext("批次当前状态为“%(status)s”，只有计划已发布的批次可以导入考生名单")
                % {"status": self.get_status_display()}
            )

    def start_roster_import(self, user, upload):
        """Check and import a roster in a background job (institutions.roster); the job checks
        again when it runs."""
        self.check_roster_upload(user)
        return Job.objects.start(
            JobKind.ROSTER_IMPORT,
            user=user,
            institution=self.institution,
            params={"batch_id": self.pk},
            input_file=upload,
        )

    def close_roster(self, user):
        self.require_run_by(user)  # who before why not, as in every step
        if not self.candidates.exists():
            raise ValidationError(gettext("尚未录入考生"))
        self._step("close_roster", user, BatchStatus.PLAN_PUBLISHED, BatchStatus.ROSTER_ENTERED)
        self.flag_volume_surge()

    def complete_eligibility_review(self, user):
        self.require_run_by(user)
        pending = self.candidates.filter(eligibility=EligibilityStatus.PENDING).count()
        if pending:
            raise ValidationError(gettext("还有 %(pending)s 名考生未审核") % {"pending": pending})
        if not self.candidates.filter(eligibility=EligibilityStatus.PASSED).exists():
            raise ValidationError(gettext("没有审核通过的考生"))
        self._step(
            "complete_eligibility_review",
            user,
            BatchStatus.ROSTER_ENTERED,
            BatchStatus.ELIGIBILITY_REVIEWED,
        )

    def add_room(self, user, name: str, capacity: int) -> "ExamRoom":
        """A room with its seats, from the plan until the rooms are arranged (考场编排)."""
        self.require_run_by(user)
        if not 0 <= self.step < BATCH_FLOW.index(BatchStatus.ROOMS_ARRANGED):
            raise ValidationError(
                gettext("批次当前状态为“%(status)s”，不能再增加考场")
                % {"status": self.get_status_display()}
            )
        if self.rooms.filter(name=name.strip()).exists():
            raise ValidationError(gettext("本批次已有考场“%(name)s”") % {"name": name})
        return ExamRoom.objects.create(batch=self, name=name.strip(), capacity=capacity)

    def arrange_rooms(self, user):
        """Seat every admitted candidate, room by room, in roster order."""
        self.require_run_by(user)
        candidates = list(
            self.candidates.filter(eligibility=EligibilityStatus.PASSED).order_by("pk")
        )
        rooms = list(self.rooms.order_by("name", "pk"))
        if sum(r.capacity for r in rooms) < len(candidates):
            raise ValidationError(
                gettext("考场座位不足：%(count)s 名考生，%(sum)s 个座位")
                % {"count": len(candidates), "sum": sum(r.capacity for r in rooms)}
            )
        with transaction.atomic():
            self._step(
                "arrange_rooms", user, BatchStatus.ELIGIBILITY_REVIEWED, BatchStatus.ROOMS_ARRANGED
            )
            seats = ((room, n) for room in rooms for n in range(1, room.capacity + 1))
            for candidate, (room, seat) in zip(candidates, seats, strict=False):
                candidate.room, candidate.seat = room, seat
            Candidate.objects.bulk_update(candidates, ["room", "seat"], batch_size=2000)

    def generate_tickets(self, user):
        """Admission ticket numbers, unique in the province: year (2) + city (2) + batch (7) +
        candidate sequence (4), e.g. 26 01 0000042 0007 → 260100000420007."""
        today = timezone.localdate()
        candidates = list(
            self.candidates.filter(eligibility=EligibilityStatus.PASSED).order_by(
                "room__name", "seat"
            )
        )
        prefix = f"{today:%y}{self.institution.city_id[2:4]}{self.pk:07d}"
        with transaction.atomic():
            self._step(
                "generate_tickets",
                user,
                BatchStatus.ROOMS_ARRANGED,
                BatchStatus.TICKETS_GENERATED,
                tickets_generated_on=today,
            )
            for n, candidate in enumerate(candidates, start=1):
                candidate.ticket_number = f"{prefix}{n:04d}"
            Candidate.objects.bulk_update(candidates, ["ticket_number"], batch_size=2000)

    def record_scores(self, user, candidate, **scores):
        """A candidate's scores, entered by the staff of the institution running the batch; the
        candidate's record_scores() checks when and decides pass or fail."""
        self.require_run_by(user, gettext("只有本批次的评价机构可以录入成绩"))
        if candidate.batch_id != self.pk:
            raise ValidationError(gettext("所选考生不在本批次中"))
        with transaction.atomic():
            self._lock()  # a score and the closing count (record_examined) never cross
            candidate.batch = self
            candidate.record_scores(**scores)

    def _lock(self):
        """Lock the batch's row until the transaction ends and read its status afresh."""
        self.status = (
            Batch.objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        )

    def record_examined(self, user):
        self.require_run_by(user)
        if self.status == BatchStatus.TICKETS_GENERATED:
            self.require_exam_over(BatchStatus.EXAMINED)  # before "N have no scores": the reason
        if self.enforce_exit_cutoff():  # outside the transaction below: the invalidation stays
            raise ValidationError(self.status_reason)
        with transaction.atomic():
            self._lock()
            admitted = self.candidates.filter(eligibility=EligibilityStatus.PASSED)
            missing = admitted.filter(absent=False, passed__isnull=True).count()
            if missing:
                raise ValidationError(
                    gettext("还有 %(missing)s 名考生没有成绩") % {"missing": missing}
                )
            # Scores close here: what sat and passed is counted once (the statistics read it).
            counts = self.candidates.aggregate(
                results_sat=Count("pk", filter=SAT), results_passed=Count("pk", filter=PASSED)
            )
            self._step(
                "record_examined",
                user,
                BatchStatus.TICKETS_GENERATED,
                BatchStatus.EXAMINED,
                **counts,
            )

    def publicise_results(self, user):
        self._step(
            "publicise_results",
            user,
            BatchStatus.EXAMINED,
            BatchStatus.RESULTS_PUBLICISED,
            publicised_on=timezone.localdate(),
        )

    def publicity(self, on: date | None = None):
        on = on or timezone.localdate()
        return rules.evaluate(
            ResultsPublicity.id, {"publicised_on": self.publicised_on, "on": on}, on
        )

    def publicity_ends(self, on: date | None = None) -> date | None:
        """The last day of the results publicity; None when not publicised, or publicised on a day
        the 54号 五 publicity period was not in force yet (no period to end)."""
        publicity = self.publicity(on)
        return None if publicity.not_in_force else publicity.result["publicity_ends"]

    def approve_results(self, user):
        self.require_approver(user)  # the city approves, nobody else: said before the publicity
        if self.status == BatchStatus.RESULTS_PUBLICISED:
            publicity = self.publicity()
            # Before 54号 五 was in force no publicity period held an approval back.
            if not publicity.not_in_force and not publicity.result["may_approve"]:
                raise ValidationError(publicity.text)
        self._step(
            "approve_results",
            user,
            BatchStatus.RESULTS_PUBLICISED,
            BatchStatus.RESULTS_APPROVED,
            approver=True,
        )

    def return_results(self, user, reason: str):
        self.require_approver(user)
        if not reason.strip():
            raise ValidationError(gettext("请填写退回原因"))
        self._step(
            "return_results",
            user,
            BatchStatus.RESULTS_PUBLICISED,
            BatchStatus.EXAMINED,
            approver=True,
            note=reason.strip(),
            status_reason=reason.strip(),
            publicised_on=None,
        )

    def issuance_problems(self, on: date | None = None) -> list[str]:
        """Everything that would make the issuance job refuse this batch, listed at once, so the
        signatory sees it before signing off (54号 四) and the job checks the very same list."""
        from certificates import fonts, signing
        from certificates.issuance import CERTIFICATE_KIND
        from certificates.models import NumberExhausted
        from certificates.numbering import prefix_for

        on = on or timezone.localdate()
        if self.status != BatchStatus.RESULTS_APPROVED:
            return [
                gettext("批次当前状态为“%(status)s”，成绩审核通过后方可核发证书")
                % {"status": self.get_status_display()}
            ]
        problems = []
        decision = self.after_exam(BatchStatus.CERTIFICATES_ISSUED, on)
        # Before 239号 四 no rule ordered the dates: a rule not in force holds nothing back.
        if not decision.not_in_force and not decision.result["open"]:
            # 239号 四: a certificate is never dated before its exam (also a database check).
            problems.append(decision.text)
        if self.graduate_cohort and self.occupation.vq_exit_batch:
            # 239号 二(四): the graduates' route as of the issue day (batch 2's closes with 二(三)).
            decision = rules.evaluate(
                ExitGraduateRoute.id, {"exit_batch": self.occupation.vq_exit_batch}, on
            )
            if decision.in_effect and decision.result["route"] is None:
                problems.append(decision.text)
        if self.evaluation_type == EvaluationType.VOCATIONAL_QUALIFICATION:
            # 239号 二(三): no level-evaluation vocational qualification certificate from 2021-02-01;
            # access-type ones go on (实施意见 四).
            try:
                rules.require(
                    ExitCertificateIssueDeadline.id,
                    {"issue_date": on, "access_type": self.occupation.is_access_type},
                    on,
                )
            except rules.RuleRefusal as refusal:
                problems.extend(refusal.messages)
        try:
            # A certificate PDF always carries the province's signature (54号 四).
            signing.check_configured()
        except signing.SigningNotConfigured as refusal:
            problems.append(str(refusal))
        institution = self.institution
        if not institution.responsible_person.strip():
            problems.append(gettext("本机构未登记负责人，证书无人签发（54号 四）"))
        kind = CERTIFICATE_KIND[self.evaluation_type]
        try:
            prefix_for(kind, institution=institution, issued_on=on, level=self.level)
        except NumberExhausted as refusal:
            problems.extend(refusal.messages)
        passing = self.candidates.filter(passed=True).order_by("pk")
        if not passing.exists():
            return [*problems, gettext("本批次没有合格考生")]

        def listed(names):
            return "、".join(names[:50]) + (" …" if len(names) > 50 else "")

        without_photo = list(
            passing.filter(Q(photo="") | Q(photo__isnull=True)).values_list("name", flat=True)
        )
        if without_photo:
            n = len(without_photo)
            problems.append(
                gettext("以下 %(n)s 名合格考生没有照片，不能核发证书：%(listed)s")
                % {"n": n, "listed": listed(without_photo)}
            )
        lost_photo = [
            name
            for name, photo in passing.exclude(photo="").values_list("name", "photo")
            if not default_storage.exists(photo)
        ]
        if lost_photo:
            n = len(lost_photo)
            problems.append(
                gettext("以下 %(n)s 名合格考生的照片文件已丢失，请重新上传：%(listed)s")
                % {"n": n, "listed": listed(lost_photo)}
            )
        without_id = list(
            passing.filter(Q(id_number_encrypted="") | Q(id_number_masked="")).values_list(
                "name", flat=True
            )
        )
        if without_id:
            n = len(without_id)
            problems.append(
                gettext("以下 %(n)s 名合格考生没有证件号码，不能核发证书：%(listed)s")
                % {"n": n, "listed": listed(without_id)}
            )
        try:
            fonts.check_glyphs(
                [
                    *passing.values_list("name", flat=True).distinct(),
                    institution.name,
                    institution.responsible_person,
                    self.occupation.name,
                    self.occupation.work_type,
                ]
            )
        except fonts.MissingGlyph as refusal:
            problems.extend(refusal.messages)
        return problems

    def sign_off(self, user):
        """谁评价、谁发证、谁负责 (54号 四): the institution's responsible person signs off approved
        results; certificates are then issued by a background job. Refused, with every reason,
        when the job would refuse the batch (issuance_problems)."""
        if not self.may_be_signed_off_by(user):
            raise Forbidden(gettext("须由本机构负责人签发"))
        if self.status != BatchStatus.RESULTS_APPROVED:
            raise ValidationError(gettext("成绩审核通过后方可签发证书"))
        running = (
            self.issuance_jobs().filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
        )
        if running:
            return running  # pressing the button twice starts one job
        today = timezone.localdate()
        problems = self.issuance_problems(today)
        if problems:
            raise ValidationError(problems)
        # The certificates are dated the day of the sign-off, whenever the job gets to them.
        return Job.objects.start(
            JobKind.CERTIFICATE_ISSUANCE,
            user=user,
            institution=self.institution,
            params={"batch_id": self.pk, "issued_on": today.isoformat()},
        )

    def jobs(self):
        """The background jobs of this batch (roster imports, issuance), newest first."""
        return Job.objects.filter(params__batch_id=self.pk).order_by("-created_at", "-pk")

    def issuance_jobs(self):
        return self.jobs().filter(kind=JobKind.CERTIFICATE_ISSUANCE)

    def mark_certificates_issued(self, user):
        """Called by the issuance job once every passing candidate holds a certificate."""
        self._move(
            "issue_certificates",
            BatchStatus.RESULTS_APPROVED,
            BatchStatus.CERTIFICATES_ISSUED,
            user,
        )

    def cancel(self, user, reason: str):
        self.require_run_by(user)
        if not reason.strip():
            raise ValidationError(gettext("请填写取消原因"))
        if self.status in CLOSED_BATCH_STATUSES or self.step >= BATCH_FLOW.index(
            BatchStatus.RESULTS_APPROVED
        ):
            raise ValidationError(gettext("该批次已不能取消"))
        self._move(
            "cancel",
            self.status,
            BatchStatus.CANCELLED,
            user,
            note=reason.strip(),
            status_reason=reason.strip(),
        )

    # --- eligibility (54号 一) -------------------------------------------------------------

    def review_eligibility_automatically(self, user) -> dict:
        """Check every pending candidate against the occupation-level's application conditions
        as of the first exam day; those who meet one pass, citing it. The others stay for a
        reviewer (who may know another basis: 贯通, a competition, an honour), with what each
        condition lacks written down; no one is failed automatically."""
        self.require_run_by(user)
        if self.status not in (BatchStatus.PLAN_PUBLISHED, BatchStatus.ROSTER_ENTERED):
            raise ValidationError(gettext("资格审核已结束"))
        conditions = list(rules_conditions(self.occupation_id, self.level))
        passed = waiting = 0
        for candidate in self.candidates.filter(eligibility=EligibilityStatus.PENDING):
            lacking = [(c, candidate.unmet(c, self.exam_starts_on)) for c in conditions]
            met = next((c for c, unmet in lacking if not unmet), None)
            if met is not None:
                candidate.set_eligibility(
                    user,
                    EligibilityStatus.PASSED,
                    EligibilityBasis.STANDARD,
                    f"符合申报条件：{met.label}",
                    reason_en=f"Meets the application condition: {met.label_en or met.label}",
                )
                passed += 1
            elif conditions:
                zh = "；".join(f"{c.label}（{'、'.join(z for z, _ in u)}）" for c, u in lacking)
                en = "; ".join(
                    f"{c.label_en or c.label} ({', '.join(e for _, e in u)})" for c, u in lacking
                )
                candidate.eligibility_reason = f"待人工审核，未满足任一申报条件：{zh}"[:300]
                candidate.eligibility_reason_en = f"For a reviewer; meets no condition: {en}"[:300]
                candidate.save(update_fields=["eligibility_reason", "eligibility_reason_en"])
                waiting += 1
        return {"passed": passed, "waiting": waiting, "conditions": len(conditions)}

    def decide_eligibility(self, user, candidates, *, passed: bool, basis: str, reason: str) -> int:
        """A reviewer's pass or fail for several candidates, with the basis and reason."""
        self.require_run_by(user)
        if self.status not in (BatchStatus.PLAN_PUBLISHED, BatchStatus.ROSTER_ENTERED):
            raise ValidationError(gettext("资格审核已结束"))
        if not reason.strip():
            raise ValidationError(gettext("请填写审核理由"))
        if passed and basis == EligibilityBasis.EXCEPTIONAL_PROMOTION:
            institution = self.institution
            if institution.kind != InstitutionKind.EMPLOYER or not (
                institution.promotion_policy and institution.promotion_policy_published_on
            ):
                raise ValidationError(
                    gettext(
                        "破格晋升须由用人单位制定规章制度并以书面形式向全体职工公布（苏人社办函〔2022〕54号 一）"
                    )
                )
        status = EligibilityStatus.PASSED if passed else EligibilityStatus.FAILED
        # A rejection rests on its reason alone: no basis "meets the conditions" beside it.
        basis = basis if passed else ""
        count = 0
        for candidate in candidates:
            candidate.set_eligibility(user, status, basis, reason.strip(), override=True)
            count += 1
        return count

    # --- signals for the auditors (239号 四) -----------------------------------------------

    def flag_if(self, rule_id: str, facts: dict):
        decision = rules.evaluate(rule_id, facts)
        # A signal cites 239号 四; on a day it is not in force there is nothing to signal.
        if not decision.not_in_force and decision.result["flag"]:
            AuditSignal.objects.create(
                kind=rule_id,
                institution_id=self.institution_id,
                batch=self,
                detail=decision.zh,
            )

    def flag_volume_surge(self):
        year_ago = timezone.now() - timezone.timedelta(days=365)
        previous = (
            Batch.objects.filter(institution_id=self.institution_id, created_at__gte=year_ago)
            .exclude(pk=self.pk)
            .exclude(status__in=[BatchStatus.DRAFT, BatchStatus.CANCELLED])
            .annotate(n=models.Count("candidates"))
            .aggregate(avg=models.Avg("n"))["avg"]
        )
        if previous:
            self.flag_if(
                VolumeSurge.id,
                {"candidates": self.candidates.count(), "usual_candidates": previous},
            )


def rules_conditions(occupation_id, level):
    return ApplicationCondition.objects.filter(
        occupation_level__occupation_id=occupation_id, occupation_level__level=level
    )


class BatchTransition(models.Model):
    """One step of a batch, append-only: who did what, when (239号 二(二))."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(max_length=24, choices=BatchStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=BatchStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("批次流程记录")
        verbose_name_plural = _("批次流程记录")

    def __str__(self):
        return f"{self.batch_id} {self.action} → {self.to_status}"


class ExamRoom(models.Model):
    """A room of a batch with its number of seats."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("考场"), max_length=50)
    capacity = models.PositiveIntegerField(_("座位数"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "name"], name="exam_room_name_unique_in_batch"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="exam_room_has_seats"),
        ]

    def __str__(self):
        return self.name


def candidate_photo_path(candidate, filename):
    return f"batches/{candidate.batch_id}/photos/{candidate.pk or 'new'}-{filename}"


class CandidateQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        condition = Batch.objects.all().scope_for(user)
        if condition is None:
            return None
        # The batch's scope, seen from the candidate.
        return Q(batch__in=Batch.objects.filter(condition))


class Candidate(models.Model):
    """A person in a batch's roster. The ID number is kept encrypted, found by a keyed hash and
    shown masked (SPEC "Public lookup and privacy")."""

    # Indexes: a roster upload writes up to 100,000 rows at once, and each index is kept up to
    # date row by row (issue 14). The batch is found through candidate_once_per_batch (it leads
    # with batch); the columns a roster leaves empty (room, ticket, reviewer) are indexed only
    # where filled.
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number_encrypted = models.TextField(_("证件号码（加密）"))
    id_number_hash = models.CharField(max_length=64)
    id_number_masked = models.CharField(_("证件号码"), max_length=40)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    education = models.PositiveSmallIntegerField(_("学历"))
    work_years = models.DecimalField(_("从业年限"), max_digits=4, decimal_places=1)
    current_level = models.PositiveSmallIntegerField(
        _("现有等级"), choices=Level.choices, null=True, blank=True
    )
    current_certificate_number = models.CharField(_("现有证书编号"), max_length=40, blank=True)
    current_level_obtained_on = models.DateField(_("现有等级取得日期"), null=True, blank=True)
    insured_region = models.CharField(_("参保地"), max_length=50, blank=True)
    hukou_region = models.CharField(_("户籍地"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_own_staff = models.BooleanField(_("本单位职工（含劳务派遣）"), null=True, blank=True)
    training_route = models.CharField(
        _("技工院校或学徒经历"), max_length=30, choices=TrainingRoute.choices, blank=True
    )
    # The columns a roster leaves to their defaults have them in the database too (db_default):
    # the roster's COPY then sends only what the upload fills (institutions.roster._CopyWriter).
    photo = models.ImageField(
        _("照片"), upload_to=candidate_photo_path, blank=True, default="", db_default=""
    )
    eligibility = models.CharField(
        _("资格审核"),
        max_length=10,
        choices=EligibilityStatus.choices,
        default=EligibilityStatus.PENDING,
        db_default=EligibilityStatus.PENDING.value,
    )
    eligibility_basis = models.CharField(
        _("申报依据"),
        max_length=30,
        choices=EligibilityBasis.choices,
        blank=True,
        default="",
        db_default="",
    )
    eligibility_reason = models.CharField(
        _("审核意见"), max_length=300, blank=True, default="", db_default=""
    )
    # The automatic check words its reason in both languages; a reviewer's own words stay as typed.
    eligibility_reason_en = models.CharField(
        _("审核意见（英文）"), max_length=300, blank=True, default="", db_default=""
    )
    eligibility_override = models.BooleanField(_("人工认定"), default=False, db_default=False)
    eligibility_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    eligibility_reviewed_at = models.DateTimeField(null=True, blank=True)
    room = models.ForeignKey(
        ExamRoom,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidates",
        db_index=False,
    )
    seat = models.PositiveIntegerField(_("座位号"), null=True, blank=True)
    # NULL until the tickets are out: unique among those given (candidate_ticket_number_unique),
    # where many empty strings would collide.
    ticket_number = models.CharField(_("准考证号"), max_length=20, null=True, blank=True)  # noqa: DJ001
    theory_score = models.DecimalField(
        _("理论知识"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    practical_score = models.DecimalField(
        _("操作技能"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    comprehensive_score = models.DecimalField(
        _("综合评审（论文答辩/业绩评审）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    absent = models.BooleanField(_("缺考"), default=False, db_default=False)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "id_number_hash"],
                name="candidate_once_per_batch",
                violation_error_message=_("该考生已在本批次中"),
            ),
            # Also the index that finds a room's candidates.
            models.UniqueConstraint(
                fields=["room", "seat"],
                condition=Q(room__isnull=False),
                name="candidate_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["ticket_number"],
                condition=Q(ticket_number__isnull=False),
                name="candidate_ticket_number_unique",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{score}__isnull": True})
                    | Q(**{f"{score}__gte": 0, f"{score}__lte": 100}),
                    name=f"candidate_{score}_0_to_100",
                )
                for score in ("theory_score", "practical_score", "comprehensive_score")
            ],
        ]
        indexes = [
            # The same person across batches (already enrolled elsewhere, the lookup).
            models.Index(fields=["id_number_hash"], name="candidate_id_number_hash"),
            models.Index(
                fields=["eligibility_reviewed_by"],
                condition=Q(eligibility_reviewed_by__isnull=False),
                name="candidate_reviewed_by",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.id_number_masked}"

    @property
    def id_number(self) -> str:
        return decrypt(self.id_number_encrypted)

    def unmet(self, condition, on) -> list[tuple[str, str]]:
        return condition.unmet(
            work_years=self.work_years,
            current_level=self.current_level,
            current_level_obtained_on=self.current_level_obtained_on,
            education=self.education,
            route=self.training_route,
            on=on,
        )

    @property
    def eligibility_reason_in_language(self) -> str:
        if get_language() == "en" and self.eligibility_reason_en:
            return self.eligibility_reason_en
        return self.eligibility_reason

    def set_eligibility(self, user, status, basis, reason, override=False, reason_en=""):
        self.eligibility, self.eligibility_basis, self.eligibility_reason = (
            status,
            basis,
            reason[:300],
        )
        self.eligibility_reason_en = reason_en[:300]
        self.eligibility_override = override
        self.eligibility_reviewed_by, self.eligibility_reviewed_at = user, timezone.now()
        self.save(
            update_fields=[
                "eligibility",
                "eligibility_basis",
                "eligibility_reason",
                "eligibility_reason_en",
                "eligibility_override",
                "eligibility_reviewed_by",
                "eligibility_reviewed_at",
            ]
        )

    def record_scores(self, *, theory=None, practical=None, comprehensive=None, absent=False):
        """Scores out of 100; pass marks per evaluation type and level (see passes())."""
        batch = self.batch
        if batch.status != BatchStatus.TICKETS_GENERATED:
            raise ValidationError(gettext("只有生成准考证号后、公示前可以录入成绩"))
        batch.require_exam_over(BatchStatus.EXAMINED)  # 239号 四: no score before the exam
        if self.eligibility != EligibilityStatus.PASSED:
            raise ValidationError(gettext("该考生未通过资格审核"))
        self.absent = absent
        self.theory_score, self.practical_score, self.comprehensive_score = (
            theory,
            practical,
            comprehensive,
        )
        self.passed = False if absent else self.passes()
        self.full_clean(exclude=["photo", "batch", "room", "eligibility_reviewed_by"])
        self.save(
            update_fields=[
                "absent",
                "theory_score",
                "practical_score",
                "comprehensive_score",
                "passed",
            ]
        )

    def passes(self) -> bool | None:
        """Skill-level and vocational qualification: theory and practical at least 60; levels 1
        and 2 (技师, 高级技师) also the comprehensive review. Special ability: the practical test.
        None while a needed score is missing."""
        batch = self.batch
        needed = ["practical_score"]
        if batch.evaluation_type != EvaluationType.SPECIAL_ABILITY:
            needed.append("theory_score")
            if batch.level <= 2:
                needed.append("comprehensive_score")
        scores = [getattr(self, name) for name in needed]
        if any(score is None for score in scores):
            return None
        return all(score >= PASS_MARK for score in scores)
