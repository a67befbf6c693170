"""Every model endpoint of /api/v1/ through the reusable API test (tests/api_testing.py): list,
detail, create, update and scope, for each role. The acting user is Nanjing's; the other rows are
Suzhou's."""

from datetime import date, timedelta

from audits.choices import ComplaintTarget, Population
from audits.models import Complaint, Inspector, Notice, QualityReview, SpotCheck
from audits.reviews import INDICATOR_FIELDS, summarise
from certificates.models import Certificate
from competitions.choices import CompetitionKind, ContestantGroup
from competitions.models import Competition, CompetitionFiling, Contestant, Honour, Recognition
from institutions.choices import EvaluationType, IdType, QuestionSource
from institutions.models import Batch, Candidate, ExitRemedy, Filing, Institution
from skilleval.choices import Role
from skilleval.demo import make_resident_id
from skilleval.models import ApiToken, Job, Occupation, OccupationLevel, Region
from skilleval.rules import get_rule
from skilleval.rules.audits import SampleSize
from skilleval.rules.batches import ExitGraduateRoute
from skilleval.rules.competitions import FeesAllowed
from tests.api_testing import (
    ALL,
    NOTHING,
    OWN,
    ROLES,
    SUPERUSER,
    CreateTests,
    ReadTests,
    UpdateTests,
    client_for,
)
from tests.factories import (
    ApiTokenFactory,
    BatchFactory,
    CandidateFactory,
    CertificateFactory,
    CompetitionFactory,
    CompetitionFilingFactory,
    ComplaintFactory,
    ContestantFactory,
    EventFactory,
    ExitRemedyFactory,
    FilingFactory,
    HonourFactory,
    InspectorFactory,
    InvalidExitBatchFactory,
    JobFactory,
    NoticeFactory,
    QualityReviewFactory,
    RecognitionFactory,
    ReviewRowFactory,
    SpotCheckEntityFactory,
    approved_filing,
    occupation_with_resources,
    region,
)

PROVINCE = {SUPERUSER: ALL, Role.PROVINCE_ADMIN: ALL, Role.PROVINCE_AUDITOR: ALL}
# The three administrators of 等保 2.0 see no business data.
ADMINISTRATORS_SEE_NOTHING = {
    Role.SECURITY_ADMIN: NOTHING,
    Role.AUDIT_ADMIN: NOTHING,
    Role.SYSTEM_ADMIN: NOTHING,
}
EVERYBODY = dict.fromkeys(ROLES, ALL)
# Rows of an institution: the city and county where it is, the institution itself.
INSTITUTION_SCOPE = {
    **PROVINCE,
    Role.CITY_STAFF: OWN,
    Role.COUNTY_STAFF: OWN,
    Role.INSTITUTION_STAFF: OWN,
    Role.INSTITUTION_SIGNATORY: OWN,
    Role.COMPETITION_ORGANISER: NOTHING,
    **ADMINISTRATORS_SEE_NOTHING,
}
# Rows of a competition: the organiser's own, the host city's and county's.
COMPETITION_SCOPE = {
    **PROVINCE,
    Role.CITY_STAFF: OWN,
    Role.COUNTY_STAFF: OWN,
    Role.INSTITUTION_STAFF: NOTHING,
    Role.INSTITUTION_SIGNATORY: NOTHING,
    Role.COMPETITION_ORGANISER: OWN,
    **ADMINISTRATORS_SEE_NOTHING,
}
INSTITUTION_ROLES = {Role.INSTITUTION_STAFF, Role.INSTITUTION_SIGNATORY}
PROVINCE_STAFF = {SUPERUSER, Role.PROVINCE_ADMIN, Role.PROVINCE_AUDITOR}


def occupation(tenant):
    """Each tenant evaluates its own occupation."""
    code, name = {
        "nanjing": ("6-18-01-01", "车工"),
        "xuanwu": ("6-18-01-04", "磨工"),
        "suzhou": ("6-18-01-02", "铣工"),
    }[tenant.key]
    return occupation_with_resources(code=code, name=name)


def competition(tenant):
    """A county competition in the tenant's county, by the tenant's organiser, with one event."""
    held = CompetitionFactory(
        kind=CompetitionKind.COUNTY,
        competition_class=None,
        host_region=tenant.county,
        created_by=tenant.user(Role.COMPETITION_ORGANISER),
    )
    EventFactory(competition=held, occupation=occupation(tenant))
    return held


