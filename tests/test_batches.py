"""Evaluation batches: planning inside the filed scope, the workflow, the 239号 exit deadlines."""

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from institutions.choices import (
    BatchStatus,
    CatalogAction,
    EligibilityBasis,
    EligibilityStatus,
    EvaluationType,
    InstitutionKind,
    QuestionSource,
)
from institutions.models import Batch, ExamRoom
from institutions.tasks import invalidate_batches_past_exit_cutoff
from skilleval.models import ApplicationCondition, AuditSignal, OccupationLevel
from tests.clock import on
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    exiting_occupation_filed_by,
    make_candidate,
    occupation_with_resources,
    planned_batch,
    planned_vocational_batch,
    region,
)

pytestmark = pytest.mark.django_db


# Two examiners, one a line, as the planning form takes them.
plan = partial(planned_batch, examiners="张考评\n李考评")


class TestPlanning:
    def test_a_batch_inside_the_filed_scope_is_planned_as_a_draft(self, scope, alice, lathe):
        batch = plan(scope.institution, alice, lathe)
        assert batch.status == BatchStatus.DRAFT
        assert batch.transitions.get().actor == alice

    def test_a_level_outside_the_filing_is_refused_citing_the_clause(self, scope, alice, lathe):
        with pytest.raises(ValidationError, match="54号 五"):
            plan(scope.institution, alice, lathe, level=3)

    def test_a_region_outside_the_filing_is_refused(self, scope, alice, lathe):
        with pytest.raises(ValidationError, match="地域范围"):
            plan(scope.institution, alice, lathe, region=region("320508"))

    def test_self_made_papers_are_refused(self, scope, alice, lathe):
        with pytest.raises(ValidationError, match="239号 四"):
            plan(scope.institution, alice, lathe, question_source=QuestionSource.SELF_MADE)

    def test_a_suspended_institution_starts_nothing(self, scope, alice, lathe, province_admin):
        scope.institution.change_catalog_status(
            CatalogAction.SUSPEND, actor=province_admin, reason="整改"
        )
        with pytest.raises(ValidationError, match="暂停"):
            plan(scope.institution, alice, lathe)

    def test_an_expired_filing_starts_nothing(self, nanjing_institution, alice, lathe):
        approved_filing(
            nanjing_institution,
            [(lathe, 4)],
            valid_from=date(2020, 1, 1),
            valid_until=date(2023, 12, 31),
        )
        with pytest.raises(ValidationError, match="无有效备案"):
            plan(nanjing_institution, alice, lathe)

    def test_another_institution_cannot_plan_for_it(self, scope, charlie, lathe):
        with pytest.raises(PermissionDenied):
            plan(scope.institution, charlie, lathe)


