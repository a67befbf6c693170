"""The organiser's competition page (54号 一–三): list, create, edit; its events, fees, contestants
(typed or imported) with the live out-of-area ratio, and the filing it submits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from competitions.choices import (
    CompetitionFilingStatus,
    FilingLevel,
    FilingReason,
    RecognitionStatus,
    Span,
)
from competitions.contestant_import import (
    ContestantImportErrors,
    contestant_template,
    import_contestants,
)
from competitions.filtersets import CompetitionFilterSet
from competitions.forms import (
    CompetitionFeeForm,
    CompetitionForm,
    ContestantForm,
    ContestantImportForm,
    DelegationForm,
    EventForm,
)
from competitions.issuance import (
    DECIDERS,
    certificates_of,
    issuer_or_refusal,
    may_act_on_results,
    may_issue_certificates,
)
from competitions.models import Competition, Contestant, Event, Recognition
from skilleval.actions import button_action, form_action
from skilleval.choices import Role
from skilleval.spreadsheets import XLSX_CONTENT_TYPE
from skilleval.views import ScopedListView, to_page

BASIS = {
    "pension": gettext_lazy("参加我省基本养老保险一年以上"),
    "hukou": gettext_lazy("具有我省户籍"),
    "school": gettext_lazy("具有我省院校学籍"),
}


REQUIRED_FILING = {
    "none": gettext_lazy("无需备案（主办单位从严把握）"),
    "city": gettext_lazy("报设区市人社局备案"),
    "province": gettext_lazy("报省人社厅备案"),
    "co_signed": gettext_lazy("相关省级人社部门共同会签"),
}


CONTESTANTS_PER_PAGE = 50


def scoped_competition(request, pk) -> Competition:
    return get_object_or_404(
        Competition.objects.visible_to(request.user).select_related(
            "host_region__parent", "created_by"
        ),
        pk=pk,
    )


def own_competition(request, pk) -> Competition:
    """A competition the user organises: out of scope → 404, in scope but not theirs → 403."""
    competition = scoped_competition(request, pk)
    competition.require_organiser(request.user)
    return competition


class CompetitionListView(ScopedListView):
    model = Competition
    filterset_class = CompetitionFilterSet
    template_name = "competitions/list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("host_region__parent")
            .prefetch_related("events__occupation")
            .annotate(
                contestant_count=Count("contestants", distinct=True),
                pending_filings=Count(
                    "filings",
                    filter=Q(filings__status=CompetitionFilingStatus.SUBMITTED),
                    distinct=True,
                ),
            )
            .order_by("-starts_on", "-pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            may_create=self.request.user.role == Role.COMPETITION_ORGANISER, **kwargs
        )


@login_required
def competition_create(request):
    if request.user.role != Role.COMPETITION_ORGANISER:
        raise PermissionDenied(_("只有竞赛主办单位可以新建竞赛"))
    form = CompetitionForm(
        request.POST or None, initial={"organiser_name": request.user.organisation}
    )
    if request.method == "POST":
        form.instance.created_by = request.user
        if form.is_valid():
            with transaction.atomic():
                competition = form.save()
            messages.success(
                request,
                _("已新建竞赛“%(competition)s”，下一步：添加赛项") % {"competition": competition},
            )
            return to_page("competition-detail", competition.pk, "events")
    return render(request, "competitions/form.html", {"form": form})


@login_required
def competition_edit(request, pk):
    competition = own_competition(request, pk)
    form = CompetitionForm(request.POST or None, instance=competition)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("已保存"))
        return to_page("competition-detail", competition.pk)
    return render(request, "competitions/form.html", {"form": form, "competition": competition})


def filing_rows(competition, filings, user, today) -> list[dict]:
    """One row per filing the competition needs now, with where it stands."""
    approved = {
        (f.reason, f.level) for f in filings if f.status == CompetitionFilingStatus.APPROVED
    }
    rows = []
    for reason, level in competition.required_filings():
        of_reason = [f for f in filings if f.reason == reason]
        covered = Competition._covered((reason, level), approved)
        pending = next(
            (f for f in of_reason if f.status == CompetitionFilingStatus.SUBMITTED), None
        )
        too_late = reason == FilingReason.CROSS_REGION and today >= competition.starts_on
        rows.append(
            {
                "reason": reason,
                "reason_label": FilingReason(reason).label,
                "level_label": FilingLevel(level).label,
                "covered": covered,
                "pending": pending,
                "latest": of_reason[0] if of_reason else None,
                "too_late": too_late and not covered,
                "may_submit": competition.is_organised_by(user)
                and not covered
                and pending is None
                and not too_late,
            }
        )
    return rows


def competition_context(request, competition, **forms) -> dict:
    """Everything the competition page shows; `forms` are bound forms that failed, shown again
    with their errors. The ratio and filings are computed from the rows as they are now."""
    user, today = request.user, timezone.localdate()
    owner = competition.is_organised_by(user)
    out = competition.out_of_area_decision()
    cross = competition.cross_region_decision()
    filings = list(competition.filings.select_related("authority", "decided_by"))
    events = list(
        competition.events.select_related("occupation").annotate(
            contestant_count=Count("contestants"),
            eligible_count=Count("contestants", filter=Q(contestants__eligible=True)),
        )
    )
    contestants = competition.contestants.select_related(
        "event__occupation", "basis_region__parent"
    ).order_by("event__occupation__code", "pk")
    counts = competition.contestants.aggregate(
        all=Count("pk"),
        qualified=Count("pk", filter=Q(eligible=True)),
        away=Count("pk", filter=Q(eligible=True, out_of_area=True)),
    )
    page = Paginator(contestants, CONTESTANTS_PER_PAGE).get_page(request.GET.get("page"))
    try:
        issuer, issuer_problem = issuer_or_refusal(competition), None
    except ValidationError as refusal:
        issuer, issuer_problem = None, " ".join(refusal.messages)
    issuer_decision = competition.certificate_issuer_decision()
    context = {
        "competition": competition,
        "object": competition,
        "today": today,
        "owner": owner,
        "may_act": may_act_on_results(user, competition),
        "may_issue": may_issue_certificates(user, competition),
        "delegation": competition.delegation,
        "delegation_form": DelegationForm()
        if competition.may_delegate_certificates(user)
        and competition.kind == "city"
        and competition.competition_class == 2
        and competition.delegation is None
        else None,
        "events": events,
        "counts": counts,
        "out": out,
        "out_label": REQUIRED_FILING[out.result["required_filing"]],
        "out_percent": f"{out.result['ratio'] * 100:.1f}%",
        "cross": cross,
        "cross_label": REQUIRED_FILING[cross.result["required_filing"]],
        "span_label": _("不跨区域")
        if competition.span == Span.WITHIN_COUNTY
        else Span(competition.span).label,
        "filing_rows": filing_rows(competition, filings, user, today),
        "filings": filings,
        "incentives": not competition.missing_filings(),
        "contestants": page,
        "basis_labels": BASIS,
        "ranked": competition.contestants.filter(rank__isnull=False, rank__lte=10)
        .select_related("event__occupation")
        .order_by("event__occupation__code", "rank"),
        "recognitions": Recognition.objects.filter(contestant__competition=competition)
        .select_related("contestant__event__occupation")
        .order_by("contestant__event__occupation__code", "contestant__rank"),
        "recognitions_decided": Recognition.objects.filter(contestant__competition=competition)
        .exclude(status=RecognitionStatus.PROPOSED)
        .exists(),
        "deciders": DECIDERS,
        "certificates": certificates_of(competition).select_related("occupation")[:200],
        "certificate_count": certificates_of(competition).count(),
        "issuer": issuer,
        "issuer_problem": issuer_problem,
        "issuer_reason": issuer_decision.text if issuer_decision else "",
        "open_form": next(iter(forms), None),
        **forms,
    }
    context["fees"] = list(competition.fees.all())
    if owner:
        context.setdefault("fee_form", CompetitionFeeForm())
        context.setdefault("event_form", EventForm(competition=competition))
        if events:
            context.setdefault("contestant_form", ContestantForm(competition=competition))
            context.setdefault("import_form", ContestantImportForm())
    return context


def render_competition(request, competition, status=200, **forms):
    return render(
        request,
        "competitions/detail.html",
        competition_context(request, competition, **forms),
        status=status,
    )


@login_required
def competition_detail(request, pk):
    return render_competition(request, scoped_competition(request, pk))


@login_required
@require_POST
def event_add(request, pk):
    competition = own_competition(request, pk)
    form = EventForm(request.POST, competition=competition)
    if form.is_valid():
        event = form.save()
        messages.success(request, _("已添加赛项：%(name)s") % {"name": event.occupation.name})
        return to_page("competition-detail", pk, "events")
    return render_competition(request, competition, event_form=form)


@login_required
@require_POST
def fee_set(request, pk):
    """54号 二: the organiser lists a fee item; anything but 0 is refused, naming the fee."""
    competition = own_competition(request, pk)
    return form_action(
        request,
        CompetitionFeeForm(request.POST),
        lambda data: competition.set_fee(data["name"], data["amount"], user=request.user),
        success=_("已记录费用项目（不收费）"),
        done=to_page("competition-detail", pk, "fees"),
        again=lambda form: render_competition(request, competition, fee_form=form),
    )


@login_required
@require_POST
def event_delete(request, pk, event_pk):
    competition = own_competition(request, pk)
    event = get_object_or_404(Event, competition=competition, pk=event_pk)
    return button_action(
        request,
        lambda: competition.remove_event(event),
        success=_("已删除赛项"),
        done=to_page("competition-detail", pk, "events"),
    )


@login_required
@require_POST
def contestant_add(request, pk):
    competition = own_competition(request, pk)
    form = ContestantForm(request.POST, competition=competition)
    if form.is_valid():
        contestant = form.save()
        if contestant.eligible:
            where = _("（异地选手）") if contestant.out_of_area else ""
            messages.success(
                request,
                _("已登记 %(name)s：符合参赛资格，%(BASIS)s%(where)s")
                % {"name": contestant.name, "BASIS": BASIS[contestant.basis], "where": where},
            )
        else:
            messages.warning(
                request,
                _("已登记 %(name)s：不符合参赛资格（54号 一）") % {"name": contestant.name},
            )
        return to_page("competition-detail", pk, "contestants")
    return render_competition(request, competition, contestant_form=form)


@login_required
@require_POST
def contestant_delete(request, pk, contestant_pk):
    competition = own_competition(request, pk)
    contestant = get_object_or_404(Contestant, competition=competition, pk=contestant_pk)
    return button_action(
        request,
        lambda: competition.remove_contestant(contestant),
        success=_("已删除选手 %(name)s") % {"name": contestant.name},
        done=to_page("competition-detail", pk, "contestants"),
    )


@login_required
@require_POST
def contestant_import(request, pk):
    competition = own_competition(request, pk)
    form = ContestantImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_contestants(competition, upload, upload.name, user=request.user)
        except ContestantImportErrors as refused:
            return render_competition(
                request, competition, import_form=form, import_errors=refused.errors
            )
        messages.success(
            request,
            _("已导入 %(result)s 名选手，其中符合参赛资格 %(result2)s 名、异地选手 %(result3)s 名")
            % {
                "result": result["imported"],
                "result2": result["eligible"],
                "result3": result["out_of_area"],
            },
        )
        return to_page("competition-detail", pk, "contestants")
    return render_competition(request, competition, import_form=form)


@login_required
def contestant_template_download(request, pk):
    competition = own_competition(request, pk)
    response = HttpResponse(contestant_template(competition), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"参赛选手模板-{competition.pk}.xlsx"
    )
    return response


@login_required
@require_POST
def filing_submit(request, pk):
    competition = own_competition(request, pk)
    reason = request.POST.get("reason", "")
    if reason not in FilingReason.values:
        messages.error(request, _("未知的备案事由"))
        return to_page("competition-detail", pk, "filings")
    return button_action(
        request,
        lambda: competition.file(reason, user=request.user),
        success=lambda filing: (
            _("已提交%(plain)s备案，备案机关：%(authority)s")
            % {"plain": filing.get_reason_display(), "authority": filing.authority}
        ),
        done=to_page("competition-detail", pk, "filings"),
    )
