import pytest
from django.core.management import call_command
from django.db import IntegrityError

from skilleval.choices import Level, Role
from skilleval.models import Region, User

pytestmark = pytest.mark.django_db


def test_jiangsu_has_13_cities_and_95_districts_and_counties():
    assert Region.objects.cities().count() == 13
    assert Region.objects.counties().count() == 95
    assert Region.objects.get(code="320100").name == "南京市"
    assert Region.objects.get(code="321300").name == "宿迁市"
    for county in Region.objects.counties():
        assert county.parent.kind == "city"
        assert county.code[:4] == county.parent.code[:4]


def test_the_three_directly_managed_places_are_flagged():
    managed = set(Region.objects.filter(directly_managed=True).values_list("name", flat=True))
    assert managed == {"昆山市", "泰兴市", "沭阳县"}


def test_a_region_code_outside_jiangsu_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        Region.objects.create(code="110101", name="东城区", kind="county", parent_id="320100")


def test_the_five_levels_read_as_on_a_certificate():
    assert Level(4).label == "四级/中级工"
    assert Level(1).label == "一级/高级技师"


def test_a_city_account_without_a_city_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        User.objects.create(username="nocity", role=Role.CITY_STAFF)


def test_an_institution_account_without_an_institution_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        User.objects.create(username="noinst", role=Role.INSTITUTION_SIGNATORY)


def test_the_demo_loads_twice_without_duplicates_and_prints_one_account_per_role(capsys):
    call_command("seed_demo")
    first = (User.objects.count(), Region.objects.count())
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert (User.objects.count(), Region.objects.count()) == first
    roles = set(User.objects.exclude(role="").values_list("role", flat=True))
    assert roles == set(Role.values)
    for role in Role:
        assert str(role.label) in out
    assert "http://" in out
    cities = set(User.objects.filter(role=Role.CITY_STAFF).values_list("city__name", flat=True))
    assert len(cities) >= 2


def test_the_demo_has_every_kind_of_institution_and_every_catalog_situation():
    from datetime import date

    from institutions.choices import CatalogStatus, FilingStatus, InstitutionKind
    from institutions.models import Filing, Institution

    call_command("seed_demo")
    today = date.today()
    assert set(Institution.objects.values_list("kind", flat=True)) == set(InstitutionKind.values)
    assert Institution.objects.filter(catalog_status=CatalogStatus.SUSPENDED).exists()
    assert Filing.objects.filter(status=FilingStatus.APPROVED, valid_until__lt=today).exists()
    branch = Institution.objects.get(parent__isnull=False)
    assert not branch.branch_announcement(today).result["may_run"]
    assert {s for s in Filing.objects.values_list("status", flat=True)} == set(FilingStatus.values)
    cities = set(Institution.objects.in_catalog().values_list("city__name", flat=True))
    assert len(cities) >= 4


def test_the_demo_has_a_batch_in_every_state_and_issued_corrected_and_revoked_certificates():
    from institutions.choices import BatchStatus
    from institutions.models import Batch

    call_command("seed_demo")
    states = set(Batch.objects.values_list("status", flat=True))
    assert states == set(BatchStatus.values)
    invalid = Batch.objects.get(status=BatchStatus.INVALID)
    assert "239号 二(二)" in invalid.status_reason
    from certificates.models import Certificate

    issued = Certificate.objects.filter(batch__status=BatchStatus.CERTIFICATES_ISSUED)
    assert issued.filter(status="valid").exists()
    assert issued.filter(status="revoked").exists()
    assert issued.filter(revisions__isnull=False).exists()
    assert all(c.pdf for c in issued)


def test_the_demo_has_a_published_spot_check_a_review_with_flags_and_complaints_in_every_state():
    from audits.choices import ComplaintStatus
    from audits.models import Complaint, QualityReview, SpotCheck

    call_command("seed_demo")
    assert SpotCheck.objects.filter(published_at__isnull=False).exists()
    assert QualityReview.objects.get().rows.filter(flag_count__gt=0).exists()
    assert set(Complaint.objects.values_list("status", flat=True)) == set(ComplaintStatus.values)
