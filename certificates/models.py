import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates import pdf as certificate_pdf
from certificates.choices import CertificateKind, CertificateStatus, PrintKind, ProofReason
from institutions.choices import IdType
from institutions.models.institutions import institution_scope
from skilleval import rules
from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, Level, Role
from skilleval.personal_data import decrypt, keyed_hash
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.exit_deadlines import ExitCertificateIssueDeadline


class NumberExhausted(ValidationError):
    """A number series has no sequence left, or an institution lacks the codes a number needs."""


def new_verification_token() -> str:
    # 32 random bytes: the QR target cannot be guessed or enumerated.
    return secrets.token_urlsafe(32)


class NumberSeries(models.Model):
    """The last sequence handed out for one certificate-number prefix (see certificates/numbering.py)."""

    prefix = models.CharField(max_length=20, unique=True)
    width = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证书编号段")
        verbose_name_plural = _("证书编号段")
        constraints = [
            models.CheckConstraint(condition=Q(last__gte=0), name="number_series_last_not_negative")
        ]

    def __str__(self):
        return f"{self.prefix} … {self.last}"


class CertificateQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return institution_scope(user, "institution__")

    def of_person(self, id_number: str):
        return self.filter(id_number_hash=keyed_hash(id_number))


class Certificate(models.Model):
    """A certificate recorded in the provincial system — the only valid ones (54号 四). Issued by the
    evaluating institution and signed by its responsible person (谁评价、谁发证、谁负责)."""

    kind = models.CharField(_("证书类型"), max_length=30, choices=CertificateKind.choices)
    number = models.CharField(_("证书编号"), max_length=30, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("发证机构"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    batch = models.ForeignKey(
        "institutions.Batch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    candidate = models.OneToOneField(
        "institutions.Candidate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate",
    )
    holder_name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number_encrypted = models.TextField()
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField(_("证件号码"), max_length=40)
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.PROTECT, related_name="+"
    )
    work_type = models.CharField(_("工种/职业方向"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(
        _("等级"), choices=Level.choices, null=True, blank=True
    )
    issued_on = models.DateField(_("发证日期"))
    # Kept with the certificate so that the database itself refuses an issue date before the
    # exam (239号 四); empty for certificates of no batch (competitions, older records).
    exam_ended_on = models.DateField(_("考试结束日期"), null=True, blank=True)
    signatory = models.CharField(_("签发人"), max_length=50)
    photo = models.ImageField(_("照片"), upload_to="certificates/photos/%Y/", blank=True)
    pdf = models.FileField(_("证书文件"), upload_to="certificates/pdf/%Y/%m/", blank=True)
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token
    )
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.CharField(_("注销原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        # The statistics count the days since their nightly summary live (audits/statistics.py):
        # by issue date, not by reading every certificate.
        indexes = [models.Index(fields=["issued_on"], name="certificate_issued_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CertificateStatus.VALID, revoked_at__isnull=True)
                | (
                    Q(status=CertificateStatus.REVOKED, revoked_at__isnull=False)
                    & ~Q(revocation_reason="")
                ),
                name="certificate_revocation_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                name="certificate_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(exam_ended_on__isnull=True) | Q(issued_on__gt=F("exam_ended_on")),
                name="certificate_issued_after_exam",
                violation_error_message=_("证书发证日期不得早于考试结束（239号 四）"),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.holder_name}"

    @property
    def is_revoked(self) -> bool:
        return self.status == CertificateStatus.REVOKED

    @property
    def work_type_display(self) -> str:
        # 人社鉴发〔2021〕1号: the 工种/职业方向 line shows "--" when there is none, never blank.
        return self.work_type or "--"

    @property
    def level_display(self) -> str:
        return Level(self.level).label if self.level else "--"

    @property
    def id_number(self) -> str:
        return decrypt(self.id_number_encrypted)

    def verification_path(self) -> str:
        return f"/v/{self.verification_token}/"

    # --- revocation (注销, 54号 五) ------------------------------------------------------------

    @staticmethod
    def holder_fields(person) -> dict:
        """The holder of a certificate issued to `person` (a candidate, a contestant, an honour):
        the name and the ID number as the person keeps it — encrypted, keyed hash and masked,
        never the plain number."""
        return {
            "holder_name": person.name,
            "id_type": person.id_type,
            "id_number_encrypted": person.id_number_encrypted,
            "id_number_hash": person.id_number_hash,
            "id_number_masked": person.id_number_masked,
        }

    @staticmethod
    def may_revoke(user, certificate=None) -> bool:
        """Province auditors and admins anywhere; city staff for institutions in their city."""
        if user.is_province_admin or user.role == Role.PROVINCE_AUDITOR:
            return True
        return user.role == Role.CITY_STAFF and (
            certificate is None or certificate.institution.city_id == user.city_id
        )

    @classmethod
    def revoke_many(cls, certificates, *, user, reason: str) -> int:
        """Revoke certificates (one, a person's, or a batch's) with a reason. Nothing is deleted;
        the lookup and verification pages show them as revoked at once."""
        if not reason.strip():
            raise ValidationError(gettext("请填写注销原因"))
        certificates = [c for c in certificates if c.status == CertificateStatus.VALID]
        if not certificates:
            raise ValidationError(gettext("没有可注销的有效证书"))
        if not all(cls.may_revoke(user, c) for c in certificates):
            raise PermissionDenied(gettext("无权注销这些证书"))

        count = 0
        with transaction.atomic():
            for certificate in certificates:
                moved = audited_update(
                    certificate,
                    {"status": CertificateStatus.VALID},
                    status=CertificateStatus.REVOKED,
                    revoked_at=timezone.now(),
                    revoked_by=user,
                    revocation_reason=reason.strip(),
                )
                if moved:
                    RevocationRecord.objects.create(
                        certificate=certificate, reason=reason.strip(), actor=user
                    )
                    count += 1
        return count

    # --- corrections, prints and proofs (239号 二(三)) -------------------------------------

    CORRECTABLE = ("holder_name", "work_type")

    def is_kept_by(self, user) -> bool:
        """The issuing institution's staff (or a province admin) correct, reprint and give proofs."""
        return user.is_province_admin or (
            user.has_role(*INSTITUTION_ROLES) and user.institution_id == self.institution_id
        )

    def refuse_new_print(self, today=None) -> None:
        """A certificate printed anew — a reprint, a correction, the holder's own copy — is issued
        again. A revoked one never is; an exited level-evaluation vocational qualification not on
        or after 2021-02-01: a lost or wrong one gets a proof (证明) instead (239号 二(三))."""
        if self.is_revoked:
            raise ValidationError(gettext("已注销的证书不能打印"))
        if self.kind == CertificateKind.VOCATIONAL_QUALIFICATION:
            today = today or timezone.localdate()
            rules.require(
                ExitCertificateIssueDeadline.id,
                {"issue_date": today, "access_type": self.occupation.is_access_type},
                today,
            )

    def reprint(self, user) -> None:
        """A staff download of the stored PDF: a print of the certificate again, so refused where
        a new print is (refuse_new_print), and recorded as a reprint."""
        self.refuse_new_print()
        CertificatePrint.objects.create(certificate=self, kind=PrintKind.REPRINT, actor=user)

    def may_get_proof(self) -> bool:
        """Proofs speak only for level-evaluation vocational qualification certificates."""
        return self.kind == CertificateKind.VOCATIONAL_QUALIFICATION and not self.is_revoked

    def correct(self, *, user, reason: str, **changes) -> "CertificateRevision":
        """Correct a misspelt name or work type: the old values stay in the revision history and
        the certificate is printed again."""
        if not self.is_kept_by(user):
            raise PermissionDenied(gettext("只有发证机构可以更正证书"))
        if self.is_revoked:
            raise ValidationError(gettext("已注销的证书不能更正"))
        self.refuse_new_print()  # the corrected certificate is printed at once
        unknown = set(changes) - set(self.CORRECTABLE)
        if unknown or not changes:
            raise ValidationError(
                gettext("只能更正 %(CORRECTABLE)s") % {"CORRECTABLE": ", ".join(self.CORRECTABLE)}
            )
        if not reason.strip():
            raise ValidationError(gettext("请填写更正原因"))
        before = {field: getattr(self, field) for field in changes}
        with transaction.atomic():
            for field, value in changes.items():
                setattr(self, field, value)
            self.save(update_fields=list(changes))
            revision = CertificateRevision.objects.create(
                certificate=self, before=before, after=changes, reason=reason.strip(), actor=user
            )
            # Reprinted at once, so every download shows the corrected certificate.
            if self.pdf:
                self.pdf.save(
                    f"{self.number}.pdf",
                    ContentFile(certificate_pdf.render_certificate(self)),
                    save=False,
                )
                self.save(update_fields=["pdf"])
                CertificatePrint.objects.create(
                    certificate=self, kind=PrintKind.REPRINT, actor=user
                )
            return revision


class RevocationRecord(models.Model):
    """Who revoked a certificate, when and why."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="revocations"
    )
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.certificate.number} 注销"


class CertificateRevision(models.Model):
    """A correction of a certificate, keeping the values it replaced."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="revisions")
    before = models.JSONField()
    after = models.JSONField()
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.certificate.number} 更正"

    def changes(self) -> list[tuple[str, object, object]]:
        """Each corrected field named in words (the reader's language), before and after."""
        return [
            (gettext(Certificate._meta.get_field(name).verbose_name), self.before.get(name), value)
            for name, value in self.after.items()
        ]


class CertificatePrint(models.Model):
    """Every print of a certificate: at issuance, a staff reprint, or the holder printing their own."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="prints")
    kind = models.CharField(max_length=10, choices=PrintKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.certificate.number} {self.kind}"


class Proof(models.Model):
    """239号 二(三): for an exited level-evaluation vocational qualification, a lost or wrong
    certificate gets a proof (证明) from the original issuer — never a new certificate."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="proofs")
    reason = models.CharField(_("原因"), max_length=10, choices=ProofReason.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("出具日期"))
    pdf = models.FileField(upload_to="certificates/proofs/%Y/", blank=True)
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token
    )

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("职业资格证书证明")
        verbose_name_plural = _("职业资格证书证明")

    def __str__(self):
        return f"证明 {self.certificate.number}"
