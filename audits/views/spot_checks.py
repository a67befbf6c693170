"""The inspector pool and the random spot checks (双随机, 实施意见 二十五): the list, the draw's page,
its reproduction, redraw, findings, the institution's response and publishing (一公开)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from audits import draws
from audits.choices import Population
from audits.draws import (
    publish,
    record_finding,
    redraw,
    reproduction,
    require_province_staff,
    respond,
    visible_entities,
)
from audits.filtersets import InspectorFilterSet, SpotCheckFilterSet
from audits.forms import DrawForm, FindingForm, InspectorForm, RedrawForm, ResponseForm
from audits.models import Inspector, SpotCheck, SpotCheckEntity
from certificates.models import Certificate
from skilleval.actions import form_action
from skilleval.choices import INSTITUTION_ROLES
from skilleval.models import Region
from skilleval.views import ScopedDetailView, ScopedListView, to_page


def filters_summary(spot_check: SpotCheck) -> list[str]:
    filters = spot_check.filters or {}
    parts = []
    if filters.get("city"):
        city = Region.objects.filter(pk=filters["city"]).first()
        parts.append(gettext("设区市：%(city)s") % {"city": city or filters["city"]})
    else:
        parts.append(gettext("全省"))
    if filters.get("occupation"):
        parts.append(gettext("职业：%(occupation)s") % {"occupation": filters["occupation"]})
    if filters.get("from") or filters.get("to"):
        parts.append(
            gettext("考试日期：%(start)s — %(end)s")
            % {"start": filters.get("from", ""), "end": filters.get("to", "")}
        )
    return parts


class InspectorListView(LoginRequiredMixin, ListView):
    """The pool, with the form to add a member (POST here adds one)."""

    template_name = "audits/inspector_list.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_province_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        self.filterset = InspectorFilterSet(
            self.request.GET,
            queryset=Inspector.objects.select_related("city", "institution").order_by(
                "-active", "city_id", "name"
            ),
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", InspectorForm())
        return super().get_context_data(filter=self.filterset, **kwargs)

    def post(self, request, *args, **kwargs):
        form = InspectorForm(request.POST)
        if form.is_valid():
            inspector = form.save()
            messages.success(
                request, gettext("已加入检查人员库：%(inspector)s") % {"inspector": inspector}
            )
            return to_page("inspector-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form, open_form=True))


@login_required
def inspector_edit(request, pk):
    require_province_staff(request.user)
    inspector = get_object_or_404(Inspector, pk=pk)
    form = InspectorForm(request.POST or None, instance=inspector)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("已保存：%(inspector)s") % {"inspector": inspector})
        return to_page("inspector-list")
    return render(request, "audits/inspector_edit.html", {"form": form, "inspector": inspector})


@login_required
@require_POST
def inspector_active(request, pk):
    """Take a member out of the pool (or back in). Past draws keep them: inputs are frozen."""
    require_province_staff(request.user)
    inspector = get_object_or_404(Inspector, pk=pk)
    inspector.active = request.POST.get("active") == "1"
    inspector.save(update_fields=["active"])
    if inspector.active:
        messages.success(request, gettext("%(inspector)s 已恢复入库") % {"inspector": inspector})
    else:
        messages.success(
            request, gettext("%(inspector)s 已停用，不再被抽取") % {"inspector": inspector}
        )
    return to_page("inspector-list")


class SpotCheckListView(ScopedListView):
    """Draws in the user's scope; province auditors draw here (POST)."""

    model = SpotCheck
    filterset_class = SpotCheckFilterSet
    template_name = "audits/spot_check_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("drawn_by", "replaces", "replaced_by")
            .defer("replaces__inputs", "replaced_by__inputs")  # megabytes each, not shown
        )

    def get_context_data(self, **kwargs):
        if self.request.user.sees_everything:
            kwargs.setdefault("draw_form", DrawForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        require_province_staff(request.user)
        self.object_list = self.get_queryset()
        form = DrawForm(request.POST)
        return form_action(
            request,
            form,
            lambda data: draws.draw(user=request.user, **form.draw_arguments()),
            success=lambda spot_check: (
                gettext("已抽取 %(sample_size)s 个对象（总体 %(population_size)s）")
                % {
                    "sample_size": spot_check.sample_size,
                    "population_size": spot_check.population_size,
                }
            ),
            done=lambda spot_check: to_page("spot-check-detail", spot_check.pk),
            again=lambda form: self.render_to_response(self.get_context_data(draw_form=form)),
        )


def scoped_spot_check(request, pk) -> SpotCheck:
    return get_object_or_404(
        SpotCheck.objects.visible_to(request.user).select_related("drawn_by", "replaces"), pk=pk
    )


def spot_check_context(request, spot_check, *, failed=None, **forms) -> dict:
    """Everything the spot-check page shows. `failed` is (entity pk, form name, bound form) of
    an entity form that was refused; `forms` are other bound forms shown with their errors."""
    user = request.user
    replaced_by = SpotCheck.objects.filter(replaces=spot_check).first()
    is_open = replaced_by is None and spot_check.published_at is None
    may_act = user.sees_everything
    responder = user.has_role(*INSTITUTION_ROLES)
    rows = []
    entities = list(visible_entities(spot_check, user))
    for entity in entities:
        finding = getattr(entity, "finding", None)
        row = {"entity": entity, "finding": finding}
        if may_act and is_open:
            row["finding_form"] = FindingForm(instance=finding, prefix=f"e{entity.pk}")
        if responder and finding is not None:
            row["response_form"] = ResponseForm(
                initial={"institution_response": finding.institution_response},
                prefix=f"r{entity.pk}",
            )
        if failed and failed[0] == entity.pk:
            row[failed[1]] = failed[2]
            row["open"] = True
        rows.append(row)
    weights = spot_check.inputs.get("weights") or [0]
    with_findings = sum(1 for r in rows if r["finding"] is not None)
    context = {
        "object": spot_check,
        "spot_check": spot_check,
        "replaced_by": replaced_by,
        "is_open": is_open,
        "rows": rows,
        "filters_summary": filters_summary(spot_check),
        "weights_range": (min(weights), max(weights)),
        "pool_size": len(spot_check.inputs.get("inspectors") or []),
        "show_inspectors": not responder,
        "may_act": may_act,
        "may_sanction": Certificate.may_revoke(user),
        "all_found": with_findings == len(rows) and bool(rows),
        "missing_findings": len(rows) - with_findings,
        "is_batches": spot_check.population == Population.BATCHES,
    }
    if "redraw_form" in forms or (may_act and is_open and not any(r["finding"] for r in rows)):
        context["redraw_form"] = forms.get("redraw_form") or RedrawForm()
    if "publish_errors" in forms:
        context["publish_errors"] = forms["publish_errors"]
    if "reproduction" in forms:
        context["reproduction"] = forms["reproduction"]
    return context


def render_spot_check(request, spot_check, status=200, **forms):
    return render(
        request,
        "audits/spot_check_detail.html",
        spot_check_context(request, spot_check, **forms),
        status=status,
    )


class SpotCheckDetailView(ScopedDetailView):
    model = SpotCheck
    template_name = "audits/spot_check_detail.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **spot_check_context(self.request, self.object),
        }


