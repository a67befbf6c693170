"""The world the permission matrix runs in: two tenants, Nanjing (own) and Suzhou (other), each
with an institution, its filings, a batch with candidates, a certificate, a competition, a job,
a spot check with a finding, a complaint, an inspector, and users of every role.

Rows are written straight to the database or through the model methods, whichever is cheaper:
the matrix checks who may reach a row, not how it came to be (those have their own tests)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from skilleval.choices import Role
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    InvalidExitBatchFactory,
    UserFactory,
    approved_filing,
    make_candidate,
    occupation_with_resources,
    region,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The roles of the matrix, in the order the table lists them. "superuser" has no role of its own.
ROLES = [
    "anonymous",
    "superuser",
    Role.PROVINCE_ADMIN.value,
    Role.PROVINCE_AUDITOR.value,
    Role.CITY_STAFF.value,
    Role.COUNTY_STAFF.value,
    Role.INSTITUTION_STAFF.value,
    Role.INSTITUTION_SIGNATORY.value,
    Role.COMPETITION_ORGANISER.value,
]


@dataclass
class Tenant:
    """One city's side of the world: its institution and everything hanging from it."""

    key: str
    institution: object = None
    filing: object = None  # approved
    draft_filing: object = None
    filing_item: object = None
    material: object = None
    batch: object = None
    candidate: object = None
    invalid_batch: object = None  # invalidated at its 239号 二(二) cut-off
    exit_remedy: object = None  # a candidate of it who chose a refund
    certificate: object = None
    proof: object = None  # a proof (证明) given for the certificate
    job: object = None
    competition: object = None
    event: object = None
    contestant: object = None
    competition_filing: object = None
    recognition: object = None
    honour: object = None  # an honour recorded by the tenant's county (技师 and below)
    inspector: object = None
    spot_check: object = None
    entity: object = None
    complaint: object = None
    technical_resource: object = None
    users: dict = field(default_factory=dict)


@dataclass
class World:
    tenants: dict
    superuser: object
    province_admin: object
    province_auditor: object
    review: object
    notice: object
    occupation: object

    @property
    def own(self) -> Tenant:
        return self.tenants["nanjing"]

    @property
    def other(self) -> Tenant:
        return self.tenants["suzhou"]

    def user(self, role: str, tenant: str = "nanjing"):
        if role == "anonymous":
            return None
        if role == "superuser":
            return self.superuser
        if role == Role.PROVINCE_ADMIN:
            return self.province_admin
        if role == Role.PROVINCE_AUDITOR:
            return self.province_auditor
        return self.tenants[tenant].users[role]


TENANTS = {
    # key: (institution name, county, city)
    "nanjing": ("南京矩阵机电有限公司", "320115", "320100"),
    "suzhou": ("苏州矩阵评价中心", "320508", "320500"),
}


