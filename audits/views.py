"""Pages of audits and quality (54号 五, 实施意见 二十五, 239号 四): the inspector pool, random spot
checks (双随机) and their public results (一公开), complaints (举报) from the public and their
handling, and acting on findings (revocation, credit-check flag, suspension, province-wide notice).

Views stay thin: objects are found through `.visible_to(user)` (outside the scope → 404), the
input goes to the domain (audits/draws.py, the models), and its refusals are shown next to the
form that caused them. Every action is a POST; after success the page redirects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from audits import draws
from audits.choices import ComplaintStatus, Population
from audits.draws import (
    publish,
    record_finding,
    redraw,
    reproduction,
    require_province_staff,
    respond,
    visible_entities,
)
from audits.filtersets import ComplaintFilterSet, InspectorFilterSet, SpotCheckFilterSet
from audits.forms import (
    AdvanceForm,
    ComplaintForm,
    ComplaintStatusForm,
    ComplaintStatusThrottle,
    ComplaintThrottle,
    DrawForm,
    FindingForm,
    InspectorForm,
    InstitutionActionForm,
    NoticeForm,
    PublishOutcomeForm,
    RedrawForm,
    ResponseForm,
    RevokeBatchForm,
    RevokePersonForm,
    throttle_wait,
)
from audits.models import (
    Complaint,
    CreditFlag,
    Inspector,
    Notice,
    SpotCheck,
    SpotCheckEntity,
)
from certificates.models import Certificate
from institutions.choices import CatalogAction
from institutions.models import Batch
from skilleval.actions import form_action
from skilleval.choices import INSTITUTION_ROLES, RegionKind, Role
from skilleval.forms import add_refusal
from skilleval.models import Region
from skilleval.views import ScopedDetailView, ScopedListView, to_page

# The province's reporting hotlines, named by the notices that publish them.
PROVINCE_HOTLINES = [
    (gettext_lazy("技能人才评价质量监督举报电话"), "025-83201683", "苏人社函〔2020〕239号 四"),
    (gettext_lazy("职业证书发放监督举报电话"), "025-83271773", "苏人社办函〔2022〕54号 五"),
]


def is_hr_staff(user) -> bool:
    """The HR departments (province, city, county); not institutions, not organisers."""
    return user.sees_everything or user.role in (Role.CITY_STAFF, Role.COUNTY_STAFF)


def require_hr_staff(user) -> None:
    if not is_hr_staff(user):
        raise PermissionDenied(gettext("仅人社部门工作人员"))


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


# --- the inspector pool -------------------------------------------------------------------------


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


# --- spot checks (双随机) -------------------------------------------------------------------------


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


# --- public pages (一公开, 通报) -------------------------------------------------------------------


def paginate(request, queryset, per_page=30):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def results(request):
    """一公开: the published draws' entities with date, outcome and action taken; never the
    inspectors' names."""
    page = paginate(request, draws.published_results().select_related("institution__city"))
    return render(request, "audits/results.html", {"page_obj": page, "rows": page.object_list})


def notice_list(request):
    """全省通报 (54号 五), newest first."""
    queryset = Notice.objects.select_related("institution__city")
    if request.GET.get("institution", "").isdigit():
        queryset = queryset.filter(institution_id=request.GET["institution"])
    page = paginate(request, queryset, per_page=20)
    return render(request, "audits/notice_list.html", {"page_obj": page, "notices": page})


# --- complaints from the public (举报) ------------------------------------------------------------

SESSION_REFERENCE = "audits.complaint_reference"


def hotlines(city: Region | None) -> dict:
    return {
        "province_hotlines": PROVINCE_HOTLINES,
        "city": city,
        "city_hotline": city.complaint_hotline if city else "",
        "hotline_regions": Region.objects.exclude(complaint_hotline="")
        .exclude(kind=RegionKind.PROVINCE)
        .select_related("parent"),
    }


def chosen_city(value) -> Region | None:
    value = str(value or "")
    return Region.objects.cities().filter(pk=value).first() if value.isdigit() else None


