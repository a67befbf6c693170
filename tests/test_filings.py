"""The filing workflow and the institution's scope, at the model level."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from institutions.choices import (
    CatalogAction,
    CatalogStatus,
    FilingStatus,
    InstitutionKind,
    MaterialKind,
)
from institutions.models import Filing
from skilleval.choices import Role
from skilleval.models import OccupationLevel, Region
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    occupation_with_resources,
    region,
)
from tests.uploads import PDF, attach_required_materials, pdf

pytestmark = pytest.mark.django_db


class TestDrafting:
    def test_a_filing_goes_to_the_hr_department_where_the_institution_is(self, draft):
        assert draft.authority.code == "320100"

    def test_a_province_level_filing_goes_to_the_province(self, nanjing_institution, alice):
        assert (
            Filing.objects.open_draft(
                nanjing_institution, user=alice, province_level=True
            ).authority.code
            == "320000"
        )

    def test_nobody_files_for_another_institution(self, nanjing_institution, charlie):
        with pytest.raises(PermissionDenied):
            Filing.objects.open_draft(nanjing_institution, user=charlie)

    def test_an_occupation_outside_major_groups_3_to_6_is_refused(self, draft, alice):
        psychologist = occupation_with_resources(
            code="2-07-11-03", name="心理咨询师", levels=(3, 2, 1)
        )
        with pytest.raises(ValidationError, match="54号 三"):
            draft.add_item(psychologist, 3, user=alice)

    def test_a_level_the_standard_does_not_define_is_refused(self, draft, alice):
        typist = occupation_with_resources(code="3-01-02-06", name="速录师", levels=(4, 3, 2))
        with pytest.raises(ValidationError, match="不得擅加职业技能等级"):
            draft.add_item(typist, 5, user=alice)

    def test_a_third_party_needs_technical_resources(self, draft, alice):
        bare = occupation_with_resources(
            code="6-18-01-02", name="铣工", has_national_standard=False
        )
        with pytest.raises(ValidationError, match="江苏省技术资源发布目录"):
            draft.add_item(bare, 4, user=alice)
        OccupationLevel.objects.filter(occupation=bare, level=4).update(has_provincial_spec=True)
        assert draft.add_item(bare, 4, user=alice).level == 4

    def test_an_employer_without_the_national_standard_needs_a_filed_enterprise_spec(self, alice):
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        staff = UserFactory(username="emp", role=Role.INSTITUTION_STAFF, institution=employer)
        bare = occupation_with_resources(
            code="6-18-01-02", name="铣工", has_national_standard=False
        )
        filing = Filing.objects.open_draft(employer, user=staff)
        with pytest.raises(ValidationError, match="企业评价规范"):
            filing.add_item(bare, 4, user=staff)
        item = filing.add_item(bare, 4, user=staff, enterprise_spec="QB/JL 001-2025 铣工评价规范")
        assert (item.level, item.enterprise_spec) == (4, "QB/JL 001-2025 铣工评价规范")

    def test_a_renamed_file_is_refused(self, draft, alice):
        with pytest.raises(ValidationError, match="不符"):
            draft.attach_material(
                MaterialKind.WORK_PLAN, SimpleUploadedFile("plan.pdf", b"MZ\x90\x00"), user=alice
            )

    def test_an_executable_is_refused(self, draft, alice):
        with pytest.raises(ValidationError, match="PDF"):
            draft.attach_material(
                MaterialKind.WORK_PLAN, SimpleUploadedFile("plan.exe", PDF), user=alice
            )


class TestChecklist:
    def test_an_incomplete_checklist_cannot_be_submitted(self, draft, alice):
        draft.attach_material(MaterialKind.WORK_PLAN, pdf(), user=alice)
        with pytest.raises(ValidationError, match="考务管理办法"):
            draft.submit(user=alice)
        assert Filing.objects.get(pk=draft.pk).status == FilingStatus.DRAFT

    def test_a_social_org_must_attach_its_branch_criteria_but_an_employer_need_not(
        self, draft, alice
    ):
        assert MaterialKind.BRANCH_CRITERIA in draft.required_materials()
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        staff = UserFactory(username="emp", role=Role.INSTITUTION_STAFF, institution=employer)
        assert (
            MaterialKind.BRANCH_CRITERIA
            not in Filing.objects.open_draft(employer, user=staff).required_materials()
        )
        assert len(draft.required_materials()) == 15

    def test_a_complete_filing_is_submitted(self, draft, alice):
        attach_required_materials(draft, alice)
        draft.submit(user=alice)
        assert draft.status == FilingStatus.SUBMITTED and draft.submitted_by == alice
        with pytest.raises(ValidationError, match="草稿"):
            draft.add_item(draft.items.first().occupation, 3, user=alice)


class TestDecision:
    @pytest.fixture
    def submitted(self, draft, alice):
        attach_required_materials(draft, alice)
        draft.submit(user=alice)
        return draft

    def test_the_city_approves_with_a_validity_period_and_the_scope_follows(
        self, submitted, nanjing_staff, lathe
    ):
        submitted.approve(
            user=nanjing_staff, valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31)
        )
        institution = submitted.institution
        nanjing, suzhou = region("320100"), region("320500")
        assert institution.check_scope(lathe, 4, nanjing, on=date(2026, 6, 1)).allowed
        assert not institution.check_scope(lathe, 3, nanjing, on=date(2026, 6, 1)).allowed
        assert not institution.check_scope(lathe, 4, suzhou, on=date(2026, 6, 1)).allowed
        expired = institution.check_scope(lathe, 4, nanjing, on=date(2028, 1, 1))
        assert not expired.allowed and "无有效备案" in expired.problems[0]
        assert institution.check_scope(
            lathe, 4, region("320115"), on=date(2026, 6, 1)
        ).allowed  # a county of the city

    def test_another_city_may_not_decide(self, submitted, suzhou_staff):
        with pytest.raises(PermissionDenied):
            submitted.approve(
                user=suzhou_staff, valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31)
            )

    def test_the_institution_may_not_approve_itself(self, submitted, alice):
        with pytest.raises(PermissionDenied):
            submitted.approve(
                user=alice, valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31)
            )

    def test_pressing_approve_twice_approves_once(self, submitted, nanjing_staff, province_admin):
        submitted.approve(
            user=nanjing_staff, valid_from=date(2025, 1, 1), valid_until=date(2027, 12, 31)
        )
        stale = Filing.objects.get(pk=submitted.pk)
        stale.status = FilingStatus.SUBMITTED  # a second browser tab still showing the old state
        with pytest.raises(ValidationError, match="操作未执行"):
            stale.reject(user=province_admin, reason="重复")
        assert Filing.objects.get(pk=submitted.pk).status == FilingStatus.APPROVED

    def test_a_rejection_needs_a_reason_and_the_institution_sees_it(self, submitted, nanjing_staff):
        with pytest.raises(ValidationError):
            submitted.reject(user=nanjing_staff, reason="  ")
        submitted.reject(user=nanjing_staff, reason="考评人员不足")
        assert Filing.objects.get(pk=submitted.pk).decision_reason == "考评人员不足"

    def test_a_validity_that_ends_before_it_starts_is_refused(self, submitted, nanjing_staff):
        with pytest.raises(ValidationError):
            submitted.approve(
                user=nanjing_staff, valid_from=date(2027, 1, 1), valid_until=date(2026, 1, 1)
            )


class TestAddingAnOccupationWithoutRefiling:
    @pytest.fixture
    def filing(self, nanjing_institution, lathe):
        return approved_filing(
            nanjing_institution,
            [(lathe, 4)],
            valid_from=date(2025, 1, 1),
            valid_until=date(2027, 12, 31),
        )

    def checks(self, **overrides):
        return {
            "standard_ok": True,
            "question_bank_ok": True,
            "venue_ok": True,
            "examiners_ok": True,
            **overrides,
        }

    @time_machine.travel(date(2026, 6, 1))
    def test_city_staff_add_an_occupation_after_checking_all_four(self, filing, nanjing_staff):
        miller = occupation_with_resources(code="6-18-01-02", name="铣工")
        item = filing.add_occupation_after_check(
            user=nanjing_staff, occupation=miller, level=3, **self.checks()
        )
        assert (
            item.source == "added_after_check" and item.addition_check.checked_by == nanjing_staff
        )
        assert filing.institution.check_scope(
            miller, 3, region("320100"), on=date(2026, 6, 1)
        ).allowed

    @time_machine.travel(date(2026, 6, 1))
    def test_all_four_checks_are_required(self, filing, nanjing_staff):
        miller = occupation_with_resources(code="6-18-01-02", name="铣工")
        with pytest.raises(ValidationError, match="考评人员"):
            filing.add_occupation_after_check(
                user=nanjing_staff, occupation=miller, level=3, **self.checks(examiners_ok=False)
            )

    @time_machine.travel(date(2028, 1, 1))
    def test_an_expired_filing_needs_a_new_filing(self, filing, nanjing_staff):
        miller = occupation_with_resources(code="6-18-01-02", name="铣工")
        with pytest.raises(ValidationError, match="239号 三"):
            filing.add_occupation_after_check(
                user=nanjing_staff, occupation=miller, level=3, **self.checks()
            )


class TestBranches:
    @time_machine.travel(date(2026, 3, 1))
    def test_a_branch_runs_nothing_until_its_announcement_is_over(
        self, suzhou_institution, charlie, suzhou_staff, lathe
    ):
        branch = InstitutionFactory(
            name="吴越中心昆山分部", parent=suzhou_institution, county=region("320583")
        )
        filing = Filing.objects.open_draft(branch, user=charlie)
        assert filing.authority.code == "320500"  # filed where the branch is (昆山 is in 苏州)
        filing.region_scope.set([region("320583")])
        filing.add_item(lathe, 4, user=charlie)
        attach_required_materials(filing, charlie)
        filing.submit(user=charlie)
        filing.approve(
            user=suzhou_staff, valid_from=date(2026, 3, 1), valid_until=date(2028, 2, 28)
        )
        branch.refresh_from_db()
        assert branch.announced_on == date(2026, 3, 1)
        kunshan = region("320583")
        during = branch.check_scope(lathe, 4, kunshan, on=date(2026, 3, 5))
        assert not during.allowed and "公示" in during.problems[0]
        assert branch.check_scope(lathe, 4, kunshan, on=date(2026, 3, 6)).allowed

    def test_only_a_social_org_has_branches(self, nanjing_institution):
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        branch = InstitutionFactory.build(
            parent=employer, kind=InstitutionKind.SOCIAL_ORG, city=region("320100")
        )
        with pytest.raises(ValidationError, match="分支机构"):
            branch.full_clean()


class TestCatalog:
    def test_a_government_department_cannot_be_a_social_org(self):
        institution = InstitutionFactory.build(
            is_government_department=True, city=Region.objects.get(code="320100")
        )
        with pytest.raises(ValidationError, match="41号 二"):
            institution.full_clean()

    def test_a_province_admin_suspends_and_restores_with_a_reason(
        self, nanjing_institution, province_admin, lathe
    ):
        approved_filing(nanjing_institution, [(lathe, 4)])
        nanjing_institution.change_catalog_status(
            CatalogAction.SUSPEND, actor=province_admin, reason="抽查发现问题"
        )
        assert nanjing_institution.catalog_status == CatalogStatus.SUSPENDED
        assert not nanjing_institution.check_scope(lathe, 4, region("320100")).allowed
        from institutions.models import Institution

        assert nanjing_institution not in Institution.objects.in_catalog()
        nanjing_institution.change_catalog_status(
            CatalogAction.RESTORE, actor=province_admin, reason="整改完成"
        )
        assert nanjing_institution in Institution.objects.in_catalog()
        assert [e.action for e in nanjing_institution.catalog_events.all()] == [
            "restore",
            "suspend",
        ]

    def test_city_staff_cannot_change_the_catalog(self, nanjing_institution, nanjing_staff):
        with pytest.raises(PermissionDenied):
            nanjing_institution.change_catalog_status(
                CatalogAction.SUSPEND, actor=nanjing_staff, reason="x"
            )

    def test_a_removed_institution_cannot_be_restored_silently(
        self, nanjing_institution, province_admin
    ):
        nanjing_institution.change_catalog_status(
            CatalogAction.REMOVE, actor=province_admin, reason="注销"
        )
        with pytest.raises(ValidationError):
            nanjing_institution.change_catalog_status(
                CatalogAction.RESTORE, actor=province_admin, reason="误操作"
            )


def test_a_branch_leaves_the_catalog_with_its_suspended_organisation(
    suzhou_institution, province_admin, lathe
):
    from institutions.models import Institution

    branch = InstitutionFactory(
        name="分部",
        parent=suzhou_institution,
        county=region("320583"),
        announced_on=date(2020, 1, 1),
    )
    approved_filing(suzhou_institution, [(lathe, 4)])
    approved_filing(branch, [(lathe, 4)])
    assert branch in Institution.objects.in_catalog()
    suzhou_institution.change_catalog_status(
        CatalogAction.SUSPEND, actor=province_admin, reason="整改"
    )
    assert branch not in Institution.objects.in_catalog()
    assert not branch.check_scope(lathe, 4, region("320583")).allowed


def test_nobody_outside_the_institution_can_change_or_submit_its_filing(
    draft, alice, nanjing_staff, province_admin, lathe
):
    attach_required_materials(draft, alice)
    for outsider in (nanjing_staff, province_admin):
        with pytest.raises(PermissionDenied):
            draft.submit(user=outsider)
        with pytest.raises(PermissionDenied):
            draft.add_item(lathe, 3, user=outsider)
        with pytest.raises(PermissionDenied):
            draft.set_region_scope([region("320000")], user=outsider)
    assert Filing.objects.get(pk=draft.pk).status == FilingStatus.DRAFT


def test_a_branch_cannot_have_branches(suzhou_institution):
    branch = InstitutionFactory(name="分部", parent=suzhou_institution, county=region("320583"))
    twig = InstitutionFactory.build(parent=branch, county=region("320583"), city=region("320500"))
    with pytest.raises(ValidationError, match="分支机构不能再设"):
        twig.full_clean()
