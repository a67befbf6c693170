"""The certificate summary the statistics read instead of the million certificates (issue 15).

One row per month × institution × occupation × level × certificate kind, with the number of
certificates issued. The institution carries the city, county and kind, so scoping
(`institution_scope`) and the filters apply to the summary as they do to the certificates. The
summary holds the certificates issued before `SummaryRefresh.covers_until` and recorded up to
`SummaryRefresh.through_certificate` (the highest id at the refresh); the rest — issued since, or
recorded since with an earlier issue date — are counted live and added (audits/statistics.py), so the
figures stay exact between refreshes.
"""

from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from institutions.models.institutions import institution_scope
from skilleval.querysets import ScopedQuerySet


class CertificateSummaryQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return institution_scope(user, "institution__")


class CertificateSummary(models.Model):
    month = models.DateField(_("月份"))
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=30)
    issued = models.PositiveIntegerField(_("证书数"))

    objects = CertificateSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("证书统计汇总")
        verbose_name_plural = _("证书统计汇总")
        indexes = [models.Index(fields=["month", "institution"], name="cert_summary_month_inst")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.institution_id} {self.occupation_id} {self.issued}"


class SummaryRefresh(models.Model):
    """When the summary was last built, and the first issue date it does not hold."""

    refreshed_at = models.DateTimeField(_("数据更新于"))
    covers_until = models.DateField()
    through_certificate = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计汇总更新")
        verbose_name_plural = _("统计汇总更新")

    def __str__(self):
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"

    @classmethod
    def latest(cls):
        return cls.objects.order_by("-refreshed_at", "-pk").first()


def refresh_summary(today=None) -> "SummaryRefresh":
    """Rebuild the summary from the certificates issued before `today` (one GROUP BY), in one
    transaction: a reader sees the old summary or the new one, never half of each."""
    today = today or timezone.localdate()
    through = Certificate.objects.aggregate(top=models.Max("pk"))["top"] or 0
    grouped = (
        Certificate.objects.filter(issued_on__lt=today, pk__lte=through)
        .annotate(month=TruncMonth("issued_on"))
        .values("month", "institution_id", "occupation_id", "level", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    with transaction.atomic():
        CertificateSummary.objects.all().delete()
        CertificateSummary.objects.bulk_create(
            (
                CertificateSummary(
                    month=row["month"].date() if hasattr(row["month"], "date") else row["month"],
                    institution_id=row["institution_id"],
                    occupation_id=row["occupation_id"],
                    level=row["level"],
                    kind=row["kind"],
                    issued=row["n"],
                )
                for row in grouped.iterator(chunk_size=5000)
            ),
            batch_size=5000,
        )
        SummaryRefresh.objects.all().delete()
        return SummaryRefresh.objects.create(
            refreshed_at=timezone.now(), covers_until=today, through_certificate=through
        )