@login_required
@require_POST
def spot_check_reproduce(request, pk):
    """Anyone who sees the draw may check it: the same seed and inputs give the same result."""
    spot_check = scoped_spot_check(request, pk)
    return render_spot_check(request, spot_check, reproduction=reproduction(spot_check))


@login_required
@require_POST
def spot_check_redraw(request, pk):
    spot_check = scoped_spot_check(request, pk)
    require_province_staff(request.user)
    return form_action(
        request,
        RedrawForm(request.POST),
        lambda data: redraw(spot_check, user=request.user, reason=data["reason"]),
        success=lambda new: (
            gettext("已重新抽取，新抽查 #%(pk)s 替代 #%(pk2)s")
            % {"pk": new.pk, "pk2": spot_check.pk}
        ),
        done=lambda new: to_page("spot-check-detail", new.pk),
        again=lambda form: render_spot_check(request, spot_check, redraw_form=form),
    )


@login_required
@require_POST
def spot_check_publish(request, pk):
    spot_check = scoped_spot_check(request, pk)
    try:
        publish(spot_check, user=request.user)
    except ValidationError as refusal:
        return render_spot_check(request, spot_check, publish_errors=refusal.messages)
    messages.success(request, gettext("检查结果已公开"))
    return to_page("spot-check-detail", spot_check.pk)


def scoped_entity(request, pk, entity_pk) -> tuple[SpotCheck, SpotCheckEntity]:
    spot_check = scoped_spot_check(request, pk)
    entity = get_object_or_404(visible_entities(spot_check, request.user), pk=entity_pk)
    return spot_check, entity


@login_required
@require_POST
def spot_check_finding(request, pk, entity_pk):
    spot_check, entity = scoped_entity(request, pk, entity_pk)
    require_province_staff(request.user)
    finding = getattr(entity, "finding", None)
    return form_action(
        request,
        FindingForm(request.POST, instance=finding, prefix=f"e{entity.pk}"),
        lambda data: record_finding(entity, user=request.user, **data),
        success=gettext("已记录检查结果：%(entity)s") % {"entity": entity},
        done=to_page("spot-check-detail", spot_check.pk, fragment=f"entity-{entity.pk}"),
        again=lambda form: render_spot_check(
            request, spot_check, failed=(entity.pk, "finding_form", form)
        ),
    )


@login_required
@require_POST
def spot_check_response(request, pk, entity_pk):
    spot_check, entity = scoped_entity(request, pk, entity_pk)
    return form_action(
        request,
        ResponseForm(request.POST, prefix=f"r{entity.pk}"),
        lambda data: respond(entity, user=request.user, text=data["institution_response"]),
        success=gettext("回应已提交"),
        done=to_page("spot-check-detail", spot_check.pk, fragment=f"entity-{entity.pk}"),
        again=lambda form: render_spot_check(
            request, spot_check, failed=(entity.pk, "response_form", form)
        ),
    )