def complaint_create(request):
    """Anyone may report, no account needed; a client may send a few an hour."""
    initial = {}
    if request.GET.get("institution", "").isdigit():
        initial["institution"] = request.GET["institution"]
        initial["target_type"] = "institution"
    if request.GET.get("city", "").isdigit():
        initial["city"] = request.GET["city"]
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    city = chosen_city(request.POST.get("city") or request.GET.get("city"))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        wait = throttle_wait(ComplaintThrottle, request)
        if wait is None:
            complaint = form.save()
            request.session[SESSION_REFERENCE] = complaint.reference
            return redirect("complaint-received")
        context["throttled_minutes"] = max(1, (wait + 59) // 60)
        status = 429
    else:
        status = 200
    if city is None and form.is_bound and form.is_valid() and form.cleaned_data.get("institution"):
        city = form.cleaned_data["institution"].city
    return render(
        request, "audits/complaint_form.html", {**context, **hotlines(city)}, status=status
    )


def complaint_received(request):
    reference = request.session.get(SESSION_REFERENCE)
    complaint = Complaint.objects.select_related("city").filter(reference=reference).first()
    if complaint is None:
        return redirect("complaint-create")
    return render(
        request,
        "audits/complaint_received.html",
        {"complaint": complaint, **hotlines(complaint.city)},
    )


def complaint_status(request):
    """The status of a complaint by its reference, and the outcome once concluded; nothing else
    (not the content, the contact or who handles it)."""
    form = ComplaintStatusForm(request.POST or None)
    context, status = {"form": form, **hotlines(None)}, 200
    if request.method == "POST" and form.is_valid():
        wait = throttle_wait(ComplaintStatusThrottle, request)
        if wait is not None:
            context["throttled_minutes"] = max(1, (wait + 59) // 60)
            status = 429
        else:
            complaint = Complaint.objects.filter(reference=form.cleaned_data["reference"]).first()
            context["searched"] = True
            context["complaint"] = complaint
            context["concluded"] = (
                complaint is not None and complaint.status == ComplaintStatus.CONCLUDED
            )
    return render(request, "audits/complaint_status.html", context, status=status)


@require_GET
def complaint_outcomes(request):
    """处理结果及时向社会公开 (实施意见 二十五): the published outcomes, each in the summary its
    handler wrote for the public; never the complaint's content, contact or attachment."""
    page = paginate(
        request, Complaint.objects.published().select_related("institution", "city"), per_page=20
    )
    return render(request, "audits/complaint_outcomes.html", {"page_obj": page, "outcomes": page})


# --- complaint handling (staff) -------------------------------------------------------------------


class HrStaffOnlyMixin:
    """Complaints are handled by the HR departments. An institution never sees who reported it
    or how to reach them."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_hr_staff(request.user)
        return super().dispatch(request, *args, **kwargs)


class ComplaintListView(HrStaffOnlyMixin, ScopedListView):
    model = Complaint
    filterset_class = ComplaintFilterSet
    template_name = "audits/complaint_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("city", "institution", "assigned_to")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=ComplaintStatus.choices,
            current_status=self.request.GET.get("status", ""),
            **kwargs,
        )


def may_handle(user, complaint) -> bool:
    """Mirrors Complaint.advance's check, only to decide whether to show the form."""
    return user.sees_everything or (
        user.role == Role.CITY_STAFF and user.city_id == complaint.city_id
    )


def complaint_context(request, complaint, advance_form=None, publish_form=None) -> dict:
    context = {"object": complaint, "complaint": complaint}
    if complaint.status != ComplaintStatus.CONCLUDED and may_handle(request.user, complaint):
        context["advance_form"] = advance_form or AdvanceForm(complaint=complaint)
        context["next_status"] = Complaint.FLOW[complaint.status]
    if (
        complaint.status == ComplaintStatus.CONCLUDED
        and complaint.published_at is None
        and Complaint.may_publish(request.user, complaint)
    ):
        context["publish_form"] = publish_form or PublishOutcomeForm()
    context["flow"] = [
        (value, label, complaint.status == value) for value, label in ComplaintStatus.choices
    ]
    return context


class ComplaintDetailView(HrStaffOnlyMixin, ScopedDetailView):
    model = Complaint
    template_name = "audits/complaint_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("city", "institution", "assigned_to")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **complaint_context(self.request, self.object),
        }


def scoped_complaint(request, pk) -> Complaint:
    require_hr_staff(request.user)
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related("city", "institution"), pk=pk
    )


@login_required
@require_POST
def complaint_advance(request, pk):
    complaint = scoped_complaint(request, pk)
    form = AdvanceForm(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            complaint.advance(user=request.user, **form.advance_arguments())
        except (ValidationError, PermissionDenied) as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                gettext("举报 %(reference)s：%(status)s")
                % {"reference": complaint.reference, "status": complaint.get_status_display()},
            )
            return to_page("complaint-detail", complaint.pk)
    return render(
        request,
        "audits/complaint_detail.html",
        complaint_context(request, complaint, advance_form=form),
    )


@login_required
@require_POST
def complaint_publish(request, pk):
    """Publish a concluded complaint's outcome in a summary for the public (实施意见 二十五)."""
    complaint = scoped_complaint(request, pk)
    return form_action(
        request,
        PublishOutcomeForm(request.POST),
        lambda data: complaint.publish(user=request.user, summary=data["summary"]),
        success=gettext("举报 %(reference)s 的处理结果已向社会公开")
        % {"reference": complaint.reference},
        done=lambda _: to_page("complaint-detail", complaint.pk),
        again=lambda form: render(
            request,
            "audits/complaint_detail.html",
            complaint_context(request, complaint, publish_form=form),
        ),
    )


@login_required
def complaint_attachment(request, pk):
    """Attachments are never served as plain media: only to staff who see the complaint."""
    complaint = scoped_complaint(request, pk)
    if not complaint.attachment:
        raise Http404
    return FileResponse(complaint.attachment.open("rb"), as_attachment=True)


# --- acting on findings (54号 五) -----------------------------------------------------------------


