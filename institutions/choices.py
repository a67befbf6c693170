from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InstitutionKind(models.TextChoices):
    EMPLOYER = "employer", _("用人单位")
    SOCIAL_ORG = "social_org", _("社会培训评价组织")
    TECHNICAL_SCHOOL = "technical_school", _("技工院校")
    APPRAISAL_CENTRE = "appraisal_centre", _("职业技能鉴定中心（所）")


THIRD_PARTY_KINDS = (
    InstitutionKind.SOCIAL_ORG,
    InstitutionKind.TECHNICAL_SCHOOL,
    InstitutionKind.APPRAISAL_CENTRE,
)


class CatalogStatus(models.TextChoices):
    """能进能出 (实施意见 二十三, 54号 五): an institution's place in the public catalog."""

    ACTIVE = "active", _("在目录")
    SUSPENDED = "suspended", _("暂停")
    REMOVED = "removed", _("移出目录")


class CatalogAction(models.TextChoices):
    SUSPEND = "suspend", _("暂停")
    RESTORE = "restore", _("恢复")
    REMOVE = "remove", _("移出")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("不予备案")


class ItemSource(models.TextChoices):
    REQUESTED = "requested", _("备案申报")
    ADDED_AFTER_CHECK = "added_after_check", _("核实后添加")


class MaterialKind(models.TextChoices):
    """The materials checklist of 41号 附件: three documents and twelve quality rules."""

    WORK_PLAN = "work_plan", _("职业技能等级认定工作方案")
    BRANCH_CRITERIA = (
        "branch_criteria",
        _("分支机构遴选标准及名单"),
    )
    IMPLEMENTATION_PLAN = (
        "implementation_plan",
        _("工作实施方案及质量管控措施"),
    )
    EXAM_MANAGEMENT = "exam_management", _("考务管理办法")
    EXAMINER_MANAGEMENT = "examiner_management", _("考评人员管理办法")
    EVALUATION_MANAGEMENT = (
        "evaluation_management",
        _("试点及评价管理办法"),
    )
    MISCONDUCT = "misconduct", _("工作人员和考生违纪违规处理办法")
    ARCHIVES = "archives", _("档案管理办法")
    CERTIFICATES = "certificates", _("证书管理办法")
    SUPERVISION = "supervision", _("监督制度")
    RISK_CONTROL = "risk_control", _("风险防控体系")
    FINANCE = "finance", _("财务制度")
    PUBLICITY = "publicity", _("公示制度")
    ACCOUNTABILITY = "accountability", _("社会问责制度")
    DISCLOSURE = "disclosure", _("信息公开制度")


class EvaluationType(models.TextChoices):
    """实施意见 二: the kinds of evaluation a batch can run (direct recognition is not a batch)."""

    SKILL_LEVEL = "skill_level", _("职业技能等级认定")
    VOCATIONAL_QUALIFICATION = "vocational_qualification", _("职业资格评价")
    SPECIAL_ABILITY = "special_ability", _("专项职业能力考核")


class QuestionSource(models.TextChoices):
    """239号 四: papers come from the national or provincial bank (or an approved specification);
    self-made papers are refused."""

    NATIONAL_BANK = "national_bank", _("国家题库")
    PROVINCIAL_BANK = "provincial_bank", _("省级题库")
    APPROVED_SPEC = "approved_spec", _("经审定的评价规范")
    SELF_MADE = "self_made", _("自行命题")


class BatchStatus(models.TextChoices):
    """239号 二(二): the steps of an evaluation batch, in order."""

    DRAFT = "draft", _("草稿")
    PLAN_PUBLISHED = "plan_published", _("计划已发布")
    ROSTER_ENTERED = "roster_entered", _("考生信息已录入")
    ELIGIBILITY_REVIEWED = "eligibility_reviewed", _("资格已审核")
    ROOMS_ARRANGED = "rooms_arranged", _("考场已编排")
    TICKETS_GENERATED = "tickets_generated", _("准考证号已生成")
    EXAMINED = "examined", _("已考试（成绩已录入）")
    RESULTS_PUBLICISED = "results_publicised", _("成绩公示中")
    RESULTS_APPROVED = "results_approved", _("成绩已审核")
    CERTIFICATES_ISSUED = "certificates_issued", _("证书已核发")
    INVALID = "invalid", _("无效")
    CANCELLED = "cancelled", _("已取消")


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
# What the institution does next from each step of the flow (the dashboard's to-do list says it).
NEXT_BATCH_ACTION = {
    BatchStatus.DRAFT: _("发布评价计划"),
    BatchStatus.PLAN_PUBLISHED: _("上传考生名单和照片"),
    BatchStatus.ROSTER_ENTERED: _("审核申报资格"),
    BatchStatus.ELIGIBILITY_REVIEWED: _("编排考场"),
    BatchStatus.ROOMS_ARRANGED: _("生成准考证号"),
    BatchStatus.TICKETS_GENERATED: _("考试结束后录入成绩"),
    BatchStatus.EXAMINED: _("公示成绩"),
    BatchStatus.RESULTS_PUBLICISED: _("公示期满后由人社部门审核"),
    BatchStatus.RESULTS_APPROVED: _("由机构负责人签发证书"),
}
CLOSED_BATCH_STATUSES = (
    BatchStatus.CERTIFICATES_ISSUED,
    BatchStatus.INVALID,
    BatchStatus.CANCELLED,
)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_RESIDENCE_PERMIT = (
        "hmt_permit",
        _("港澳台居民居住证"),
    )
    PASSPORT = "passport", _("护照")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.IntegerChoices):
    """Highest education, ordered so that a minimum can be compared."""

    NONE = 0, _("无")
    PRIMARY = 1, _("小学")
    JUNIOR_SECONDARY = 2, _("初中")
    SENIOR_SECONDARY = 3, _("高中、中专、技工学校")
    JUNIOR_COLLEGE = 4, _("大专、高级技工学校")
    BACHELOR = 5, _("本科、技师学院预备技师班")
    POSTGRADUATE = 6, _("研究生")


class EligibilityStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    PASSED = "passed", pgettext_lazy("eligibility", "审核通过")  # the button says "Approve"
    FAILED = "failed", pgettext_lazy("eligibility", "审核不通过")


class EligibilityBasis(models.TextChoices):
    """54号 一: the recognised grounds on which a candidate may apply."""

    STANDARD = "standard", _("符合标准申报条件")
    PROFESSIONAL_TITLE = (
        "professional_title",
        _("专业技术资格贯通（苏人社发〔2021〕132号）"),
    )
    COMPETITION = "competition", _("职业技能竞赛成绩")
    HONOUR = "honour", _("表彰认定")
    EXCEPTIONAL_PROMOTION = (
        "exceptional_promotion",
        _("本单位破格晋升"),
    )


class ExitRemedyChoice(models.TextChoices):
    """239号 二(二): what a candidate of a batch invalidated at the cut-off chooses."""

    CONTINUE = "continue", _("继续参加评价（其他途径）")
    REFUND = "refund", _("退回鉴定费用")
