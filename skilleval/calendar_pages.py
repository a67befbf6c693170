"""The province admin's holiday calendar: what the working-day count uses beyond the library of
China's statutory holidays (skilleval/working_days.py)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from skilleval.choices import AuditAction
from skilleval.models import AuditEntry, CalendarDay
from skilleval.working_days import is_known


class CalendarDayForm(forms.ModelForm):
    is_working_day = forms.TypedChoiceField(
        label=gettext_lazy("当天"),
        coerce=lambda value: value == "1",
        choices=[("0", gettext_lazy("放假")), ("1", gettext_lazy("上班（调休）"))],
    )

    class Meta:
        model = CalendarDay
        fields = ["date", "is_working_day", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


def calendar(request):
    """Everyone sees the entries and which years the library knows; the province admin edits."""
    may_edit = request.user.is_authenticated and request.user.is_province_admin
    form = CalendarDayForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("只有省级管理员可以调整节假日"))
        if form.is_valid():
            try:
                day = form.save(commit=False)
                day.created_by = request.user
                day.save()
            except IntegrityError:
                form.add_error("date", _("该日期已有调整，请先删除"))
            else:
                AuditEntry.objects.record(
                    AuditAction.CREATE,
                    object_type="skilleval.calendarday",
                    object_id=day.pk,
                    object_repr=str(day),
                    after={"date": day.date, "is_working_day": day.is_working_day},
                )
                messages.success(request, _("已保存 %(day)s") % {"day": day})
                return redirect("working-day-calendar")
    year = timezone.localdate().year
    years = [(y, is_known(y)) for y in (year, year + 1)]
    return render(
        request,
        "rules/calendar.html",
        {"days": CalendarDay.objects.all(), "form": form, "years": years, "may_edit": may_edit},
    )


@require_POST
def calendar_delete(request, pk):
    if not (request.user.is_authenticated and request.user.is_province_admin):
        raise PermissionDenied(_("只有省级管理员可以调整节假日"))
    day = get_object_or_404(CalendarDay, pk=pk)
    AuditEntry.objects.record(
        AuditAction.DELETE,
        object_type="skilleval.calendarday",
        object_id=day.pk,
        object_repr=str(day),
        before={"date": day.date, "is_working_day": day.is_working_day},
    )
    day.delete()
    return redirect("working-day-calendar")