def require_sanctioner(user) -> None:
    # Revocation is the widest of the actions: province auditors and admins, and city staff for
    # their city (Certificate.may_revoke); the others say who may use them.
    if not Certificate.may_revoke(user):
        raise PermissionDenied(gettext("无权处理督查结果"))


def actions_context(request, **forms) -> dict:
    user = request.user
    initial_institution = request.GET.get("institution", "")
    initial = {"institution": initial_institution} if initial_institution.isdigit() else {}
    batch = request.GET.get("batch", "")
    context = {
        "revoke_person_form": forms.get("revoke_person_form")
        or RevokePersonForm(auto_id="person_%s"),
        "revoke_batch_form": forms.get("revoke_batch_form")
        or RevokeBatchForm(
            initial={"batch": batch} if batch.isdigit() else None, auto_id="batch_%s"
        ),
        "province": user.sees_everything,
        "may_suspend": user.is_province_admin,
        "open_form": next(iter(forms), None),
    }
    if user.sees_everything:
        context["credit_flag_form"] = forms.get("credit_flag_form") or InstitutionActionForm(
            user=user, initial=initial, auto_id="flag_%s"
        )
        context["notice_form"] = forms.get("notice_form") or NoticeForm(
            initial=initial, auto_id="notice_%s"
        )
        context["credit_flags"] = CreditFlag.objects.select_related(
            "institution__city", "raised_by"
        )[:10]
    if user.is_province_admin or "suspend_form" in forms:
        context["suspend_form"] = forms.get("suspend_form") or InstitutionActionForm(
            user=user, initial=initial, auto_id="suspend_%s"
        )
    return context


def render_actions(request, **forms):
    return render(request, "audits/actions.html", actions_context(request, **forms))


@login_required
def actions(request):
    require_sanctioner(request.user)
    return render_actions(request)


def _sanction(request, form, form_name, action, *, success, fragment):
    """A form of the actions page: the action's refusal shows on its form, the page reopens there."""
    return form_action(
        request,
        form,
        action,
        success=success,
        done=to_page("audit-actions", fragment=fragment),
        again=lambda form: render_actions(request, **{form_name: form}),
    )


def _revoke(request, form, form_name, certificates_of):
    return _sanction(
        request,
        form,
        form_name,
        lambda data: Certificate.revoke_many(
            certificates_of(data), user=request.user, reason=data["reason"]
        ),
        success=lambda count: gettext("已注销 %(count)s 本证书") % {"count": count},
        fragment="revoke",
    )


@login_required
@require_POST
def revoke_person(request):
    """All of a person's valid certificates in the user's scope, found by the keyed ID hash."""
    require_sanctioner(request.user)
    return _revoke(
        request,
        RevokePersonForm(request.POST, auto_id="person_%s"),
        "revoke_person_form",
        lambda data: Certificate.objects.visible_to(request.user).of_person(data["id_number"]),
    )


@login_required
@require_POST
def revoke_batch(request):
    require_sanctioner(request.user)

    def certificates_of(data):
        batch = Batch.objects.visible_to(request.user).filter(pk=data["batch"]).first()
        if batch is None:
            raise ValidationError(gettext("您的管辖范围内没有该批次"))
        return Certificate.objects.visible_to(request.user).filter(batch=batch)

    return _revoke(
        request,
        RevokeBatchForm(request.POST, auto_id="batch_%s"),
        "revoke_batch_form",
        certificates_of,
    )


@login_required
@require_POST
def credit_flag(request):
    """启动信用核查联动机制 (54号 五): a flag on the institution for the credit authorities."""
    require_province_staff(request.user)
    return _sanction(
        request,
        InstitutionActionForm(request.POST, user=request.user, auto_id="flag_%s"),
        "credit_flag_form",
        lambda data: CreditFlag.raise_on(
            data["institution"], reason=data["reason"], user=request.user
        ),
        success=lambda flag: (
            gettext("已标记信用核查：%(institution)s") % {"institution": flag.institution}
        ),
        fragment="credit",
    )


@login_required
@require_POST
def suspend(request):
    """Suspend from the catalog (能进能出); the catalog decides who may and from which status."""
    require_sanctioner(request.user)

    def suspend(data):
        data["institution"].change_catalog_status(
            CatalogAction.SUSPEND, actor=request.user, reason=data["reason"]
        )
        return data["institution"]

    return _sanction(
        request,
        InstitutionActionForm(request.POST, user=request.user, auto_id="suspend_%s"),
        "suspend_form",
        suspend,
        success=lambda institution: (
            gettext("已暂停：%(institution)s") % {"institution": institution}
        ),
        fragment="suspend",
    )


@login_required
@require_POST
def notice_create(request):
    """全省通报 (54号 五): shown at once on the public notices page."""
    require_province_staff(request.user)
    form = NoticeForm(request.POST, auto_id="notice_%s")
    if not form.is_valid():
        return render_actions(request, notice_form=form)
    notice = form.save(commit=False)
    notice.issued_by = request.user
    notice.save()
    messages.success(request, gettext("通报已发布：%(title)s") % {"title": notice.title})
    return redirect(f"{reverse('notice-list')}#notice-{notice.pk}")
