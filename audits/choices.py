from django.db import models
from django.utils.translation import gettext_lazy as _


class Population(models.TextChoices):
    INSTITUTIONS = "institutions", _("目录内评价机构")
    BATCHES = "batches", _("评价批次")


class FindingOutcome(models.TextChoices):
    NO_ISSUE = "no_issue", _("未发现问题")
    ISSUES_FOUND = "issues_found", _("发现问题")
    SERIOUS = "serious", _("发现严重问题")


class ComplaintTarget(models.TextChoices):
    INSTITUTION = "institution", _("评价机构")
    BATCH = "batch", _("评价批次")
    COMPETITION = "competition", _("职业技能竞赛")
    CERTIFICATE = "certificate", _("证书")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ASSIGNED = "assigned", _("已分派")
    INVESTIGATING = "investigating", _("调查中")
    CONCLUDED = "concluded", _("已办结")
