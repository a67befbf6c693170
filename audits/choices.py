from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "新增 / Create"
    UPDATE = "update", "修改 / Update"
    DELETE = "delete", "删除 / Delete"
    LOGIN = "login", "登录 / Sign-in"
    LOGIN_FAILED = "login_failed", "登录失败 / Failed sign-in"
    LOCKED_OUT = "locked_out", "账号锁定 / Locked out"
    LOGOUT = "logout", "退出 / Sign-out"


class Population(models.TextChoices):
    INSTITUTIONS = "institutions", "目录内评价机构 / Institutions in the catalog"
    BATCHES = "batches", "评价批次 / Evaluation batches"


class FindingOutcome(models.TextChoices):
    NO_ISSUE = "no_issue", "未发现问题 / No issue found"
    ISSUES_FOUND = "issues_found", "发现问题 / Issues found"
    SERIOUS = "serious", "发现严重问题 / Serious issues"


class ComplaintTarget(models.TextChoices):
    INSTITUTION = "institution", "评价机构 / Institution"
    BATCH = "batch", "评价批次 / Batch"
    COMPETITION = "competition", "职业技能竞赛 / Competition"
    CERTIFICATE = "certificate", "证书 / Certificate"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "已受理 / Received"
    ASSIGNED = "assigned", "已分派 / Assigned"
    INVESTIGATING = "investigating", "调查中 / Investigating"
    CONCLUDED = "concluded", "已办结 / Concluded"
