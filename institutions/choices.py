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


class EvaluationType(models.TextChoices):
    """实施意见 二: the kinds of evaluation a batch can run (direct recognition is not a batch)."""

    SKILL_LEVEL = "skill_level", "职业技能等级认定 / Skill-level certification"
    VOCATIONAL_QUALIFICATION = "vocational_qualification", "职业资格评价 / Vocational qualification"
    SPECIAL_ABILITY = "special_ability", "专项职业能力考核 / Special ability assessment"


class QuestionSource(models.TextChoices):
    """239号 四: papers come from the national or provincial bank (or an approved specification);
    self-made papers are refused."""

    NATIONAL_BANK = "national_bank", "国家题库 / National question bank"
    PROVINCIAL_BANK = "provincial_bank", "省级题库 / Provincial question bank"
    APPROVED_SPEC = "approved_spec", "经审定的评价规范 / Approved specification"
    SELF_MADE = "self_made", "自行命题 / Self-made papers"


class BatchStatus(models.TextChoices):
    """239号 二(二): the steps of an evaluation batch, in order."""

    DRAFT = "draft", "草稿 / Draft"
    PLAN_PUBLISHED = "plan_published", "计划已发布 / Plan published"
    ROSTER_ENTERED = "roster_entered", "考生信息已录入 / Roster entered"
    ELIGIBILITY_REVIEWED = "eligibility_reviewed", "资格已审核 / Eligibility reviewed"
    ROOMS_ARRANGED = "rooms_arranged", "考场已编排 / Rooms arranged"
    TICKETS_GENERATED = "tickets_generated", "准考证号已生成 / Admission tickets generated"
    EXAMINED = "examined", "已考试（成绩已录入）/ Examined"
    RESULTS_PUBLICISED = "results_publicised", "成绩公示中 / Results publicised"
    RESULTS_APPROVED = "results_approved", "成绩已审核 / Results approved"
    CERTIFICATES_ISSUED = "certificates_issued", "证书已核发 / Certificates issued"
    INVALID = "invalid", "无效 / Invalid"
    CANCELLED = "cancelled", "已取消 / Cancelled"


BATCH_FLOW = [
    BatchStatus.DRAFT,
    BatchStatus.PLAN_PUBLISHED,
    BatchStatus.ROSTER_ENTERED,
    BatchStatus.ELIGIBILITY_REVIEWED,
    BatchStatus.ROOMS_ARRANGED,
    BatchStatus.TICKETS_GENERATED,
    BatchStatus.EXAMINED,
    BatchStatus.RESULTS_PUBLICISED,
    BatchStatus.RESULTS_APPROVED,
    BatchStatus.CERTIFICATES_ISSUED,
]
CLOSED_BATCH_STATUSES = (
    BatchStatus.CERTIFICATES_ISSUED,
    BatchStatus.INVALID,
    BatchStatus.CANCELLED,
)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证 / Resident ID card"
    HMT_RESIDENCE_PERMIT = (
        "hmt_permit",
        "港澳台居民居住证 / Residence permit for HK, Macao, Taiwan residents",
    )
    PASSPORT = "passport", "护照 / Passport"


class Gender(models.TextChoices):
    MALE = "male", "男 / Male"
    FEMALE = "female", "女 / Female"


class Education(models.IntegerChoices):
    """Highest education, ordered so that a minimum can be compared."""

    NONE = 0, "无 / None"
    PRIMARY = 1, "小学 / Primary"
    JUNIOR_SECONDARY = 2, "初中 / Junior secondary"
    SENIOR_SECONDARY = 3, "高中、中专、技工学校 / Senior secondary, vocational or technical school"
    JUNIOR_COLLEGE = 4, "大专、高级技工学校 / Junior college or senior technical school"
    BACHELOR = 5, "本科、技师学院预备技师班 / Bachelor"
    POSTGRADUATE = 6, "研究生 / Postgraduate"


class EligibilityStatus(models.TextChoices):
    PENDING = "pending", "待审核 / Pending"
    PASSED = "passed", "审核通过 / Passed"
    FAILED = "failed", "审核不通过 / Failed"


class EligibilityBasis(models.TextChoices):
    """54号 一: the recognised grounds on which a candidate may apply."""

    STANDARD = "standard", "符合标准申报条件 / Meets the standard's application conditions"
    PROFESSIONAL_TITLE = (
        "professional_title",
        "专业技术资格贯通（苏人社发〔2021〕132号）/ Professional-technical qualification",
    )
    COMPETITION = "competition", "职业技能竞赛成绩 / Competition result"
    HONOUR = "honour", "表彰认定 / Honour"
    EXCEPTIONAL_PROMOTION = (
        "exceptional_promotion",
        "本单位破格晋升 / Employer's exceptional promotion",
    )
