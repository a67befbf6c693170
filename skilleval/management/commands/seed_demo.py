"""Load a realistic demo: institutions in several cities, one account per role, the starter
occupation list. Safe to run twice: existing rows are kept, missing ones are added."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from institutions.choices import InstitutionKind
from institutions.models import Institution
from skilleval.choices import JobKind, Role
from skilleval.demo import make_uscc
from skilleval.models import Job, Occupation, Region, User
from skilleval.occupation_import import STARTER_CSV

DEMO_PASSWORD = "Demo-2026-skill"

# name, kind, county code, responsible person, phone
INSTITUTIONS = [
    ("南京金陵机电装备有限公司", InstitutionKind.EMPLOYER, "320115", "王建国", "025-52101234"),
    (
        "南京市职业技能鉴定指导中心",
        InstitutionKind.APPRAISAL_CENTRE,
        "320106",
        "陈立新",
        "025-83612345",
    ),
    ("苏州吴越职业技能培训评价中心", InstitutionKind.SOCIAL_ORG, "320508", "周敏", "0512-65201234"),
    ("昆山精工电子科技有限公司", InstitutionKind.EMPLOYER, "320583", "张志强", "0512-57301234"),
    ("无锡太湖高级技工学校", InstitutionKind.TECHNICAL_SCHOOL, "320213", "李红梅", "0510-82701234"),
    (
        "徐州淮海建设职业技能评价有限公司",
        InstitutionKind.SOCIAL_ORG,
        "320311",
        "刘洋",
        "0516-83901234",
    ),
]

# username, role, full name, scope (city code / county code / institution index / organisation)
ACCOUNTS = [
    ("prov_admin", Role.PROVINCE_ADMIN, "省鉴定中心 赵管理", {}),
    ("prov_auditor", Role.PROVINCE_AUDITOR, "省厅督查 钱督查", {}),
    ("nanjing_city", Role.CITY_STAFF, "南京市人社局 孙科员", {"city": "320100"}),
    ("suzhou_city", Role.CITY_STAFF, "苏州市人社局 李科员", {"city": "320500"}),
    ("jiangning_county", Role.COUNTY_STAFF, "江宁区人社局 周科员", {"county": "320115"}),
    ("inst_staff", Role.INSTITUTION_STAFF, "金陵机电 吴考务", {"institution": 0}),
    ("inst_signatory", Role.INSTITUTION_SIGNATORY, "金陵机电 王建国", {"institution": 0}),
    ("suzhou_org_staff", Role.INSTITUTION_STAFF, "吴越评价中心 郑考务", {"institution": 2}),
    (
        "organiser",
        Role.COMPETITION_ORGANISER,
        "南京市总工会 冯干事",
        {"organisation": "南京市总工会"},
    ),
]


class Command(BaseCommand):
    help = "Load the demo data and print one account per role."

    def handle(self, *args, **options):
        with transaction.atomic():
            institutions = self._institutions()
            users = self._accounts(institutions)
        self._occupations(users["prov_admin"])
        self._print_accounts()

    def _institutions(self) -> list[Institution]:
        created = []
        for serial, (name, kind, county_code, person, phone) in enumerate(INSTITUTIONS, start=1):
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
                },
            )
            created.append(institution)
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

    def _print_accounts(self):
        self.stdout.write(
            self.style.SUCCESS(f"\n演示账号 / Demo accounts (password: {DEMO_PASSWORD})")
        )
        self.stdout.write(f"  {'root':<18} 超级管理员 / Superuser")
        for username, role, full_name, _scope in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {Role(role).label}  {full_name}")
        self.stdout.write(f"\n门户 / Portal: {settings.SITE_URL}/\n")