class TestExitDeadlines:
    """239号 二: level-evaluation vocational qualifications of exit batch 1 closed on 2020-09-30."""

    @pytest.fixture
    def exiting(self, nanjing_institution):
        return exiting_occupation_filed_by(nanjing_institution)

    def vq(self, institution, user, occupation):
        return planned_vocational_batch(institution, user, occupation, examiners="张考评\n李考评")

    def test_an_application_on_the_cut_off_day_is_accepted(
        self, exiting, alice, nanjing_institution
    ):
        with on(date(2020, 9, 30)):
            assert self.vq(nanjing_institution, alice, exiting).exit_batch == 1

    def test_an_application_the_day_after_is_refused(self, exiting, alice, nanjing_institution):
        with on(date(2020, 10, 1)), pytest.raises(ValidationError, match="239号 二\\(一\\)"):
            self.vq(nanjing_institution, alice, exiting)

    def test_a_skill_level_batch_of_the_same_occupation_is_not_affected(
        self, exiting, alice, nanjing_institution
    ):
        with on(date(2021, 3, 1)):
            assert plan(nanjing_institution, alice, exiting).exit_batch is None

    def test_a_batch_without_tickets_at_the_cut_off_becomes_invalid(
        self, exiting, alice, nanjing_institution
    ):
        with on(date(2020, 9, 1)):
            batch = self.vq(nanjing_institution, alice, exiting)
            batch.publish_plan(alice)
        with on(date(2020, 9, 30)):
            assert invalidate_batches_past_exit_cutoff() == 0
        with on(date(2020, 10, 1)):
            assert invalidate_batches_past_exit_cutoff() == 1
        batch.refresh_from_db()
        assert batch.status == BatchStatus.INVALID
        assert "239号 二(二)" in batch.status_reason
        assert batch.transitions.last().actor is None

    def test_touching_a_late_batch_makes_it_invalid(self, exiting, alice, nanjing_institution):
        with on(date(2020, 9, 1)):
            batch = self.vq(nanjing_institution, alice, exiting)
        with on(date(2020, 10, 2)), pytest.raises(ValidationError, match="无效"):
            batch.publish_plan(alice)
        assert Batch.objects.get(pk=batch.pk).status == BatchStatus.INVALID

    def test_a_batch_with_tickets_by_the_cut_off_stays_valid(
        self, exiting, alice, nanjing_institution
    ):
        with on(date(2020, 9, 1)):
            batch = self.vq(nanjing_institution, alice, exiting)
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.TICKETS_GENERATED, tickets_generated_on=date(2020, 9, 30)
        )
        with on(date(2020, 10, 1)):
            assert invalidate_batches_past_exit_cutoff() == 0

    def test_a_batch_crowded_before_the_cut_off_is_flagged(
        self, exiting, alice, nanjing_institution
    ):
        with on(date(2020, 9, 1)):
            self.vq(nanjing_institution, alice, exiting)
        assert not AuditSignal.objects.exists()
        with on(date(2020, 9, 20)):
            batch = self.vq(nanjing_institution, alice, exiting)
        signal = AuditSignal.objects.get()
        assert signal.batch == batch and signal.kind == "exit.rush_before_cutoff"


