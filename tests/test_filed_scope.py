"""An institution's filed scope is the union of all its valid filings (54号 五): a new filing adds
to it. It shrinks only by intent — a filing that says it replaces another, or the authority ending
a filing early — and when that would leave open batches outside, the decider confirms first."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from institutions.choices import FilingStatus
from institutions.forms import BatchPlanForm
from institutions.models import Batch, Filing, ScopeReductionUnconfirmed
from tests.clock import on
from tests.factories import approved_filing, occupation_with_resources, planned_batch, region
from tests.uploads import attach_required_materials

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today():
    with on(date(2026, 3, 2)):
        yield


@pytest.fixture
def electrician():
    return occupation_with_resources(code="6-31-01-03", name="电工")


@pytest.fixture
def welder():
    return occupation_with_resources(code="6-18-02-04", name="焊工")


@pytest.fixture
def first(nanjing_institution, electrician, lathe):
    """电工 and 车工, filed in 2025, valid to the end of 2027."""
    return approved_filing(
        nanjing_institution,
        [(electrician, 4), (lathe, 4)],
        regions=["320100"],
        valid_from=date(2025, 1, 1),
        valid_until=date(2027, 12, 31),
    )


def submitted(institution, user, items, *, regions=("320100",), replaces=None) -> Filing:
    """A complete filing, drafted and submitted the way the pages do it."""
    filing = Filing.objects.open_draft(institution, user=user)
    filing.set_region_scope(list(map(region, regions)), user=user)
    for occupation, level in items:
        filing.add_item(occupation, level, user=user)
    attach_required_materials(filing, user)
    if replaces:
        filing.set_replaces(replaces, user=user)
    filing.submit(user=user)
    return filing


def approve(filing, user, **extra):
    filing.approve(
        user=user, valid_from=TODAY, valid_until=TODAY + timedelta(days=3 * 365), **extra
    )


@pytest.fixture
def welding(first, alice, nanjing_staff, welder):
    """焊工 四级, filed and approved after the first filing — it adds, it does not replace."""
    filing = submitted(first.institution, alice, [(welder, 4)])
    approve(filing, nanjing_staff)
    return filing


def plan(institution, user, occupation, level=4, region_code="320115") -> Batch:
    """A one-day batch a month from today."""
    exam_on = TODAY + timedelta(days=30)
    return planned_batch(
        institution,
        user,
        occupation,
        level,
        region=region(region_code),
        exam_starts_on=exam_on,
        exam_ends_on=exam_on,
    )


def codes(scope) -> list[tuple[str, int]]:
    return [(item.occupation.code, item.level) for item in scope.items]


class TestTheScopeIsTheUnionOfValidFilings:
    def test_a_second_approved_filing_adds_its_occupation_to_the_first(
        self, welding, first, lathe, electrician
    ):
        scope = first.institution.filed_scope()

        assert codes(scope) == [("6-18-01-01", 4), ("6-18-02-04", 4), ("6-31-01-03", 4)]
        assert first.institution.check_scope(lathe, 4, region("320115")).allowed
        assert first.institution.check_scope(electrician, 4, region("320115")).allowed

    def test_the_institution_page_shows_every_valid_filings_occupations(
        self, client, welding, first, alice
    ):
        client.force_login(alice)
        page = client.get(reverse("institution-detail", args=[first.institution_id]))

        html = page.content.decode()
        assert page.context["scope"].filings == [first, welding]
        for name in ("电工", "车工", "焊工"):
            assert name in html

    def test_the_public_catalog_and_its_export_list_every_valid_filings_occupations(
        self, client, welding, first
    ):
        [row] = client.get(reverse("catalog")).context["rows"]
        assert [line.split("：")[0] for line in row.occupations] == [
            "6-18-01-01 车工",
            "6-18-02-04 焊工",
            "6-31-01-03 电工",
        ]

        export = client.get(reverse("catalog-export"))
        sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
        cells = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
        assert "车工" in cells and "电工" in cells and "焊工" in cells

    def test_the_catalog_filter_finds_an_occupation_of_the_older_filing(
        self, client, welding, first
    ):
        rows = client.get(reverse("catalog"), {"occupation": "6-31-01-03", "level": 4})
        assert [row.name for row in rows.context["rows"]] == [first.institution.name]

    def test_the_batch_form_offers_every_valid_filings_occupations(self, welding, alice):
        choices = [
            label for _value, label in BatchPlanForm(user=alice).fields["occupation_level"].choices
        ]
        assert [label.split(" · ")[0] for label in choices[1:]] == [
            "6-18-01-01 车工",
            "6-18-02-04 焊工",
            "6-31-01-03 电工",
        ]

    def test_a_batch_of_the_older_filings_occupation_is_planned(self, welding, alice, electrician):
        batch = plan(welding.institution, alice, electrician)
        assert batch.occupation == electrician

    def test_a_region_counts_only_with_the_filing_that_grants_the_occupation(
        self, first, alice, nanjing_staff, welder, lathe
    ):
        approve(
            submitted(first.institution, alice, [(welder, 4)], regions=["320500"]), nanjing_staff
        )
        institution = first.institution

        assert institution.check_scope(welder, 4, region("320508")).allowed
        refused = institution.check_scope(lathe, 4, region("320508"))
        assert not refused.allowed and "不在备案地域范围内" in refused.problems[0]

    def test_an_expired_filing_leaves_the_scope(self, first, electrician):
        Filing.objects.filter(pk=first.pk).update(valid_until=TODAY - timedelta(days=1))
        assert not first.institution.filed_scope()
        assert "无有效备案" in first.institution.check_scope(electrician, 4).problems[0]


class TestAReplacingFilingAsksBeforeLeavingBatchesOutside:
    @pytest.fixture
    def running(self, first, alice, electrician):
        return plan(first.institution, alice, electrician)

    @pytest.fixture
    def replacement(self, first, alice, lathe, welder):
        """Replaces the first filing, without 电工."""
        return submitted(first.institution, alice, [(lathe, 4), (welder, 4)], replaces=first)

    def test_approval_is_refused_listing_the_batches_that_would_fall_outside(
        self, replacement, running, nanjing_staff, first
    ):
        with pytest.raises(ScopeReductionUnconfirmed) as refused:
            approve(replacement, nanjing_staff)

        assert refused.value.batches == [running]
        assert "54号 五" in refused.value.messages[0]
        replacement.refresh_from_db()
        first.refresh_from_db()
        assert replacement.status == FilingStatus.SUBMITTED
        assert first.valid_until == date(2027, 12, 31)

    def test_once_confirmed_the_replaced_filing_ends_the_day_before(
        self, replacement, running, nanjing_staff, first, electrician, lathe
    ):
        approve(replacement, nanjing_staff, confirm_scope_reduction=True)

        first.refresh_from_db()
        assert first.valid_until == TODAY - timedelta(days=1)
        assert first.ended_by == nanjing_staff and f"#{replacement.pk}" in first.end_reason
        institution = first.institution
        assert not institution.check_scope(electrician, 4).allowed
        assert institution.check_scope(lathe, 4).allowed

    def test_a_replacement_keeping_every_open_batch_needs_no_confirmation(
        self, first, alice, nanjing_staff, lathe, welder, electrician
    ):
        plan(first.institution, alice, lathe)
        keeping = submitted(first.institution, alice, [(lathe, 4), (welder, 4)], replaces=first)

        approve(keeping, nanjing_staff)

        keeping.refresh_from_db()
        assert keeping.status == FilingStatus.APPROVED

    def test_a_filing_that_replaces_nothing_never_shrinks_the_scope(
        self, first, running, alice, nanjing_staff, welder, electrician
    ):
        approve(submitted(first.institution, alice, [(welder, 4)]), nanjing_staff)

        assert first.institution.check_scope(electrician, 4).allowed

    def test_only_an_approved_filing_of_the_same_institution_is_replaced(
        self, first, charlie, suzhou_institution, welder
    ):
        draft = Filing.objects.open_draft(suzhou_institution, user=charlie)
        with pytest.raises(ValidationError, match="只能替换本机构"):
            draft.set_replaces(first, user=charlie)


class TestEndingAFilingEarly:
    @pytest.fixture
    def running(self, first, alice, electrician):
        return plan(first.institution, alice, electrician)

    def test_ending_early_asks_first_when_open_batches_would_fall_outside(
        self, first, running, nanjing_staff, electrician
    ):
        last_day = TODAY + timedelta(days=10)
        with pytest.raises(ScopeReductionUnconfirmed) as refused:
            first.end_early(user=nanjing_staff, last_day=last_day, reason="抽查发现问题")
        assert refused.value.batches == [running]

        first.end_early(
            user=nanjing_staff,
            last_day=last_day,
            reason="抽查发现问题",
            confirm_scope_reduction=True,
        )
        assert first.valid_until == last_day and first.end_reason == "抽查发现问题"
        assert first.institution.check_scope(electrician, 4, on=last_day).allowed
        assert not first.institution.check_scope(
            electrician, 4, on=last_day + timedelta(days=1)
        ).allowed

    def test_a_batch_still_covered_by_another_filing_is_not_listed(
        self, first, running, alice, nanjing_staff, electrician
    ):
        approve(submitted(first.institution, alice, [(electrician, 4)]), nanjing_staff)

        first.end_early(user=nanjing_staff, last_day=TODAY, reason="机构申请注销该备案")

        assert first.institution.check_scope(electrician, 4, on=TODAY + timedelta(days=1)).allowed

    def test_ending_early_needs_a_reason_and_the_filing_authority(
        self, first, nanjing_staff, suzhou_staff
    ):
        with pytest.raises(ValidationError, match="理由"):
            first.end_early(user=nanjing_staff, last_day=TODAY, reason=" ")
        with pytest.raises(Exception, match="不由您审核"):
            first.end_early(user=suzhou_staff, last_day=TODAY, reason="x")


class TestPages:
    @pytest.fixture
    def replacement(self, first, alice, lathe, welder, electrician):
        plan(first.institution, alice, electrician)
        return submitted(first.institution, alice, [(lathe, 4), (welder, 4)], replaces=first)

    def test_the_approval_page_lists_the_batches_before_the_decision(
        self, client, replacement, nanjing_staff
    ):
        client.force_login(nanjing_staff)
        page = client.get(reverse("filing-detail", args=[replacement.pk]))

        assert [b.occupation.name for b in page.context["outside_batches"]] == ["电工"]
        assert 'name="confirm_scope_reduction"' in page.content.decode()

    def test_approving_without_the_confirmation_changes_nothing_and_says_why(
        self, client, replacement, nanjing_staff
    ):
        client.force_login(nanjing_staff)
        values = {"valid_from": TODAY, "valid_until": TODAY + timedelta(days=365)}
        page = client.post(reverse("filing-approve", args=[replacement.pk]), values)

        assert page.status_code == 200 and "54号 五" in page.content.decode()
        replacement.refresh_from_db()
        assert replacement.status == FilingStatus.SUBMITTED

        confirmed = client.post(
            reverse("filing-approve", args=[replacement.pk]),
            {**values, "confirm_scope_reduction": "on"},
        )
        assert confirmed.status_code == 302
        replacement.refresh_from_db()
        assert replacement.status == FilingStatus.APPROVED

    def test_an_open_batch_left_outside_the_scope_says_so_on_its_page(
        self, client, first, alice, nanjing_staff, electrician
    ):
        batch = plan(first.institution, alice, electrician)
        first.end_early(
            user=nanjing_staff, last_day=TODAY, reason="抽查发现问题", confirm_scope_reduction=True
        )
        with on(date(2026, 3, 3)):
            client.force_login(alice)
            page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()

        assert 'id="outside-scope"' in page and "54号 五" in page

    def test_a_filing_without_a_recorded_submitter_still_opens(self, client, first, nanjing_staff):
        # Filings written before the workflow recorded who submitted (e.g. the old demo data).
        Filing.objects.filter(pk=first.pk).update(submitted_at=first.created_at)
        client.force_login(nanjing_staff)

        page = client.get(reverse("filing-detail", args=[first.pk]))

        assert page.status_code == 200

    def test_a_draft_chooses_whether_it_replaces_a_filing(self, client, first, alice):
        draft = Filing.objects.open_draft(first.institution, user=alice)
        client.force_login(alice)

        client.post(reverse("filing-replaces", args=[draft.pk]), {"replaces": first.pk})

        draft.refresh_from_db()
        assert draft.replaces == first


class TestApi:
    @pytest.fixture
    def replacement(self, first, alice, lathe, welder, electrician):
        self.batch = plan(first.institution, alice, electrician)
        return submitted(first.institution, alice, [(lathe, 4), (welder, 4)], replaces=first)

    def test_approval_answers_400_listing_the_batches_until_confirmed(
        self, api_as, replacement, nanjing_staff
    ):
        client = api_as(nanjing_staff)
        url = f"/api/v1/filings/{replacement.pk}/approve/"
        body = {"valid_from": str(TODAY), "valid_until": "2028-12-31"}

        refused = client.post(url, body, format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "scope_reduction"
        assert [b["id"] for b in refused.json()["batches"]] == [self.batch.pk]
        assert refused.json()["batches"][0]["occupation_name"] == "电工"

        approved = client.post(url, {**body, "confirm_scope_reduction": True}, format="json")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"

    def test_ending_early_answers_400_until_confirmed(
        self, api_as, first, alice, nanjing_staff, electrician
    ):
        batch = plan(first.institution, alice, electrician)
        client = api_as(nanjing_staff)
        url = f"/api/v1/filings/{first.pk}/end-early/"
        body = {"last_day": str(TODAY), "reason": "机构申请"}

        refused = client.post(url, body, format="json")
        assert refused.status_code == 400
        assert [b["id"] for b in refused.json()["batches"]] == [batch.pk]

        ended = client.post(url, {**body, "confirm_scope_reduction": True}, format="json")
        assert ended.status_code == 200 and ended.json()["valid_until"] == str(TODAY)
