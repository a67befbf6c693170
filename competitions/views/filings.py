"""Competition filings (54号 二, 附件1) as the HR departments see them: the list, the page, the
opinion, the decision and the printed form."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competitions import pdf
from competitions.choices import CompetitionFilingStatus
from competitions.filtersets import CompetitionFilingFilterSet
from competitions.forms import DecideForm, OpinionForm
from competitions.models import CompetitionFiling
from skilleval.views import ScopedListView, detail_form


class CompetitionFilingListView(ScopedListView):
    """Filings of the competitions in the user's scope; the ones waiting first."""

    filterset_class = CompetitionFilingFilterSet
    template_name = "competitions/filing_list.html"

    def visible(self):
        return (
            CompetitionFiling.objects.visible_to(self.request.user)
            .select_related("competition__host_region__parent", "authority")
            .order_by("-submitted_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for filing in context["object_list"]:
            filing.yours = (
                filing.status == CompetitionFilingStatus.SUBMITTED
                and filing.may_be_decided_by(user)
            )
        context["statuses"] = CompetitionFilingStatus.choices
        context["status"] = self.request.GET.get("status", "")
        return context


def scoped_filing(request, pk):
    return get_object_or_404(
        CompetitionFiling.objects.visible_to(request.user).select_related(
            "competition__host_region__parent", "authority", "submitted_by", "decided_by"
        ),
        pk=pk,
    )


def render_filing(request, filing, **forms):
    user = request.user
    submitted = filing.status == CompetitionFilingStatus.SUBMITTED
    context = {
        "filing": filing,
        "competition": filing.competition,
        "form": pdf.form_context(filing),
        "may_decide": submitted and filing.may_be_decided_by(user),
        "open_form": next(iter(forms), None),
        **forms,
    }
    if filing.opinion_field(user) and not context["may_decide"]:
        # The department deciding writes its opinion with the decision.
        context.setdefault("opinion_form", OpinionForm())
    if context["may_decide"]:
        context.setdefault("decide_form", DecideForm())
    return render(request, "competitions/filing_detail.html", context)


filing_form = detail_form("competition-filing-detail", render_filing)


@login_required
def filing_detail(request, pk):
    return render_filing(request, scoped_filing(request, pk))


@login_required
@require_POST
def filing_opinion(request, pk):
    filing = scoped_filing(request, pk)
    return filing_form(
        request,
        filing,
        OpinionForm(request.POST),
        lambda data: filing.record_opinion(user=request.user, opinion=data["opinion"]),
        success=_("已填写意见"),
        fragment="opinions",
        kept_as="opinion_form",
    )


@login_required
@require_POST
def filing_decide(request, pk):
    filing = scoped_filing(request, pk)
    return filing_form(
        request,
        filing,
        DecideForm(request.POST),
        lambda data: filing.decide(
            user=request.user, approve=data["decision"] == "approve", opinion=data["opinion"]
        ),
        success=lambda _outcome: filing.get_status_display(),
        kept_as="decide_form",
    )


@login_required
def filing_form_pdf(request, pk):
    filing = scoped_filing(request, pk)
    response = HttpResponse(pdf.filing_form_pdf(filing), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"职业技能竞赛跨区域办赛备案表-{filing.pk}.pdf"
    )
    return response
