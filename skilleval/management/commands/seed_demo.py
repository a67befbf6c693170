"""Load a realistic demo: institutions of every kind in several cities with their filings, one
account per role, the starter occupation list. Safe to run twice: existing rows are kept,
missing ones are added."""

from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from institutions.choices import (
    CatalogAction,
    CatalogStatus,
    FilingStatus,
    InstitutionKind,
    MaterialKind,
)
from institutions.models import Filing, FilingItem, FilingMaterial, Institution
from skilleval.choices import JobKind, Role
from skilleval.demo import make_uscc
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
        with transaction.atomic():
            institutions = self._institutions()
            users = self._accounts(institutions)
        self._occupations(users["prov_admin"])
        with transaction.atomic():
            self._technical_resources()
            self._filings(institutions, users)
            self._catalog(institutions, users["prov_admin"])
        self._print_accounts()

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
        return users

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

    def _filings(self, institutions, users):
        if Filing.objects.exists():
            return
        pdf = demo_material_pdf()
        province = Region.objects.get(code="320000")
        reviewers = {"320100": users["nanjing_city"], "320500": users["suzhou_city"]}
        for key, filings in FILINGS.items():
            institution = institutions[key]
            filer = institution.staff.first() or users["prov_admin"]
            for status, authority, validity, regions, items, reason in filings:
                filing = Filing.objects.create(
                    institution=institution,
                    authority=province if authority == "province" else institution.city,
                    status=status,
                    valid_from=validity[0] if validity else None,
                    valid_until=validity[1] if validity else None,
                    created_by=filer,
                    submitted_at=None if status == FilingStatus.DRAFT else timezone.now(),
                    decided_at=timezone.now()
                    if status in (FilingStatus.APPROVED, FilingStatus.REJECTED)
                    else None,
                    decided_by=(
                        users["prov_admin"]
                        if authority == "province"
                        else reviewers.get(institution.city_id, users["prov_admin"])
                    )
                    if status in (FilingStatus.APPROVED, FilingStatus.REJECTED)
                    else None,
                    decision_reason=reason,
                )
                filing.region_scope.set(Region.objects.filter(code__in=regions))
                for code, levels in items:
                    occupation = Occupation.objects.get(code=code)
                    for level in levels:
                        FilingItem.objects.create(filing=filing, occupation=occupation, level=level)
                kinds = filing.required_materials()
                if status == FilingStatus.DRAFT:
                    kinds = kinds[:5]  # a draft still being put together
                for kind in kinds:
                    FilingMaterial.objects.create(
                        filing=filing,
                        kind=kind,
                        file=ContentFile(pdf, name=f"{kind}.pdf"),
                        original_name=f"{MaterialKind(kind).label.split(' / ')[0]}.pdf",
                        uploaded_by=filer,
                    )
        Institution.objects.filter(pk=institutions["wuyue_kunshan"].pk).update(announced_on=TODAY)

    def _catalog(self, institutions, province_admin):
        longcheng = institutions["longcheng"]
        longcheng.refresh_from_db()
        if longcheng.catalog_status == CatalogStatus.ACTIVE:
            longcheng.change_catalog_status(
                CatalogAction.SUSPEND,
                actor=province_admin,
                reason="双随机抽查发现考务记录不全，暂停整改（演示）",
            )

    def _print_accounts(self):
        self.stdout.write(
            self.style.SUCCESS(f"\n演示账号 / Demo accounts (password: {DEMO_PASSWORD})")
        )
        self.stdout.write(f"  {'root':<20} 超级管理员 / Superuser")
        for username, role, full_name, _scope in ACCOUNTS:
            self.stdout.write(f"  {username:<20} {Role(role).label}  {full_name}")
        self.stdout.write(f"\n门户 / Portal: {settings.SITE_URL}/\n")