class TestWorkflow:
    @pytest.fixture
    def batch(self, scope, alice, lathe):
        with on(date(2026, 11, 2)):
            batch = plan(scope.institution, alice, lathe)
            batch.publish_plan(alice)
            for n in range(5):
                make_candidate(batch, n)
        return batch

    def walk_to_tickets(self, batch, alice):
        batch.close_roster(alice)
        batch.decide_eligibility(
            alice,
            batch.candidates.all(),
            passed=True,
            basis=EligibilityBasis.STANDARD,
            reason="符合条件",
        )
        batch.complete_eligibility_review(alice)
        ExamRoom.objects.create(batch=batch, name="第01考场", capacity=3)
        ExamRoom.objects.create(batch=batch, name="第02考场", capacity=3)
        batch.arrange_rooms(alice)
        batch.generate_tickets(alice)

    def walk_to_publicity(self, batch, alice):
        """On to the results' publicity, every candidate passing with 75 and 80."""
        self.walk_to_tickets(batch, alice)
        for candidate in batch.candidates.all():
            candidate.record_scores(theory=Decimal(75), practical=Decimal(80))
        batch.record_examined(alice)
        batch.publicise_results(alice)

    def test_a_batch_walks_from_plan_to_approved_results(self, batch, alice, nanjing_staff):
        with on(date(2026, 11, 5)):  # a Thursday
            self.walk_to_publicity(batch, alice)
        with on(date(2026, 11, 11)), pytest.raises(ValidationError, match="公示至 2026-11-11"):
            batch.approve_results(nanjing_staff)  # 5 working days: Thu, Fri, Mon, Tue, Wed
        with on(date(2026, 11, 12)):
            batch.approve_results(nanjing_staff)
        assert batch.status == BatchStatus.RESULTS_APPROVED
        assert [t.to_status for t in batch.transitions.all()] == [
            "draft",
            "plan_published",
            "roster_entered",
            "eligibility_reviewed",
            "rooms_arranged",
            "tickets_generated",
            "examined",
            "results_publicised",
            "results_approved",
        ]

    def test_seats_fill_room_by_room_and_tickets_are_unique(self, batch, alice):
        with on(date(2026, 11, 5)):
            self.walk_to_tickets(batch, alice)
        seats = [(c.room.name, c.seat) for c in batch.candidates.order_by("pk")]
        assert seats == [
            ("第01考场", 1),
            ("第01考场", 2),
            ("第01考场", 3),
            ("第02考场", 1),
            ("第02考场", 2),
        ]
        tickets = list(batch.candidates.values_list("ticket_number", flat=True))
        assert len(set(tickets)) == 5
        assert tickets[0] == f"2601{batch.pk:07d}0001"

    def test_not_enough_seats_is_refused(self, batch, alice):
        with on(date(2026, 11, 5)):
            batch.close_roster(alice)
            batch.decide_eligibility(
                alice, batch.candidates.all(), passed=True, basis="standard", reason="符合"
            )
            batch.complete_eligibility_review(alice)
            ExamRoom.objects.create(batch=batch, name="第01考场", capacity=4)
            with pytest.raises(ValidationError, match="座位不足"):
                batch.arrange_rooms(alice)

    def test_pressing_the_same_button_twice_moves_once(self, batch, alice, bob):
        stale = Batch.objects.get(pk=batch.pk)
        batch.close_roster(alice)
        with pytest.raises(ValidationError):
            stale.close_roster(bob)
        assert batch.transitions.filter(action="close_roster").count() == 1

    def test_only_the_city_of_the_institution_approves_results(self, batch, alice, suzhou_staff):
        with on(date(2026, 11, 5)):
            self.walk_to_publicity(batch, alice)
        with on(date(2026, 11, 20)):
            with pytest.raises(PermissionDenied):
                batch.approve_results(suzhou_staff)
            with pytest.raises(PermissionDenied):
                batch.approve_results(alice)

    def test_the_city_returns_results_with_a_reason(self, batch, alice, nanjing_staff):
        with on(date(2026, 11, 5)):
            self.walk_to_publicity(batch, alice)
            batch.return_results(nanjing_staff, "第3号考生成绩有误")
        assert batch.status == BatchStatus.EXAMINED and batch.status_reason == "第3号考生成绩有误"

    def test_scores_are_needed_for_everyone_before_examined(self, batch, alice):
        with on(date(2026, 11, 5)):
            self.walk_to_tickets(batch, alice)
            batch.candidates.first().record_scores(theory=Decimal(60), practical=Decimal(60))
            with pytest.raises(ValidationError, match="4 名考生没有成绩"):
                batch.record_examined(alice)

    def test_closing_the_scores_counts_who_sat_and_passed(self, batch, alice):
        """record_examined counts once what the statistics read (issue 15); scores are closed."""
        with on(date(2026, 11, 5)):
            self.walk_to_tickets(batch, alice)
            first, second, *others = batch.candidates.order_by("pk")
            first.record_scores(theory=Decimal(50), practical=Decimal(80))
            second.record_scores(absent=True)
            for candidate in others:
                candidate.record_scores(theory=Decimal(75), practical=Decimal(80))
            assert (batch.results_sat, batch.results_passed) == (None, None)
            batch.record_examined(alice)
        batch.refresh_from_db()
        assert (batch.results_sat, batch.results_passed) == (len(others) + 1, len(others))
        with on(date(2026, 11, 6)), pytest.raises(ValidationError, match="公示前可以录入成绩"):
            batch.record_scores(alice, others[0], absent=True)

    def test_results_counts_are_set_together_and_never_above_who_sat(self, batch):
        for sat, passed in [(3, None), (None, 1), (2, 3)]:
            with pytest.raises(IntegrityError), transaction.atomic():
                Batch.objects.filter(pk=batch.pk).update(results_sat=sat, results_passed=passed)

    def test_a_batch_can_be_cancelled_with_a_reason_until_results_are_approved(self, batch, alice):
        batch.cancel(alice, "场地不可用")
        assert batch.status == BatchStatus.CANCELLED