# --- skilleval: reference data, jobs, tokens ----------------------------------------------------


class TestRegions(ReadTests):
    url = "/api/v1/regions/"
    model = Region
    body_key = "code"
    reads = EVERYBODY

    def make(self, tenant):
        return tenant.city


class TestOccupations(ReadTests):
    url = "/api/v1/occupations/"
    model = Occupation
    lookup = body_key = "code"
    reads = EVERYBODY

    def make(self, tenant):
        return occupation(tenant)


class TestRules(ReadTests):
    url = "/api/v1/rules/"
    model = None  # the rules live in code (skilleval/rules/), their parameters in the database
    lookup = body_key = "id"
    reads = EVERYBODY

    def make(self, tenant):
        rule = {"nanjing": FeesAllowed, "xuanwu": SampleSize, "suzhou": ExitGraduateRoute}
        return get_rule(rule[tenant.key].id)


class TestJobs(ReadTests):
    url = "/api/v1/jobs/"
    model = Job
    # Each user sees the jobs they started, an institution its colleagues'; the province and
    # the system administrator every job.
    reads = {
        **dict.fromkeys(Role.values, NOTHING),
        **PROVINCE,
        Role.INSTITUTION_STAFF: OWN,
        Role.INSTITUTION_SIGNATORY: OWN,
        Role.SYSTEM_ADMIN: ALL,
    }

    def make(self, tenant):
        return JobFactory(
            institution=tenant.institution, started_by=tenant.user(Role.INSTITUTION_STAFF)
        )


class TestApiTokens(ReadTests):
    url = "/api/v1/auth/tokens/"
    model = ApiToken
    lookup = None  # listed and revoked, never shown one by one
    # A token is its owner's alone: not even a province admin lists another's.
    reads = {SUPERUSER: NOTHING, **dict.fromkeys(Role.values, NOTHING), Role.INSTITUTION_STAFF: OWN}

    def make(self, tenant):
        return ApiTokenFactory(user=tenant.user(Role.INSTITUTION_STAFF))


# --- institutions ---------------------------------------------------------------------------------


class TestInstitutions(ReadTests, UpdateTests):
    url = "/api/v1/institutions/"
    model = Institution
    reads = INSTITUTION_SCOPE
    updaters = INSTITUTION_ROLES  # its own contacts, nobody else's

    def make(self, tenant):
        return tenant.institution

    def update_data(self, tenant):
        return {"contact_person": "李四", "contact_phone": "025-87654321"}


class TestTechnicalResources(ReadTests, UpdateTests):
    url = "/api/v1/technical-resources/"
    model = OccupationLevel
    reads = EVERYBODY  # a public catalog
    updaters = {SUPERUSER, Role.PROVINCE_ADMIN}

    def make(self, tenant):
        return OccupationLevel.objects.get(occupation=occupation(tenant), level=3)

    def update_data(self, tenant):
        return {"has_provincial_spec": True, "provincial_spec_name": "江苏省车工评价规范"}


class TestFilings(ReadTests, CreateTests, UpdateTests):
    url = "/api/v1/filings/"
    model = Filing
    reads = INSTITUTION_SCOPE
    creators = updaters = INSTITUTION_ROLES
    creates_only_in_own_scope = True

    def make(self, tenant):
        return FilingFactory(institution=tenant.institution)

    def create_data(self, tenant):
        return {"institution": tenant.institution.pk, "region_scope": [tenant.city.pk]}

    def update_data(self, tenant):
        return {"region_scope": [tenant.county.pk] if tenant else []}

    def stored(self, row):
        return {"region_scope": sorted(row.region_scope.values_list("pk", flat=True))}


class TestBatches(ReadTests, CreateTests):
    url = "/api/v1/batches/"
    model = Batch
    reads = INSTITUTION_SCOPE
    creators = INSTITUTION_ROLES
    creates_only_in_own_scope = True

    def make(self, tenant):
        return BatchFactory(institution=tenant.institution, occupation=occupation(tenant))

    def create_data(self, tenant):
        lathe = occupation(tenant)
        approved_filing(tenant.institution, [(lathe, 4)], regions=[tenant.city.pk])
        starts = date.today() + timedelta(days=40)
        return {
            "institution": tenant.institution.pk,
            "occupation": lathe.code,
            "level": 4,
            "evaluation_type": EvaluationType.SKILL_LEVEL,
            "region": tenant.county.pk,
            "exam_starts_on": starts.isoformat(),
            "exam_ends_on": (starts + timedelta(days=1)).isoformat(),
            "venue": f"{tenant.county}职业技能实训基地",
            "examiners": "张考评\n李考评",
            "question_source": QuestionSource.NATIONAL_BANK,
        }


