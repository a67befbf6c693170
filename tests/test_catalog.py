"""The public catalog of evaluation institutions (54号 五, 附件2) and its .xlsx download."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from institutions.catalog import PAGE_SIZE
from institutions.choices import (
    BatchStatus,
    CatalogStatus,
    FilingStatus,
    InstitutionKind,
)
from institutions.models import Filing
from skilleval.models import RuleParameterVersion
from skilleval.spreadsheets import XLSX_CONTENT_TYPE, safe_cell
from tests.clock import on
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    UserFactory,
    approved_filing,
    occupation_with_resources,
    region,
)

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


@pytest.fixture
def welder():
    return occupation_with_resources(code="6-18-02-04", name="焊工")


def listed(client, **params):
    response = client.get(reverse("catalog"), params)
    assert response.status_code == 200
    return [row.name for row in response.context["rows"]]


def announced(client, **params):
    response = client.get(reverse("catalog"), params)
    return [row.name for row in response.context["announcing_rows"]]


def exported(client, **params):
    response = client.get(reverse("catalog-export"), params)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content)).active


def in_catalog(name, occupations, *, county="320115", **fields):
    institution = InstitutionFactory(name=name, county=region(county), **fields)
    approved_filing(institution, occupations)
    return institution


def branch_of(parent, name, announced_on):
    branch = InstitutionFactory(
        name=name, parent=parent, county=region("320508"), announced_on=announced_on
    )
    approved_filing(branch, [])
    return branch


class TestWhoIsListed:
    def test_only_approved_valid_unsuspended_institutions_appear(self, client, lathe):
        in_catalog("在册机构", [(lathe, 4)])
        in_catalog("暂停机构", [(lathe, 4)], catalog_status=CatalogStatus.SUSPENDED)
        in_catalog("移出机构", [(lathe, 4)], catalog_status=CatalogStatus.REMOVED)
        expired = InstitutionFactory(name="过期机构")
        approved_filing(
            expired, [(lathe, 4)], valid_from=date(2021, 1, 1), valid_until=date(2024, 5, 31)
        )
        future = InstitutionFactory(name="未生效机构")
        approved_filing(future, [(lathe, 4)], valid_from=date(2024, 6, 2))
        draft = in_catalog("草稿备案机构", [(lathe, 4)])
        Filing.objects.filter(institution=draft).update(status=FilingStatus.DRAFT)
        submitted = in_catalog("待审核机构", [(lathe, 4)])
        Filing.objects.filter(institution=submitted).update(status=FilingStatus.SUBMITTED)
        rejected = in_catalog("不予备案机构", [(lathe, 4)])
        Filing.objects.filter(institution=rejected).update(
            status=FilingStatus.REJECTED, decision_reason="材料不全"
        )
        InstitutionFactory(name="从未备案机构")

        assert listed(client) == ["在册机构"]
        assert [row[1].value for row in exported(client).iter_rows(min_row=2)] == ["在册机构"]

    def test_the_last_day_of_the_validity_is_still_in(self, client, lathe):
        last_day = InstitutionFactory(name="今日到期机构")
        approved_filing(last_day, [(lathe, 4)], valid_until=TODAY)

        assert listed(client) == ["今日到期机构"]
        with on(date(2024, 6, 2)):
            assert listed(client) == []

    def test_a_row_shows_what_all_the_valid_filings_grant_together(self, client, lathe, welder):
        institution = InstitutionFactory(
            name="南京机电评价中心",
            kind=InstitutionKind.APPRAISAL_CENTRE,
            contact_person="李四",
            contact_phone="025-87654321",
        )
        approved_filing(
            institution,
            [(lathe, 5), (lathe, 4), (welder, 3)],
            regions=["320100", "320200"],
            valid_from=date(2024, 1, 1),
            valid_until=date(2026, 12, 31),
        )
        # An older filing, still valid, adds to the scope: a newer one does not replace it.
        approved_filing(
            institution,
            [(welder, 1)],
            regions=["320300"],
            valid_from=date(2023, 1, 1),
            valid_until=date(2025, 1, 1),
        )

        [row] = client.get(reverse("catalog")).context["rows"]

        assert row.kind == "职业技能鉴定中心（所）"
        assert (row.city, row.county) == ("南京市", "江宁区")
        assert row.occupations == [
            "6-18-01-01 车工：五级/初级工、四级/中级工（有效期至 2026-12-31）",
            "6-18-02-04 焊工：三级/高级工（有效期至 2026-12-31）",
            "6-18-02-04 焊工：一级/高级技师（有效期至 2025-01-01）",
        ]
        assert row.regions == ["南京市", "无锡市", "徐州市"]
        assert (row.valid_from, row.valid_until) == (date(2023, 1, 1), date(2026, 12, 31))
        assert (row.contact_person, row.contact_phone) == ("李四", "025-87654321")

    def test_a_province_wide_scope_reads_as_the_whole_province(self, client, lathe):
        institution = InstitutionFactory(name="全省机构")
        approved_filing(institution, [(lathe, 4)], regions=["320000", "320100"])

        [row] = client.get(reverse("catalog")).context["rows"]

        assert row.regions == ["江苏省（全省）"]

    def test_upcoming_published_batches_are_shown_and_drafts_and_past_ones_are_not(
        self, client, lathe
    ):
        institution = in_catalog("有批次机构", [(lathe, 4)])
        staff = UserFactory(username="staff")

        def batch(status, starts_on):
            return BatchFactory(
                institution=institution,
                occupation=lathe,
                region=region("320115"),
                venue="江宁区某路1号",
                examiners="王五",
                exam_starts_on=starts_on,
                exam_ends_on=starts_on,
                status=status,
                created_by=staff,
            )

        batch(BatchStatus.PLAN_PUBLISHED, date(2024, 6, 20))
        batch(BatchStatus.TICKETS_GENERATED, date(2024, 6, 10))
        batch(BatchStatus.DRAFT, date(2024, 6, 15))
        batch(BatchStatus.PLAN_PUBLISHED, date(2024, 5, 20))
        batch(BatchStatus.CANCELLED, date(2024, 6, 25))

        [row] = client.get(reverse("catalog")).context["rows"]

        assert row.upcoming_batches == [
            "2024-06-10 车工 四级/中级工（江宁区）",
            "2024-06-20 车工 四级/中级工（江宁区）",
        ]


class TestFilters:
    @pytest.fixture
    def catalog(self, lathe, welder):
        in_catalog("南京车工中心", [(lathe, 4)], kind=InstitutionKind.APPRAISAL_CENTRE)
        in_catalog("南京焊接技工学校", [(welder, 3)], kind=InstitutionKind.TECHNICAL_SCHOOL)
        in_catalog("苏州车工焊工评价组织", [(lathe, 5), (welder, 4)], county="320508")

    def test_without_filters_everything_is_listed(self, client, catalog):
        assert sorted(listed(client)) == [
            "南京焊接技工学校",
            "南京车工中心",
            "苏州车工焊工评价组织",
        ]

    def test_the_city_narrows_the_list(self, client, catalog):
        assert listed(client, city="320500") == ["苏州车工焊工评价组织"]

    def test_the_occupation_code_narrows_the_list(self, client, catalog):
        assert sorted(listed(client, occupation="6-18-02-04")) == [
            "南京焊接技工学校",
            "苏州车工焊工评价组织",
        ]

    def test_the_occupation_name_narrows_the_list(self, client, catalog):
        assert sorted(listed(client, occupation="车工")) == ["南京车工中心", "苏州车工焊工评价组织"]

    def test_the_level_narrows_the_list(self, client, catalog):
        assert sorted(listed(client, level=4)) == ["南京车工中心", "苏州车工焊工评价组织"]

    def test_occupation_and_level_must_match_the_same_filed_item(self, client, catalog):
        # Suzhou has 车工 at level 5 and 焊工 at level 4: not 车工 at level 4.
        assert listed(client, occupation="6-18-01-01", level=4) == ["南京车工中心"]

    def test_the_kind_narrows_the_list(self, client, catalog):
        assert listed(client, kind=InstitutionKind.TECHNICAL_SCHOOL) == ["南京焊接技工学校"]

    def test_the_name_narrows_the_list(self, client, catalog):
        assert listed(client, q="技工学校") == ["南京焊接技工学校"]

    def test_filters_combine(self, client, catalog):
        assert listed(client, city="320100", occupation="车工") == ["南京车工中心"]

    def test_an_occupation_of_an_expired_filing_does_not_match(self, client, lathe, welder):
        institution = in_catalog("换证机构", [(lathe, 4)])
        approved_filing(
            institution, [(welder, 4)], valid_from=date(2020, 1, 1), valid_until=date(2023, 12, 31)
        )

        assert listed(client, occupation="焊工") == []
        assert listed(client, occupation="车工") == ["换证机构"]

    def test_an_unknown_city_is_ignored_and_explained(self, client, catalog):
        response = client.get(reverse("catalog"), {"city": "999999"})

        assert response.status_code == 200
        assert len(response.context["rows"]) == 3
        assert response.context["filter"].form.errors


class TestBranchesUnderAnnouncement:
    @pytest.fixture
    def parent(self, lathe):
        return in_catalog("某培训评价组织", [(lathe, 4)])

    def test_a_branch_in_its_announcement_period_is_listed_apart_with_its_end(self, client, parent):
        branch = branch_of(parent, "某培训评价组织苏州分支机构", announced_on=date(2024, 5, 30))

        response = client.get(reverse("catalog"))

        assert [row.name for row in response.context["rows"]] == ["某培训评价组织"]
        [row] = response.context["announcing_rows"]
        assert row.name == "某培训评价组织苏州分支机构"
        assert row.parent_name == "某培训评价组织"
        # Five days by default, counting the first: 5-30 … 6-03.
        assert row.announcement_ends == date(2024, 6, 3)
        assert "2024-06-03" in response.content.decode()
        assert branch.branch_announcement(TODAY).result["may_run"] is False

    def test_after_the_announcement_period_the_branch_joins_the_main_list(self, client, parent):
        branch = branch_of(parent, "某培训评价组织苏州分支机构", announced_on=date(2024, 5, 30))

        with on(date(2024, 6, 3)):
            assert listed(client) == ["某培训评价组织"]
            assert announced(client) == ["某培训评价组织苏州分支机构"]
        with on(date(2024, 6, 4)):
            assert branch.branch_announcement(date(2024, 6, 4)).result["may_run"] is True
            assert sorted(listed(client)) == ["某培训评价组织", "某培训评价组织苏州分支机构"]
            assert announced(client) == []

    def test_the_announcement_period_follows_the_rule_parameters(self, client, parent):
        RuleParameterVersion.objects.create(
            rule_id="institution.branch_announced",
            effective_from=date(2024, 1, 1),
            parameters={"announcement_days": 10},
        )
        branch_of(parent, "十日公示分支机构", announced_on=date(2024, 5, 30))

        with on(date(2024, 6, 8)):
            assert announced(client) == ["十日公示分支机构"]
        with on(date(2024, 6, 9)):
            assert "十日公示分支机构" in listed(client)

    def test_the_filters_apply_to_the_announcement_section_too(self, client, parent):
        branch_of(parent, "某培训评价组织苏州分支机构", announced_on=date(2024, 5, 30))

        assert announced(client, city="320500") == ["某培训评价组织苏州分支机构"]
        assert announced(client, city="320100") == []

    def test_an_announcing_branch_is_not_in_the_download(self, client, parent):
        branch_of(parent, "某培训评价组织苏州分支机构", announced_on=date(2024, 5, 30))

        names = [row[1].value for row in exported(client).iter_rows(min_row=2)]

        assert names == ["某培训评价组织"]


class TestExport:
    @pytest.fixture
    def catalog(self, lathe, welder):
        in_catalog("南京车工中心", [(lathe, 5), (lathe, 4)], contact_person="李四")
        in_catalog("南京焊接技工学校", [(welder, 3)], kind=InstitutionKind.TECHNICAL_SCHOOL)
        in_catalog("苏州车工焊工评价组织", [(welder, 4)], county="320508")

    def test_it_is_a_real_xlsx_named_in_chinese_with_todays_date(self, client, catalog):
        response = client.get(reverse("catalog-export"))

        assert response["Content-Type"] == XLSX_CONTENT_TYPE
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        # RFC 5987: 评价机构目录-20240601.xlsx, percent-encoded UTF-8.
        assert (
            "filename*=utf-8''%E8%AF%84%E4%BB%B7%E6%9C%BA%E6%9E%84%E7%9B%AE%E5%BD%95-20240601.xlsx"
            in disposition
        )
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet.title == "评价机构目录"
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["B"].width == 32

    def test_the_headers_are_in_chinese(self, client, catalog):
        headers = [cell.value for cell in exported(client)[1]]

        assert headers == [
            "序号",
            "机构名称",
            "所属社会培训评价组织",
            "机构类型",
            "所在设区市",
            "所在区（县）",
            "评价职业（工种）及等级",
            "评价地域范围",
            "有效期自",
            "有效期至",
            "联系人",
            "联系电话",
            "近期评价批次",
        ]

    @pytest.mark.parametrize(
        "params", [{}, {"city": "320100"}, {"occupation": "焊工"}, {"level": "4"}, {"q": "车工"}]
    )
    def test_it_has_the_same_rows_as_the_page_for_the_same_filters(self, client, catalog, params):
        page_rows = client.get(reverse("catalog"), params).context["rows"]
        sheet_rows = list(exported(client, **params).iter_rows(min_row=2, values_only=True))

        assert [r[1] for r in sheet_rows] == [row.name for row in page_rows]
        assert [r[6] for r in sheet_rows] == ["\n".join(row.occupations) for row in page_rows]

    def test_a_row_carries_the_whole_entry(self, client, catalog):
        sheet = exported(client, q="南京车工中心")
        row = [cell.value for cell in sheet[2]]

        assert row[:8] == [
            1,
            "南京车工中心",
            None,
            "社会培训评价组织",
            "南京市",
            "江宁区",
            "6-18-01-01 车工：五级/初级工、四级/中级工",
            "江苏省（全省）",
        ]
        assert row[8].date() == date(2024, 1, 1)
        assert row[9].date() == date(2099, 12, 31)
        assert row[10:12] == ["李四", "025-12345678"]

    def test_a_name_that_looks_like_a_formula_is_exported_as_text(self, client, lathe):
        in_catalog('=HYPERLINK("http://x")', [(lathe, 4)], contact_phone="+86 25 1234")

        sheet = exported(client)
        name, phone = sheet["B2"], sheet["L2"]

        assert name.data_type == "s"
        assert name.value == '\'=HYPERLINK("http://x")'
        assert phone.value == "'+86 25 1234"

    def test_the_page_shows_the_name_as_typed(self, client, lathe):
        in_catalog('=HYPERLINK("http://x")', [(lathe, 4)])

        assert listed(client) == ['=HYPERLINK("http://x")']


class TestSafeCell:
    @pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
    def test_a_formula_trigger_gets_a_leading_apostrophe(self, value):
        assert safe_cell(value) == "'" + value

    @pytest.mark.parametrize(
        "value", ["车工", "025-12345678", "", None, 42, date(2024, 1, 1), "--"]
    )
    def test_anything_else_is_unchanged(self, value):
        assert safe_cell(value) == value


class TestPublicAccess:
    def test_anonymous_users_see_the_page_and_the_download(self, client, lathe):
        in_catalog("在册机构", [(lathe, 4)])

        page = client.get(reverse("catalog"))
        download = client.get(reverse("catalog-export"))

        assert page.status_code == 200
        assert "在册机构" in page.content.decode()
        assert download.status_code == 200

    def test_the_page_cites_the_notice_and_links_the_download_with_the_same_filters(
        self, client, lathe
    ):
        in_catalog("在册机构", [(lathe, 4)])

        html = client.get(reverse("catalog"), {"city": "320100", "page": "1"}).content.decode()

        assert "苏人社办函〔2022〕54号" in html
        assert 'href="/catalog/export.xlsx?city=320100"' in html
        assert "共 1 家机构" in html

    def test_the_list_is_paginated_by_fifty(self, client, lathe):
        for n in range(PAGE_SIZE + 1):
            in_catalog(f"机构{n:02d}", [(lathe, 4)])

        first = client.get(reverse("catalog"))
        second = client.get(reverse("catalog"), {"page": 2})

        assert len(first.context["rows"]) == PAGE_SIZE
        assert first.context["page_obj"].paginator.count == PAGE_SIZE + 1
        assert [row.name for row in second.context["rows"]] == ["机构50"]

    def test_posting_is_not_allowed(self, client):
        assert client.post(reverse("catalog")).status_code == 405


class TestQueryCount:
    @pytest.fixture
    def twenty(self, lathe, welder):
        staff = UserFactory(username="staff")
        parent = None
        for n in range(20):
            institution = in_catalog(
                f"机构{n:02d}", [(lathe, 4), (lathe, 3), (welder, 5)], contact_person="联系人"
            )
            BatchFactory(
                institution=institution,
                occupation=lathe,
                region=region("320115"),
                venue="某地",
                examiners="王五",
                exam_starts_on=date(2024, 7, 1),
                exam_ends_on=date(2024, 7, 1),
                status=BatchStatus.PLAN_PUBLISHED,
                created_by=staff,
            )
            parent = parent or institution
        for n in range(3):
            branch_of(parent, f"分支机构{n}", announced_on=TODAY)

    def test_the_page_needs_a_bounded_number_of_queries(
        self, client, twenty, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(12):
            response = client.get(reverse("catalog"))

        assert len(response.context["rows"]) == 20
        assert len(response.context["announcing_rows"]) == 3
        assert all(row.upcoming_batches for row in response.context["rows"])

    def test_the_download_needs_a_bounded_number_of_queries(
        self, client, twenty, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(8):
            sheet = exported(client)

        assert sheet.max_row == 21