class TestPassRules:
    @pytest.fixture
    def admitted(self, scope, alice, lathe):
        def make(level=4, evaluation_type=EvaluationType.SKILL_LEVEL):
            batch = plan(
                scope.institution, alice, lathe, level=level, evaluation_type=evaluation_type
            )
            candidate = make_candidate(batch, 1, eligibility=EligibilityStatus.PASSED)
            Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.TICKETS_GENERATED)
            candidate.refresh_from_db()
            return candidate

        return make

    @pytest.mark.parametrize(
        ("theory", "practical", "passed"), [(60, 60, True), (59.5, 90, False), (90, 59.9, False)]
    )
    def test_theory_and_practical_at_least_60(self, admitted, theory, practical, passed):
        candidate = admitted()
        candidate.record_scores(theory=Decimal(str(theory)), practical=Decimal(str(practical)))
        assert candidate.passed is passed

    def test_technicians_also_need_the_comprehensive_review(self, admitted):
        candidate = admitted(level=2)
        candidate.record_scores(theory=Decimal(80), practical=Decimal(80))
        assert candidate.passed is None
        candidate.record_scores(
            theory=Decimal(80), practical=Decimal(80), comprehensive=Decimal(59)
        )
        assert candidate.passed is False

    def test_an_absent_candidate_fails(self, admitted):
        candidate = admitted()
        candidate.record_scores(absent=True)
        assert candidate.passed is False

    def test_a_score_above_100_is_refused(self, admitted):
        with pytest.raises(ValidationError):
            admitted().record_scores(theory=Decimal(101), practical=Decimal(80))


class TestEligibility:
    @pytest.fixture
    def batch(self, scope, alice, lathe):
        batch = plan(scope.institution, alice, lathe)
        batch.publish_plan(alice)
        level = OccupationLevel.objects.get(occupation=lathe, level=4)
        ApplicationCondition.objects.create(
            occupation_level=level,
            label="取得五级证书后累计从事本职业工作4年",
            min_work_years=4,
            required_prior_level=5,
        )
        ApplicationCondition.objects.create(
            occupation_level=level, label="累计从事本职业工作6年", min_work_years=6
        )
        return batch

    def test_candidates_meeting_a_condition_pass_and_the_others_wait(self, batch, alice):
        meets_second = make_candidate(batch, 1, work_years=Decimal(7))
        meets_first = make_candidate(batch, 2, work_years=Decimal(5), current_level=5)
        meets_none = make_candidate(batch, 3, work_years=Decimal(3))
        assert batch.review_eligibility_automatically(alice) == {
            "passed": 2,
            "waiting": 1,
            "conditions": 2,
        }
        for candidate in (meets_second, meets_first, meets_none):
            candidate.refresh_from_db()
        assert meets_second.eligibility == meets_first.eligibility == EligibilityStatus.PASSED
        assert "取得五级证书" in meets_first.eligibility_reason
        assert meets_none.eligibility == EligibilityStatus.PENDING
        assert "从业年限不足 6 年" in meets_none.eligibility_reason
        assert "fewer than 6 years of work" in meets_none.eligibility_reason_en

    def test_a_rejection_carries_its_reason_and_no_basis_of_meeting_the_conditions(
        self, batch, alice
    ):
        candidate = make_candidate(batch, 1, work_years=Decimal(1))
        batch.decide_eligibility(
            alice, [candidate], passed=False, basis=EligibilityBasis.STANDARD, reason="从业证明不实"
        )
        candidate.refresh_from_db()
        assert candidate.eligibility == EligibilityStatus.FAILED
        assert (candidate.eligibility_basis, candidate.eligibility_reason) == ("", "从业证明不实")


