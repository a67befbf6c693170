"""239号 二(二): candidates of a batch invalidated at the exit cut-off continue by another route or
get the appraisal fee refunded; the institution records which, the city confirms the refunds."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from institutions.choices import BatchStatus, ExitRemedyChoice
from institutions.models import Batch, ExitRemedy
from skilleval import rules
from skilleval.models import AuditEntry
from skilleval.worklist import refunds_to_confirm
from tests.clock import on
from tests.factories import (
    ExitRemedyFactory,
    make_candidate,
    vocational_batch_of_exit_batch_1,
)

pytestmark = pytest.mark.django_db
RULE = "exit.invalidated_batch_remedy"


@pytest.fixture
def late_batch(nanjing_institution, alice):
    """A 电工 vocational-qualification batch of exit batch 1 (cut-off 2020-09-30), planned on
    2020-09-01, its plan published, no admission tickets; one candidate."""
    with on(date(2020, 9, 1)):
        batch = vocational_batch_of_exit_batch_1(nanjing_institution, alice)
    make_candidate(batch, 1)
    return batch


class TestRule:
    def test_only_a_batch_invalidated_at_the_cut_off_gives_the_choice(self):
        decision = rules.evaluate(
            RULE, {"invalidated_at_cutoff": False, "remedy": "refund"}, date(2020, 10, 1)
        )
        assert decision.result == {"allowed": False, "refund_due": False}
        assert "239号 二(二)" in decision.zh and "239号 二(二)" in decision.en

    @pytest.mark.parametrize(("remedy", "refund_due"), [("refund", True), ("continue", False)])
    def test_a_candidate_of_an_invalidated_batch_chooses(self, remedy, refund_due):
        decision = rules.evaluate(
            RULE, {"invalidated_at_cutoff": True, "remedy": remedy}, date(2020, 10, 1)
        )
        assert decision.result == {"allowed": True, "refund_due": refund_due}

    def test_an_unknown_remedy_is_refused_naming_the_fact(self):
        with pytest.raises(rules.InvalidFacts, match="remedy"):
            rules.evaluate(RULE, {"invalidated_at_cutoff": True, "remedy": "voucher"})


class TestRecording:
    def test_on_the_cut_off_day_the_batch_is_still_valid_and_nobody_chooses(
        self, late_batch, alice
    ):
        candidate = late_batch.candidates.get()
        with on(date(2020, 9, 30)), pytest.raises(ValidationError, match="239号 二\\(二\\)"):
            ExitRemedy.objects.record(alice, candidate, ExitRemedyChoice.REFUND, Decimal(200))
        assert not ExitRemedy.objects.exists()
        assert Batch.objects.get(pk=late_batch.pk).status == BatchStatus.PLAN_PUBLISHED

    def test_the_day_after_the_batch_is_invalid_and_the_refund_is_recorded(self, late_batch, alice):
        candidate = late_batch.candidates.get()
        with on(date(2020, 10, 1)):
            remedy = ExitRemedy.objects.record(
                alice, candidate, ExitRemedyChoice.REFUND, Decimal("180.00"), "本人申请"
            )
        assert Batch.objects.get(pk=late_batch.pk).status == BatchStatus.INVALID
        assert remedy.is_open_refund and remedy.fee == Decimal("180.00")
        entry = AuditEntry.objects.filter(
            object_type="institutions.exitremedy", object_id=str(remedy.pk)
        ).get()
        assert entry.after["remedy"] == "refund" and entry.after["recorded_by_id"] == alice.pk

    def test_a_cancelled_batch_gives_no_choice(self, late_batch, alice):
        with on(date(2020, 9, 20)):
            late_batch.cancel(alice, "场地原因")
        with on(date(2020, 10, 1)), pytest.raises(ValidationError, match="239号 二\\(二\\)"):
            ExitRemedy.objects.record(alice, late_batch.candidates.get(), "continue")

    def test_a_refund_needs_its_amount_and_continuing_has_none(self, late_batch, alice):
        candidate = late_batch.candidates.get()
        with on(date(2020, 10, 1)):
            with pytest.raises(ValidationError, match="金额"):
                ExitRemedy.objects.record(alice, candidate, ExitRemedyChoice.REFUND)
            remedy = ExitRemedy.objects.record(
                alice, candidate, ExitRemedyChoice.CONTINUE, Decimal(200)
            )
        assert remedy.fee is None
        assert ExitRemedy.objects.count() == 1

    def test_the_choice_may_change_until_the_refund_is_confirmed(
        self, late_batch, alice, nanjing_staff
    ):
        candidate = late_batch.candidates.get()
        with on(date(2020, 10, 1)):
            ExitRemedy.objects.record(alice, candidate, ExitRemedyChoice.CONTINUE)
            remedy = ExitRemedy.objects.record(alice, candidate, "refund", Decimal(200))
            remedy.confirm_refund(nanjing_staff, date(2020, 10, 1))
            with pytest.raises(ValidationError, match="已经核实"):
                ExitRemedy.objects.record(alice, candidate, ExitRemedyChoice.CONTINUE)
        assert ExitRemedy.objects.get().remedy == ExitRemedyChoice.REFUND

    def test_another_institution_may_not_record(self, late_batch, charlie):
        with on(date(2020, 10, 1)), pytest.raises(PermissionDenied):
            ExitRemedy.objects.record(charlie, late_batch.candidates.get(), "continue")

    def test_the_database_refuses_a_refund_without_its_fee(self, late_batch, alice):
        from django.db import IntegrityError, transaction

        with transaction.atomic(), pytest.raises(IntegrityError):
            ExitRemedy.objects.create(
                candidate=late_batch.candidates.get(), remedy="refund", recorded_by=alice
            )


class TestConfirmingRefunds:
    def test_the_institutions_city_confirms_and_the_to_do_list_empties(self, nanjing_staff):
        remedy = ExitRemedyFactory()  # in 江宁区, Nanjing
        assert refunds_to_confirm(nanjing_staff).total == 1
        remedy.confirm_refund(nanjing_staff, date(2020, 10, 8))
        assert remedy.refund_confirmed_on == date(2020, 10, 8)
        assert remedy.refund_confirmed_by == nanjing_staff
        assert refunds_to_confirm(nanjing_staff).total == 0
        entry = (
            AuditEntry.objects.filter(object_type="institutions.exitremedy").order_by("seq").last()
        )
        assert entry.before["refund_confirmed_on"] is None
        assert entry.after["refund_confirmed_on"] == "2020-10-08"

    def test_another_city_neither_sees_nor_confirms(self, suzhou_staff):
        remedy = ExitRemedyFactory()  # in 江宁区, Nanjing
        assert refunds_to_confirm(suzhou_staff).total == 0
        with pytest.raises(PermissionDenied):
            remedy.confirm_refund(suzhou_staff)

    def test_the_institution_and_the_auditor_do_not_confirm(self, province_auditor):
        remedy = ExitRemedyFactory()
        for user in (remedy.recorded_by, province_auditor):
            with pytest.raises(PermissionDenied):
                remedy.confirm_refund(user)

    def test_a_refund_is_confirmed_once_and_not_in_the_future(self, province_admin):
        remedy = ExitRemedyFactory()
        with on(date(2026, 3, 2)):
            with pytest.raises(ValidationError, match="晚于今天"):
                remedy.confirm_refund(province_admin, date(2026, 3, 3))
            remedy.confirm_refund(province_admin, date(2026, 3, 2))
            with pytest.raises(ValidationError, match="已经核实"):
                remedy.confirm_refund(province_admin, date(2026, 3, 2))

    def test_continuing_has_nothing_to_confirm(self, province_admin):
        remedy = ExitRemedyFactory(remedy=ExitRemedyChoice.CONTINUE, fee=None)
        with pytest.raises(ValidationError, match="继续评价"):
            remedy.confirm_refund(province_admin)


class TestPages:
    def test_the_institution_records_a_choice_on_the_batch_page(self, client, late_batch, alice):
        client.force_login(alice)
        url = reverse("batch-exit-remedies", args=[late_batch.pk])
        candidate = late_batch.candidates.get()
        with on(date(2020, 10, 1)):
            response = client.post(
                url, {"candidate": candidate.pk, "remedy": "refund", "fee": "200"}, follow=True
            )
            assert response.status_code == 200
            page = response.content.decode()
        assert ExitRemedy.objects.get().candidate == candidate
        assert "退回鉴定费用" in page and "待核实" in page

    def test_before_the_cut_off_the_page_refuses_citing_the_clause(self, client, late_batch, alice):
        client.force_login(alice)
        url = reverse("batch-exit-remedies", args=[late_batch.pk])
        with on(date(2020, 9, 30)):
            page = client.get(url).content.decode()
            assert 'id="record"' not in page  # no form on a batch still valid
            assert "不是在退出目录截止日视为无效的批次" in page

    def test_the_city_confirms_on_the_refund_list_in_english(self, client, nanjing_staff):
        remedy = ExitRemedyFactory()  # in 江宁区, Nanjing
        client.force_login(nanjing_staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get(reverse("refund-list") + "?status=open").content.decode()
        assert "Refunds to candidates of invalidated batches" in page
        assert "退费" not in page
        response = client.post(
            reverse("refund-confirm", args=[remedy.pk]), {"refunded_on": "2026-01-05"}
        )
        assert response.status_code == 302
        remedy.refresh_from_db()
        assert remedy.refund_confirmed_on == date(2026, 1, 5)

    def test_the_dashboard_of_the_city_lists_open_refunds(self, client, nanjing_staff):
        ExitRemedyFactory()  # in 江宁区, Nanjing
        client.force_login(nanjing_staff)
        page = client.get(reverse("dashboard")).content.decode()
        assert "待核实的无效批次考生退费" in page
