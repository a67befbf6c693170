from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateKind(models.TextChoices):
    SKILL_LEVEL = "skill_level", _("职业技能等级证书")
    VOCATIONAL_QUALIFICATION = (
        "vocational_qualification",
        _("职业资格证书"),
    )
    SPECIAL_ABILITY = "special_ability", _("专项职业能力证书")
    COMPETITION = "competition", _("职业技能竞赛证书")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已注销")


class PrintKind(models.TextChoices):
    ISSUANCE = "issuance", _("核发打印")
    REPRINT = "reprint", _("补打")
    HOLDER = "holder", _("持证人自行打印")


class ProofReason(models.TextChoices):
    LOST = "lost", _("证书遗失")
    WRONG = "wrong", _("证书信息有误")


class PdfVerdict(models.TextChoices):
    """What an uploaded certificate PDF proves (its signature, then the register)."""

    VALID = "valid", _("有效")
    REVOKED = "revoked", _("签名有效，证书已注销")
    ALTERED = "altered", _("文件已被改动")
    NOT_ISSUED_HERE = "not_issued_here", _("非本省平台签发")
