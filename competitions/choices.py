from django.db import models


class CompetitionKind(models.TextChoices):
    WORLDSKILLS = "worldskills", "世界技能大赛 / WorldSkills"
    NATIONAL = "national", "国家级 / National"
    PROVINCIAL = "provincial", "省级 / Provincial"
    CITY = "city", "市级 / City"
    COUNTY = "county", "区（县）级 / County"


class ContestantGroup(models.TextChoices):
    WORKER = "worker", "职工组 / Workers"
    STUDENT = "student", "学生组 / Students"


class Span(models.TextChoices):
    WITHIN_COUNTY = "within_county", "区（县）内 / Within a county"
    ACROSS_COUNTIES = "across_counties", "区（县）际 / Across counties"
    ACROSS_CITIES = "across_cities", "设区市际 / Across cities"
    ACROSS_PROVINCES = "across_provinces", "跨省 / Across provinces"


class FilingReason(models.TextChoices):
    OUT_OF_AREA = "out_of_area", "异地选手占比 / Out-of-area contestants"
    CROSS_REGION = "cross_region", "跨区域办赛 / Cross-region competition"


class FilingLevel(models.TextChoices):
    CITY = "city", "设区市人社局 / City HR bureau"
    PROVINCE = "province", "省人社厅 / Provincial department"
    CO_SIGNED = "co_signed", "相关省份共同会签 / Co-signed by each province"


class CompetitionFilingStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核 / Submitted"
    APPROVED = "approved", "已备案 / Approved"
    REJECTED = "rejected", "不予备案 / Rejected"


class RecognitionStatus(models.TextChoices):
    PROPOSED = "proposed", "待认定 / Proposed"
    GRANTED = "granted", "已认定 / Granted"
    REFUSED = "refused", "不予认定 / Refused"
