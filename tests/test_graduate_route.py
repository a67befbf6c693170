"""239号 二(四): batches of 2020 H2 technical and vocational school graduates follow the route rule
exit.graduate_route gives the occupation's exit batch, at planning and at issuance."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from institutions.choices import BatchStatus, EvaluationType, InstitutionKind
from institutions.models import Batch
from tests.clock import on
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    UserFactory,
    approved_filing,
    exiting_occupation,
    occupation_with_resources,
    planned_batch,
    region,
)

pytestmark = pytest.mark.django_db
CLAUSE = "239号 二\\(四\\)"


@pytest.fixture
def electrician():
    return exiting_occupation("6-31-01-03", "电工", 1)


@pytest.fixture
def cook():
    return exiting_occupation("4-03-02-01", "中式烹调师", 2)


def institution_of(kind, *occupations):
    institution = InstitutionFactory(kind=kind, county=region("320115"))
    approved_filing(institution, [(o, 4) for o in occupations], valid_from=date(2019, 1, 1))
    staff = UserFactory(role="institution_staff", institution=institution)
    return institution, staff


def plan(institution, user, occupation, evaluation_type, starts, ends=None):
    """A graduate-cohort batch at the school itself."""
    return planned_batch(
        institution,
        user,
        occupation,
        evaluation_type=evaluation_type,
        region=institution.county,
        exam_starts_on=starts,
        exam_ends_on=ends or starts,
        venue="校内实训楼",
        graduate_cohort=True,
    )


class TestBatchOne:
    """First exit batch: the school certifies its graduates (skill-level certificates)."""

    def test_a_school_plans_a_skill_level_batch_for_its_graduates(self, electrician):
        school, staff = institution_of(InstitutionKind.TECHNICAL_SCHOOL, electrician)
        with on(date(2020, 10, 15)):
            batch = plan(school, staff, electrician, EvaluationType.SKILL_LEVEL, date(2020, 11, 10))
        assert batch.graduate_cohort and batch.exit_batch is None

    @pytest.mark.parametrize(
        ("starts", "ends", "allowed"),
        [
            (date(2020, 6, 30), date(2020, 7, 1), False),
            (date(2020, 7, 1), date(2020, 7, 1), True),
            (date(2020, 12, 31), date(2020, 12, 31), True),
            (date(2020, 12, 31), date(2021, 1, 1), False),
        ],
    )
    def test_the_exam_falls_in_the_second_half_of_2020(self, electrician, starts, ends, allowed):
        school, staff = institution_of(InstitutionKind.TECHNICAL_SCHOOL, electrician)
        with on(date(2020, 9, 20)):
            if allowed:
                assert plan(school, staff, electrician, EvaluationType.SKILL_LEVEL, starts, ends)
            else:
                with pytest.raises(ValidationError, match="2020年下半年"):
                    plan(school, staff, electrician, EvaluationType.SKILL_LEVEL, starts, ends)

    def test_an_employer_or_a_qualification_batch_is_not_this_route(self, electrician):
        employer, staff = institution_of(InstitutionKind.EMPLOYER, electrician)
        school, school_staff = institution_of(InstitutionKind.TECHNICAL_SCHOOL, electrician)
        with on(date(2020, 9, 20)):
            with pytest.raises(ValidationError, match=CLAUSE):
                plan(employer, staff, electrician, EvaluationType.SKILL_LEVEL, date(2020, 11, 10))
            with pytest.raises(ValidationError, match=CLAUSE):
                plan(
                    school,
                    school_staff,
                    electrician,
                    EvaluationType.VOCATIONAL_QUALIFICATION,
                    date(2020, 11, 10),
                )
        assert not Batch.objects.exists()

    def test_an_occupation_not_leaving_the_catalog_has_no_graduate_route(self):
        lathe = occupation_with_resources()
        school, staff = institution_of(InstitutionKind.TECHNICAL_SCHOOL, lathe)
        with on(date(2020, 10, 15)), pytest.raises(ValidationError, match="不在退出目录"):
            plan(school, staff, lathe, EvaluationType.SKILL_LEVEL, date(2020, 11, 10))


class TestBatchTwo:
    """Second exit batch: the city's daily appraisal, vocational qualification certificates,
    issued at the latest on 2021-01-31 (二(三))."""

    @pytest.fixture
    def approved(self, cook):
        centre, staff = institution_of(InstitutionKind.APPRAISAL_CENTRE, cook)
        with on(date(2020, 11, 1)):
            batch = plan(
                centre, staff, cook, EvaluationType.VOCATIONAL_QUALIFICATION, date(2020, 12, 10)
            )
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.RESULTS_APPROVED, tickets_generated_on=date(2020, 12, 1)
        )
        batch.refresh_from_db()
        return batch

    def test_a_school_may_not_certify_batch_two_graduates(self, cook):
        school, staff = institution_of(InstitutionKind.TECHNICAL_SCHOOL, cook)
        with on(date(2020, 11, 1)), pytest.raises(ValidationError, match=CLAUSE):
            plan(school, staff, cook, EvaluationType.SKILL_LEVEL, date(2020, 12, 10))

    def test_issuance_on_the_last_day_follows_the_route(self, approved):
        problems = approved.issuance_problems(on=date(2021, 1, 31))
        assert not [p for p in problems if "二(四)" in p]

    def test_issuance_the_day_after_is_refused_naming_the_route(self, approved):
        problems = approved.issuance_problems(on=date(2021, 2, 1))
        assert [p for p in problems if "二(四)" in p and "日常鉴定" in p]

    def test_planning_after_issuance_ended_is_refused(self, cook):
        centre, staff = institution_of(InstitutionKind.APPRAISAL_CENTRE, cook)
        with on(date(2021, 2, 1)), pytest.raises(ValidationError, match=CLAUSE):
            plan(centre, staff, cook, EvaluationType.VOCATIONAL_QUALIFICATION, date(2020, 12, 10))


def test_the_database_keeps_a_graduate_batch_in_the_second_half_of_2020():
    with transaction.atomic(), pytest.raises(IntegrityError):
        BatchFactory(
            graduate_cohort=True,
            exam_starts_on=date(2021, 3, 1),
            exam_ends_on=date(2021, 3, 1),
        )
