"""The institution, filing and technical-resource pages, walked through as their users would:
alice and bob (staff of a Nanjing institution), charlie (Suzhou), city, county and province staff."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from institutions.choices import (
    CatalogStatus,
    FilingStatus,
    InstitutionKind,
    ItemSource,
    MaterialKind,
)
from institutions.forms import three_years_from
from institutions.models import CatalogEvent, Filing, FilingItem, Institution
from skilleval.choices import Role
from skilleval.demo import make_uscc
from skilleval.models import OccupationLevel, User
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    occupation_with_resources,
    region,
)
from tests.uploads import PDF, attach_required_materials, pdf

pytestmark = pytest.mark.django_db
PASSWORD = "Sturdy-Lathe-2026"


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def submitted(draft, alice):
    attach_required_materials(draft, alice)
    draft.submit(user=alice)
    return draft


def url(name, *args):
    return reverse(name, args=args)


# --- registration ----------------------------------------------------------------------------


def registration(**overrides) -> dict:
    return {
        "name": "南京新港焊接技术有限公司",
        "kind": InstitutionKind.EMPLOYER,
        "uscc": make_uscc("320100", 900001),
        "city": "320100",
        "county": "320115",
        "responsible_person": "韩梅",
        "contact_person": "李雷",
        "contact_phone": "025-52000000",
        "address": "南京市江宁区某路 1 号",
        "association_decoupled": "",
        "username": "xingang",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


class TestRegistration:
    def test_the_registration_page_lists_counties_by_city(self, client):
        response = client.get(url("institution-register"))
        assert response.status_code == 200
        assert '<optgroup label="南京市">' in page(response)
        assert "institution-form.js" in page(response)

    def test_an_institution_registers_with_its_first_staff_account_and_is_signed_in(self, client):
        response = client.post(url("institution-register"), registration())
        institution = Institution.objects.get(name="南京新港焊接技术有限公司")
        assert response.status_code == 302
        assert response["Location"] == url("institution-detail", institution.pk) + "#top"
        user = User.objects.get(username="xingang")
        assert user.role == Role.INSTITUTION_STAFF and user.institution == institution
        assert user.check_password(PASSWORD)
        assert client.session["_auth_user_id"] == str(user.pk)
        welcome = client.get(response["Location"])
        assert welcome.status_code == 200 and "新建备案" in page(welcome)

    def test_a_bad_uscc_is_refused_with_the_gb_32100_message_and_nothing_is_created(self, client):
        good = make_uscc("320100", 900001)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        response = client.post(url("institution-register"), registration(uscc=bad))
        assert response.status_code == 200
        assert "GB 32100" in page(response) and "统一社会信用代码无效" in page(response)
        assert not Institution.objects.filter(uscc=bad).exists()
        assert not User.objects.filter(username="xingang").exists()
        assert "_auth_user_id" not in client.session

    def test_a_government_department_cannot_register_as_a_social_training_evaluation_organisation(
        self, client
    ):
        response = client.post(
            url("institution-register"),
            registration(kind=InstitutionKind.SOCIAL_ORG, is_government_department="on"),
        )
        assert response.status_code == 200
        assert "中就培函〔2020〕41号 二(一)" in page(response)
        assert "政府部门" in page(response)
        assert not Institution.objects.filter(name="南京新港焊接技术有限公司").exists()
        assert not User.objects.filter(username="xingang").exists()

    def test_an_association_not_decoupled_is_refused_too(self, client):
        response = client.post(
            url("institution-register"),
            registration(kind=InstitutionKind.SOCIAL_ORG, association_decoupled="false"),
        )
        assert "未与主管部门脱钩的协会" in page(response)
        assert not Institution.objects.filter(name="南京新港焊接技术有限公司").exists()

    def test_a_non_professional_industry_association_is_refused(self, client):
        response = client.post(
            url("institution-register"),
            registration(
                kind=InstitutionKind.SOCIAL_ORG,
                association_decoupled="true",
                non_professional_association="on",
            ),
        )
        assert "非专业行业协会" in page(response)
        assert "中就培函〔2020〕41号 二(一)" in page(response)
        assert not Institution.objects.filter(name="南京新港焊接技术有限公司").exists()

    def test_a_professional_decoupled_association_registers(self, client):
        client.post(
            url("institution-register"),
            registration(kind=InstitutionKind.SOCIAL_ORG, association_decoupled="true"),
        )
        assert not Institution.objects.get(
            name="南京新港焊接技术有限公司"
        ).non_professional_association

    def test_the_password_validators_apply(self, client):
        response = client.post(
            url("institution-register"), registration(password1="12345678", password2="12345678")
        )
        assert response.status_code == 200
        assert response.context["account_form"].errors["password2"]
        assert not Institution.objects.exists()
        assert not User.objects.filter(username="xingang").exists()

    def test_a_county_outside_the_chosen_city_is_refused(self, client):
        response = client.post(url("institution-register"), registration(city="320500"))
        assert "区（县）不属于所选设区市" in page(response)
        assert not Institution.objects.exists()

    def test_a_taken_username_is_refused_and_nothing_is_created(self, client, alice):
        response = client.post(url("institution-register"), registration(username="alice"))
        assert response.status_code == 200
        assert response.context["account_form"].errors["username"]
        assert not Institution.objects.filter(name="南京新港焊接技术有限公司").exists()

    def test_a_signed_in_user_is_sent_to_the_dashboard(self, client, alice):
        client.force_login(alice)
        assert client.get(url("institution-register"))["Location"] == url("dashboard")


# --- the filing walk ---------------------------------------------------------------------------


def test_a_filing_walks_from_draft_to_approval_through_the_pages(
    client, alice, nanjing_staff, nanjing_institution, lathe
):
    client.force_login(alice)
    assert client.get(url("institution-detail", nanjing_institution.pk)).status_code == 200

    started = client.post(url("institution-filing-create", nanjing_institution.pk))
    filing = Filing.objects.get(institution=nanjing_institution)
    assert started["Location"] == url("filing-detail", filing.pk) + "#top"
    assert filing.authority.code == "320100"  # 属地备案, 41号 三(四)
    draft_page = page(client.get(started["Location"]))
    assert "尚不能提交" in draft_page and "未填写地域范围" in draft_page

    client.post(url("filing-regions", filing.pk), {"cities": ["320100"], "counties": ["320115"]})
    assert set(filing.region_scope.values_list("code", flat=True)) == {"320100", "320115"}

    client.post(url("filing-item-add", filing.pk), {"occupation": lathe.pk, "level": 4})
    assert filing.items.get().level == 4

    # One document is not the checklist: submitting is refused, naming what is missing.
    client.post(url("filing-materials", filing.pk), {"file_work_plan": pdf("方案.pdf")})
    refused = client.post(url("filing-submit", filing.pk))
    assert refused.status_code == 200
    assert "材料不全" in page(refused) and "考务管理办法" in page(refused)
    assert "41号 附件" in page(refused)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.DRAFT

    rest = {
        f"file_{kind}": pdf(f"{kind}.pdf")
        for kind in filing.required_materials()
        if kind != MaterialKind.WORK_PLAN
    }
    uploaded = client.post(url("filing-materials", filing.pk), rest)
    assert uploaded.status_code == 302
    assert filing.missing_materials() == []
    assert "材料齐全" in page(client.get(url("filing-detail", filing.pk)))

    submitted = client.post(url("filing-submit", filing.pk), follow=True)
    assert "备案已提交" in page(submitted)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and filing.submitted_by == alice

    client.force_login(nanjing_staff)
    waiting = page(client.get(url("filing-list")))  # city staff start with what awaits them
    assert url("filing-detail", filing.pk) in waiting
    assert "批准备案" in page(client.get(url("filing-detail", filing.pk)))
    approved = client.post(
        url("filing-approve", filing.pk),
        {"valid_from": "2026-01-01", "valid_until": "2028-12-31", "note": "材料齐全"},
    )
    assert approved.status_code == 302
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED and filing.decided_by == nanjing_staff
    assert (filing.valid_from, filing.valid_until) == (date(2026, 1, 1), date(2028, 12, 31))

    client.force_login(alice)
    assert "已备案" in page(client.get(url("filing-detail", filing.pk)))


class TestDraftPages:
    def test_a_level_the_standard_does_not_define_is_refused_citing_54_3(
        self, client, alice, draft
    ):
        typist = occupation_with_resources(code="3-01-02-06", name="速录师", levels=(4, 3, 2))
        client.force_login(alice)
        response = client.post(
            url("filing-item-add", draft.pk), {"occupation": typist.pk, "level": 5}
        )
        assert response.status_code == 200
        assert "不得擅加职业技能等级" in page(response) and "54号 三" in page(response)
        assert not draft.items.filter(occupation=typist).exists()

    def test_an_occupation_without_technical_resources_is_refused_for_a_third_party(
        self, client, alice, draft
    ):
        bare = occupation_with_resources(
            code="6-18-01-02", name="铣工", has_national_standard=False
        )
        client.force_login(alice)
        response = client.post(
            url("filing-item-add", draft.pk), {"occupation": bare.pk, "level": 4}
        )
        assert "江苏省技术资源发布目录" in page(response)

    def test_a_renamed_file_is_refused_next_to_its_row(self, client, alice, draft):
        client.force_login(alice)
        response = client.post(
            url("filing-materials", draft.pk),
            {"file_work_plan": SimpleUploadedFile("plan.pdf", b"MZ\x90\x00")},
        )
        assert response.status_code == 200
        assert "文件内容与扩展名 .pdf 不符" in page(response)
        assert not draft.materials.exists()

    def test_an_item_is_removed_while_the_filing_is_a_draft(self, client, alice, draft):
        client.force_login(alice)
        item = draft.items.get()
        client.post(url("filing-item-delete", draft.pk, item.pk))
        assert not draft.items.exists()

    def test_no_item_is_removed_once_the_filing_is_submitted(self, client, alice, submitted):
        client.force_login(alice)
        item = submitted.items.get()
        response = client.post(url("filing-item-delete", submitted.pk, item.pk), follow=True)
        assert "只有草稿状态的备案可以修改" in page(response)
        assert FilingItem.objects.filter(pk=item.pk).exists()

    def test_a_colleague_works_on_the_same_draft(self, client, bob, draft, lathe):
        client.force_login(bob)
        client.post(url("filing-item-add", draft.pk), {"occupation": lathe.pk, "level": 3})
        assert draft.items.filter(level=3).exists()

    def test_city_staff_see_a_draft_but_do_not_edit_it(self, client, nanjing_staff, draft, lathe):
        client.force_login(nanjing_staff)
        assert client.get(url("filing-detail", draft.pk)).status_code == 200
        add = client.post(url("filing-item-add", draft.pk), {"occupation": lathe.pk, "level": 3})
        assert add.status_code == 403
        assert client.post(url("filing-submit", draft.pk)).status_code == 403

    def test_a_province_admin_does_not_submit_for_an_institution(
        self, client, province_admin, draft, alice
    ):
        attach_required_materials(draft, alice)
        client.force_login(province_admin)
        assert client.post(url("filing-submit", draft.pk)).status_code == 403
        draft.refresh_from_db()
        assert draft.status == FilingStatus.DRAFT

    def test_another_institution_gets_404_on_the_draft(self, client, charlie, draft, lathe):
        client.force_login(charlie)
        assert client.get(url("filing-detail", draft.pk)).status_code == 404
        add = client.post(url("filing-item-add", draft.pk), {"occupation": lathe.pk, "level": 3})
        assert add.status_code == 404


class TestDecision:
    def test_suzhou_staff_neither_see_nor_decide_a_nanjing_filing(
        self, client, suzhou_staff, submitted
    ):
        client.force_login(suzhou_staff)
        assert client.get(url("filing-detail", submitted.pk)).status_code == 404
        approve = client.post(
            url("filing-approve", submitted.pk),
            {"valid_from": "2026-01-01", "valid_until": "2028-12-31"},
        )
        assert approve.status_code in (403, 404)
        reject = client.post(url("filing-reject", submitted.pk), {"reason": "不符"})
        assert reject.status_code in (403, 404)
        submitted.refresh_from_db()
        assert submitted.status == FilingStatus.SUBMITTED

    def test_a_province_level_filing_is_not_decided_by_the_city(
        self, client, nanjing_staff, nanjing_institution, alice, lathe
    ):
        filing = Filing.objects.open_draft(nanjing_institution, user=alice, province_level=True)
        filing.region_scope.set([region("320000")])
        filing.add_item(lathe, 4, user=alice)
        attach_required_materials(filing, alice)
        filing.submit(user=alice)
        client.force_login(nanjing_staff)
        assert "批准备案" not in page(client.get(url("filing-detail", filing.pk)))
        response = client.post(
            url("filing-approve", filing.pk),
            {"valid_from": "2026-01-01", "valid_until": "2028-12-31"},
        )
        assert response.status_code == 403

    def test_an_institution_does_not_approve_its_own_filing(self, client, alice, submitted):
        client.force_login(alice)
        response = client.post(
            url("filing-approve", submitted.pk),
            {"valid_from": "2026-01-01", "valid_until": "2028-12-31"},
        )
        assert response.status_code == 403

    def test_the_approval_form_offers_three_years_from_today(
        self, client, nanjing_staff, submitted
    ):
        client.force_login(nanjing_staff)
        with time_machine.travel("2026-03-10 09:00 +0800"):
            form = client.get(url("filing-detail", submitted.pk)).context["approve_form"]
        assert form.initial == {"valid_from": date(2026, 3, 10), "valid_until": date(2029, 3, 9)}
        assert three_years_from(date(2028, 2, 29)) == date(2031, 2, 28)

    def test_a_validity_ending_before_it_starts_is_refused(self, client, nanjing_staff, submitted):
        client.force_login(nanjing_staff)
        response = client.post(
            url("filing-approve", submitted.pk),
            {"valid_from": "2026-06-01", "valid_until": "2026-01-01"},
        )
        assert "有效期至不得早于有效期自" in page(response)

    def test_a_rejected_filing_shows_the_reason_to_the_institution(
        self, client, nanjing_staff, alice, submitted
    ):
        client.force_login(nanjing_staff)
        empty = client.post(url("filing-reject", submitted.pk), {"reason": " "})
        assert "请填写不予备案的理由" in page(empty)
        client.post(url("filing-reject", submitted.pk), {"reason": "考评人员名单不完整"})
        submitted.refresh_from_db()
        assert submitted.status == FilingStatus.REJECTED

        client.force_login(alice)
        shown = page(client.get(url("filing-detail", submitted.pk)))
        assert "不予备案" in shown and "考评人员名单不完整" in shown

    def test_a_filing_list_for_the_city_starts_with_submitted_and_shows_all_on_request(
        self, client, nanjing_staff, submitted, nanjing_institution, alice
    ):
        other = Filing.objects.open_draft(nanjing_institution, user=alice)
        client.force_login(nanjing_staff)
        waiting = client.get(url("filing-list"))
        assert list(waiting.context["object_list"]) == [submitted]
        everything = client.get(url("filing-list"), {"status": ""})
        assert list(everything.context["object_list"]) == [other, submitted]  # newest first


class TestAdditionAfterCheck:
    """239号 三: occupations added to a still-valid filing after checking four things."""

    ALL_FOUR_CHECKED = {  # standard, question bank, venue, examiners
        "standard_ok": "on",
        "question_bank_ok": "on",
        "venue_ok": "on",
        "examiners_ok": "on",
    }

    @pytest.fixture
    def valid(self, nanjing_institution, lathe):
        return approved_filing(nanjing_institution, [(lathe, 4)], regions=("320100",))

    def test_city_staff_add_an_occupation_after_checking_all_four(
        self, client, nanjing_staff, valid, lathe
    ):
        client.force_login(nanjing_staff)
        assert "核实后添加职业" in page(client.get(url("filing-detail", valid.pk)))
        response = client.post(
            url("filing-addition", valid.pk),
            {
                "occupation": lathe.pk,
                "level": 3,
                **self.ALL_FOUR_CHECKED,
                "note": "现场核实场地与考评员名单",
            },
        )
        assert response.status_code == 302
        item = valid.items.get(level=3)
        assert item.source == ItemSource.ADDED_AFTER_CHECK
        assert item.addition_check.checked_by == nanjing_staff
        assert "现场核实场地与考评员名单" in page(client.get(url("filing-detail", valid.pk)))

    def test_an_unchecked_item_is_refused_citing_239_3(self, client, nanjing_staff, valid, lathe):
        client.force_login(nanjing_staff)
        response = client.post(
            url("filing-addition", valid.pk),
            {"occupation": lathe.pk, "level": 3, "standard_ok": "on", "question_bank_ok": "on"},
        )
        assert response.status_code == 200
        assert "239号 三" in page(response) and "场地设施" in page(response)
        assert not valid.items.filter(level=3).exists()

    def test_the_institution_cannot_add_occupations_itself(self, client, alice, valid, lathe):
        client.force_login(alice)
        response = client.post(
            url("filing-addition", valid.pk),
            {"occupation": lathe.pk, "level": 3, **self.ALL_FOUR_CHECKED},
        )
        assert response.status_code == 403


# --- branches, contacts, the catalog --------------------------------------------------------


def branch_data(**overrides) -> dict:
    data = {
        "name": "南京测试机电有限公司苏州分部",
        "uscc": make_uscc("320500", 900002),
        "city": "320500",
        "county": "320508",
        "responsible_person": "钱七",
        "contact_phone": "0512-60000000",
        "association_decoupled": "",
        **overrides,
    }
    return {f"branch-{key}": value for key, value in data.items()}


class TestBranches:
    def test_a_branch_is_registered_and_its_filing_goes_to_the_branch_city(
        self, client, alice, nanjing_institution, suzhou_staff, nanjing_staff
    ):
        client.force_login(alice)
        response = client.post(
            url("institution-branch-create", nanjing_institution.pk), branch_data()
        )
        branch = Institution.objects.get(name="南京测试机电有限公司苏州分部")
        assert response["Location"] == url("institution-detail", branch.pk) + "#top"
        assert branch.parent == nanjing_institution and branch.kind == InstitutionKind.SOCIAL_ORG
        branch_page = page(client.get(response["Location"]))
        assert "尚未完成属地备案和网上公示" in branch_page  # 41号 三(五)

        started = client.post(url("institution-filing-create", branch.pk))
        filing = Filing.objects.get(institution=branch)
        assert started["Location"] == url("filing-detail", filing.pk) + "#top"
        assert filing.authority.code == "320500"  # where the branch is, 41号 三(四)

        client.force_login(suzhou_staff)
        assert client.get(url("filing-detail", filing.pk)).status_code == 200
        client.force_login(nanjing_staff)
        assert client.get(url("filing-detail", filing.pk)).status_code == 404

    def test_a_branch_with_a_bad_uscc_is_refused_in_the_form(
        self, client, alice, nanjing_institution
    ):
        client.force_login(alice)
        response = client.post(
            url("institution-branch-create", nanjing_institution.pk),
            branch_data(uscc="91320500000000000X"),
        )
        assert response.status_code == 200
        assert "GB 32100" in page(response)
        assert not nanjing_institution.branches.exists()

    def test_an_employer_has_no_branches(self, client):
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        staff = UserFactory(username="emp", role=Role.INSTITUTION_STAFF, institution=employer)
        client.force_login(staff)
        assert "登记分支机构" not in page(client.get(url("institution-detail", employer.pk)))
        response = client.post(url("institution-branch-create", employer.pk), branch_data())
        assert response.status_code == 403

    def test_city_staff_do_not_register_branches(self, client, nanjing_staff, nanjing_institution):
        client.force_login(nanjing_staff)
        response = client.post(
            url("institution-branch-create", nanjing_institution.pk), branch_data()
        )
        assert response.status_code == 403


class TestContacts:
    def test_staff_update_their_contacts(self, client, bob, nanjing_institution):
        client.force_login(bob)
        client.post(
            url("institution-contacts", nanjing_institution.pk),
            {"contact_person": "新联系人", "contact_phone": "025-66668888", "address": "新地址"},
        )
        nanjing_institution.refresh_from_db()
        assert nanjing_institution.contact_phone == "025-66668888"

    def test_others_do_not(self, client, charlie, nanjing_staff, nanjing_institution):
        data = {"contact_person": "x", "contact_phone": "1", "address": ""}
        client.force_login(charlie)
        assert (
            client.post(url("institution-contacts", nanjing_institution.pk), data).status_code
            == 404
        )
        client.force_login(nanjing_staff)
        assert (
            client.post(url("institution-contacts", nanjing_institution.pk), data).status_code
            == 403
        )


class TestCatalog:
    def test_a_province_admin_suspends_and_restores_with_a_reason(
        self, client, province_admin, nanjing_institution
    ):
        client.force_login(province_admin)
        target = url("institution-catalog-status", nanjing_institution.pk)
        no_reason = client.post(target, {"action": "suspend", "reason": ""})
        assert "请填写原因" in page(no_reason)
        client.post(target, {"action": "suspend", "reason": "双随机抽查发现违规发证"})
        nanjing_institution.refresh_from_db()
        assert nanjing_institution.catalog_status == CatalogStatus.SUSPENDED
        shown = page(client.get(url("institution-detail", nanjing_institution.pk)))
        assert "双随机抽查发现违规发证" in shown

        client.post(target, {"action": "restore", "reason": "整改完成"})
        nanjing_institution.refresh_from_db()
        assert nanjing_institution.catalog_status == CatalogStatus.ACTIVE
        assert list(
            CatalogEvent.objects.filter(institution=nanjing_institution).values_list(
                "action", flat=True
            )
        ) == ["restore", "suspend"]

    def test_an_impossible_move_is_refused_with_the_model_message(
        self, client, province_admin, nanjing_institution
    ):
        client.force_login(province_admin)
        response = client.post(
            url("institution-catalog-status", nanjing_institution.pk),
            {"action": "restore", "reason": "误操作"},
        )
        assert "不能恢复" in page(response)

    def test_city_staff_cannot_change_the_catalog(self, client, nanjing_staff, nanjing_institution):
        client.force_login(nanjing_staff)
        assert "目录管理" not in page(client.get(url("institution-detail", nanjing_institution.pk)))
        response = client.post(
            url("institution-catalog-status", nanjing_institution.pk),
            {"action": "suspend", "reason": "试图暂停"},
        )
        assert response.status_code == 403
        nanjing_institution.refresh_from_db()
        assert nanjing_institution.catalog_status == CatalogStatus.ACTIVE


# --- materials ---------------------------------------------------------------------------------


class TestMaterialDownload:
    def test_the_institution_and_its_city_download_a_material(
        self, client, alice, nanjing_staff, draft
    ):
        draft.attach_material(MaterialKind.WORK_PLAN, pdf("工作方案.pdf"), user=alice)
        for user in (alice, nanjing_staff):
            client.force_login(user)
            response = client.get(url("filing-material", draft.pk, "work_plan"))
            assert response.status_code == 200
            assert response["Content-Disposition"].startswith("attachment")
            assert b"".join(response.streaming_content) == PDF

    def test_another_institution_or_city_gets_404(
        self, client, alice, charlie, suzhou_staff, draft
    ):
        draft.attach_material(MaterialKind.WORK_PLAN, pdf("工作方案.pdf"), user=alice)
        for user in (charlie, suzhou_staff):
            client.force_login(user)
            assert client.get(url("filing-material", draft.pk, "work_plan")).status_code == 404

    def test_a_material_not_uploaded_is_404(self, client, alice, draft):
        client.force_login(alice)
        assert client.get(url("filing-material", draft.pk, "finance")).status_code == 404


# --- technical resources (54号 三) -------------------------------------------------------------


class TestTechnicalResources:
    def test_the_public_list_filters_by_code_and_level(self, client, lathe):
        occupation_with_resources(code="4-03-02-01", name="中式烹调师", levels=(5, 4, 3))
        response = client.get(url("technical-resource-list"), {"q": "6-18", "level": 4})
        assert response.status_code == 200
        rows = list(response.context["object_list"])
        assert [(r.occupation.code, r.level) for r in rows] == [("6-18-01-01", 4)]
        assert "编辑" not in page(response)

    def test_the_list_filters_by_major_group_name_and_resources(self, client, lathe):
        occupation_with_resources(
            code="4-03-02-01", name="中式烹调师", levels=(5,), has_question_bank=False
        )
        by_group = client.get(url("technical-resource-list"), {"major_group": 4})
        assert {r.occupation.code for r in by_group.context["object_list"]} == {"4-03-02-01"}
        by_name = client.get(url("technical-resource-list"), {"q": "车工"})
        assert len(by_name.context["object_list"]) == 5
        bare = client.get(url("technical-resource-list"), {"resources": "none"})
        assert [r.occupation.code for r in bare.context["object_list"]] == ["4-03-02-01"]

    def test_a_province_admin_edits_a_row(self, client, province_admin, lathe):
        row = OccupationLevel.objects.get(occupation=lathe, level=4)
        client.force_login(province_admin)
        assert client.get(url("technical-resource-edit", row.pk)).status_code == 200
        refused = client.post(
            url("technical-resource-edit", row.pk),
            {"has_national_standard": "on", "has_provincial_spec": "on"},
        )
        assert "请填写省级评价规范名称" in page(refused)
        response = client.post(
            url("technical-resource-edit", row.pk),
            {
                "has_national_standard": "on",
                "has_provincial_spec": "on",
                "provincial_spec_name": "江苏省车工评价规范（试行）",
            },
        )
        assert response.status_code == 302
        row.refresh_from_db()
        assert not row.has_question_bank and row.has_provincial_spec
        assert row.provincial_spec_name == "江苏省车工评价规范（试行）"
        assert row.resources_updated_at is not None

    @pytest.mark.parametrize("user_fixture", ["alice", "nanjing_staff", "province_auditor"])
    def test_nobody_else_edits_a_row(self, client, request, user_fixture, lathe):
        row = OccupationLevel.objects.get(occupation=lathe, level=4)
        client.force_login(request.getfixturevalue(user_fixture))
        assert client.get(url("technical-resource-edit", row.pk)).status_code == 403
        post = client.post(url("technical-resource-edit", row.pk), {"has_question_bank": ""})
        assert post.status_code == 403
        row.refresh_from_db()
        assert row.has_question_bank


# --- every page opens for the roles that use it --------------------------------------------------


@pytest.mark.parametrize(
    "user_fixture",
    [
        "alice",
        "bob",
        "nanjing_staff",
        "jiangning_staff",
        "province_admin",
        "province_auditor",
        "superuser",
    ],
)
def test_the_institution_and_filing_pages_open_for_every_role_in_scope(
    client, request, user_fixture, submitted, nanjing_institution
):
    client.force_login(request.getfixturevalue(user_fixture))
    for address in (
        url("institution-detail", nanjing_institution.pk),
        url("filing-list"),
        url("filing-list") + "?status=",
        url("filing-detail", submitted.pk),
        url("technical-resource-list"),
    ):
        assert client.get(address).status_code == 200, address


def test_the_public_pages_open_without_signing_in(client):
    assert client.get(url("technical-resource-list")).status_code == 200
    assert client.get(url("institution-register")).status_code == 200
    assert client.get(url("filing-list"))["Location"].startswith(url("login"))


def test_the_nav_shows_filings_to_staff_and_technical_resources_to_everyone(client, alice):
    anonymous = page(client.get("/"))
    assert url("technical-resource-list") in anonymous and url("filing-list") not in anonymous
    client.force_login(alice)
    assert url("filing-list") in page(client.get("/"))