def build_world() -> World:
    from audits.choices import FindingOutcome, Population
    from audits.models import Complaint, Finding, Inspector, Notice, SpotCheck, SpotCheckEntity
    from audits.reviews import run_review
    from certificates.choices import CertificateKind, ProofReason
    from certificates.issuance import outputs
    from certificates.models import Certificate, Proof
    from competitions.choices import (
        CompetitionFilingStatus,
        FilingLevel,
        FilingReason,
        HonourKind,
    )
    from competitions.models import (
        Competition,
        CompetitionFiling,
        Contestant,
        Event,
        Honour,
        Recognition,
    )
    from institutions.choices import ExitRemedyChoice, MaterialKind
    from institutions.models import (
        ExamRoom,
        ExitRemedy,
        Filing,
        FilingItem,
        FilingMaterial,
    )
    from skilleval import personal_data
    from skilleval.choices import JobKind, JobStatus
    from skilleval.demo import make_resident_id
    from skilleval.models import ApiToken, Job, OccupationLevel

    lathe = occupation_with_resources()
    superuser = UserFactory(username="m-root", role="", is_superuser=True, is_staff=True)
    province_admin = UserFactory(username="m-padmin", role=Role.PROVINCE_ADMIN)
    province_auditor = UserFactory(username="m-pauditor", role=Role.PROVINCE_AUDITOR)
    tenants = {}
    for n, (key, (name, county_code, city_code)) in enumerate(TENANTS.items()):
        tenant = Tenant(key=key)
        county, city = region(county_code), region(city_code)
        institution = InstitutionFactory(name=name, county=county, province_serial=f"00{n}123")
        tenant.institution = institution
        users = tenant.users
        users[Role.CITY_STAFF] = UserFactory(
            username=f"m-{key}-city", role=Role.CITY_STAFF, city=city
        )
        users[Role.COUNTY_STAFF] = UserFactory(
            username=f"m-{key}-county", role=Role.COUNTY_STAFF, county=county
        )
        staff = users[Role.INSTITUTION_STAFF] = UserFactory(
            username=f"m-{key}-staff", role=Role.INSTITUTION_STAFF, institution=institution
        )
        users[Role.INSTITUTION_SIGNATORY] = UserFactory(
            username=f"m-{key}-signatory",
            role=Role.INSTITUTION_SIGNATORY,
            institution=institution,
        )
        organiser = users[Role.COMPETITION_ORGANISER] = UserFactory(
            username=f"m-{key}-organiser",
            role=Role.COMPETITION_ORGANISER,
            organisation=f"{city}总工会",
        )

        # Filings: one approved (the scope), one draft with an item and a material.
        tenant.filing = approved_filing(institution, [(lathe, 4), (lathe, 3)])
        draft = tenant.draft_filing = Filing.objects.create(
            institution=institution, authority=city, created_by=staff
        )
        draft.region_scope.set([city])
        tenant.filing_item = FilingItem.objects.create(filing=draft, occupation=lathe, level=5)
        tenant.material = FilingMaterial.objects.create(
            filing=draft,
            kind=MaterialKind.WORK_PLAN,
            file=ContentFile(PDF, name="plan.pdf"),
            original_name="plan.pdf",
            uploaded_by=staff,
        )

        # A batch planned in the filed scope, with a roster, a room and a certificate.
        batch = tenant.batch = BatchFactory(
            institution=institution,
            occupation=lathe,
            region=county,
            venue="实训基地",
            exam_starts_on=date.today() + timedelta(days=30),
            exam_ends_on=date.today() + timedelta(days=31),
            created_by=staff,
        )
        tenant.candidate = make_candidate(batch, 1 + 10 * n)
        make_candidate(batch, 2 + 10 * n)
        ExamRoom.objects.create(batch=batch, name="第01考场", capacity=10)
        tenant.invalid_batch = InvalidExitBatchFactory(
            institution=institution, occupation=lathe, created_by=staff
        )
        tenant.exit_remedy = ExitRemedy.objects.create(
            candidate=make_candidate(tenant.invalid_batch, 3 + 10 * n),
            remedy=ExitRemedyChoice.REFUND,
            fee=Decimal(200),
            recorded_by=staff,
        )
        holder = make_resident_id("320104", "19900101", 700 + n)
        tenant.certificate = Certificate.objects.create(
            kind=CertificateKind.SKILL_LEVEL,
            number=f"S00003200{n}123254{n + 1:06d}",
            institution=institution,
            batch=batch,
            holder_name="王小明",
            id_number_encrypted=personal_data.encrypt(holder),
            id_number_hash=personal_data.keyed_hash(holder),
            id_number_masked=personal_data.mask_id_number(holder),
            occupation=lathe,
            level=4,
            issued_on=date(2025, 6, 30),
            signatory="张三",
            pdf=ContentFile(PDF, name=f"matrix-{key}.pdf"),
        )
        tenant.proof = Proof.objects.create(
            certificate=tenant.certificate,
            reason=ProofReason.LOST,
            issued_by=staff,
            issued_on=date(2025, 7, 1),
            pdf=ContentFile(PDF, name=f"matrix-proof-{key}.pdf"),
        )

        # The institution's finished issuance job, with its result and merged print PDF.
        tenant.job = Job.objects.create(
            kind=JobKind.CERTIFICATE_ISSUANCE,
            status=JobStatus.SUCCEEDED,
            started_by=staff,
            institution=institution,
            params={"batch_id": batch.pk},
            result_file=ContentFile(b"a,b\n", name="result.csv"),
        )
        merged = outputs(batch)["merged_pdf"]
        if not default_storage.exists(merged):
            default_storage.save(merged, ContentFile(PDF))

        # A city competition of the tenant's organiser, filed with the city, with a winner.
        competition = tenant.competition = Competition.objects.create(
            name=f"{city}车工职业技能竞赛",
            organiser_name=f"{city}总工会",
            kind="city",
            competition_class=1,
            host_region=city,
            starts_on=date.today() - timedelta(days=30),
            ends_on=date.today() - timedelta(days=28),
            contact_phone="025-83311234",
            created_by=organiser,
        )
        event = tenant.event = Event.objects.create(competition=competition, occupation=lathe)
        contestant_id = make_resident_id(county_code, "19920315", 800 + n)
        tenant.contestant = Contestant.objects.create(
            competition=competition,
            event=event,
            name="李选手",
            group="worker",
            id_number_encrypted=personal_data.encrypt(contestant_id),
            id_number_hash=personal_data.keyed_hash(contestant_id),
            id_number_masked=personal_data.mask_id_number(contestant_id),
            pension_region=county,
            pension_months=36,
            work_years=Decimal(6),
            current_level=4,
            rank=1,
            eligible=True,
        )
        tenant.competition_filing = CompetitionFiling.objects.create(
            competition=competition,
            reason=FilingReason.OUT_OF_AREA,
            level=FilingLevel.CITY,
            authority=city,
            status=CompetitionFilingStatus.SUBMITTED,
            submitted_by=organiser,
        )
        tenant.recognition = Recognition.objects.create(
            contestant=tenant.contestant, level=3, decided_by="city", reason="第1名"
        )
        honoured_id = make_resident_id(county_code, "19800101", 900 + n)
        tenant.honour = Honour.objects.create(
            name=f"{county}表彰人员",
            id_number_encrypted=personal_data.encrypt(honoured_id),
            id_number_hash=personal_data.keyed_hash(honoured_id),
            id_number_masked=personal_data.mask_id_number(honoured_id),
            kind=HonourKind.OTHER,
            title=f"{county}技术能手",
            awarding_body=f"{county}人民政府",
            document_number=f"矩阵〔2025〕{n + 1}号",
            awarded_on=date(2025, 5, 1),
            occupation=tenant.contestant.event.occupation,
            level=3,
            region=county,
            recorded_by=organiser,
        )

        # Audits: an inspector of the city, a published spot check of the institution with a
        # finding, a complaint about it with an attachment.
        tenant.inspector = Inspector.objects.create(name=f"{city}检查员", city=city)
        spot_check = tenant.spot_check = SpotCheck.objects.create(
            population=Population.INSTITUTIONS,
            ratio=Decimal("0.5"),
            seed=f"matrix-{key}",
            # What draws.draw records, so the draw can be reproduced: one institution, no pool.
            inputs={
                "population": [[institution.pk, None, city.pk]],
                "weights": [1.0],
                "inspectors": [],
            },
            population_size=1,
            sample_size=1,
            inspectors_per_entity=0,
            drawn_by=province_auditor,
        )
        tenant.entity = SpotCheckEntity.objects.create(
            spot_check=spot_check, position=1, institution=institution, weight=Decimal(1)
        )
        Finding.objects.create(
            entity=tenant.entity,
            outcome=FindingOutcome.ISSUES_FOUND,
            detail="考务记录不全",
            action_taken="责令整改",
            recorded_by=province_auditor,
        )
        tenant.complaint = Complaint.objects.create(
            target_type="institution",
            target_description=name,
            institution=institution,
            city=city,
            content="考试时有人替考",
            attachment=ContentFile(PDF, name="evidence.pdf"),
        )
        tenants[key] = tenant

    levels = OccupationLevel.objects.filter(occupation=lathe).order_by("level")
    tenants["nanjing"].technical_resource, tenants["suzhou"].technical_resource = levels[:2]
    everyone = [superuser, province_admin, province_auditor]
    for tenant in tenants.values():
        everyone += list(tenant.users.values())
    for user in everyone:
        ApiToken.objects.issue(user, name="matrix")
    today = date.today()
    review = run_review(today.year - 1, 2, province_auditor)
    notice = Notice.objects.create(
        title="矩阵测试通报",
        body="依据苏人社办函〔2022〕54号 五。",
        institution=tenants["suzhou"].institution,
        issued_by=province_admin,
    )
    return World(
        tenants=tenants,
        superuser=superuser,
        province_admin=province_admin,
        province_auditor=province_auditor,
        review=review,
        notice=notice,
        occupation=lathe,
    )
