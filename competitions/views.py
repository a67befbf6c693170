"""Pages of competitions (54号 一–四): the organiser's competition page with its events,
contestants, live out-of-area ratio and filings; the HR departments' filings and recognitions;
results and certificates; and the public list of 附件3.

Views stay thin: they find the object through `.visible_to(user)` (outside the scope → 404),
hand the input to the model or service, and show its refusals next to the form that caused them.
Every action is a POST; after success the page redirects (no double submit on reload).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from competitions import pdf
from competitions.choices import (
    CompetitionFilingStatus,
    FilingLevel,
    FilingReason,
    HonourStatus,
    RecognitionStatus,
    Span,
)
from competitions.contestant_import import (
    ContestantImportErrors,
    contestant_template,
    import_contestants,
)
from competitions.filtersets import (
    CompetitionFilingFilterSet,
    CompetitionFilterSet,
    HonourFilterSet,
    PublicCompetitionFilterSet,
    RecognitionFilterSet,
    visible_filings,
    visible_recognitions,
)
from competitions.forms import (
    CompetitionFeeForm,
    CompetitionForm,
    ContestantForm,
    ContestantImportForm,
    DecideForm,
    DelegationForm,
    EventForm,
    HonourForm,
    HonourRefuseForm,
    OpinionForm,
    RecognitionDecisionForm,
)
from competitions.issuance import (
    DECIDERS,
    certificates_of,
    decide_recognition,
    issue_competition_certificates,
    issuer_or_refusal,
    may_act_on_results,
    may_decide_recognition,
    may_issue_certificates,
    propose_recognitions,
)
from competitions.models import Competition, Contestant, Event, Honour, Recognition
from skilleval.actions import button_action, form_action
from skilleval.choices import Role
from skilleval.spreadsheets import XLSX_CONTENT_TYPE
from skilleval.views import ScopedListView, detail_form, to_page

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


# --- list, create, edit ----------------------------------------------------------------------


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


# --- the competition page --------------------------------------------------------------------


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


# --- results, recognitions, certificates -----------------------------------------------------


@login_required
def results(request, pk):
    """Ranks per event, for the eligible contestants (54号 一: the others do not compete)."""
    competition = own_competition(request, pk)
    events = list(competition.events.select_related("occupation"))
    if not events:
        messages.error(request, _("请先添加赛项"))
        return to_page("competition-detail", pk, "events")
    event = next((e for e in events if str(e.pk) == request.GET.get("event")), events[0])
    rows = list(event.contestants.filter(eligible=True).order_by("rank", "name", "pk"))
    errors = []
    if request.method == "POST":
        try:
            competition.refuse_results_before_the_end()
        except ValidationError as refusal:
            errors.extend(refusal.messages)
    if request.method == "POST" and not errors:
        ranks = {}
        for contestant in rows:
            raw = request.POST.get(f"rank-{contestant.pk}", "").strip()
            if not raw:
                ranks[contestant.pk] = None
            elif raw.isdigit() and int(raw) >= 1:
                ranks[contestant.pk] = int(raw)
            else:
                errors.append(_("%(name)s：名次应为正整数") % {"name": contestant.name})
        taken = {}
        for contestant in rows:
            rank = ranks.get(contestant.pk)
            if rank is not None and rank in taken:
                errors.append(
                    _("名次 %(rank)s 重复（%(taken)s、%(name)s）")
                    % {"rank": rank, "taken": taken[rank], "name": contestant.name}
                )
            elif rank is not None:
                taken[rank] = contestant.name
        if not errors:
            changed = [c for c in rows if c.pk in ranks and c.rank != ranks[c.pk]]
            with transaction.atomic():
                # Clear first, so that two contestants may swap places under the unique rank.
                for contestant in changed:
                    if contestant.rank is not None:
                        contestant.rank = None
                        contestant.save(update_fields=["rank"])
                for contestant in changed:
                    contestant.rank = ranks[contestant.pk]
                    if contestant.rank is not None:
                        contestant.save(update_fields=["rank"])
            messages.success(
                request,
                _("已保存 %(occupation)s 的名次（%(count)s 名）")
                % {"occupation": event.occupation.name, "count": len(changed)},
            )
            return redirect(f"{reverse('competition-results', args=[pk])}?event={event.pk}")
        for contestant in rows:
            contestant.entered = request.POST.get(f"rank-{contestant.pk}", "")
    else:
        for contestant in rows:
            contestant.entered = contestant.rank or ""
    return render(
        request,
        "competitions/results.html",
        {
            "competition": competition,
            "events": events,
            "event": event,
            "rows": rows,
            "errors": errors,
            "ineligible": event.contestants.filter(eligible=False).count(),
        },
    )


@login_required
@require_POST
def recognitions_propose(request, pk):
    competition = scoped_competition(request, pk)
    return button_action(
        request,
        lambda: propose_recognitions(competition, request.user),
        success=lambda proposals: (
            _("已为 %(count)s 名获奖选手提出认定建议，其中直接认定等级 %(with_level)s 名")
            % {"count": len(proposals), "with_level": sum(1 for r in proposals if r.level)}
        ),
        done=to_page("competition-detail", pk, "recognitions"),
    )


@login_required
@require_POST
def delegate_certificates(request, pk):
    """54号 四: the host city records that the organiser's certifying institution issues."""
    competition = scoped_competition(request, pk)
    form = DelegationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return to_page("competition-detail", pk, "certificates")
    return button_action(
        request,
        lambda: competition.delegate_certificates(
            form.cleaned_data["institution"], user=request.user, note=form.cleaned_data["note"]
        ),
        success=_("已记录证书核发委托"),
        done=to_page("competition-detail", pk, "certificates"),
    )