class TestCandidates(ReadTests):
    url = "/api/v1/candidates/"
    model = Candidate
    reads = INSTITUTION_SCOPE

    def make(self, tenant):
        return CandidateFactory(batch=BatchFactory(institution=tenant.institution))


class TestExitRemedies(ReadTests, CreateTests):
    """239号 二(二): what candidates of a batch invalidated at the cut-off chose."""

    url = "/api/v1/exit-remedies/"
    model = ExitRemedy
    reads = INSTITUTION_SCOPE
    creators = INSTITUTION_ROLES
    creates_only_in_own_scope = True

    def make(self, tenant):
        return ExitRemedyFactory(candidate__batch__institution=tenant.institution)

    def create_data(self, tenant):
        batch = InvalidExitBatchFactory(institution=tenant.institution)
        return {"candidate": CandidateFactory(batch=batch).pk, "remedy": "refund", "fee": "150.00"}


# --- certificates ---------------------------------------------------------------------------------


class TestCertificates(ReadTests):
    url = "/api/v1/certificates/"
    model = Certificate
    reads = INSTITUTION_SCOPE

    def make(self, tenant):
        return CertificateFactory(
            institution=tenant.institution,
            batch=BatchFactory(institution=tenant.institution, occupation=occupation(tenant)),
        )


# --- competitions ---------------------------------------------------------------------------------


class TestCompetitions(ReadTests, CreateTests, UpdateTests):
    url = "/api/v1/competitions/"
    model = Competition
    reads = COMPETITION_SCOPE
    creators = updaters = {Role.COMPETITION_ORGANISER}

    def make(self, tenant):
        return competition(tenant)

    def create_data(self, tenant):
        starts = date.today() + timedelta(days=60)
        return {
            "name": f"{tenant.city}车工职业技能竞赛",
            "organiser_name": f"{tenant.city}总工会",
            "kind": CompetitionKind.CITY,
            "competition_class": 1,
            "host_region": tenant.city.pk,
            "regions_involved": [],
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=2)).isoformat(),
            "conditions": "从事车工2年以上",
            "contact_phone": "025-83311234",
            "fees": [{"name": "报名费", "amount": "0.00"}],
        }

    def update_data(self, tenant):
        return {"contact_phone": "025-80000000"}


class TestContestants(ReadTests, CreateTests):
    url = "/api/v1/contestants/"
    model = Contestant
    reads = COMPETITION_SCOPE
    creators = {Role.COMPETITION_ORGANISER}
    creates_only_in_own_scope = True  # never into another organiser's competition

    def make(self, tenant):
        return ContestantFactory(competition=competition(tenant))

    def create_data(self, tenant):
        held = competition(tenant)
        return {
            "competition": held.pk,
            "event": held.events.get().pk,
            "name": "周选手",
            "id_type": IdType.RESIDENT_ID,
            "id_number": make_resident_id("320102", "19930506", 321),
            "group": ContestantGroup.WORKER,
            "pension_region": tenant.county.pk,
            "pension_months": 36,
            "hukou_region": None,
            "work_years": "6.0",
            "current_level": 4,
        }


class TestCompetitionFilings(ReadTests):
    url = "/api/v1/competition-filings/"
    model = CompetitionFiling
    reads = COMPETITION_SCOPE

    def make(self, tenant):
        return CompetitionFilingFactory(competition=competition(tenant))


class TestRecognitions(ReadTests):
    url = "/api/v1/recognitions/"
    model = Recognition
    reads = COMPETITION_SCOPE

    def make(self, tenant):
        return RecognitionFactory(contestant__competition=competition(tenant))


HONOUR_SCOPE = {
    **PROVINCE,
    Role.CITY_STAFF: OWN,
    Role.COUNTY_STAFF: OWN,
    Role.INSTITUTION_STAFF: NOTHING,
    Role.INSTITUTION_SIGNATORY: NOTHING,
    Role.COMPETITION_ORGANISER: NOTHING,
    **ADMINISTRATORS_SEE_NOTHING,
}


class TestHonours(ReadTests):
    url = "/api/v1/honours/"
    model = Honour
    reads = HONOUR_SCOPE

    def make(self, tenant):
        # recorded by the tenant's county: its city and the county see it, nobody else below
        return HonourFactory(region=tenant.county, level=3)


