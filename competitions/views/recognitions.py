"""Recognitions (实施意见 十五): the list to decide, the decision, and the public list of 附件3 (54号 五)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competitions.choices import RecognitionStatus
from competitions.filtersets import (
    PublicCompetitionFilterSet,
    RecognitionFilterSet,
)
from competitions.forms import RecognitionDecisionForm
from competitions.issuance import DECIDERS, decide_recognition, may_decide_recognition
from competitions.models import Competition, Event, Recognition
from skilleval.actions import button_action
from skilleval.views import ScopedListView


class RecognitionListView(ScopedListView):
    filterset_class = RecognitionFilterSet
    template_name = "competitions/recognition_list.html"

    def visible(self):
        return (
            Recognition.objects.visible_to(self.request.user)
            .select_related(
                "contestant__competition__host_region__parent", "contestant__event__occupation"
            )
            .order_by("status", "-created_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for recognition in context["object_list"]:
            recognition.yours = recognition.status == RecognitionStatus.PROPOSED and (
                may_decide_recognition(self.request.user, recognition)
            )
        context["deciders"] = DECIDERS
        context["decision_form"] = RecognitionDecisionForm()
        return context


@login_required
@require_POST
def recognition_decide(request, pk):
    recognition = get_object_or_404(
        Recognition.objects.visible_to(request.user).select_related(
            "contestant__competition__host_region"
        ),
        pk=pk,
    )
    form = RecognitionDecisionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("competition-recognition-list")
    if not form.is_valid():
        messages.error(request, _("请选择认定或不予认定"))
        return redirect(back)
    return button_action(
        request,
        lambda: decide_recognition(
            recognition,
            user=request.user,
            grant=form.cleaned_data["decision"] == "grant",
            level=form.cleaned_data["level"],
        ),
        success=lambda _outcome: (
            _("%(name)s：%(status)s")
            % {"name": recognition.contestant.name, "status": recognition.get_status_display()}
        ),
        done=redirect(back),
    )


def public_list(request):
    """职业技能竞赛办赛计划公布目录: organiser, events, dates, conditions, phone — for everyone."""
    filterset = PublicCompetitionFilterSet(
        request.GET,
        queryset=Competition.objects.select_related("host_region__parent")
        .prefetch_related(Prefetch("events", queryset=Event.objects.select_related("occupation")))
        .order_by("-starts_on", "pk"),
    )
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "competitions/public_list.html",
        {"filter": filterset, "page_obj": page, "object_list": page.object_list},
    )
