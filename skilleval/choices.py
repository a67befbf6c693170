from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("省级管理员")
    PROVINCE_AUDITOR = "province_auditor", _("省级督查员")
    CITY_STAFF = "city_staff", _("设区市人社局")
    COUNTY_STAFF = "county_staff", _("区（县）人社局")
    INSTITUTION_STAFF = "institution_staff", _("评价机构工作人员")
    INSTITUTION_SIGNATORY = "institution_signatory", _("评价机构负责人")
    COMPETITION_ORGANISER = "competition_organiser", _("竞赛主办单位")
    # 等保 2.0 third level separates three administrators, none able to do another's work and none
    # seeing the business data: accounts and second factors; the audit log; the system (jobs).
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.PROVINCE_AUDITOR)
INSTITUTION_ROLES = (Role.INSTITUTION_STAFF, Role.INSTITUTION_SIGNATORY)
ADMINISTRATOR_ROLES = (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN)


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("设区市")
    COUNTY = "county", _("区（县）")


class Level(models.IntegerChoices):
    """The five skill levels (实施意见 二十). Posts above level 1 (特级技师, 首席技师) are not levels."""

    LEVEL_1 = 1, _("一级/高级技师")
    LEVEL_2 = 2, _("二级/技师")
    LEVEL_3 = 3, _("三级/高级工")
    LEVEL_4 = 4, _("四级/中级工")
    LEVEL_5 = 5, _("五级/初级工")


class TrainingRoute(models.TextChoices):
    """The schooling or apprenticeship routes the national standards' application conditions
    (申报条件) name, lowest first: a higher school also satisfies a condition on a lower one."""

    APPRENTICESHIP = "apprenticeship", _("本职业（工种）学徒期满")
    TECHNICAL_SCHOOL = "technical_school", _("技工学校或中等职业学校本专业毕业（含应届）")
    SENIOR_TECHNICAL_SCHOOL = (
        "senior_technical_school",
        _("高级技工学校、技师学院或高等职业学校本专业毕业（含应届）"),
    )
    PREPARATORY_TECHNICIAN = "preparatory_technician", _("技师学院预备技师（技师）班毕业")


# A school route satisfies any condition on the routes before it (an apprenticeship is apart).
SCHOOL_ROUTES = [
    TrainingRoute.TECHNICAL_SCHOOL,
    TrainingRoute.SENIOR_TECHNICAL_SCHOOL,
    TrainingRoute.PREPARATORY_TECHNICIAN,
]


LEVEL_NAMES_EN = {
    1: "Level 1 / Senior technician",
    2: "Level 2 / Technician",
    3: "Level 3 / Senior worker",
    4: "Level 4 / Intermediate worker",
    5: "Level 5 / Junior worker",
}


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class JobKind(models.TextChoices):
    OCCUPATION_IMPORT = "occupation_import", _("职业目录导入")
    ROSTER_IMPORT = "roster_import", _("考生名单导入")
    CERTIFICATE_ISSUANCE = "certificate_issuance", _("证书批量核发")


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号锁定")
    LOGOUT = "logout", _("退出")


def in_chinese(label) -> str:
    """A (lazy) label in Chinese whatever the user's language: for the printed documents
    (certificates, proofs, admission tickets, filing forms), which are Chinese by rule."""
    with translation.override("zh-hans"):
        return str(label)


def in_english(label) -> str:
    with translation.override("en"):
        return str(label)
