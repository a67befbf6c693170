from django.db import models


class CertificateKind(models.TextChoices):
    SKILL_LEVEL = "skill_level", "职业技能等级证书 / Skill-level certificate"
    VOCATIONAL_QUALIFICATION = (
        "vocational_qualification",
        "职业资格证书 / Vocational qualification certificate",
    )
    SPECIAL_ABILITY = "special_ability", "专项职业能力证书 / Special ability certificate"
    COMPETITION = "competition", "职业技能竞赛证书 / Competition certificate"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效 / Valid"
    REVOKED = "revoked", "已注销 / Revoked"


class PrintKind(models.TextChoices):
    ISSUANCE = "issuance", "核发打印 / Issuance"
    REPRINT = "reprint", "补打 / Reprint"
    HOLDER = "holder", "持证人自行打印 / Printed by the holder"


class ProofReason(models.TextChoices):
    LOST = "lost", "证书遗失 / Lost certificate"
    WRONG = "wrong", "证书信息有误 / Wrong certificate"