class TestStandardConditions:
    """The common template of the national standards' application conditions (申报条件)."""

    @pytest.fixture
    def batch_at(self, nanjing_institution, alice):
        lathe = occupation_with_resources()
        for occupation_level in OccupationLevel.objects.filter(occupation=lathe):
            ApplicationCondition.objects.add_standard_template(occupation_level)
        approved_filing(nanjing_institution, [(lathe, level) for level in (1, 2, 3, 4, 5)])

        def batch_at(level, exam_on=date(2026, 12, 1)):
            batch = plan(
                nanjing_institution,
                alice,
                lathe,
                level,
                exam_starts_on=exam_on,
                exam_ends_on=exam_on,
            )
            batch.publish_plan(alice)
            return batch

        return batch_at

    def check(self, batch, alice, **fields):
        candidate = make_candidate(batch, 1, **fields)
        batch.review_eligibility_automatically(alice)
        candidate.refresh_from_db()
        return candidate

    def test_four_years_after_the_level_5_certificate_counts_to_the_day(self, batch_at, alice):
        def level_5_obtained_on(day):
            """A candidate for level 4 on 2026-12-01 with four years of work."""
            return self.check(
                batch_at(4, date(2026, 12, 1)),
                alice,
                work_years=Decimal(4),
                current_level=5,
                current_level_obtained_on=day,
            )

        one_day_short = level_5_obtained_on(date(2022, 12, 2))
        assert one_day_short.eligibility == EligibilityStatus.PENDING
        assert "取得五级/初级工证书后不满 4 年" in one_day_short.eligibility_reason
        exactly = level_5_obtained_on(date(2022, 12, 1))
        assert exactly.eligibility == EligibilityStatus.PASSED
        assert "取得五级/初级工证书后" in exactly.eligibility_reason
        assert exactly.eligibility_reason_en.startswith("Meets the application condition")

    @pytest.mark.parametrize(
        ("level", "route", "eligibility"),
        [
            (4, "technical_school", EligibilityStatus.PASSED),
            # A technician college is a higher school: it satisfies the technical-school condition.
            (4, "senior_technical_school", EligibilityStatus.PASSED),
            (4, "apprenticeship", EligibilityStatus.PENDING),
            (5, "apprenticeship", EligibilityStatus.PASSED),
        ],
    )
    def test_a_training_route_may_stand_in_for_work_years(
        self, batch_at, alice, level, route, eligibility
    ):
        candidate = self.check(batch_at(level), alice, work_years=Decimal(0), training_route=route)
        assert candidate.eligibility == eligibility

    @pytest.mark.parametrize(
        ("education", "eligibility"),
        [(4, EligibilityStatus.PASSED), (3, EligibilityStatus.PENDING)],  # college, secondary
    )
    def test_level_3_by_college_degree_needs_two_years_after_level_4(
        self, batch_at, alice, education, eligibility
    ):
        candidate = self.check(
            batch_at(3),
            alice,
            work_years=Decimal(3),
            education=education,
            current_level=4,
            current_level_obtained_on=date(2024, 11, 30),
        )
        assert candidate.eligibility == eligibility

    def test_exceptional_promotion_needs_a_published_policy(self, alice, lathe):
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        staff = UserFactory(username="emp", role="institution_staff", institution=employer)
        approved_filing(employer, [(lathe, 4)], regions=["320100"])
        batch = plan(employer, staff, lathe)
        batch.publish_plan(staff)
        candidate = make_candidate(batch, 1, work_years=Decimal(2))
        with pytest.raises(ValidationError, match="54号 一"):
            batch.decide_eligibility(
                staff,
                [candidate],
                passed=True,
                basis=EligibilityBasis.EXCEPTIONAL_PROMOTION,
                reason="技术革新",
            )
        employer.promotion_policy.save("policy.pdf", ContentFile(b"%PDF-1.4"))
        employer.promotion_policy_published_on = date(2025, 1, 1)
        employer.save()
        batch.refresh_from_db()
        assert (
            batch.decide_eligibility(
                staff, [candidate], passed=True, basis="exceptional_promotion", reason="技术革新"
            )
            == 1
        )
        candidate.refresh_from_db()
        assert candidate.eligibility_override is True


def test_a_batch_far_above_the_usual_size_is_flagged(scope, alice, lathe):
    for _ in range(2):
        earlier = plan(scope.institution, alice, lathe)
        earlier.publish_plan(alice)
        make_candidate(earlier, 1)
        make_candidate(earlier, 2)
        earlier.close_roster(alice)
    batch = plan(scope.institution, alice, lathe)
    batch.publish_plan(alice)
    for n in range(60):
        make_candidate(batch, n)
    batch.close_roster(alice)
    assert AuditSignal.objects.get(kind="batch.volume_surge").batch == batch
