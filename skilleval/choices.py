from django.db import models


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "省级管理员 / Province admin"
    PROVINCE_AUDITOR = "province_auditor", "省级督查员 / Province auditor"
    CITY_STAFF = "city_staff", "设区市人社局 / City HR staff"
    COUNTY_STAFF = "county_staff", "区（县）人社局 / County HR staff"
    INSTITUTION_STAFF = "institution_staff", "评价机构工作人员 / Institution staff"
    INSTITUTION_SIGNATORY = "institution_signatory", "评价机构负责人 / Institution signatory"
    COMPETITION_ORGANISER = "competition_organiser", "竞赛主办单位 / Competition organiser"


PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.PROVINCE_AUDITOR)
INSTITUTION_ROLES = (Role.INSTITUTION_STAFF, Role.INSTITUTION_SIGNATORY)


class RegionKind(models.TextChoices):
    PROVINCE = "province", "省 / Province"
    CITY = "city", "设区市 / City"
    COUNTY = "county", "区（县）/ District or county"


class Level(models.IntegerChoices):
    """The five skill levels (实施意见 二十). Posts above level 1 (特级技师, 首席技师) are not levels."""

    LEVEL_1 = 1, "一级/高级技师"
    LEVEL_2 = 2, "二级/技师"
    LEVEL_3 = 3, "三级/高级工"
    LEVEL_4 = 4, "四级/中级工"
    LEVEL_5 = 5, "五级/初级工"


LEVEL_NAMES_EN = {
    1: "Level 1 / Senior technician",
    2: "Level 2 / Technician",
    3: "Level 3 / Senior worker",
    4: "Level 4 / Intermediate worker",
    5: "Level 5 / Junior worker",
}


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中 / Queued"
    RUNNING = "running", "进行中 / Running"
    SUCCEEDED = "succeeded", "已完成 / Succeeded"
    FAILED = "failed", "失败 / Failed"


class JobKind(models.TextChoices):
    OCCUPATION_IMPORT = "occupation_import", "职业目录导入 / Occupation import"
    ROSTER_IMPORT = "roster_import", "考生名单导入 / Roster import"
    CERTIFICATE_ISSUANCE = "certificate_issuance", "证书批量核发 / Certificate issuance"