# --- audits ---------------------------------------------------------------------------------------


class TestInspectors(ReadTests, CreateTests, UpdateTests):
    url = "/api/v1/inspectors/"
    model = Inspector
    reads = PROVINCE  # the pool is the province's
    creators = updaters = PROVINCE_STAFF

    def make(self, tenant):
        return InspectorFactory(city=tenant.city)

    def create_data(self, tenant):
        return {"name": "吴检查", "city": tenant.city.pk, "field": "机械加工"}

    def update_data(self, tenant):
        return {"active": False}


class TestSpotChecks(ReadTests, CreateTests):
    url = "/api/v1/spot-checks/"
    model = SpotCheck
    # City and county staff see the draws involving their institutions, institutions their own.
    reads = INSTITUTION_SCOPE
    creators = PROVINCE_STAFF

    def make(self, tenant):
        return SpotCheckEntityFactory(institution=tenant.institution).spot_check

    def create_data(self, tenant):
        # A catalog of one institution, and inspectors of another city (回避).
        approved_filing(tenant.institution, [(occupation(tenant), 4)])
        InspectorFactory.create_batch(2, city=region("320400"))  # 常州
        return {"population": Population.INSTITUTIONS, "ratio": "1", "per_entity": 1}


class TestComplaints(ReadTests, CreateTests):
    url = "/api/v1/complaints/"
    model = Complaint
    # The HR departments handle them; the institution complained about never sees who did.
    reads = {**PROVINCE, Role.CITY_STAFF: OWN, Role.COUNTY_STAFF: OWN}
    creators = set(ROLES)  # anybody, signed in or not

    def make(self, tenant):
        return ComplaintFactory(institution=tenant.institution)

    def create_data(self, tenant):
        approved_filing(tenant.institution, [(occupation(tenant), 4)])  # in the catalog
        return {
            "target_type": ComplaintTarget.INSTITUTION,
            "target_description": tenant.institution.name,
            "institution": tenant.institution.pk,
            "content": "考试时有人替考",
        }


class TestNotices(ReadTests, CreateTests):
    url = "/api/v1/notices/"
    model = Notice
    reads = EVERYBODY  # published for the whole province
    creators = PROVINCE_STAFF

    def make(self, tenant):
        return NoticeFactory(institution=tenant.institution)

    def create_data(self, tenant):
        return {
            "title": "关于评价机构违规问题的通报",
            "body": "依据苏人社办函〔2022〕54号 五，通报如下。",
            "institution": tenant.institution.pk,
        }


class TestQualityReviews(ReadTests):
    url = "/api/v1/quality-reviews/"
    model = QualityReview
    # Every staff role sees the list of reviews (the rows inside follow the caller's scope).
    reads = {
        **INSTITUTION_SCOPE,
        Role.CITY_STAFF: ALL,
        Role.COUNTY_STAFF: ALL,
        Role.INSTITUTION_STAFF: ALL,
        Role.INSTITUTION_SIGNATORY: ALL,
    }

    def make(self, tenant):
        return QualityReviewFactory()

    def test_a_review_shows_a_city_clerk_only_the_rows_and_totals_of_their_city(self, own, other):
        review = QualityReviewFactory(totals=summarise([]))
        for tenant, issued in ((own, 12), (other, 30)):
            ReviewRowFactory(
                review=review, institution=tenant.institution, certificates_issued=issued
            )
        province = summarise(
            list(review.rows.values(*(f for f in INDICATOR_FIELDS if f != "rush_share"), "flags"))
        )
        QualityReview.objects.filter(pk=review.pk).update(totals=province)
        seen = {}
        for role in (Role.PROVINCE_AUDITOR, Role.CITY_STAFF, Role.INSTITUTION_STAFF):
            body = client_for(own.user(role)).get(f"{self.url}{review.pk}/").json()
            seen[role] = (
                [row["institution"] for row in body["rows"]],
                body["totals"]["institutions"],
                body["totals"]["indicators"]["certificates_issued"],
            )
        both = sorted([own.institution.pk, other.institution.pk])
        assert sorted(seen[Role.PROVINCE_AUDITOR][0]) == both
        assert seen[Role.PROVINCE_AUDITOR][1:] == (2, 42)
        assert seen[Role.CITY_STAFF] == ([own.institution.pk], 1, 12)
        assert seen[Role.INSTITUTION_STAFF] == ([own.institution.pk], 1, 12)
