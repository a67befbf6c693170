"""factory_boy factories, one per model of the project's apps (tests/test_factories.py checks
that none is missing). Each builds a valid row with every required fact, as a page would allow:
names a clerk would recognise, ID numbers and USCCs with their check characters. By default
everything sits in Nanjing (江宁区); pass an institution, city or user to build elsewhere."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from audits.choices import ComplaintTarget, FindingOutcome, Population
from audits.models import (
    CertificateSummary,
    Complaint,
    CreditFlag,
    Finding,
    Half,
    Inspector,
    Notice,
    QualityReview,
    ReviewFlag,
    ReviewRow,
    SpotCheck,
    SpotCheckEntity,
    SummaryRefresh,
)
from audits.reviews import summarise
from certificates.choices import CertificateKind, PrintKind, ProofReason
from certificates.models import (
    Certificate,
    CertificatePrint,
    CertificateRevision,
    NumberSeries,
    Proof,
    RevocationRecord,
)
from certificates.numbering import SEQUENCE_WIDTH, prefix_for
from competitions.choices import (
    CompetitionFilingStatus,
    CompetitionKind,
    ContestantGroup,
    FilingLevel,
    FilingReason,
    HonourKind,
)
from competitions.models import (
    CertificateDelegation,
    Competition,
    CompetitionFee,
    CompetitionFiling,
    Contestant,
    Event,
    Honour,
    Recognition,
)
from institutions.choices import (
    BatchStatus,
    CatalogAction,
    EvaluationType,
    ExitRemedyChoice,
    FilingStatus,
    Gender,
    InstitutionKind,
    MaterialKind,
    QuestionSource,
)
from institutions.models import (
    Batch,
    BatchTransition,
    Candidate,
    CatalogEvent,
    ExamRoom,
    ExitRemedy,
    Filing,
    FilingItem,
    FilingMaterial,
    Institution,
    OccupationAdditionCheck,
)
from skilleval import personal_data
from skilleval.choices import AuditAction, JobKind, JobStatus, Role
from skilleval.demo import make_resident_id, make_uscc
from skilleval.models import (
    AccountGuard,
    ApiToken,
    ApplicationCondition,
    CalendarDay,
    Job,
    Occupation,
    OccupationLevel,
    PasswordHistory,
    Region,
    RuleParameterVersion,
    User,
)
from skilleval.rules.batches import VolumeSurge

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def region(code: str) -> Region:
    """Regions are reference data loaded by a migration; tests look them up, never create them."""
    return Region.objects.get(code=code)


class PersonalIdFactory(factory.django.DjangoModelFactory):
    """A person's ID number as the models keep it: encrypted, keyed hash and masked."""

    class Meta:
        abstract = True

    class Params:
        id_number = factory.Sequence(lambda n: make_resident_id("320102", "19900101", n))

    id_number_encrypted = factory.LazyAttribute(lambda o: personal_data.encrypt(o.id_number))
    id_number_hash = factory.LazyAttribute(lambda o: personal_data.keyed_hash(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: personal_data.mask_id_number(o.id_number))


# --- skilleval: reference data, users, jobs, rules ----------------------------------------------


class RegionFactory(factory.django.DjangoModelFactory):
    """Looks up a region of the reference data (江宁区 by default); never adds one."""

    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "320115"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.PROVINCE_ADMIN
    password = factory.django.Password("Correct-horse-9")


class PasswordHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PasswordHistory

    user = factory.SubFactory(UserFactory)
    password = factory.LazyAttribute(lambda o: o.user.password)
    created_at = factory.LazyFunction(timezone.now)


class AccountGuardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountGuard

    username = factory.Sequence(lambda n: f"guarded{n}")
    failures = 1
    last_failed_at = factory.LazyFunction(timezone.now)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """Issued the one way tokens come to be (ApiToken.objects.issue); the secret is dropped."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "对接系统"

    @classmethod
    def _create(cls, model_class, user, name):
        token, _secret = model_class.objects.issue(user, name=name)
        return token


class OccupationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupation
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = "6-18-01-01"
    name = "车工"

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        for level in extracted if extracted is not None else (1, 2, 3, 4, 5):
            OccupationLevel.objects.get_or_create(occupation=self, level=level)


class OccupationLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OccupationLevel
        django_get_or_create = ["occupation", "level"]

    occupation = factory.SubFactory(OccupationFactory, levels=())
    level = 4
    has_national_standard = True
    has_question_bank = True


class ApplicationConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationCondition

    occupation_level = factory.SubFactory(OccupationLevelFactory)
    label = "累计从事本职业或相关职业工作满5年"
    min_work_years = Decimal(5)


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay

    date = factory.Sequence(lambda n: date(2040, 1, 1) + timedelta(days=n))
    is_working_day = False
    note = "春节"
    created_by = factory.SubFactory(UserFactory)


class RuleParameterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleParameterVersion

    rule_id = VolumeSurge.id
    effective_from = factory.Sequence(lambda n: date(2025, 1, 1) + timedelta(days=n))
    parameters = factory.LazyFunction(lambda: {"factor": 3.0, "minimum": 50})
    note = "按2025年督查要求调整"
    created_by = factory.SubFactory(UserFactory)


# --- institutions ---------------------------------------------------------------------------------


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试评价机构{n}")
    kind = InstitutionKind.SOCIAL_ORG
    county = factory.LazyFunction(lambda: region("320115"))  # 江宁区
    city = factory.LazyAttribute(lambda o: o.county.parent)
    uscc = factory.Sequence(lambda n: make_uscc("320100", 500000 + n))
    responsible_person = "张三"
    contact_phone = "025-12345678"


class CatalogEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogEvent

    institution = factory.SubFactory(InstitutionFactory)
    action = CatalogAction.SUSPEND
    reason = "双随机抽查发现考务记录不全，责令整改"
    actor = factory.SubFactory(UserFactory)


class InstitutionStaffFactory(UserFactory):
    role = Role.INSTITUTION_STAFF
    institution = factory.SubFactory(InstitutionFactory)


class CityStaffFactory(UserFactory):
    role = Role.CITY_STAFF
    city = factory.LazyFunction(lambda: region("320100"))


class FilingFactory(factory.django.DjangoModelFactory):
    """A draft filing with the institution's city, its region scope that city."""

    class Meta:
        model = Filing
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    authority = factory.LazyAttribute(lambda o: o.institution.city)
    status = FilingStatus.DRAFT
    created_by = factory.SubFactory(
        InstitutionStaffFactory, institution=factory.SelfAttribute("..institution")
    )

    @factory.post_generation
    def region_scope(self, create, extracted, **kwargs):
        if create:
            self.region_scope.set(extracted if extracted is not None else [self.authority])


class FilingItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FilingItem

    filing = factory.SubFactory(FilingFactory)
    occupation = factory.SubFactory(OccupationFactory)
    level = 4


class FilingMaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FilingMaterial

    filing = factory.SubFactory(FilingFactory)
    kind = MaterialKind.WORK_PLAN
    file = factory.LazyFunction(lambda: ContentFile(PDF, name="工作方案.pdf"))
    original_name = "工作方案.pdf"
    uploaded_by = factory.SelfAttribute("filing.created_by")


class OccupationAdditionCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OccupationAdditionCheck

    filing = factory.SubFactory(
        FilingFactory,
        status=FilingStatus.APPROVED,
        valid_from=date(2024, 1, 1),
        valid_until=date(2028, 12, 31),
    )
    occupation = factory.SubFactory(OccupationFactory)
    level = 3
    standard_ok = True
    question_bank_ok = True
    venue_ok = True
    examiners_ok = True
    note = "现场核实评价标准、题库、场地和考评人员"
    checked_by = factory.SubFactory(CityStaffFactory)


class BatchFactory(factory.django.DjangoModelFactory):
    """A draft batch of 车工 四级 a month ahead, in the institution's county."""

    class Meta:
        model = Batch

    institution = factory.SubFactory(InstitutionFactory)
    occupation = factory.SubFactory(OccupationFactory)
    level = 4
    evaluation_type = EvaluationType.SKILL_LEVEL
    region = factory.LazyAttribute(lambda o: o.institution.county or o.institution.city)
    venue = "实训基地三楼"
    examiners = "张考评\n李考评"
    question_source = QuestionSource.NATIONAL_BANK
    exam_starts_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    exam_ends_on = factory.LazyAttribute(lambda o: o.exam_starts_on + timedelta(days=1))
    created_by = factory.SubFactory(
        InstitutionStaffFactory, institution=factory.SelfAttribute("..institution")
    )


class BatchTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchTransition

    batch = factory.SubFactory(BatchFactory)
    action = "publish_plan"
    from_status = BatchStatus.DRAFT
    to_status = BatchStatus.PLAN_PUBLISHED
    actor = factory.SelfAttribute("batch.created_by")
    actor_name = factory.SelfAttribute("actor.username")


class ExamRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamRoom

    batch = factory.SubFactory(BatchFactory)
    name = factory.Sequence(lambda n: f"第{n + 1:02d}考场")
    capacity = 30


class CandidateFactory(PersonalIdFactory):
    class Meta:
        model = Candidate

    batch = factory.SubFactory(BatchFactory)
    name = factory.Iterator(["王小明", "李娜", "陈建国", "刘芳"])
    gender = Gender.MALE
    education = 3
    work_years = Decimal(8)


class InvalidExitBatchFactory(BatchFactory):
    """A vocational-qualification batch of exit batch 1 made invalid at its cut-off (239号 二(二))."""

    evaluation_type = EvaluationType.VOCATIONAL_QUALIFICATION
    exit_batch = 1
    status = BatchStatus.INVALID
    status_reason = "第1批截止日 2020-09-30 前未完成准考证号生成，批次流程不完整，视为无效"


class ExitRemedyFactory(factory.django.DjangoModelFactory):
    """A candidate of an invalidated batch who chose a refund of 200 yuan, not yet confirmed."""

    class Meta:
        model = ExitRemedy

    candidate = factory.SubFactory(
        CandidateFactory, batch=factory.SubFactory(InvalidExitBatchFactory)
    )
    remedy = ExitRemedyChoice.REFUND
    fee = Decimal("200.00")
    recorded_by = factory.SelfAttribute("candidate.batch.created_by")


# --- certificates ---------------------------------------------------------------------------------


class NumberSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NumberSeries

    prefix = factory.Sequence(lambda n: f"S0000320{n:06d}254")
    width = SEQUENCE_WIDTH[CertificateKind.SKILL_LEVEL]


class CertificateFactory(PersonalIdFactory):
    """A skill-level certificate numbered as 54号 四 spells it (the institution needs its
    province serial, which the factory gives it)."""

    class Meta:
        model = Certificate

    class Params:
        sequence = factory.Sequence(lambda n: n + 1)

    kind = CertificateKind.SKILL_LEVEL
    institution = factory.SubFactory(
        InstitutionFactory, province_serial=factory.Sequence(lambda n: f"{900000 + n}")
    )
    batch = factory.SubFactory(BatchFactory, institution=factory.SelfAttribute("..institution"))
    holder_name = "王小明"
    occupation = factory.SelfAttribute("batch.occupation")
    level = factory.SelfAttribute("batch.level")
    issued_on = date(2025, 6, 30)
    signatory = "张三"
    number = factory.LazyAttribute(
        lambda o: (
            prefix_for(o.kind, institution=o.institution, issued_on=o.issued_on, level=o.level)
            + f"{o.sequence:0{SEQUENCE_WIDTH[o.kind]}d}"
        )
    )


class RevocationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RevocationRecord

    certificate = factory.SubFactory(CertificateFactory)
    reason = "考试存在替考行为"
    actor = factory.SubFactory(CityStaffFactory)


class CertificateRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateRevision

    certificate = factory.SubFactory(CertificateFactory)
    before = factory.LazyFunction(lambda: {"holder_name": "王晓明"})
    after = factory.LazyFunction(lambda: {"holder_name": "王小明"})
    reason = "姓名录入错误"
    actor = factory.SubFactory(CityStaffFactory)


class CertificatePrintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificatePrint

    certificate = factory.SubFactory(CertificateFactory)
    kind = PrintKind.ISSUANCE
    actor = factory.SelfAttribute("certificate.batch.created_by")


class ProofFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proof

    certificate = factory.SubFactory(CertificateFactory)
    reason = ProofReason.LOST
    detail = "证书遗失"
    issued_by = factory.SubFactory(CityStaffFactory)
    issued_on = date(2025, 9, 1)


# --- competitions ---------------------------------------------------------------------------------


class OrganiserFactory(UserFactory):
    role = Role.COMPETITION_ORGANISER
    organisation = "南京市总工会"


class CompetitionFactory(factory.django.DjangoModelFactory):
    """A class-1 city competition in Nanjing, held last month, free of charge (54号 二)."""

    class Meta:
        model = Competition

    name = factory.LazyAttribute(lambda o: f"{o.host_region}车工职业技能竞赛")
    organiser_name = factory.LazyAttribute(lambda o: f"{o.host_region}总工会")
    kind = CompetitionKind.CITY
    competition_class = 1
    host_region = factory.LazyFunction(lambda: region("320100"))
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=2))
    contact_phone = "025-83311234"
    created_by = factory.SubFactory(OrganiserFactory)


class CertificateDelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateDelegation

    competition = factory.SubFactory(CompetitionFactory, competition_class=2)
    institution = factory.SubFactory(InstitutionFactory)
    note = "市人社局委托函（宁人社〔2025〕12号）"
    decided_by = factory.SubFactory(CityStaffFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        django_get_or_create = ["competition", "occupation"]

    competition = factory.SubFactory(CompetitionFactory)
    occupation = factory.SubFactory(OccupationFactory)


class ContestantFactory(PersonalIdFactory):
    """A worker paying pension contributions in the host city's county for three years."""

    class Meta:
        model = Contestant

    competition = factory.SubFactory(CompetitionFactory)
    event = factory.SubFactory(EventFactory, competition=factory.SelfAttribute("..competition"))
    name = "李选手"
    group = ContestantGroup.WORKER
    pension_region = factory.LazyFunction(lambda: region("320115"))
    pension_months = 36
    work_years = Decimal(6)
    current_level = 4


class CompetitionFeeFactory(factory.django.DjangoModelFactory):
    """A fee item a competition lists; free, as 54号 二 requires."""

    class Meta:
        model = CompetitionFee
        django_get_or_create = ["competition", "name"]

    competition = factory.SubFactory(CompetitionFactory)
    name = "报名费"
    amount = Decimal(0)


class CompetitionFilingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitionFiling

    competition = factory.SubFactory(CompetitionFactory)
    reason = FilingReason.OUT_OF_AREA
    level = FilingLevel.CITY
    authority = factory.SelfAttribute("competition.host_region")
    status = CompetitionFilingStatus.SUBMITTED
    submitted_by = factory.SelfAttribute("competition.created_by")


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    contestant = factory.SubFactory(ContestantFactory, rank=1)
    level = 3
    decided_by = "city"
    reason = "第1名"


class HonourFactory(PersonalIdFactory):
    """A city's honour (技师) recorded by its HR staff; pass kind/level/region for a top one."""

    class Meta:
        model = Honour

    name = "李技能"
    kind = HonourKind.OTHER
    title = "南京市技术能手"
    awarding_body = "南京市人民政府"
    document_number = factory.Sequence(lambda n: f"宁政发〔2024〕{n + 1}号")
    awarded_on = date(2024, 5, 1)
    occupation = factory.SubFactory(OccupationFactory)
    level = 2
    region = factory.LazyFunction(lambda: region("320100"))
    recorded_by = factory.SubFactory(CityStaffFactory, username="honour_clerk")


# --- audits ---------------------------------------------------------------------------------------


class AuditChainHeadFactory(factory.django.DjangoModelFactory):
    """The chain's one head row."""

    class Meta:
        model = "skilleval.AuditChainHead"
        django_get_or_create = ["id"]

    id = 1


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """Appended the one way entries come to be: chained after the last one."""

    class Meta:
        model = "skilleval.AuditEntry"

    action = AuditAction.UPDATE
    object_type = "institutions.institution"
    object_id = "1"
    object_repr = "南京测试机电有限公司"

    @classmethod
    def _create(cls, model_class, **change):
        return model_class.objects.record(**change)


class AuditSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "skilleval.AuditSignal"

    kind = VolumeSurge.id
    institution = factory.SubFactory(InstitutionFactory)
    batch = factory.SubFactory(BatchFactory, institution=factory.SelfAttribute("..institution"))
    detail = "本批次评价人数为该机构过去一年平均水平的3倍以上"


class InspectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspector

    name = factory.Iterator(["王检查", "赵督导", "孙专家"])
    city = factory.LazyFunction(lambda: region("320100"))
    field = "机械加工"


class ProvinceAuditorFactory(UserFactory):
    role = Role.PROVINCE_AUDITOR


class SpotCheckFactory(factory.django.DjangoModelFactory):
    """A draw of one institution out of one, as audits/draws.py records its inputs."""

    class Meta:
        model = SpotCheck

    class Params:
        institution = factory.SubFactory(InstitutionFactory)

    population = Population.INSTITUTIONS
    ratio = Decimal("0.5")
    seed = factory.Sequence(lambda n: f"factory-{n}")
    inputs = factory.LazyAttribute(
        lambda o: {
            "population": [[o.institution.pk, None, o.institution.city_id]],
            "weights": [1.0],
            "inspectors": [],
        }
    )
    population_size = 1
    sample_size = 1
    inspectors_per_entity = 0
    drawn_by = factory.SubFactory(ProvinceAuditorFactory)


class SpotCheckEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotCheckEntity

    institution = factory.SubFactory(InstitutionFactory)
    spot_check = factory.SubFactory(
        SpotCheckFactory, institution=factory.SelfAttribute("..institution")
    )
    position = 1
    weight = Decimal(1)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    entity = factory.SubFactory(SpotCheckEntityFactory)
    outcome = FindingOutcome.ISSUES_FOUND
    detail = "考务记录不全"
    action_taken = "责令整改"
    recorded_by = factory.SelfAttribute("entity.spot_check.drawn_by")


class CreditFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditFlag

    institution = factory.SubFactory(InstitutionFactory)
    reason = "违规发证，列入失信名单"
    raised_by = factory.SubFactory(UserFactory)


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    title = "关于评价机构违规问题的通报"
    body = "依据苏人社办函〔2022〕54号 五，现将抽查情况通报如下。"
    institution = factory.SubFactory(InstitutionFactory)
    issued_by = factory.SubFactory(UserFactory)


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    target_type = ComplaintTarget.INSTITUTION
    institution = factory.SubFactory(InstitutionFactory)
    target_description = factory.SelfAttribute("institution.name")
    city = factory.SelfAttribute("institution.city")
    content = "考试时有人替考"


class CertificateSummaryFactory(factory.django.DjangoModelFactory):
    """A month's count of one institution's certificates of one occupation and level (the
    statistics summary; refresh_summary builds the real rows)."""

    class Meta:
        model = CertificateSummary

    month = date(2026, 6, 1)
    institution = factory.SubFactory(InstitutionFactory)
    occupation = factory.SubFactory(OccupationFactory)
    level = 4
    kind = CertificateKind.SKILL_LEVEL
    issued = 12


class SummaryRefreshFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SummaryRefresh

    refreshed_at = factory.LazyFunction(timezone.now)
    covers_until = date(2026, 7, 1)


class QualityReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityReview

    year = factory.Sequence(lambda n: 2000 + n)
    half = Half.FIRST
    version = 1
    period_start = factory.LazyAttribute(lambda o: date(o.year, 1, 1))
    period_end = factory.LazyAttribute(lambda o: date(o.year, 6, 30))
    generated_by = factory.SubFactory(ProvinceAuditorFactory)
    totals = factory.LazyFunction(lambda: summarise([]))


class ReviewRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewRow

    review = factory.SubFactory(QualityReviewFactory)
    institution = factory.SubFactory(InstitutionFactory)
    certificates_issued = 12
    batches = 2
    late_publicity = 1
    flags = factory.LazyFunction(lambda: [ReviewFlag.LATE_PUBLICITY.value])
    flag_count = 1
    evidence = factory.LazyFunction(
        lambda: {
            ReviewFlag.LATE_PUBLICITY.value: [
                {
                    "batch": 1,
                    "exam_ends_on": "2025-03-20",
                    "publicised_on": "2025-04-18",
                    "days": 29,
                }
            ]
        }
    )


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = JobKind.ROSTER_IMPORT
    status = JobStatus.QUEUED
    institution = factory.SubFactory(InstitutionFactory)
    started_by = factory.SubFactory(
        InstitutionStaffFactory, institution=factory.SelfAttribute("..institution")
    )


def occupation_with_resources(code="6-18-01-01", name="车工", levels=(1, 2, 3, 4, 5), **resources):
    """An occupation whose levels carry technical resources (default: national standard + bank)."""
    occupation = OccupationFactory(code=code, name=name, levels=levels)
    flags = {"has_national_standard": True, "has_question_bank": True, **resources}
    OccupationLevel.objects.filter(occupation=occupation).update(**flags)
    return occupation


def approved_filing(
    institution, items, *, regions=("320000",), valid_from=None, valid_until=None, authority=None
):
    """An approved filing written straight to the database, for tests that need an existing scope.
    `items` is a list of (occupation, level)."""
    user = UserFactory(
        username=f"filer-{institution.pk}", role=Role.INSTITUTION_STAFF, institution=institution
    )
    filing = Filing.objects.create(
        institution=institution,
        authority=authority or institution.city,
        status=FilingStatus.APPROVED,
        valid_from=valid_from or date(2024, 1, 1),
        valid_until=valid_until or date(2099, 12, 31),
        created_by=user,
    )
    filing.region_scope.set(Region.objects.filter(code__in=regions))
    for occupation, level in items:
        FilingItem.objects.create(filing=filing, occupation=occupation, level=level)
    return filing


def exiting_occupation(code="6-31-01-03", name="电工", exit_batch=1):
    """An occupation with technical resources (default 电工) that leaves the vocational
    qualification catalogue in the given 239号 exit batch (batch 1's cut-off: 2020-09-30)."""
    occupation = occupation_with_resources(code=code, name=name)
    occupation.vq_exit_batch = exit_batch
    occupation.save()
    return occupation


def planned_batch(institution, user, occupation, level=4, **overrides):
    """A batch planned the way its institution plans one (Batch.objects.plan, so inside the filed
    scope): a skill-level evaluation in 江宁区 on 3–4 November 2026 from the national bank, unless
    `overrides` say otherwise."""
    values = {
        "evaluation_type": EvaluationType.SKILL_LEVEL,
        "region": region("320115"),
        "exam_starts_on": date(2026, 11, 3),
        "exam_ends_on": date(2026, 11, 4),
        "venue": "江宁区某实训基地",
        "examiners": "张考评",
        "question_source": QuestionSource.NATIONAL_BANK,
        **overrides,
    }
    return Batch.objects.plan(
        institution=institution, user=user, occupation=occupation, level=level, **values
    )


def exiting_occupation_filed_by(institution):
    """电工, of 239号 exit batch 1 (cut-off 2020-09-30), in the institution's filing (level 4)
    since 2019."""
    electrician = exiting_occupation()
    approved_filing(institution, [(electrician, 4)], valid_from=date(2019, 1, 1))
    return electrician


def planned_vocational_batch(institution, user, occupation, **overrides):
    """A vocational-qualification batch examined on 20–21 October 2020, three weeks after the
    cut-off of exit batch 1; planned on whatever day the caller travels to."""
    return planned_batch(
        institution,
        user,
        occupation,
        evaluation_type=EvaluationType.VOCATIONAL_QUALIFICATION,
        exam_starts_on=date(2020, 10, 20),
        exam_ends_on=date(2020, 10, 21),
        **overrides,
    )


def vocational_batch_of_exit_batch_1(institution, user):
    """The vocational-qualification batch of an exit-batch-1 occupation, its plan published and
    no admission tickets yet."""
    batch = planned_vocational_batch(institution, user, exiting_occupation_filed_by(institution))
    batch.publish_plan(user)
    return batch


def issued_certificate(institution, *, number, id_number, name="王小明", batch=None, **fields):
    """A certificate written straight to the table (issuance has its own tests): skill level 4 in
    an occupation of its own unless `fields` say otherwise, issued 2025-06-30, in no batch unless
    one is given."""
    return CertificateFactory(
        institution=institution,
        batch=batch,
        holder_name=name,
        id_number=id_number,
        number=number,
        occupation=fields.pop("occupation", None) or OccupationFactory(),
        level=fields.pop("level", 4),
        **fields,
    )


def make_candidate(batch, n: int, **fields):
    """A roster row written straight to the database (the roster upload has its own tests)."""
    id_number = make_resident_id("320102", f"19{80 + n % 20:02d}0101", n)
    values = {
        "name": f"考生{n}",
        "gender": "male",
        "education": 3,
        "work_years": Decimal(8),
        "id_number_encrypted": personal_data.encrypt(id_number),
        "id_number_hash": personal_data.keyed_hash(id_number),
        "id_number_masked": personal_data.mask_id_number(id_number),
        **fields,
    }
    return Candidate.objects.create(batch=batch, **values)