@login_required
@require_POST
def certificates_issue(request, pk):
    competition = scoped_competition(request, pk)
    try:
        result = issue_competition_certificates(competition, request.user)
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        if result.issued:
            messages.success(
                request,
                _("%(issuer)s 已核发 %(count)s 张竞赛证书（%(first)s – %(last)s）")
                % {
                    "issuer": result.issuer,
                    "count": len(result.issued),
                    "first": result.issued[0].number,
                    "last": result.issued[-1].number,
                }
                + (_("，%(n)s 名已有证书") % {"n": result.skipped} if result.skipped else ""),
            )
        else:
            messages.info(request, _("获奖选手均已有证书，未重复核发"))
    return to_page("competition-detail", pk, "certificates")


# --- filings (54号 二, 附件1) ------------------------------------------------------------------


class CompetitionFilingListView(ScopedListView):
    """Filings of the competitions in the user's scope; the ones waiting first."""

    filterset_class = CompetitionFilingFilterSet
    template_name = "competitions/filing_list.html"

    def visible(self):
        return (
            visible_filings(self.request.user)
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
        visible_filings(request.user).select_related(
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


# --- recognitions (实施意见 十五) ------------------------------------------------------------------


class RecognitionListView(ScopedListView):
    filterset_class = RecognitionFilterSet
    template_name = "competitions/recognition_list.html"

    def visible(self):
        return (
            visible_recognitions(self.request.user)
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
        visible_recognitions(request.user).select_related("contestant__competition__host_region"),
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


# --- the public list (54号 五, 附件3) ---------------------------------------------------------


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


# --- honours (实施意见 十六) ----------------------------------------------------------------


class HonourListView(ScopedListView):
    model = Honour
    filterset_class = HonourFilterSet
    template_name = "competitions/honour_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("occupation", "region", "certificate")


def may_record_honours(user) -> bool:
    return user.is_province_admin or user.role in (Role.CITY_STAFF, Role.COUNTY_STAFF)


@login_required
def honour_create(request):
    if not may_record_honours(request.user):
        raise PermissionDenied(_("表彰认定由省级或市、县人力资源社会保障部门登记（实施意见 十六）"))
    if request.method != "POST":
        return render(request, "competitions/honour_form.html", {"form": HonourForm()})
    return form_action(
        request,
        HonourForm(request.POST),
        lambda data: Honour.record(user=request.user, **data),
        success=_("已登记表彰认定"),
        done=lambda honour: to_page("honour-detail", honour.pk),
        again=lambda form: render(request, "competitions/honour_form.html", {"form": form}),
    )


def render_honour(request, honour, refuse_form=None, status=200):
    return render(
        request,
        "competitions/honour_detail.html",
        {
            "honour": honour,
            "yours": honour.status == HonourStatus.RECORDED
            and honour.may_be_decided_by(request.user),
            "refuse_form": refuse_form or HonourRefuseForm(),
        },
        status=status,
    )


def scoped_honour(request, pk):
    return get_object_or_404(
        Honour.objects.visible_to(request.user).select_related("occupation", "region"), pk=pk
    )


@login_required
@require_GET
def honour_detail(request, pk):
    return render_honour(request, scoped_honour(request, pk))


@login_required
@require_POST
def honour_recognise(request, pk):
    honour = scoped_honour(request, pk)
    return button_action(
        request,
        lambda: honour.recognise(user=request.user),
        success=lambda certificate: (
            _("已认定并核发证书 %(number)s") % {"number": certificate.number}
        ),
        done=to_page("honour-detail", pk),
    )


@login_required
@require_POST
def honour_refuse(request, pk):
    honour = scoped_honour(request, pk)
    return form_action(
        request,
        HonourRefuseForm(request.POST),
        lambda data: honour.refuse(user=request.user, reason=data["reason"]),
        success=_("已不予认定"),
        done=to_page("honour-detail", pk),
        again=lambda form: render_honour(request, honour, refuse_form=form),
    )
