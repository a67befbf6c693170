"""Load a realistic demo: institutions of every kind in several cities with their filings, one
account per role, the starter occupation list. Safe to run twice: existing rows are kept,
missing ones are added."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits import draws
from audits.choices import ComplaintStatus, FindingOutcome, Population
from audits.forms import settle_city
from audits.models import Complaint, Inspector, Notice, QualityReview, SpotCheck, refresh_summary
from audits.reviews import run_review
from certificates.models import Certificate
from competitions.choices import FilingReason, HonourKind
from competitions.issuance import decide_recognition, issue_competition_certificates
from competitions.models import Competition, Contestant, Event, Honour, Recognition
from institutions.choices import (
    BatchStatus,
    CatalogAction,
    CatalogStatus,
    EligibilityBasis,
    EvaluationType,
    ExitRemedyChoice,
    FilingStatus,
    InstitutionKind,
    MaterialKind,
    QuestionSource,
)
from institutions.models import (
    Batch,
    Candidate,
    ExamRoom,
    ExitRemedy,
    Filing,
    Institution,
)
from skilleval import personal_data, two_factor
from skilleval.celery import app as celery_app
from skilleval.choices import JobKind, Role
from skilleval.demo import make_photo_jpeg, make_resident_id, make_uscc
from skilleval.models import Job, Occupation, OccupationLevel, Region, User
from skilleval.occupation_import import STARTER_CSV

DEMO_PASSWORD = "Demo-2026-skill"
K = InstitutionKind

# key: (name, kind, county code, responsible person, phone)
INSTITUTIONS = {
    "jinling": ("南京金陵机电装备有限公司", K.EMPLOYER, "320115", "王建国", "025-52101234"),
    "nj_centre": (
        "南京市职业技能鉴定指导中心",
        K.APPRAISAL_CENTRE,
        "320106",
        "陈立新",
        "025-83612345",
    ),
    "wuyue": ("苏州吴越职业技能培训评价中心", K.SOCIAL_ORG, "320508", "周敏", "0512-65201234"),
    "kunshan_precision": (
        "昆山精工电子科技有限公司",
        K.EMPLOYER,
        "320583",
        "张志强",
        "0512-57301234",
    ),
    "taihu_school": (
        "无锡太湖高级技工学校",
        K.TECHNICAL_SCHOOL,
        "320213",
        "李红梅",
        "0510-82701234",
    ),
    "huaihai": (
        "徐州淮海建设职业技能评价有限公司",
        K.SOCIAL_ORG,
        "320311",
        "刘洋",
        "0516-83901234",
    ),
    "longcheng": (
        "常州龙城职业技能评价有限公司",
        K.SOCIAL_ORG,
        "320411",
        "顾晓东",
        "0519-86101234",
    ),
    "machinery": (
        "江苏省机械行业职业技能评价中心",
        K.SOCIAL_ORG,
        "320104",
        "孙卫东",
        "025-84401234",
    ),
    "wuyue_kunshan": (
        "苏州吴越职业技能培训评价中心昆山分部",
        K.SOCIAL_ORG,
        "320583",
        "周敏",
        "0512-57501234",
    ),
    "yangzhou_hotel": (
        "扬州淮扬菜职业技能评价中心",
        K.SOCIAL_ORG,
        "321002",
        "钱玉兰",
        "0514-87301234",
    ),
}
BRANCHES = {"wuyue_kunshan": "wuyue"}

# key: (status, authority "city"/"province", validity or None, regions, [(occupation code, levels)], reason)
TODAY = timezone.localdate()
YEARS_3 = (date(2025, 1, 1), date(2027, 12, 31))
FILINGS = {
    "jinling": [
        (
            "approved",
            "city",
            YEARS_3,
            ["320100"],
            [("6-18-01-01", (5, 4, 3)), ("6-31-01-03", (5, 4, 3, 2))],
            "",
        )
    ],
    "nj_centre": [
        (
            "approved",
            "city",
            YEARS_3,
            ["320100"],
            [("6-18-02-04", (5, 4, 3, 2, 1)), ("4-03-02-01", (5, 4, 3))],
            "",
        )
    ],
    "wuyue": [
        (
            "approved",
            "city",
            YEARS_3,
            ["320500"],
            [("4-10-01-05", (5, 4, 3)), ("4-07-05-01", (5, 4, 3))],
            "",
        ),
        ("submitted", "city", None, ["320500"], [("4-03-02-07", (5, 4, 3))], ""),
    ],
    "kunshan_precision": [
        ("approved", "city", YEARS_3, ["320583"], [("6-25-04-07", (5, 4, 3))], "")
    ],
    "taihu_school": [
        (
            "approved",
            "city",
            YEARS_3,
            ["320200"],
            [("6-18-01-02", (5, 4)), ("6-31-07-03", (4, 3))],
            "",
        )
    ],
    # Expired at the end of 2024: no longer in the catalog, cannot start batches.
    "huaihai": [
        (
            "approved",
            "city",
            (date(2022, 1, 1), date(2024, 12, 31)),
            ["320300"],
            [("6-29-01-01", (5, 4, 3))],
            "",
        )
    ],
    # Suspended from the catalog below.
    "longcheng": [("approved", "city", YEARS_3, ["320400"], [("6-18-03-03", (5, 4, 3))], "")],
    "machinery": [
        ("approved", "province", YEARS_3, ["320000"], [("6-20-01-01", (5, 4, 3, 2))], "")
    ],
    # Approved today: the branch is still in its public announcement (41号 三(五)).
    "wuyue_kunshan": [
        (
            "approved",
            "city",
            (TODAY, TODAY + timedelta(days=3 * 365)),
            ["320583"],
            [("4-10-01-05", (5, 4))],
            "",
        )
    ],
    "yangzhou_hotel": [
        ("approved", "city", YEARS_3, ["321000"], [("4-03-02-01", (5, 4, 3, 2))], ""),
        (
            "rejected",
            "city",
            None,
            ["321000"],
            [("4-03-02-02", (5, 4, 3))],
            "考评人员数量不足，场地未通过核验",
        ),
        ("draft", "city", None, ["321000"], [("4-03-02-02", (5, 4, 3))], ""),
    ],
}
# Occupation-levels without a national question bank in the demo's technical-resource catalog;
# 无人机装调检修工 is covered by an approved provincial specification instead.
NO_QUESTION_BANK = {"6-18-01-13"}
PROVINCIAL_SPEC = {"6-23-03-15": "江苏省无人机装调检修工评价规范（试行）"}

# username, role, full name, scope (city code / county code / institution key / organisation)
ACCOUNTS = [
    ("prov_admin", Role.PROVINCE_ADMIN, "省鉴定中心 赵管理", {}),
    ("prov_auditor", Role.PROVINCE_AUDITOR, "省厅督查 钱督查", {}),
    ("nanjing_city", Role.CITY_STAFF, "南京市人社局 孙科员", {"city": "320100"}),
    ("suzhou_city", Role.CITY_STAFF, "苏州市人社局 李科员", {"city": "320500"}),
    ("jiangning_county", Role.COUNTY_STAFF, "江宁区人社局 周科员", {"county": "320115"}),
    ("inst_staff", Role.INSTITUTION_STAFF, "金陵机电 吴考务", {"institution": "jinling"}),
    ("inst_signatory", Role.INSTITUTION_SIGNATORY, "金陵机电 王建国", {"institution": "jinling"}),
    ("suzhou_org_staff", Role.INSTITUTION_STAFF, "吴越评价中心 郑考务", {"institution": "wuyue"}),
    (
        "yangzhou_org_staff",
        Role.INSTITUTION_STAFF,
        "淮扬菜评价中心 钱考务",
        {"institution": "yangzhou_hotel"},
    ),
    (
        "organiser",
        Role.COMPETITION_ORGANISER,
        "南京市总工会 冯干事",
        {"organisation": "南京市总工会"},
    ),
    # The three administrators, each unable to do the others' work (等保 2.0 third level).
    ("security_admin", Role.SECURITY_ADMIN, "省信息中心 陈安全", {"organisation": "省信息中心"}),
    ("audit_admin", Role.AUDIT_ADMIN, "省信息中心 林审计", {"organisation": "省信息中心"}),
    ("system_admin", Role.SYSTEM_ADMIN, "省信息中心 何系统", {"organisation": "省信息中心"}),
]


DEMO_NAMES = [
    "王伟",
    "李娜",
    "张敏",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄丽",
    "周杰",
    "吴婷",
    "徐强",
    "孙悦",
    "马超",
    "朱琳",
    "胡斌",
    "郭佳",
    "何勇",
    "林芳",
    "高翔",
    "罗敏",
    "郑浩",
    "梁雪",
    "谢东",
    "宋佳",
]


def demo_material_pdf() -> bytes:
    """One small real PDF reused for every demo filing material."""
    from weasyprint import HTML

    return HTML(
        string="<h1>演示备案材料</h1><p>本文件为演示数据。Demo filing material.</p>"
    ).write_pdf()


class Command(BaseCommand):
    help = "Load the demo data and print one account per role."

    def handle(self, *args, **options):
        # The demo's jobs (imports, issuance, reviews) run here, whatever broker is configured:
        # each part of the seed is one transaction, which a worker elsewhere could not see into.
        eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
        try:
            self._seed()
        finally:
            celery_app.conf.task_always_eager = eager
        self._print_accounts()

    def _seed(self):
        with transaction.atomic():
            institutions = self._institutions()
            users = self._accounts(institutions)
        self._occupations(users["prov_admin"])
        with transaction.atomic():
            self._technical_resources()
            self._filings(institutions, users)
            self._catalog(institutions, users["prov_admin"])
        with transaction.atomic():
            self._batches(institutions, users)
        with transaction.atomic():
            self._competitions(users)
        with transaction.atomic():
            self._honours(institutions, users)
        with transaction.atomic():
            self._audits(institutions, users)
        refresh_summary()  # what the nightly beat task does: the statistics say when

    def _institutions(self) -> dict[str, Institution]:
        created = {}
        for serial, (key, (name, kind, county_code, person, phone)) in enumerate(
            INSTITUTIONS.items(), start=1
        ):
            county = Region.objects.get(code=county_code)
            institution, _ = Institution.objects.get_or_create(
                uscc=make_uscc(county_code, serial),
                defaults={
                    "name": name,
                    "kind": kind,
                    "city": county.parent,
                    "county": county,
                    "responsible_person": person,
                    "contact_phone": phone,
                    "address": f"江苏省{county.parent}{county}",
                    "parent": created.get(BRANCHES.get(key, "")),
                },
            )
            created[key] = institution
        return created

    def _accounts(self, institutions) -> dict[str, User]:
        users = {}
        root, made = User.objects.get_or_create(
            username="root",
            defaults={"is_superuser": True, "is_staff": True, "first_name": "系统管理员"},
        )
        if made:
            root.set_password(DEMO_PASSWORD)
            root.save()
        users["root"] = root
        self._authenticator(root)
        for username, role, full_name, scope in ACCOUNTS:
            fields = {"role": role, "first_name": full_name}
            if "city" in scope:
                fields["city"] = Region.objects.get(code=scope["city"])
            if "county" in scope:
                fields["county"] = Region.objects.get(code=scope["county"])
            if "institution" in scope:
                fields["institution"] = institutions[scope["institution"]]
            if "organisation" in scope:
                fields["organisation"] = scope["organisation"]
            user, made = User.objects.get_or_create(username=username, defaults=fields)
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user
            self._authenticator(user)
        return users

    def _authenticator(self, user):
        """Every account signs in with a second factor: the demo accounts come enrolled, their
        secrets printed below for an authenticator app."""
        TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": two_factor.DEVICE_NAME}
        )

    def _occupations(self, province_admin):
        if Occupation.objects.exists():
            return
        # Through the same background job a province admin starts from the import page.
        job = Job.objects.start(
            JobKind.OCCUPATION_IMPORT,
            user=province_admin,
            input_file=ContentFile(STARTER_CSV.read_bytes(), name=STARTER_CSV.name),
        )
        job.refresh_from_db()
        if not job.is_finished:  # no worker listening: run it here (the handler is idempotent)
            job.run()
        self.stdout.write(
            f"职业目录 / occupations: {job.get_status_display()} {job.result or job.error}"
        )

    def _technical_resources(self):
        if OccupationLevel.objects.filter(resources_updated_at__isnull=False).exists():
            return
        levels = OccupationLevel.objects.filter(occupation__major_group__in=[3, 4, 5, 6])
        levels.exclude(occupation__code__in=[*NO_QUESTION_BANK, *PROVINCIAL_SPEC]).update(
            has_national_standard=True, has_question_bank=True, resources_updated_at=timezone.now()
        )
        levels.filter(occupation__code__in=NO_QUESTION_BANK).update(
            has_national_standard=True, resources_updated_at=timezone.now()
        )
        for code, spec in PROVINCIAL_SPEC.items():
            levels.filter(occupation__code=code).update(
                has_provincial_spec=True,
                provincial_spec_name=spec,
                resources_updated_at=timezone.now(),
            )

    def _filer(self, institution) -> User:
        """Who prepares the institution's filings: a demo account of it (or of the organisation
        it is a branch of), otherwise a staff account of its own that does not sign in."""
        staff = User.objects.filter(
            institution__in=[institution.pk, institution.parent_id or institution.pk],
            role__in=[Role.INSTITUTION_STAFF, Role.INSTITUTION_SIGNATORY],
        ).order_by("pk")
        if staff.exists():
            return staff.first()
        user, made = User.objects.get_or_create(
            username=f"staff-{institution.uscc}",
            defaults={
                "role": Role.INSTITUTION_STAFF,
                "institution": institution,
                "first_name": f"{institution.name} 考务",
            },
        )
        if made:
            user.set_unusable_password()
            user.save()
        return user

    def _filings(self, institutions, users):
        """Every filing through the steps a user takes on the pages: draft, region scope,
        occupations, materials, submission, then the authority's decision."""
        if Filing.objects.exists():
            return
        pdf = demo_material_pdf()
        reviewers = {"320100": users["nanjing_city"], "320500": users["suzhou_city"]}
        for key, filings in FILINGS.items():
            institution = institutions[key]
            filer = self._filer(institution)
            for status, authority, validity, regions, items, reason in filings:
                filing = Filing.objects.open_draft(
                    institution, user=filer, province_level=authority == "province"
                )
                filing.set_region_scope(Region.objects.filter(code__in=regions), user=filer)
                for code, levels in items:
                    occupation = Occupation.objects.get(code=code)
                    for level in levels:
                        filing.add_item(occupation, level, user=filer)
                kinds = filing.required_materials()
                if status == FilingStatus.DRAFT:
                    kinds = kinds[:5]  # a draft still being put together
                for kind in kinds:
                    filing.attach_material(
                        kind,
                        ContentFile(pdf, name=f"{MaterialKind(kind).label.split(' / ')[0]}.pdf"),
                        user=filer,
                    )
                if status == FilingStatus.DRAFT:
                    continue
                filing.submit(user=filer)
                reviewer = (
                    users["prov_admin"]
                    if filing.is_province_level
                    else reviewers.get(institution.city_id, users["prov_admin"])
                )
                if status == FilingStatus.APPROVED:
                    filing.approve(user=reviewer, valid_from=validity[0], valid_until=validity[1])
                elif status == FilingStatus.REJECTED:
                    filing.reject(user=reviewer, reason=reason)

    def _catalog(self, institutions, province_admin):
        longcheng = institutions["longcheng"]
        longcheng.refresh_from_db()
        if longcheng.catalog_status == CatalogStatus.ACTIVE:
            longcheng.change_catalog_status(
                CatalogAction.SUSPEND,
                actor=province_admin,
                reason="双随机抽查发现考务记录不全，暂停整改（演示）",
            )

    def _batches(self, institutions, users):
        """One batch in every state, walked through the real workflow by the demo accounts."""
        if Batch.objects.exists():
            return
        staff, city = users["inst_staff"], users["nanjing_city"]
        jinling = institutions["jinling"]
        lathe, electrician = (
            Occupation.objects.get(code="6-18-01-01"),
            Occupation.objects.get(code="6-31-01-03"),
        )
        jiangning = Region.objects.get(code="320115")
        steps = [
            (BatchStatus.DRAFT, None),
            (BatchStatus.PLAN_PUBLISHED, lambda b: b.publish_plan(staff)),
            (BatchStatus.ROSTER_ENTERED, lambda b: b.close_roster(staff)),
            (BatchStatus.ELIGIBILITY_REVIEWED, self._review),
            (BatchStatus.ROOMS_ARRANGED, self._rooms),
            (BatchStatus.TICKETS_GENERATED, lambda b: b.generate_tickets(staff)),
            (BatchStatus.EXAMINED, self._scores),
            (BatchStatus.RESULTS_PUBLICISED, lambda b: b.publicise_results(staff)),
            (BatchStatus.RESULTS_APPROVED, lambda b: self._approve(b, city)),
            (BatchStatus.CERTIFICATES_ISSUED, lambda b: self._issue(b, users)),
        ]
        self._staff = staff
        examined = [status for status, _ in steps].index(BatchStatus.EXAMINED)
        for n, (target, _) in enumerate(steps):
            occupation, level = (lathe, 4) if n % 2 == 0 else (electrician, 3)
            # A batch with scores took its exam a month ago: no step runs ahead of it (239号 四).
            starts = (
                TODAY + timedelta(days=20 + n) if n < examined else TODAY - timedelta(days=40 - n)
            )
            batch = Batch.objects.plan(
                institution=jinling,
                user=staff,
                occupation=occupation,
                level=level,
                evaluation_type=EvaluationType.SKILL_LEVEL,
                region=jiangning,
                exam_starts_on=starts,
                exam_ends_on=starts + timedelta(days=1),
                venue="南京市江宁区金陵机电实训中心",
                examiners="陈考评\n刘考评\n黄考评",
                question_source=QuestionSource.NATIONAL_BANK,
            )
            for status, action in steps[1 : n + 1]:
                if status == BatchStatus.ROSTER_ENTERED:
                    self._roster(batch, 12 + n)
                action(batch)
            assert batch.status == target
        cancelled = Batch.objects.plan(
            institution=jinling,
            user=staff,
            occupation=lathe,
            level=5,
            evaluation_type=EvaluationType.SKILL_LEVEL,
            region=jiangning,
            exam_starts_on=TODAY + timedelta(days=40),
            exam_ends_on=TODAY + timedelta(days=40),
            venue="南京市江宁区金陵机电实训中心",
            examiners="陈考评",
            question_source=QuestionSource.NATIONAL_BANK,
        )
        cancelled.cancel(staff, "实训场地改造，延期举办")
        self._invalid_2020_batch(institutions["nj_centre"], users)

    def _roster(self, batch, count):
        rows = []
        for i in range(count):
            id_number = make_resident_id(
                "320115", f"19{85 + i % 15}0{1 + i % 9}1{i % 9}", batch.pk * 37 + i
            )
            rows.append(
                Candidate(
                    batch=batch,
                    name=DEMO_NAMES[(batch.pk + i) % len(DEMO_NAMES)],
                    gender="male" if i % 3 else "female",
                    education=3,
                    work_years=6 + i % 5,
                    current_level=5 if i % 2 else None,
                    is_own_staff=True,
                    id_number_encrypted=personal_data.encrypt(id_number),
                    id_number_hash=personal_data.keyed_hash(id_number),
                    id_number_masked=personal_data.mask_id_number(id_number),
                    birth_date=None,
                    phone=f"1390000{i:04d}",
                    insured_region="南京市",
                    hukou_region="南京市",
                )
            )
        Candidate.objects.bulk_create(rows)

    def _review(self, batch):
        candidates = list(batch.candidates.order_by("pk"))
        batch.decide_eligibility(
            self._staff,
            candidates[1:],
            passed=True,
            basis=EligibilityBasis.STANDARD,
            reason="符合国家职业技能标准申报条件",
        )
        batch.decide_eligibility(
            self._staff,
            candidates[:1],
            passed=False,
            basis=EligibilityBasis.STANDARD,
            reason="从业年限不足",
        )
        batch.complete_eligibility_review(self._staff)

    def _rooms(self, batch):
        ExamRoom.objects.create(batch=batch, name="第01考场", capacity=10)
        ExamRoom.objects.create(batch=batch, name="第02考场", capacity=10)
        batch.arrange_rooms(self._staff)

    def _scores(self, batch):
        for i, candidate in enumerate(batch.candidates.filter(eligibility="passed").order_by("pk")):
            if i == 2:
                candidate.record_scores(absent=True)
            else:
                candidate.record_scores(theory=55 + (i * 7) % 45, practical=58 + (i * 11) % 42)
        batch.record_examined(self._staff)

    def _approve(self, batch, city):
        Batch.objects.filter(pk=batch.pk).update(publicised_on=TODAY - timedelta(days=14))
        batch.refresh_from_db()
        batch.approve_results(city)

    def _issue(self, batch, users):
        """Photos for the passing candidates, then the signatory signs off and the issuance job
        numbers and prints the certificates; one is then corrected and one revoked."""
        Institution.objects.filter(pk=batch.institution_id, province_serial__isnull=True).update(
            province_serial="000123"
        )
        batch.refresh_from_db()
        photo = make_photo_jpeg()
        for candidate in batch.candidates.filter(passed=True):
            candidate.photo.save(f"{candidate.pk}.jpg", ContentFile(photo), save=True)
        job = batch.sign_off(users["inst_signatory"])
        job.refresh_from_db()
        if not job.is_finished:  # no worker listening: run it here
            job.run()
        batch.refresh_from_db()
        certificates = list(Certificate.objects.filter(batch=batch).order_by("number"))
        if len(certificates) >= 2:
            first, second = certificates[0], certificates[1]
            first.correct(
                user=users["inst_staff"],
                reason="姓名录入错误，依身份证更正（演示）",
                holder_name=first.holder_name + "明",
            )
            Certificate.revoke_many(
                [second], user=users["prov_auditor"], reason="抽查发现未参加实操考核（演示）"
            )

    def _invalid_2020_batch(self, centre, users):
        """A level-evaluation vocational qualification batch of 2020 that missed its cut-off."""
        cook = Occupation.objects.get(code="4-03-02-01")
        batch = Batch.objects.create(
            institution=centre,
            occupation=cook,
            level=4,
            evaluation_type=EvaluationType.VOCATIONAL_QUALIFICATION,
            region=centre.county,
            venue="南京市职业技能鉴定指导中心考点",
            examiners="王考评",
            question_source=QuestionSource.PROVINCIAL_BANK,
            exam_starts_on=date(2020, 10, 15),
            exam_ends_on=date(2020, 10, 15),
            exit_batch=1,
            status=BatchStatus.PLAN_PUBLISHED,
            created_by=users["prov_admin"],
        )
        self._roster(batch, 3)
        batch.enforce_exit_cutoff()
        # 239号 二(二): its candidates chose; one refund confirmed by the city, one still open.
        centre_staff = self._filer(centre)
        first, second, third = batch.candidates.order_by("pk")
        ExitRemedy.objects.record(
            centre_staff, first, ExitRemedyChoice.CONTINUE, note="转入职业技能等级认定"
        )
        ExitRemedy.objects.record(centre_staff, second, ExitRemedyChoice.REFUND, Decimal("260.00"))
        ExitRemedy.objects.record(
            centre_staff, third, ExitRemedyChoice.REFUND, Decimal("260.00")
        ).confirm_refund(users["nanjing_city"])

    def _competitions(self, users):
        """Demo competitions (issue 6): city filing (30% out of area), provincial filing (60%),
        across cities (filed with the province), lost incentives (cross-county, started unfiled),
        and one walked through to results, recognitions and certificates."""
        organiser, today = users["organiser"], timezone.localdate()
        region = {r.code: r for r in Region.objects.all()}
        conditions = (
            "江苏省内参加基本养老保险一年以上或具有江苏省户籍的职工；从事本职业（工种）2年以上"
        )

        def competition(name, kind, klass, host, start_in_days, events, involved=()):
            item, made = Competition.objects.get_or_create(
                name=name,
                created_by=organiser,
                defaults={
                    "organiser_name": "南京市总工会",
                    "kind": kind,
                    "competition_class": klass,
                    "host_region": region[host],
                    "starts_on": today + timedelta(days=start_in_days),
                    "ends_on": today + timedelta(days=start_in_days + 2),
                    "conditions": conditions,
                    "contact_phone": "025-83311234",
                },
            )
            if made:
                item.full_clean()
                item.regions_involved.set([region[code] for code in involved])
                # 54号 二: the fee items the page lists, all free (the model refuses anything else).
                for fee in ("报名费", "参赛费", "资料费"):
                    item.set_fee(fee, Decimal(0), user=organiser)
                for code in events:
                    Event.objects.create(
                        competition=item, occupation=Occupation.objects.get(code=code)
                    )
            return item, made

        def contestants(item, local, outsiders, ranks=(), levels=()):
            event = item.events.first()
            for n in range(local + outsiders):
                number = make_resident_id(
                    "320115" if n < local else "320583",
                    f"199{n % 10}0{1 + n % 9}15",
                    item.pk * 40 + n,
                )
                Contestant.objects.create(
                    competition=item,
                    event=event,
                    name=DEMO_NAMES[n % len(DEMO_NAMES)],
                    group="worker",
                    id_number_encrypted=personal_data.encrypt(number),
                    id_number_hash=personal_data.keyed_hash(number),
                    id_number_masked=personal_data.mask_id_number(number),
                    # Locals are insured in 江宁区 for years; outsiders have a 昆山 hukou.
                    pension_region=region["320115"] if n < local else None,
                    pension_months=36 if n < local else 0,
                    hukou_region=None if n < local else region["320583"],
                    work_years=Decimal(6),
                    current_level=levels[n] if n < len(levels) else 4,
                    rank=ranks[n] if n < len(ranks) else None,
                )

        # 3 of 10 out of area (30%): filing with the 南京 HR bureau, submitted and waiting.
        item, made = competition(
            "2026年南京市车工职业技能竞赛", "city", 1, "320100", 45, ["6-18-01-01"]
        )
        if made:
            contestants(item, 7, 3)
            item.file(FilingReason.OUT_OF_AREA, user=organiser)
        # 6 of 10 out of area (60%): filing with the province, not yet submitted.
        item, made = competition(
            "南京都市圈中式烹调师技能邀请赛", "city", 2, "320100", 60, ["4-03-02-01"]
        )
        if made:
            contestants(item, 4, 6)
        # 南京 + 镇江 + 扬州: across cities, filed in advance with the province; 南京 gave its opinion.
        item, made = competition(
            "宁镇扬养老护理员职业技能竞赛",
            "city",
            1,
            "320100",
            75,
            ["4-10-01-05"],
            involved=["321100", "321000"],
        )
        if made:
            contestants(item, 8, 0)
            filing = item.file(FilingReason.CROSS_REGION, user=organiser)
            filing.record_opinion(
                user=users["nanjing_city"], opinion="经审核，同意报省人社厅备案。"
            )
        # 江宁 + 鼓楼: across counties, needed a city filing before it started and has none.
        item, made = competition(
            "江宁区家政服务员职业技能竞赛",
            "county",
            None,
            "320115",
            -20,
            ["4-10-01-06"],
            involved=["320106"],
        )
        if made:
            contestants(item, 6, 0, ranks=[1, 2, 3])
        # 1 of 10 out of area (exactly 10%): no filing; results, recognitions and certificates.
        item, made = competition(
            "南京市汽车维修工职业技能竞赛", "city", 1, "320100", -30, ["4-12-01-01"]
        )
        if made:
            contestants(item, 9, 1, ranks=[1, 2, 3, 4, 5], levels=[4, 3, 4, 4, 5])
            first, *_ = Recognition.propose_for(item)
            decide_recognition(first, user=users["nanjing_city"], grant=True, level=3)
            issue_competition_certificates(item, users["nanjing_city"])  # 代章: the city issues

    def _honours(self, institutions, users):
        """实施意见 十六: a 江苏技能大奖 winner recognised by the province as 一级/高级技师 (the
        provincial appraisal centre issues), a 南京市技术能手 recognised by the city as 二级/技师
        (the 南京 centre issues), and a 江宁区 honour waiting for the county."""
        if Honour.objects.exists():
            return
        province = Region.objects.get(code="320000")
        Institution.objects.get_or_create(
            uscc=make_uscc("320000", 1),
            defaults={
                "name": "江苏省职业技能鉴定指导中心",
                "kind": K.APPRAISAL_CENTRE,
                "city": province,
                "responsible_person": "钱国栋",
                "contact_phone": "025-83276000",
                "address": "江苏省南京市",
                "ministry_code": "3200",
                "province_serial": "000901",
            },
        )
        nj_centre = institutions["nj_centre"]
        if not nj_centre.province_serial:
            nj_centre.province_serial = "000902"
            nj_centre.save(update_fields=["province_serial"])
        cases = [
            (
                "prov_admin",
                "王振华",
                "320106",
                HonourKind.JIANGSU_SKILLS_AWARD,
                "江苏技能大奖",
                "江苏省人民政府",
                "苏政发〔2025〕88号",
                "6-18-01-01",
                None,
                True,
            ),
            (
                "nanjing_city",
                "刘建军",
                "320115",
                HonourKind.OTHER,
                "南京市技术能手",
                "南京市人民政府",
                "宁政发〔2025〕41号",
                "4-12-01-01",
                2,
                True,
            ),
            (
                "jiangning_county",
                "孙丽娟",
                "320115",
                HonourKind.OTHER,
                "江宁区优秀技能人才",
                "南京市江宁区人民政府",
                "江宁政发〔2026〕7号",
                "4-03-02-01",
                3,
                False,
            ),
        ]
        for n, (who, name, born_in, kind, title, body, document, code, level, done) in enumerate(
            cases
        ):
            user = users[who]
            honour = Honour.record(
                user=user,
                name=name,
                id_type="resident_id",
                id_number=make_resident_id(born_in, f"19{78 + n}0612", 700 + n),
                kind=kind,
                title=title,
                awarding_body=body,
                document_number=document,
                awarded_on=TODAY - timedelta(days=90 - 30 * n),
                occupation=Occupation.objects.get(code=code),
                level=level,
            )
            if done:
                honour.recognise(user=user)

    def _audits(self, institutions, users):
        """An inspector pool (two per city, one affiliated with an institution), a published
        spot check with findings, a batch draw in progress, and complaints in each state."""
        if SpotCheck.objects.exists():
            return
        surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹"
        for n, city in enumerate(Region.objects.cities().order_by("code")):
            for k, given in enumerate(["建华", "晓梅"]):
                Inspector.objects.get_or_create(
                    name=f"{surnames[2 * n + k]}{given}",
                    city=city,
                    defaults={"field": ["机械制造", "餐饮服务"][k]},
                )
        # Works at 金陵机电: never sent there, nor anywhere in Nanjing (回避).
        Inspector.objects.get_or_create(
            name="严立新", city_id="320500", institution=institutions["jinling"]
        )
        auditor = users["prov_auditor"]
        spot_check = draws.draw(
            user=auditor,
            population=Population.INSTITUTIONS,
            ratio=Decimal("0.30"),
            seed="demo-2026",
        )
        outcomes = [
            (
                FindingOutcome.SERIOUS,
                "考务档案缺失，部分考生未参加实操考核即发证",
                "注销该批次证书，暂停评价资格，全省通报",
            ),
            (FindingOutcome.ISSUES_FOUND, "考评人员签到表与监考记录不一致", "责令限期整改"),
            (FindingOutcome.NO_ISSUE, "考务规范，档案齐全", ""),
        ]
        for n, entity in enumerate(spot_check.entities.order_by("position")):
            outcome, detail, action = outcomes[n % len(outcomes)]
            draws.record_finding(
                entity, user=auditor, outcome=outcome, detail=detail, action_taken=action
            )
        draws.publish(spot_check, user=auditor)
        draws.draw(
            user=auditor,
            population=Population.BATCHES,
            ratio=Decimal("0.20"),
            filters={"from": TODAY, "to": TODAY + timedelta(days=60)},
        )
        # (status, target, institution, description, content, outcome, public summary): two
        # concluded complaints have their outcome published (实施意见 二十五).
        complaints = [
            (
                ComplaintStatus.RECEIVED,
                "institution",
                "wuyue",
                "苏州吴越职业技能培训评价中心",
                "报名时承诺“包过”，收费后代为完成理论考试。",
                "",
                "",
            ),
            (
                ComplaintStatus.ASSIGNED,
                "batch",
                "jinling",
                "金陵机电 车工四级批次",
                "实操考核时考评人员只有一人在场。",
                "",
                "",
            ),
            (
                ComplaintStatus.INVESTIGATING,
                "certificate",
                "jinling",
                "金陵机电核发的证书",
                "同事未参加考试却取得了证书。",
                "",
                "",
            ),
            (
                ComplaintStatus.CONCLUDED,
                "competition",
                None,
                "某区餐饮行业职业技能竞赛",
                "竞赛向选手收取报名费 200 元。",
                "经查属实，已责令主办单位退还报名费，并在全市通报（54号 二：不得收取任何报名费、参赛费）。"
                "已电话告知举报人。",
                "经调查，该区餐饮行业职业技能竞赛向选手收取报名费属实。已责令主办单位全额退还"
                "报名费，并在全市通报（苏人社办函〔2022〕54号 二：不得收取任何报名费、参赛费）。",
            ),
            (
                ComplaintStatus.CONCLUDED,
                "batch",
                "jinling",
                "金陵机电 焊工四级批次",
                "理论考试时监考老师中途离开考场二十分钟，有考生互相传看答案。",
                "调取考场监控属实，监考人员已调离考务岗位；该批次理论考试成绩作废，组织重考。",
                "经调取考场监控核实，该批次理论考试存在监考人员离场问题。已责令机构更换监考人员、"
                "该批次理论考试成绩作废并组织重考，机构已提交整改报告。",
            ),
        ]
        for target, kind, key, description, content, outcome, summary in complaints:
            complaint = Complaint(
                target_type=kind,
                target_description=description,
                institution=institutions[key] if key else None,
                city_id=None if key else "320100",
                content=content,
                contact="13900000000",
            )
            settle_city(complaint)
            complaint.save()
            handler = (
                users["suzhou_city"] if complaint.city_id == "320500" else users["nanjing_city"]
            )
            while complaint.status != target:
                complaint.advance(user=handler, assignee=handler, outcome=outcome)
            if summary:
                complaint.publish(user=handler, summary=summary)
        # The quality review of the current half-year (54号 五: 一年两次), with its flags.
        if not QualityReview.objects.exists():
            run_review(TODAY.year, 1 if TODAY.month <= 6 else 2, auditor)
        Notice.objects.create(
            title="关于常州龙城职业技能评价有限公司暂停评价资格的通报（演示）",
            body="经双随机抽查，该机构考务记录不全。依据苏人社办函〔2022〕54号 五，暂停其评价资格，限期整改。",
            institution=institutions["longcheng"],
            issued_by=users["prov_admin"],
        )

    def _print_accounts(self):
        self.stdout.write(
            self.style.SUCCESS(f"\n演示账号 / Demo accounts (password: {DEMO_PASSWORD})")
        )
        if settings.TWO_FACTOR_DEMO_CODE:
            self.stdout.write(
                f"双因素认证：输入验证码 {settings.TWO_FACTOR_DEMO_CODE}（仅本地演示环境接受），"
                "或把下列密钥添加到身份验证器应用\n"
                f"Two-factor sign-in: give the code {settings.TWO_FACTOR_DEMO_CODE} (accepted "
                "only by the embedded default), or add the secret below to an authenticator app"
            )
        secrets = {
            device.user.username: two_factor.secret_of(device)
            for device in TOTPDevice.objects.filter(confirmed=True).select_related("user")
        }
        self.stdout.write(f"  {'root':<20} {secrets.get('root', ''):<42} 超级管理员 / Superuser")
        for username, role, full_name, _scope in ACCOUNTS:
            self.stdout.write(
                f"  {username:<20} {secrets.get(username, ''):<42} {Role(role).label}  {full_name}"
            )
        self.stdout.write(f"\n门户 / Portal: {settings.SITE_URL}/\n")
