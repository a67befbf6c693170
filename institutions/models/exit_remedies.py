"""239号 二(二): the candidates of a batch invalidated at its exit cut-off choose to continue their
evaluation by another route or to have the appraisal fee refunded. The institution records each
candidate's choice; the city (or the province) confirms that a refund was made."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import BatchStatus, ExitRemedyChoice
from institutions.models.batches import Candidate
from institutions.models.institutions import institution_scope
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import Role
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.batches import ExitInvalidatedBatchRemedy


class ExitRemedyQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return institution_scope(user, "candidate__batch__institution__")

    def open_refunds(self):
        """Refunds chosen and not yet confirmed as made."""
        return self.filter(remedy=ExitRemedyChoice.REFUND, refund_confirmed_on__isnull=True)


class ExitRemedyManager(models.Manager.from_queryset(ExitRemedyQuerySet)):
    def record(self, user, candidate, remedy, fee=None, note="") -> "ExitRemedy":
        """The institution records what a candidate of its invalidated batch chose; a choice may
        be changed until its refund is confirmed. Refused (with the clause) for a batch that was
        not invalidated at its cut-off."""
        batch = candidate.batch
        batch.require_run_by(user)
        batch.enforce_exit_cutoff()  # a batch past its cut-off is invalid even before the daily job
        invalidated = batch.status == BatchStatus.INVALID and bool(batch.exit_batch)
        rules.require(
            ExitInvalidatedBatchRemedy.id,
            {"invalidated_at_cutoff": invalidated, "remedy": remedy},
            timezone.localdate(),
        )
        if remedy == ExitRemedyChoice.REFUND and fee is None:
            raise ValidationError(gettext("选择退费的，请填写应退鉴定费用金额"))
        if fee is not None and fee < Decimal(0):
            raise ValidationError(gettext("鉴定费用金额不能为负数"))
        with transaction.atomic():
            # One choice per candidate: lock the candidate so two clerks cannot record at once.
            Candidate.objects.select_for_update().get(pk=candidate.pk)
            current = self.select_for_update().filter(candidate=candidate).first()
            if current is not None and current.refund_confirmed_on:
                raise ValidationError(gettext("退费已经核实，不能再更改考生的选择"))
            remedy_row = current or self.model(candidate=candidate)
            remedy_row.remedy = remedy
            remedy_row.fee = fee if remedy == ExitRemedyChoice.REFUND else None
            remedy_row.note = note.strip()
            remedy_row.recorded_by = user
            remedy_row.save()
        return remedy_row


class ExitRemedy(models.Model):
    """A candidate's choice after their batch was invalidated at the cut-off (239号 二(二))."""

    candidate = models.OneToOneField(
        Candidate, on_delete=models.PROTECT, related_name="exit_remedy", verbose_name=_("考生")
    )
    remedy = models.CharField(_("考生意愿"), max_length=10, choices=ExitRemedyChoice.choices)
    fee = models.DecimalField(
        _("应退鉴定费用（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)
    refund_confirmed_on = models.DateField(_("退费核实日期"), null=True, blank=True)
    refund_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ExitRemedyManager()

    class Meta:
        ordering = ["refund_confirmed_on", "recorded_at", "pk"]
        verbose_name = _("无效批次考生去向")
        verbose_name_plural = _("无效批次考生去向")
        constraints = [
            models.CheckConstraint(
                condition=Q(remedy__in=ExitRemedyChoice.values),
                name="exit_remedy_continue_or_refund",
                violation_error_message=_("考生只能选择继续评价或退回鉴定费用（239号 二(二)）"),
            ),
            models.CheckConstraint(
                condition=Q(remedy=ExitRemedyChoice.CONTINUE, fee__isnull=True)
                | Q(remedy=ExitRemedyChoice.REFUND, fee__isnull=False, fee__gte=0),
                name="exit_remedy_refund_has_its_fee",
                violation_error_message=_("退费须写明金额，继续评价不退费（239号 二(二)）"),
            ),
            models.CheckConstraint(
                condition=Q(refund_confirmed_on__isnull=True)
                | Q(remedy=ExitRemedyChoice.REFUND, refund_confirmed_by__isnull=False),
                name="exit_remedy_only_refunds_are_confirmed",
                violation_error_message=_("只有退费需要核实（239号 二(二)）"),
            ),
        ]

    def __str__(self):
        return f"{self.candidate} {self.get_remedy_display()}"

    @property
    def institution(self):
        return self.candidate.batch.institution

    @property
    def is_open_refund(self) -> bool:
        return self.remedy == ExitRemedyChoice.REFUND and self.refund_confirmed_on is None

    def may_confirm_refund(self, user) -> bool:
        """The city where the institution is, or the province (实施意见 二十五: they supervise)."""
        return user.is_province_admin or (
            user.role == Role.CITY_STAFF and user.city_id == self.institution.city_id
        )

    def confirm_refund(self, user, refunded_on: date | None = None):
        """The city confirms that the appraisal fee was refunded on a day (not in the future)."""
        if not self.may_confirm_refund(user):
            raise Forbidden(gettext("只有机构所在设区市人社部门或省级管理员可以核实退费"))
        today = timezone.localdate()
        refunded_on = refunded_on or today
        if self.remedy != ExitRemedyChoice.REFUND:
            raise ValidationError(gettext("该考生选择继续评价，没有需要核实的退费"))
        if refunded_on > today:
            raise ValidationError(gettext("退费日期不能晚于今天"))
        if not audited_update(
            self,
            {"refund_confirmed_on__isnull": True},
            refund_confirmed_on=refunded_on,
            refund_confirmed_by=user,
        ):
            raise ValidationError(gettext("该退费已经核实"))
