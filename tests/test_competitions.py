"""Competitions at the model level: no fees, eligibility and out-of-area contestants, the filings
54号 二 requires, direct recognition and who issues the certificates."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from competitions.choices import FilingReason, RecognitionStatus, Span
from competitions.models import Competition, CompetitionFee, Contestant, Event, Recognition
from institutions.choices import InstitutionKind
from skilleval import personal_data
from skilleval.actions import Forbidden
from skilleval.choices import Role
from skilleval.demo import make_resident_id
from tests.competition_data import competition_fields
from tests.factories import (
    InstitutionFactory,
    OccupationFactory,
    UserFactory,
    approved_filing,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_user(db):
    return UserFactory(username="org", role=Role.COMPETITION_ORGANISER, organisation="南京市总工会")


def competition(user, host="320100", involved=(), kind="city", klass=1, **fields):
    item = Competition(**competition_fields(user, host, kind, klass, **fields))
    item.full_clean()
    item.save()
    item.regions_involved.set([region(code) for code in involved])
    return item


def contestant(
    comp,
    n,
    *,
    pension=None,
    years=0,
    hukou=None,
    group="worker",
    school=None,
    rank=None,
    level=None,
):
    event = comp.events.first() or Event.objects.create(
        competition=comp, occupation=OccupationFactory()
    )
    id_number = make_resident_id("320102", "19900101", n)
    return Contestant.objects.create(
        competition=comp,
        event=event,
        name=f"选手{n}",
        group=group,
        id_number_encrypted=personal_data.encrypt(id_number),
        id_number_hash=personal_data.keyed_hash(id_number),
        id_number_masked=personal_data.mask_id_number(id_number),
        pension_region=region(pension) if pension else None,
        pension_months=int(years * 12),
        hukou_region=region(hukou) if hukou else None,
        school_region=region(school) if school else None,
        rank=rank,
        current_level=level,
    )


class TestFees:
    @pytest.mark.parametrize("name", ["报名费", "资料费", "食宿费"])
    def test_a_fee_of_any_name_is_refused_naming_it(self, organiser_user, name):
        comp = competition(organiser_user)
        with pytest.raises(ValidationError, match=f"{name}.*54号 二"):
            comp.set_fee(name, Decimal("0.01"), user=organiser_user)
        assert not comp.fees.exists()

    def test_a_free_item_is_recorded_once_per_name(self, organiser_user):
        comp = competition(organiser_user)
        comp.set_fee("资料费", Decimal(0), user=organiser_user)
        comp.set_fee(" 资料费 ", Decimal("0.00"), user=organiser_user)
        assert comp.fee_list() == [{"name": "资料费", "amount": Decimal("0.00")}]

    def test_only_the_organiser_lists_fees(self, organiser_user):
        comp = competition(organiser_user)
        with pytest.raises(Forbidden):
            comp.set_fee("报名费", Decimal(0), user=UserFactory(role=Role.PROVINCE_ADMIN))

    def test_the_database_refuses_fees_too(self, organiser_user):
        comp = competition(organiser_user)
        comp.set_fee("报名费", Decimal(0), user=organiser_user)
        with pytest.raises(IntegrityError):
            CompetitionFee.objects.filter(competition=comp).update(amount=Decimal("0.01"))

    def test_the_database_refuses_a_name_twice(self, organiser_user):
        comp = competition(organiser_user)
        CompetitionFee.objects.create(competition=comp, name="报名费")
        with pytest.raises(IntegrityError):
            CompetitionFee.objects.create(competition=comp, name="报名费")


class TestSpan:
    @pytest.mark.parametrize(
        ("host", "involved", "span"),
        [
            ("320115", [], Span.WITHIN_COUNTY),
            ("320115", ["320106"], Span.ACROSS_COUNTIES),  # 江宁 + 鼓楼, both 南京
            ("320100", ["320115", "320106"], Span.WITHIN_COUNTY),  # a city's own districts
            ("320100", ["320500"], Span.ACROSS_CITIES),
            ("320115", ["320583"], Span.ACROSS_CITIES),  # 江宁 + 昆山
        ],
    )
    def test_the_span_is_measured_from_the_host_region(self, organiser_user, host, involved, span):
        assert competition(organiser_user, host=host, involved=involved).span == span

    def test_other_provinces_make_it_cross_provincial(self, organiser_user):
        assert competition(organiser_user, other_provinces="安徽省").span == Span.ACROSS_PROVINCES


class TestContestants:
    def test_eligibility_and_out_of_area_are_decided_on_save(self, organiser_user):
        comp = competition(organiser_user)
        local = contestant(comp, 1, pension="320115", years=3)
        outsider = contestant(comp, 2, hukou="320583")
        student = contestant(comp, 3, group="student", school="320106")
        nobody = contestant(comp, 4, pension="320115", years=Decimal("0.5"))
        assert (local.eligible, local.basis, local.out_of_area) == (True, "pension", False)
        assert (outsider.eligible, outsider.basis, outsider.out_of_area) == (True, "hukou", True)
        assert (student.eligible, student.basis, student.out_of_area) == (True, "school", False)
        assert (nobody.eligible, nobody.out_of_area) == (False, False)

    @pytest.mark.parametrize(("months", "eligible"), [(11, False), (12, True), (13, True)])
    def test_a_year_of_pension_insurance_is_12_months(self, organiser_user, months, eligible):
        comp = competition(organiser_user)
        entrant = contestant(comp, 1, pension="320115")
        entrant.pension_months = months
        entrant.save()
        assert (entrant.eligible, entrant.basis) == (eligible, "pension" if eligible else "")

    def test_the_database_keeps_pension_months_within_a_lifetime(self, organiser_user):
        entrant = contestant(competition(organiser_user), 1, pension="320115", years=3)
        with pytest.raises(IntegrityError):
            Contestant.objects.filter(pk=entrant.pk).update(pension_months=1201)

    def test_the_required_filing_follows_the_out_of_area_ratio(self, organiser_user):
        comp = competition(organiser_user)
        for n in range(9):
            contestant(comp, n, pension="320115", years=2)
        contestant(comp, 9, hukou="320583")
        assert comp.required_filings() == []  # 1 in 10: exactly 10%
        contestant(comp, 10, hukou="320583")
        assert comp.required_filings() == [(FilingReason.OUT_OF_AREA, "city")]
        for n in range(11, 22):
            contestant(comp, n, hukou="320583")
        assert comp.required_filings() == [(FilingReason.OUT_OF_AREA, "province")]


class TestFilings:
    def test_a_cross_city_competition_is_filed_with_the_province_before_it_starts(
        self, organiser_user, province_admin
    ):
        comp = competition(organiser_user, involved=["320500"])
        assert comp.required_filings() == [(FilingReason.CROSS_REGION, "province")]
        assert not comp.incentives_eligible
        with time_machine.travel(date(2026, 11, 1)):
            filing = comp.file(FilingReason.CROSS_REGION, user=organiser_user)
        assert filing.authority.code == "320000"
        filing.decide(user=province_admin, approve=True, opinion="同意备案")
        assert filing.province_opinion == "同意备案"
        assert comp.incentives_eligible

    def test_filing_on_or_after_the_start_date_is_refused(self, organiser_user):
        comp = competition(organiser_user, involved=["320500"])
        with (
            time_machine.travel(date(2026, 12, 1)),
            pytest.raises(ValidationError, match=r"提前|开始前"),
        ):
            comp.file(FilingReason.CROSS_REGION, user=organiser_user)

    def test_a_city_filing_is_decided_by_that_city(
        self, organiser_user, nanjing_staff, suzhou_staff
    ):
        comp = competition(organiser_user, host="320115", involved=["320106"])
        with time_machine.travel(date(2026, 11, 1)):
            filing = comp.file(FilingReason.CROSS_REGION, user=organiser_user)
        assert filing.authority.code == "320100"
        with pytest.raises(PermissionDenied):
            filing.decide(user=suzhou_staff, approve=True)
        filing.decide(user=nanjing_staff, approve=True, opinion="同意")
        assert filing.city_opinion == "同意"

    def test_only_the_organiser_files(self, organiser_user, nanjing_staff):
        comp = competition(organiser_user, involved=["320500"])
        with pytest.raises(PermissionDenied):
            comp.file(FilingReason.CROSS_REGION, user=nanjing_staff)


class TestRecognition:
    def test_a_competition_without_its_required_filing_earns_no_recognition(self, organiser_user):
        comp = competition(organiser_user, kind="provincial", host="320000", involved=[])
        for n in range(2):
            contestant(comp, n, hukou="320583", rank=n + 1)
        comp.other_provinces = "安徽省"
        comp.save()
        with pytest.raises(ValidationError, match="不予直接认定"):
            Recognition.propose_for(comp)

    def test_provincial_class_1_places_earn_levels_1_and_2(self, organiser_user):
        comp = competition(organiser_user, kind="provincial", host="320000")
        first = contestant(comp, 1, pension="320115", years=5, rank=1, level=3)
        second = contestant(comp, 2, pension="320115", years=5, rank=2, level=3)
        fourth = contestant(comp, 3, pension="320115", years=5, rank=4, level=3)
        already = contestant(comp, 4, pension="320115", years=5, rank=3, level=2)
        Recognition.propose_for(comp)
        levels = {r.contestant_id: (r.level, r.decided_by) for r in Recognition.objects.all()}
        assert levels[first.pk] == (1, "province")
        assert levels[second.pk] == (2, "province")
        assert levels[fourth.pk] == (None, "city_or_county")
        assert levels[already.pk][0] is None  # already a 技师: no promotion
        assert Recognition.objects.get(contestant=first).status == RecognitionStatus.PROPOSED


class TestIssuer:
    def test_a_city_class_1_competition_is_certified_by_the_city_appraisal_centre(
        self, organiser_user
    ):
        centre = InstitutionFactory(kind=InstitutionKind.APPRAISAL_CENTRE, county=region("320106"))
        assert competition(organiser_user, klass=1).certificate_issuer() == centre

    def test_a_delegated_city_class_2_competition_is_certified_by_the_organiser(
        self, organiser_user
    ):
        InstitutionFactory(kind=InstitutionKind.APPRAISAL_CENTRE, county=region("320106"))
        organiser_institution = InstitutionFactory(kind=InstitutionKind.SOCIAL_ORG)
        approved_filing(organiser_institution, [(OccupationFactory(), 4)])
        comp = competition(organiser_user, klass=2)
        city_staff = UserFactory(username="nj", role=Role.CITY_STAFF, city=region("320100"))
        comp.delegate_certificates(
            organiser_institution, user=city_staff, note="宁人社函〔2026〕12号"
        )
        assert comp.certificate_issuer() == organiser_institution
