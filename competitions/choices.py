from django.db import models
from django.utils.translation import gettext_lazy as _


class CompetitionKind(models.TextChoices):
    WORLDSKILLS = "worldskills", _("世界技能大赛")
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("区（县）级")


class ContestantGroup(models.TextChoices):
    WORKER = "worker", _("职工组")
    STUDENT = "student", _("学生组")


class Span(models.TextChoices):
    WITHIN_COUNTY = "within_county", _("区（县）内")
    ACROSS_COUNTIES = "across_counties", _("区（县）际")
    ACROSS_CITIES = "across_cities", _("设区市际")
    ACROSS_PROVINCES = "across_provinces", _("跨省")


class FilingReason(models.TextChoices):
    OUT_OF_AREA = "out_of_area", _("异地选手占比")
    CROSS_REGION = "cross_region", _("跨区域办赛")


class FilingLevel(models.TextChoices):
    CITY = "city", _("设区市人社局")
    PROVINCE = "province", _("省人社厅")
    CO_SIGNED = "co_signed", _("相关省份共同会签")


class CompetitionFilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("不予备案")


class RecognitionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待认定")
    GRANTED = "granted", _("已认定")
    REFUSED = "refused", _("不予认定")


class HonourKind(models.TextChoices):
    """The honours of 实施意见 十六: three top honours, and the other government honours."""

    CHINA_SKILLS_AWARD = "china_skills_award", _("中华技能大奖")
    NATIONAL_TECHNICAL_EXPERT = "national_technical_expert", _("全国技术能手")
    JIANGSU_SKILLS_AWARD = "jiangsu_skills_award", _("江苏技能大奖")
    OTHER = "other", _("其他各级政府部门技能人才表彰")


TOP_HONOURS = (
    HonourKind.CHINA_SKILLS_AWARD,
    HonourKind.NATIONAL_TECHNICAL_EXPERT,
    HonourKind.JIANGSU_SKILLS_AWARD,
)


class HonourStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记")
    RECOGNISED = "recognised", _("已认定发证")
    REFUSED = "refused", _("不予认定")
