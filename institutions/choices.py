from django.db import models


class InstitutionKind(models.TextChoices):
    EMPLOYER = "employer", "用人单位 / Employer"
    SOCIAL_ORG = "social_org", "社会培训评价组织 / Social training evaluation organisation"
    TECHNICAL_SCHOOL = "technical_school", "技工院校 / Technical school"
    APPRAISAL_CENTRE = "appraisal_centre", "职业技能鉴定中心（所）/ Appraisal centre"
