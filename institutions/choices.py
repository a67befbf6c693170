from django.db import models


class InstitutionKind(models.TextChoices):
    EMPLOYER = "employer", "用人单位 / Employer"
    SOCIAL_ORG = "social_org", "社会培训评价组织 / Social training evaluation organisation"
    TECHNICAL_SCHOOL = "technical_school", "技工院校 / Technical school"
    APPRAISAL_CENTRE = "appraisal_centre", "职业技能鉴定中心（所）/ Appraisal centre"


THIRD_PARTY_KINDS = (
    InstitutionKind.SOCIAL_ORG,
    InstitutionKind.TECHNICAL_SCHOOL,
    InstitutionKind.APPRAISAL_CENTRE,
)


class CatalogStatus(models.TextChoices):
    """能进能出 (实施意见 二十三, 54号 五): an institution's place in the public catalog."""

    ACTIVE = "active", "在目录 / In the catalog"
    SUSPENDED = "suspended", "暂停 / Suspended"
    REMOVED = "removed", "移出目录 / Removed"


class CatalogAction(models.TextChoices):
    SUSPEND = "suspend", "暂停 / Suspend"
    RESTORE = "restore", "恢复 / Restore"
    REMOVE = "remove", "移出 / Remove"


class FilingStatus(models.TextChoices):
    DRAFT = "draft", "草稿 / Draft"
    SUBMITTED = "submitted", "待审核 / Submitted"
    APPROVED = "approved", "已备案 / Approved"
    REJECTED = "rejected", "不予备案 / Rejected"


class ItemSource(models.TextChoices):
    REQUESTED = "requested", "备案申报 / Filed"
    ADDED_AFTER_CHECK = "added_after_check", "核实后添加 / Added after a check (239号 三)"


class MaterialKind(models.TextChoices):
    """The materials checklist of 41号 附件: three documents and twelve quality rules."""

    WORK_PLAN = "work_plan", "职业技能等级认定工作方案 / Work plan"
    BRANCH_CRITERIA = (
        "branch_criteria",
        "分支机构遴选标准及名单 / Branch selection criteria and list",
    )
    IMPLEMENTATION_PLAN = (
        "implementation_plan",
        "工作实施方案及质量管控措施 / Implementation plan and quality control",
    )
    EXAM_MANAGEMENT = "exam_management", "考务管理办法 / Examination management"
    EXAMINER_MANAGEMENT = "examiner_management", "考评人员管理办法 / Examiner management"
    EVALUATION_MANAGEMENT = (
        "evaluation_management",
        "试点及评价管理办法 / Pilot and evaluation management",
    )
    MISCONDUCT = "misconduct", "工作人员和考生违纪违规处理办法 / Staff and candidate misconduct"
    ARCHIVES = "archives", "档案管理办法 / Archives management"
    CERTIFICATES = "certificates", "证书管理办法 / Certificate management"
    SUPERVISION = "supervision", "监督制度 / Supervision"
    RISK_CONTROL = "risk_control", "风险防控体系 / Risk prevention and control"
    FINANCE = "finance", "财务制度 / Finance"
    PUBLICITY = "publicity", "公示制度 / Public notice"
    ACCOUNTABILITY = "accountability", "社会问责制度 / Social accountability"
    DISCLOSURE = "disclosure", "信息公开制度 / Information disclosure"
