from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day the province admin declares a working day or a holiday, over what the library of
    China's statutory holidays says (skilleval/working_days.py) — for a year it does not know yet,
    or a provincial arrangement."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")

    def __str__(self):
        return f"{self.date} {self.note}"
