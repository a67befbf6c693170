"""239号 二(二): the pages of the choices made by candidates of a batch invalidated at its exit
cut-off (continue by another route, or the appraisal fee refunded), and the refunds the city
confirms. The model (institutions/models/exit_remedies.py) decides who may record or confirm."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from institutions.choices import BatchStatus, ExitRemedyChoice
from institutions.forms import ExitRemedyForm, RefundConfirmForm
from institutions.models import ExitRemedy
from institutions.views.batches import scoped_batch
from skilleval.actions import Forbidden, button_action, form_action
from skilleval.views import ScopedListView, to_page


def _remedies_page(request, batch, form=None):
    runs = batch.is_run_by(request.user)
    may_record = runs and batch.status == BatchStatus.INVALID and bool(batch.exit_batch)
    candidates = batch.candidates.select_related("exit_remedy").order_by("pk")
    return render(
        request,
        "institutions/exit_remedies.html",
        {
            "batch": batch,
            "candidates": candidates,
            "form": (form or ExitRemedyForm(batch=batch)) if may_record else None,
        },
    )


@login_required
def batch_exit_remedies(request, pk):
    """Every candidate of the batch with their choice; the institution records them here."""
    batch = scoped_batch(request, pk)
    if request.method != "POST":
        return _remedies_page(request, batch)
    batch.require_run_by(request.user)
    return form_action(
        request,
        ExitRemedyForm(request.POST, batch=batch),
        lambda data: ExitRemedy.objects.record(
            request.user, data["candidate"], data["remedy"], data["fee"], data["note"]
        ),
        success=lambda remedy: (
            gettext("已记录 %(candidate)s 的选择：%(remedy)s")
            % {"candidate": remedy.candidate.name, "remedy": remedy.get_remedy_display()}
        ),
        done=to_page("batch-exit-remedies", batch.pk),
        again=lambda form: _remedies_page(request, batch, form),
    )


class RefundListView(ScopedListView):
    """Refunds chosen by candidates of invalidated batches; open ones first (239号 二(二))."""

    model = ExitRemedy
    template_name = "institutions/refunds.html"

    def get_queryset(self):
        rows = (
            super()
            .get_queryset()
            .filter(remedy=ExitRemedyChoice.REFUND)
            .select_related("candidate__batch__institution", "candidate__batch__occupation")
        )
        if self.request.GET.get("status") == "open":
            rows = rows.open_refunds()
        return rows.order_by(F("refund_confirmed_on").desc(nulls_first=True), "recorded_at", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["open_only"] = self.request.GET.get("status") == "open"
        context["may_confirm"] = {
            row.pk for row in context["object_list"] if row.may_confirm_refund(user)
        }
        return context


@login_required
@require_POST
def refund_confirm(request, pk):
    """The city confirms a refund was made, on a day; a refusal is shown on the list."""
    remedy = get_object_or_404(
        ExitRemedy.objects.visible_to(request.user).select_related("candidate__batch__institution"),
        pk=pk,
    )
    form = RefundConfirmForm(request.POST)
    if not form.is_valid():
        if not remedy.may_confirm_refund(request.user):
            raise Forbidden(gettext("只有机构所在设区市人社部门或省级管理员可以核实退费"))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return to_page("refund-list")
    return button_action(
        request,
        lambda: remedy.confirm_refund(request.user, form.cleaned_data["refunded_on"]),
        success=gettext("退费已核实"),
        done=to_page("refund-list"),
    )
