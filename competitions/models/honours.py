"""Honours (表彰认定, 实施意见 十六): recorded by the appraisal centres, recognised as a skill level."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.choices import CertificateKind
from certificates.models import Certificate
from certificates.numbering import SEQUENCE_WIDTH, allocate, prefix_for
from competitions.choices import TOP_HONOURS, HonourKind, HonourStatus
from competitions.models.contestants import IdentifiedPerson, check_id_number
from institutions.choices import InstitutionKind
from institutions.models import Institution
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import Level, Role
from skilleval.models import Region
from skilleval.models.regions import PROVINCE_CODE
from skilleval.personal_data import identity_fields
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.competitions import HonourRecognition
from skilleval.rules.engine import in_reader_language
from skilleval.rules.occupations import OccupationEvaluable


def provincial_appraisal_centre():
    """The provincial appraisal centre: the appraisal centre registered in the province's own
    region rather than a city's. It issues the level-1 certificates the province recognises."""
    return (
        Institution.objects.filter(kind=InstitutionKind.APPRAISAL_CENTRE, city_id=PROVINCE_CODE)
        .order_by("pk")
        .first()
    )


def area_appraisal_centre(region):
    """The appraisal centre of a city or county: the county's own if one is registered there,
    else its city's (as 54号 四 has the city centre issue for county competitions)."""
    city = region.city
    if city is None:
        return None
    centres = Institution.objects.filter(kind=InstitutionKind.APPRAISAL_CENTRE, city_id=city.code)
    if region.code != city.code:
        own = centres.filter(county_id=region.code).order_by("pk").first()
        if own is not None:
            return own
    return centres.order_by("pk").first()


class HonourQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        # The province sees every honour; a city its own and its counties'; a county its own.
        if user.role == Role.CITY_STAFF:
            return Q(region_id=user.city_id) | Q(region__parent_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return Q(region_id=user.county_id)
        return None

    def waiting_for(self, user):
        """Recorded honours this user's body recognises or refuses (Honour.may_be_decided_by):
        the province the top honours, a city or county those it recorded."""
        recorded = self.filter(status=HonourStatus.RECORDED)
        if user.is_province_admin:
            return recorded.filter(kind__in=TOP_HONOURS)
        if user.role == Role.CITY_STAFF:
            return recorded.filter(kind=HonourKind.OTHER, region_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return recorded.filter(kind=HonourKind.OTHER, region_id=user.county_id)
        return recorded.none()


class Honour(IdentifiedPerson):
    """A skill-talent honour recorded for direct recognition of a skill level (实施意见 十六): the
    top three honours by the province as level 1; other government honours by the city or county
    HR department, at level 2 (技师) or below. Recognising it issues one skill-level certificate
    from the body that recognised it."""

    kind = models.CharField(_("荣誉类别"), max_length=30, choices=HonourKind.choices)
    title = models.CharField(
        _("荣誉名称"), max_length=100, help_text=_("表彰文件中的荣誉称号，如“南京市技术能手”")
    )
    awarding_body = models.CharField(_("表彰部门"), max_length=100)
    document_number = models.CharField(_("表彰文号"), max_length=60)
    awarded_on = models.DateField(_("表彰日期"))
    occupation = models.ForeignKey(
        "skilleval.Occupation",
        verbose_name=_("职业（工种）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("认定等级"), choices=Level.choices)
    region = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("认定部门所在地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=HonourStatus.choices, default=HonourStatus.RECORDED
    )
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("证书"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honour",
    )

    objects = HonourQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("表彰认定")
        verbose_name_plural = _("表彰认定")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=TOP_HONOURS) & Q(level=1))
                | (Q(kind=HonourKind.OTHER) & Q(level__gte=2, level__lte=5)),
                name="honour_level_by_kind",
                violation_error_message=_(
                    "中华技能大奖、全国技术能手、江苏技能大奖认定为一级/高级技师；其他政府表彰认定二级/技师及以下（实施意见 十六）"
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TOP_HONOURS, region_id=PROVINCE_CODE)
                | (Q(kind=HonourKind.OTHER) & ~Q(region_id=PROVINCE_CODE)),
                name="honour_recognised_by_the_right_level",
                violation_error_message=_(
                    "三项最高荣誉由省级人社部门认定，其他表彰由市、县人社部门认定（实施意见 十六）"
                ),
            ),
            models.UniqueConstraint(
                fields=["id_number_hash", "kind", "document_number"],
                condition=~Q(status=HonourStatus.REFUSED),
                name="honour_once_per_person",
                violation_error_message=_("此人的该项表彰已登记"),
            ),
            models.CheckConstraint(
                condition=~Q(status=HonourStatus.RECOGNISED) | Q(certificate__isnull=False),
                name="honour_recognised_has_certificate",
                violation_error_message=_("已认定的表彰须有证书"),
            ),
            models.CheckConstraint(
                condition=~Q(status=HonourStatus.REFUSED) | ~Q(reason=""),
                name="honour_refusal_has_reason",
                violation_error_message=_("不予认定须说明理由"),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.title}"

    @property
    def is_top(self) -> bool:
        return self.kind in TOP_HONOURS

    # --- who ---------------------------------------------------------------------------------

    @staticmethod
    def recording_region(user, kind):
        """The body that recognises an honour of this kind, if this user speaks for it
        (实施意见 十六): the province for the top honours; a city or county HR department, for its
        own area, for the others. Else Forbidden, saying who does."""
        if kind in TOP_HONOURS:
            if not user.is_province_admin:
                raise Forbidden(
                    gettext(
                        "中华技能大奖、全国技术能手、江苏技能大奖由省级人力资源社会保障部门认定（实施意见 十六）"
                    )
                )
            return Region.objects.get(code=PROVINCE_CODE)
        if user.role == Role.CITY_STAFF and user.city_id:
            return Region.objects.get(code=user.city_id)
        if user.role == Role.COUNTY_STAFF and user.county_id:
            return Region.objects.get(code=user.county_id)
        raise Forbidden(
            gettext("其他各级政府部门技能人才表彰由市、县人力资源社会保障部门认定（实施意见 十六）")
        )

    def may_be_decided_by(self, user) -> bool:
        """The body that recorded it issues or refuses: the province for level 1, the city or
        county HR department of its area for the others."""
        if self.is_top:
            return user.is_province_admin
        if user.role == Role.CITY_STAFF:
            return self.region_id == user.city_id
        if user.role == Role.COUNTY_STAFF:
            return self.region_id == user.county_id
        return False

    # --- record ------------------------------------------------------------------------------

    @classmethod
    def decide_level(cls, kind: str, awarded_on: date, level: int | None = None) -> int:
        """The level 实施意见 十六 gives, as of the day of the honour: level 1 for the top
        honours, no choice; for the others the department picks 技师 (level 2) or below."""
        decision = rules.evaluate(
            HonourRecognition.id,
            {"honour": "other" if kind == HonourKind.OTHER else kind},
            awarded_on,
        )
        if decision.not_in_force:
            # Before 实施意见 十六 an honour recognised no level directly.
            raise ValidationError(decision.text)
        if decision.result["level"] is not None:
            if level is not None and level != decision.result["level"]:
                raise ValidationError(
                    gettext("该荣誉直接认定为%(label)s，不另选等级（实施意见 十六）")
                    % {"label": Level(decision.result["level"]).label}
                )
            return decision.result["level"]
        if level is None:
            raise ValidationError(gettext("请选择认定等级：二级/技师及以下（实施意见 十六）"))
        if level < decision.result["max_level"]:
            raise ValidationError(
                gettext("其他政府部门技能人才表彰只能确定%(label)s及以下等级（实施意见 十六）")
                % {"label": Level(decision.result["max_level"]).label}
            )
        return level

    @classmethod
    def record(
        cls,
        *,
        user,
        name: str,
        id_type: str,
        id_number: str,
        kind: str,
        title: str,
        awarding_body: str,
        document_number: str,
        awarded_on: date,
        occupation,
        level: int | None = None,
    ) -> "Honour":
        """Record an honour for direct recognition (实施意见 十六): who may (the province the top
        honours, a city or county the others), when (not before the honour, and the clause in
        force on its day), at which level (the rule's)."""
        region = cls.recording_region(user, kind)
        if awarded_on > timezone.localdate():
            raise ValidationError(gettext("表彰日期不能晚于今天"))
        level = cls.decide_level(kind, awarded_on, level)
        rules.require(OccupationEvaluable.id, {"occupation_code": occupation.code})
        if occupation.is_access_type:
            raise ValidationError(
                gettext(
                    "%(occupation)s 为准入类职业资格，不认定职业技能等级（实施意见 四；中就培函〔2020〕41号 二(二)）"
                )
                % {"occupation": occupation}
            )
        number, problem = check_id_number(id_type, id_number)
        if problem:
            raise ValidationError(in_reader_language(*problem))
        honour = cls(
            name=name.strip(),
            id_type=id_type,
            kind=kind,
            title=title.strip() or HonourKind(kind).label,
            awarding_body=awarding_body.strip(),
            document_number=document_number.strip(),
            awarded_on=awarded_on,
            occupation=occupation,
            level=level,
            region=region,
            recorded_by=user,
            **identity_fields(number),
        )
        if not honour.name or not honour.awarding_body or not honour.document_number:
            raise ValidationError(gettext("请填写姓名、表彰部门和表彰文号"))
        honour.validate_constraints()
        honour.save()
        return honour

    # --- decide: issue the certificate, or refuse ---------------------------------------------

    def issuer(self):
        """The appraisal centre that issues the certificate on the recognising body's behalf:
        the provincial centre for level 1, the city's or county's for the others."""
        return provincial_appraisal_centre() if self.is_top else area_appraisal_centre(self.region)

    def recognise(self, *, user) -> Certificate:
        """Recognise the level and issue its skill-level certificate, once: the number from the
        issuer's skill-level series for that level, allocated in the transaction that stores it."""
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该表彰认定不由您办理（实施意见 十六）"))
        issuer = self.issuer()
        if issuer is None:
            raise ValidationError(
                gettext("尚无登记的%(body)s职业技能鉴定中心，无法核发证书。请先登记该鉴定中心")
                % {"body": gettext("省级") if self.is_top else self.region.name}
            )
        today = timezone.localdate()
        with transaction.atomic():
            locked = Honour.objects.select_for_update().get(pk=self.pk)
            if locked.status != HonourStatus.RECORDED:
                raise ValidationError(gettext("该表彰认定已办理"))
            prefix = prefix_for(
                CertificateKind.SKILL_LEVEL, institution=issuer, issued_on=today, level=self.level
            )
            (number,) = allocate(prefix, SEQUENCE_WIDTH[CertificateKind.SKILL_LEVEL])
            certificate = Certificate.objects.create(
                kind=CertificateKind.SKILL_LEVEL,
                number=number,
                institution=issuer,
                **Certificate.holder_fields(self),
                occupation=self.occupation,
                work_type=self.occupation.work_type,
                level=self.level,
                issued_on=today,
                signatory=issuer.responsible_person,
            )
            audited_update(
                self,
                {"status": HonourStatus.RECORDED},
                status=HonourStatus.RECOGNISED,
                certificate=certificate,
                decided_by=user,
                decided_at=timezone.now(),
            )
        return certificate

    def refuse(self, *, user, reason: str) -> None:
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该表彰认定不由您办理（实施意见 十六）"))
        reason = (reason or "").strip()[:500]
        if not reason:
            raise ValidationError(gettext("不予认定须说明理由"))
        moved = audited_update(
            self,
            {"status": HonourStatus.RECORDED},
            status=HonourStatus.REFUSED,
            reason=reason,
            decided_by=user,
            decided_at=timezone.now(),
        )
        if not moved:
            raise ValidationError(gettext("该表彰认定已办理"))
