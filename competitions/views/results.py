"""A competition's results (54号 四, 实施意见 十五): the recognitions proposed from them, the
delegation of certificate issuing and the certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competitions.forms import DelegationForm
from competitions.issuance import issue_competition_certificates, propose_recognitions
from competitions.views.competitions import own_competition, scoped_competition
from skilleval.actions import button_action
from skilleval.views import to_page


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
