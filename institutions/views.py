"""Pages of institutions, their filings and the technical-resource catalog.

Views stay thin: they find the object through `.visible_to(user)` (outside the scope → 404),
hand the input to the model, and show its refusals next to the form that caused them. Every
action is a POST; after success the page redirects (no double submit on reload).
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from institutions.choices import (
    BATCH_FLOW,
    CLOSED_BATCH_STATUSES,
    BatchStatus,
    CatalogAction,
    EligibilityStatus,
    EvaluationType,
    FilingStatus,
    InstitutionKind,
    MaterialKind,
)
from institutions.filtersets import BatchFilterSet, InstitutionFilterSet
from institutions.forms import (
    AdditionForm,
    ApproveForm,
    BatchListFilterForm,
    BatchPlanForm,
    BatchReasonForm,
    BranchForm,
    CatalogStatusForm,
    ContactsForm,
    EligibilityDecisionForm,
    EndEarlyForm,
    ExamRoomForm,
    FilingItemForm,
    FilingStatusFilterForm,
    InstitutionRegistrationForm,
    MaterialsForm,
    NewFilingForm,
    PhotoUploadForm,
    RegionScopeForm,
    RejectForm,
    ReplacesForm,
    RosterUploadForm,
    ScoreRowForm,
    StaffAccountForm,
    TechnicalResourceFilterForm,
    TechnicalResourceForm,
)
from institutions.models import (
    Batch,
    ExamRoom,
    Filing,
    FilingItem,
    Institution,
    ScopeReductionUnconfirmed,
)
from institutions.photos import PhotoErrors, candidates_without_photo, import_photos
from skilleval.choices import INSTITUTION_ROLES, JobKind, JobStatus, Role
from skilleval.forms import add_refusal
from skilleval.job_pages import in_language
from skilleval.models import Job, OccupationLevel
from skilleval.rules.batches import AFTER_EXAM_STEPS
from skilleval.views import ScopedDetailView, ScopedListView, to_page

# --- registration --------------------------------------------------------------------------


def register(request):
    """An institution registers itself and its first staff account in one step."""
    if request.user.is_authenticated:
        messages.info(request, gettext("您已登录；注册新机构请先退出"))
        return redirect("dashboard")
    institution_form = InstitutionRegistrationForm(request.POST or None)
    account_form = StaffAccountForm(request.POST or None)
    if request.method == "POST":
        both_valid = institution_form.is_valid() & account_form.is_valid()  # show every error
        if both_valid:
            with transaction.atomic():
                institution = institution_form.save()
                user = account_form.save(commit=False)
                user.role = Role.INSTITUTION_STAFF
                user.institution = institution
                user.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                gettext("%(institution)s 已注册，您已登录。下一步：新建备案")
                % {"institution": institution},
            )
            return to_page("institution-detail", institution.pk)
    return render(
        request,
        "institutions/register.html",
        {"institution_form": institution_form, "account_form": account_form},
    )


# --- institutions --------------------------------------------------------------------------


class InstitutionListView(ScopedListView):
    model = Institution
    filterset_class = InstitutionFilterSet
    template_name = "institutions/list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("city", "county")


def institution_context(request, institution, **forms) -> dict:
    """Everything the institution page shows; `forms` are bound forms that failed, shown again
    with their errors in place of the empty ones."""
    user = request.user
    today = timezone.localdate()
    scope = institution.filed_scope(today)
    linked_branches = set(
        Institution.objects.visible_to(user).filter(parent=institution).values_list("pk", flat=True)
    )
    context = {
        "object": institution,
        "institution": institution,
        "today": today,
        "events": institution.catalog_events.select_related("actor"),
        "branches": [
            (branch, branch.pk in linked_branches)
            for branch in institution.branches.select_related("city", "county")
        ],
        "filings": Filing.objects.visible_to(user)
        .filter(institution=institution)
        .select_related("authority")
        .annotate(item_count=Count("items")),
        "scope": scope,
        "current_has_additions": any(item.added_after_check for item in scope.items),
        "announcement": institution.branch_announcement(today) if institution.is_branch else None,
    }
    if institution.may_be_managed_by(user):
        context["new_filing_form"] = forms.get("new_filing_form") or NewFilingForm()
        context["contacts_form"] = forms.get("contacts_form") or ContactsForm(instance=institution)
        if institution.kind == InstitutionKind.SOCIAL_ORG and not institution.is_branch:
            context["branch_form"] = forms.get("branch_form") or BranchForm(
                prefix="branch", parent=institution
            )
    if user.is_province_admin:
        context["catalog_form"] = forms.get("catalog_form") or CatalogStatusForm()
        context["catalog_actions"] = [
            (action, CatalogAction(action).label)
            for action, (allowed_from, _) in Institution.CATALOG_MOVES.items()
            if institution.catalog_status in allowed_from
        ]
    context["open_form"] = next(iter(forms), None)
    return context


def render_institution(request, institution, **forms):
    return render(
        request, "institutions/detail.html", institution_context(request, institution, **forms)
    )


class InstitutionDetailView(ScopedDetailView):
    model = Institution
    template_name = "institutions/detail.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **institution_context(self.request, self.object),
        }


def scoped_institution(request, pk) -> Institution:
    return get_object_or_404(Institution.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def institution_new_filing(request, pk):
    institution = scoped_institution(request, pk)
    form = NewFilingForm(request.POST)
    if form.is_valid():
        try:
            filing = Filing.objects.open_draft(
                institution,
                user=request.user,
                province_level=form.cleaned_data["province_level"],
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                gettext("已新建备案草稿，备案机关：%(authority)s")
                % {"authority": filing.authority},
            )
            return to_page("filing-detail", filing.pk)
    return render_institution(request, institution, new_filing_form=form)


@login_required
@require_POST
def institution_contacts(request, pk):
    institution = scoped_institution(request, pk)
    if not institution.may_be_managed_by(request.user):
        raise PermissionDenied
    # A fresh copy: a form that fails must not change the facts shown on the page.
    form = ContactsForm(request.POST, instance=Institution.objects.get(pk=institution.pk))
    if form.is_valid():
        form.save()
        messages.success(request, gettext("联系信息已更新"))
        return to_page("institution-detail", institution.pk)
    return render_institution(request, institution, contacts_form=form)


@login_required
@require_POST
def institution_branch_create(request, pk):
    """41号 三(四): a social training evaluation organisation registers a branch where it is."""
    parent = scoped_institution(request, pk)
    if (
        not parent.may_be_managed_by(request.user)
        or parent.kind != InstitutionKind.SOCIAL_ORG
        or parent.is_branch
    ):
        raise PermissionDenied
    form = BranchForm(request.POST, prefix="branch", parent=parent)
    if form.is_valid():
        branch = form.save()
        messages.success(
            request,
            gettext(
                "分支机构 %(branch)s 已登记；请在 %(city)s 人社部门备案，备案通过并公示后方可开展评价（中就培函〔2020〕41号 三(四)(五)）"
            )
            % {"branch": branch, "city": branch.city},
        )
        return to_page("institution-detail", branch.pk)
    return render_institution(request, parent, branch_form=form)


@login_required
@require_POST
def institution_catalog_status(request, pk):
    """能进能出: province admins suspend, restore or remove, with a reason (the model checks who)."""
    institution = scoped_institution(request, pk)
    form = CatalogStatusForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            institution.change_catalog_status(
                action, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                f"{CatalogAction(action).label}：{institution}（{institution.get_catalog_status_display()}）",
            )
            return to_page("institution-detail", institution.pk)
    return render_institution(request, institution, catalog_form=form)


# --- filings -------------------------------------------------------------------------------


class FilingListView(ScopedListView):
    """Filings in the user's scope, newest first. Those who decide filings start with what is
    waiting for them; "全部" shows everything."""

    model = Filing
    template_name = "institutions/filing_list.html"

    def get_queryset(self):
        data = self.request.GET.copy()
        if "status" not in data and self.request.user.has_role(
            Role.CITY_STAFF, Role.PROVINCE_ADMIN
        ):
            data["status"] = FilingStatus.SUBMITTED
        self.status_form = FilingStatusFilterForm(data)
        queryset = (
            super()
            .get_queryset()
            .select_related("institution", "authority")
            .annotate(item_count=Count("items"))
            .order_by("-created_at")
        )
        if self.status_form.is_valid() and self.status_form.cleaned_data["status"]:
            queryset = queryset.filter(status=self.status_form.cleaned_data["status"])
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_form"] = self.status_form
        context["current_status"] = self.status_form.data.get("status", "")
        context["statuses"] = FilingStatus.choices
        return context


def filing_context(request, filing, **forms) -> dict:
    user = request.user
    today = timezone.localdate()
    editable = filing.status == FilingStatus.DRAFT and filing.institution.may_be_managed_by(user)
    deciding = filing.status == FilingStatus.SUBMITTED and filing.may_be_decided_by(user)
    adding = filing.is_valid_on(today) and filing.may_be_decided_by(user)
    ending = (
        filing.status == FilingStatus.APPROVED
        and filing.valid_until >= today
        and filing.valid_until > filing.valid_from
        and filing.may_be_decided_by(user)
    )
    required = filing.required_materials()
    attached = {m.kind: m for m in filing.materials.select_related("uploaded_by")}
    materials_form = forms.get("materials_form") or MaterialsForm(kinds=required)
    checklist = [
        {
            "kind": kind,
            "label": MaterialKind(kind).label,
            "required": kind in required,
            "material": attached.get(kind),
            "field": materials_form[MaterialsForm.field_name(kind)]
            if editable and kind in required
            else None,
        }
        for kind in MaterialKind.values
        if kind in required or kind in attached
    ]
    context = {
        "object": filing,
        "filing": filing,
        "today": today,
        "items": filing.items.select_related("occupation", "addition_check"),
        "regions": filing.region_scope.all(),
        "checklist": checklist,
        "missing_count": sum(1 for row in checklist if row["required"] and not row["material"]),
        "additions": filing.addition_checks.select_related("occupation", "checked_by"),
        "editable": editable,
        "deciding": deciding,
        "adding": adding,
        "valid_today": filing.is_valid_on(today),
        "replaced_by": filing.replaced_by.filter(status=FilingStatus.APPROVED).first(),
        "open_form": next((name for name in forms if name.endswith("_form")), None),
    }
    if editable or deciding:
        context["problems"] = filing.problems_before_decision()
    if editable:
        context["region_form"] = forms.get("region_form") or RegionScopeForm.for_filing(filing)
        context["item_form"] = forms.get("item_form") or FilingItemForm()
        context["materials_form"] = materials_form
        context["submit_errors"] = forms.get("submit_errors", [])
        context["replaces_form"] = forms.get("replaces_form") or ReplacesForm(filing=filing)
    if deciding:
        approve_form = forms.get("approve_form") or ApproveForm()
        context["approve_form"] = approve_form
        context["reject_form"] = forms.get("reject_form") or RejectForm()
        # Which open batches a replacing filing would leave outside, shown before deciding.
        if "outside_batches" not in forms:
            try:
                forms["outside_batches"] = filing.batches_outside_on_approval(
                    approve_form.initial["valid_from"], approve_form.initial["valid_until"]
                )
            except (KeyError, ValidationError):
                forms["outside_batches"] = []
    if ending:
        context["end_form"] = forms.get("end_form") or EndEarlyForm()
    if adding:
        context["addition_form"] = forms.get("addition_form") or AdditionForm()
    context["outside_batches"] = forms.get("outside_batches", [])
    return context


def render_filing(request, filing, **forms):
    return render(
        request, "institutions/filing_detail.html", filing_context(request, filing, **forms)
    )


class FilingDetailView(ScopedDetailView):
    model = Filing
    template_name = "institutions/filing_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "institution__city", "authority", "created_by", "submitted_by", "decided_by"
            )
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **filing_context(self.request, self.object)}


def scoped_filing(request, pk) -> Filing:
    return get_object_or_404(
        Filing.objects.visible_to(request.user).select_related("institution", "authority"), pk=pk
    )


def managed_filing(request, pk) -> Filing:
    """A filing the user's institution (or its parent organisation) prepares."""
    filing = scoped_filing(request, pk)
    if not filing.institution.may_be_managed_by(request.user):
        raise PermissionDenied
    return filing


@login_required
@require_POST
def filing_regions(request, pk):
    filing = managed_filing(request, pk)
    form = RegionScopeForm(request.POST, institution=filing.institution)
    if form.is_valid():
        try:
            filing.set_region_scope(form.cleaned_data["regions"], user=request.user)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("地域范围已保存"))
            return to_page("filing-detail", filing.pk, "regions")
    return render_filing(request, filing, region_form=form)


@login_required
@require_POST
def filing_item_add(request, pk):
    filing = managed_filing(request, pk)
    form = FilingItemForm(request.POST)
    if form.is_valid():
        try:
            item = filing.add_item(
                form.cleaned_data["occupation"],
                form.cleaned_data["level"],
                user=request.user,
                enterprise_spec=form.cleaned_data["enterprise_spec"],
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("已添加 %(item)s") % {"item": item})
            return to_page("filing-detail", filing.pk, "items")
    return render_filing(request, filing, item_form=form)


@login_required
@require_POST
def filing_item_delete(request, pk, item_pk):
    filing = managed_filing(request, pk)
    try:
        item = get_object_or_404(FilingItem, pk=item_pk, filing=filing)
        filing.remove_item(item, user=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, gettext("已删除 %(item)s") % {"item": item})
    return to_page("filing-detail", filing.pk, "items")


@login_required
@require_POST
def filing_materials(request, pk):
    """Upload any of the checklist's files at once (41号 附件); each is checked by the model."""
    filing = managed_filing(request, pk)
    form = MaterialsForm(request.POST, request.FILES, kinds=filing.required_materials())
    if form.is_valid():
        uploads = form.uploads()
        if not uploads:
            form.add_error(None, gettext("请选择要上传的文件"))
        stored = 0
        for kind, upload in uploads.items():
            try:
                filing.attach_material(kind, upload, user=request.user)
            except ValidationError as refusal:
                for message in refusal.messages:
                    form.add_error(MaterialsForm.field_name(kind), message)
            else:
                stored += 1
        if stored:
            messages.success(request, gettext("已上传 %(stored)s 份材料") % {"stored": stored})
        if not form.errors:
            return to_page("filing-detail", filing.pk, "materials")
    return render_filing(request, filing, materials_form=form)


@login_required
def filing_material(request, pk, kind):
    """A material, downloaded as an attachment; only by those who may see the filing."""
    filing = scoped_filing(request, pk)
    material = get_object_or_404(filing.materials, kind=kind)
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.original_name
    )


@login_required
@require_POST
def filing_submit(request, pk):
    filing = managed_filing(request, pk)
    try:
        filing.submit(user=request.user)
    except ValidationError as refusal:
        return render_filing(request, filing, submit_errors=refusal.messages)
    messages.success(
        request, gettext("备案已提交 %(authority)s 人社部门审核") % {"authority": filing.authority}
    )
    return to_page("filing-detail", filing.pk)


@login_required
@require_POST
def filing_approve(request, pk):
    return _scope_decision(
        request,
        pk,
        ApproveForm,
        "approve",
        "approve_form",
        lambda f: (
            gettext("已备案，有效期 %(valid_from)s 至 %(valid_until)s")
            % {"valid_from": f.valid_from, "valid_until": f.valid_until}
        ),
    )


@login_required
@require_POST
def filing_end_early(request, pk):
    """The filing authority ends an approved filing early."""
    return _scope_decision(
        request,
        pk,
        EndEarlyForm,
        "end_early",
        "end_form",
        lambda f: (
            gettext("备案有效期已提前终止于 %(valid_until)s") % {"valid_until": f.valid_until}
        ),
    )


def _scope_decision(request, pk, form_class, method, form_name, success_message):
    """Approving a filing or ending it early may leave open batches outside the scope: they are
    listed on the page and must be confirmed (Filing.approve / Filing.end_early decide)."""
    filing = scoped_filing(request, pk)
    form = form_class(request.POST)
    outside = []
    if form.is_valid():
        try:
            getattr(filing, method)(user=request.user, **form.cleaned_data)
        except ScopeReductionUnconfirmed as refusal:
            outside = refusal.batches
            add_refusal(form, refusal)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, success_message(filing))
            return to_page("filing-detail", filing.pk)
    return render_filing(request, filing, **{form_name: form}, outside_batches=outside)


@login_required
@require_POST
def filing_replaces(request, pk):
    """A draft says whether it adds to the scope or replaces an approved filing."""
    filing = managed_filing(request, pk)
    form = ReplacesForm(request.POST, filing=filing)
    if form.is_valid():
        try:
            filing.set_replaces(form.cleaned_data["replaces"], user=request.user)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("已保存"))
            return to_page("filing-detail", filing.pk, "replaces")
    return render_filing(request, filing, replaces_form=form)


@login_required
@require_POST
def filing_reject(request, pk):
    filing = scoped_filing(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            filing.reject(user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("已作出不予备案决定"))
            return to_page("filing-detail", filing.pk)
    return render_filing(request, filing, reject_form=form)


@login_required
@require_POST
def filing_addition(request, pk):
    """239号 三: an occupation added to a still-valid filing after the four checks."""
    filing = scoped_filing(request, pk)
    form = AdditionForm(request.POST)
    if form.is_valid():
        try:
            item = filing.add_occupation_after_check(user=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("已核实并添加 %(item)s（239号 三）") % {"item": item})
            return to_page("filing-detail", filing.pk, "items")
    return render_filing(request, filing, addition_form=form)


# --- technical resources (54号 三) ----------------------------------------------------------


class TechnicalResourceListView(ListView):
    """The public technical-resource catalog: per occupation-level, whether a national standard,
    a question bank or an approved provincial specification exists."""

    template_name = "institutions/technical_resources.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = TechnicalResourceFilterForm(self.request.GET)
        queryset = OccupationLevel.objects.filter(occupation__is_active=True).select_related(
            "occupation"
        )
        return self.filter_form.filter(queryset).order_by("occupation__code", "-level")

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


@login_required
def technical_resource_edit(request, pk):
    if not request.user.is_province_admin:
        raise PermissionDenied
    row = get_object_or_404(OccupationLevel.objects.select_related("occupation"), pk=pk)
    form = TechnicalResourceForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("技术资源已更新：%(row)s") % {"row": row})
        return redirect(reverse("technical-resource-list") + f"?q={row.occupation.code}")
    return render(request, "institutions/technical_resource_edit.html", {"form": form, "row": row})


# --- evaluation batches (239号 二(二)) -----------------------------------------------------
# Every step is one model method that checks who may press it and from which state; the page
# offers only the buttons of the current state for the current user, and shows the model's
# refusals (bilingual, with their clause) when one is pressed anyway.

CANDIDATES_SHOWN = 100  # rows of the candidates table before "show all"


class BatchListView(ScopedListView):
    """Batches in the user's scope (city staff: every batch of their city), filtered by state,
    institution, occupation and exam dates."""

    model = Batch
    filterset_class = BatchFilterSet
    template_name = "institutions/batch_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("institution", "occupation")
            .annotate(candidate_count=Count("candidates"))
            .order_by("-created_at")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        current = params.pop("status", [""])[-1]
        rest = params.urlencode()
        context["current_status"] = current
        context["status_tabs"] = [
            (
                value,
                label.split("/")[0].strip(),
                f"?{rest}&status={value}" if rest else f"?status={value}",
            )
            for value, label in [("", gettext("全部")), *BatchStatus.choices]
        ]
        context["filter_form"] = BatchListFilterForm(self.request.GET, user=self.request.user)
        context["may_plan"] = self.request.user.has_role(*INSTITUTION_ROLES)
        return context


@login_required
def batch_create(request):
    """Institution staff plan a batch inside their filed scope (54号 五; 239号 四)."""
    if not request.user.has_role(*INSTITUTION_ROLES) or not request.user.institution_id:
        raise PermissionDenied
    form = BatchPlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        occupation, level = data.pop("occupation_level")
        try:
            batch = Batch.objects.plan(
                user=request.user, occupation=occupation, level=level, **data
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("评价批次 #%(pk)s 已创建（草稿）") % {"pk": batch.pk})
            return to_page("batch-detail", batch.pk)
    return render(request, "institutions/batch_create.html", {"form": form})


def flow_steps(batch) -> list[dict]:
    """The step indicator: every step of BATCH_FLOW, done, current or to come; a step to come
    that waits for the end of the exam (239号 四) is shown as not yet open, with its first day."""
    steps = []
    for n, status in enumerate(BATCH_FLOW):
        state = "done" if n < batch.step else "current" if n == batch.step else "todo"
        step = {"label": BatchStatus(status).label.split("/")[0].strip(), "state": state}
        if state == "todo" and status in AFTER_EXAM_STEPS and not batch.exam_is_over:
            step["state"] = "locked"
            step["opens_on"] = batch.exam_ends_on + timedelta(days=1)
        steps.append(step)
    return steps


def batch_context(request, batch, **forms) -> dict:
    """Everything the batch page shows, and only the actions of the current state that this user
    may take; `forms` are bound forms that failed, shown again with their errors."""
    user = request.user
    status = batch.status
    runs = batch.is_run_by(user)
    is_open = status not in CLOSED_BATCH_STATUSES
    candidates = batch.candidates.select_related("room").order_by("pk")
    total = candidates.count()
    show_all = request.GET.get("all") == "1"
    counts = dict(batch.candidates.values_list("eligibility").annotate(n=Count("pk")).order_by())
    shown = list(candidates if show_all else candidates[:CANDIDATES_SHOWN])
    context = {
        "object": batch,
        "batch": batch,
        "steps": flow_steps(batch),
        "closed": not is_open,
        "transitions": batch.transitions.select_related("actor"),
        "candidates": shown,
        "candidate_total": total,
        "candidates_cut": not show_all and total > CANDIDATES_SHOWN,
        "eligibility_counts": {
            label: counts.get(value, 0) for value, label in EligibilityStatus.choices
        },
        "rooms": batch.rooms.annotate(seated=Count("candidates")),
        "show_comprehensive": batch.level <= 2
        and batch.evaluation_type != EvaluationType.SPECIAL_ABILITY,
        "show_theory": batch.evaluation_type != EvaluationType.SPECIAL_ABILITY,
        "has_tickets": bool(batch.tickets_generated_on)
        and status not in (BatchStatus.INVALID, BatchStatus.CANCELLED),
        "runs": runs,
        "open_form": next(iter(forms), None),
        # An open batch whose scope has since ended or shrunk says so to everyone who sees it.
        "outside_scope": batch.institution.check_scope(
            batch.occupation, batch.level, batch.region
        ).problems
        if is_open
        else [],
    }
    if runs and status == BatchStatus.DRAFT:
        context["may_publish"] = True
    if runs and status == BatchStatus.PLAN_PUBLISHED:
        context["roster_form"] = forms.get("roster_form") or RosterUploadForm()
        context["may_close_roster"] = total > 0
    if runs and is_open and total:
        context["photo_form"] = forms.get("photo_form") or PhotoUploadForm()
        context["photo_errors"] = forms.get("photo_errors", [])
        context["without_photo"] = candidates_without_photo(batch)
    if runs and status == BatchStatus.ROSTER_ENTERED:
        context["eligibility_form"] = forms.get("eligibility_form") or EligibilityDecisionForm(
            batch=batch
        )
        context["reviewing"] = True
    if runs and status == BatchStatus.ELIGIBILITY_REVIEWED:
        context["room_form"] = forms.get("room_form") or ExamRoomForm()
        context["may_arrange"] = True
    if runs and status == BatchStatus.ROOMS_ARRANGED:
        context["may_generate_tickets"] = True
    # The next step, when it waits for the end of the exam: say from when (239号 四).
    if status in (BatchStatus.TICKETS_GENERATED, BatchStatus.EXAMINED) and not batch.exam_is_over:
        context["not_yet_open"] = batch.after_exam(BATCH_FLOW[batch.step + 1])
    if runs and status == BatchStatus.TICKETS_GENERATED and batch.exam_is_over:
        context["score_rows"] = forms.get("score_rows") or score_rows(batch)
        context["may_record_examined"] = True
    if runs and status == BatchStatus.EXAMINED and batch.exam_is_over:
        context["may_publicise"] = True
    if status == BatchStatus.RESULTS_PUBLICISED and batch.publicised_on:
        context["publicity"] = batch.publicity()
        if batch.may_be_approved_by(user):
            context["approving"] = True
            context["return_form"] = forms.get("return_form") or BatchReasonForm()
    if (
        status == BatchStatus.RESULTS_APPROVED
        and user.role == Role.INSTITUTION_SIGNATORY
        and user.institution_id == batch.institution_id
    ):
        context["may_sign_off"] = True
        context["issuance_problems"] = [in_language(p) for p in batch.issuance_problems()]
    if status in (BatchStatus.RESULTS_APPROVED, BatchStatus.CERTIFICATES_ISSUED):
        context["issuance_job"] = batch.issuance_jobs().visible_to(user).first()
    if status == BatchStatus.CERTIFICATES_ISSUED:
        context["certificate_count"] = batch.certificates.visible_to(user).count()
        job = context["issuance_job"]
        context["print_files"] = job is not None and job.status == JobStatus.SUCCEEDED
    context["jobs"] = batch.jobs().visible_to(user)[:10]
    if runs and is_open and batch.step < BATCH_FLOW.index(BatchStatus.RESULTS_APPROVED):
        context["cancel_form"] = forms.get("cancel_form") or BatchReasonForm()
    return context


def score_rows(batch, posted=None) -> list[dict]:
    """One row per admitted candidate: the candidate and a form holding their scores."""
    rows = []
    admitted = batch.candidates.filter(eligibility=EligibilityStatus.PASSED).select_related("room")
    for candidate in admitted.order_by("room__name", "seat", "pk"):
        initial = {
            "theory": candidate.theory_score,
            "practical": candidate.practical_score,
            "comprehensive": candidate.comprehensive_score,
            "absent": candidate.absent,
        }
        form = ScoreRowForm(posted, prefix=f"c{candidate.pk}", initial=initial)
        rows.append({"candidate": candidate, "form": form, "errors": []})
    return rows


def render_batch(request, batch, status=200, **forms):
    return render(
        request,
        "institutions/batch_detail.html",
        batch_context(request, batch, **forms),
        status=status,
    )


class BatchDetailView(ScopedDetailView):
    model = Batch
    template_name = "institutions/batch_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("institution", "occupation", "region")

    def get_object(self, queryset=None):
        batch = super().get_object(queryset)
        batch.enforce_exit_cutoff()  # 239号 二(二): a late batch turns invalid when touched
        return batch

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **batch_context(self.request, self.object)}


def scoped_batch(request, pk) -> Batch:
    """A batch in the user's scope (else 404); the 239号 cut-off is applied on every touch."""
    batch = get_object_or_404(
        Batch.objects.visible_to(request.user).select_related(
            "institution", "occupation", "region"
        ),
        pk=pk,
    )
    batch.enforce_exit_cutoff()
    return batch


def run_batch_action(request, pk, action, success: str, fragment="top"):
    """Call one workflow method; its refusal (bilingual, with the clause) becomes the message."""
    batch = scoped_batch(request, pk)
    try:
        outcome = action(batch)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, str(success).format(batch=batch, outcome=outcome))
    return to_page("batch-detail", batch.pk, fragment)


@login_required
@require_POST
def batch_publish_plan(request, pk):
    return run_batch_action(
        request, pk, lambda b: b.publish_plan(request.user), gettext("评价计划已发布")
    )


@login_required
@require_POST
def batch_close_roster(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.close_roster(request.user),
        gettext("考生信息录入完成，进入资格审核"),
    )


@login_required
@require_POST
def batch_review_automatically(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.review_eligibility_automatically(request.user),
        _(
            "按申报条件自动审核：{outcome[passed]} 名通过，{outcome[waiting]} 名待人工审核"
            "（共 {outcome[conditions]} 项条件）"
        ),
        "eligibility",
    )


@login_required
@require_POST
def batch_decide_eligibility(request, pk):
    """A reviewer passes or fails the selected candidates, with basis and reason (54号 一)."""
    batch = scoped_batch(request, pk)
    if not batch.is_run_by(request.user):
        raise PermissionDenied
    form = EligibilityDecisionForm(request.POST, batch=batch)
    if form.is_valid():
        data = form.cleaned_data
        chosen = data["candidates"]
        if data["all_pending"]:
            chosen = batch.candidates.filter(eligibility=EligibilityStatus.PENDING)
        try:
            count = batch.decide_eligibility(
                request.user,
                chosen,
                passed=data["passed"],
                basis=data["basis"],
                reason=data["reason"],
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            verdict = gettext("通过") if data["passed"] else gettext("不通过")
            messages.success(
                request,
                gettext("已审核 %(count)s 名考生：%(verdict)s")
                % {"count": count, "verdict": verdict},
            )
            return to_page("batch-detail", batch.pk, "eligibility")
    return render_batch(request, batch, eligibility_form=form)


@login_required
@require_POST
def batch_complete_review(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.complete_eligibility_review(request.user),
        gettext("资格审核完成"),
    )


@login_required
@require_POST
def batch_room_add(request, pk):
    batch = scoped_batch(request, pk)
    if not batch.is_run_by(request.user):
        raise PermissionDenied
    form = ExamRoomForm(request.POST)
    if form.is_valid():
        if batch.status != BatchStatus.ELIGIBILITY_REVIEWED:
            form.add_error(None, gettext("资格审核完成后、编排考场前可以添加考场"))
        elif batch.rooms.filter(name=form.cleaned_data["name"]).exists():
            form.add_error("name", gettext("本批次已有同名考场"))
        else:
            room = ExamRoom.objects.create(batch=batch, **form.cleaned_data)
            messages.success(
                request,
                gettext("已添加考场 %(name)s（%(capacity)s 座）")
                % {"name": room.name, "capacity": room.capacity},
            )
            return to_page("batch-detail", batch.pk, "rooms")
    return render_batch(request, batch, room_form=form)


@login_required
@require_POST
def batch_arrange_rooms(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.arrange_rooms(request.user),
        gettext("考场已编排，座位已分配"),
        "rooms",
    )


@login_required
@require_POST
def batch_generate_tickets(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.generate_tickets(request.user),
        gettext("准考证号已生成，可打印准考证"),
    )


@login_required
@require_POST
def batch_scores(request, pk):
    """Scores of every admitted candidate in one POST; each row goes through record_scores, and
    the rows that fail are shown again with their own errors (the others are saved)."""
    batch = scoped_batch(request, pk)
    if not batch.is_run_by(request.user):
        raise PermissionDenied
    rows = score_rows(batch, request.POST)
    saved = 0
    for row in rows:
        form = row["form"]
        if not form.has_changed():
            continue
        if not form.is_valid():
            row["errors"] = [e for errors in form.errors.values() for e in errors]
            continue
        data = form.cleaned_data
        try:
            with transaction.atomic():
                row["candidate"].record_scores(
                    theory=data["theory"],
                    practical=data["practical"],
                    comprehensive=data["comprehensive"],
                    absent=data["absent"],
                )
        except ValidationError as refusal:
            row["errors"] = refusal.messages
        else:
            saved += 1
    failed = [row for row in rows if row["errors"]]
    if saved:
        messages.success(request, gettext("已保存 %(saved)s 名考生的成绩") % {"saved": saved})
    if failed:
        messages.error(request, gettext("%(count)s 行有错误，未保存") % {"count": len(failed)})
        return render_batch(request, batch, score_rows=rows)
    if not saved:
        messages.info(request, gettext("成绩没有变化"))
    return to_page("batch-detail", batch.pk, "scores")


@login_required
@require_POST
def batch_record_examined(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: b.record_examined(request.user),
        gettext("成绩录入完成"),
    )


def publicise(batch, user):
    batch.publicise_results(user)
    return batch.publicity().result["publicity_ends"]


@login_required
@require_POST
def batch_publicise(request, pk):
    return run_batch_action(
        request,
        pk,
        lambda b: publicise(b, request.user),
        gettext("成绩已公示，公示至 {outcome}"),
    )


@login_required
@require_POST
def batch_approve(request, pk):
    if not scoped_batch(request, pk).may_be_approved_by(request.user):
        raise PermissionDenied  # before the publicity check: the city approves, nobody else
    return run_batch_action(
        request,
        pk,
        lambda b: b.approve_results(request.user),
        gettext("成绩审核通过"),
    )


@login_required
@require_POST
def batch_return(request, pk):
    batch = scoped_batch(request, pk)
    if not batch.may_be_approved_by(request.user):
        raise PermissionDenied
    form = BatchReasonForm(request.POST)
    if form.is_valid():
        try:
            batch.return_results(request.user, form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("成绩已退回机构修改"))
            return to_page("batch-detail", batch.pk)
    return render_batch(request, batch, return_form=form)


@login_required
@require_POST
def batch_sign_off(request, pk):
    """谁评价、谁发证、谁负责 (54号 四): the signatory starts the issuance job; the message says
    what the job is really doing, not what we hope it will do."""
    batch = scoped_batch(request, pk)
    try:
        job = batch.sign_off(request.user)
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
        return to_page("batch-detail", batch.pk, "sign-off")
    job.refresh_from_db()  # without a worker it has already run
    if job.status == JobStatus.FAILED:
        messages.error(
            request,
            gettext("已签发，但证书核发任务失败，原因见下"),
        )
    elif job.status == JobStatus.SUCCEEDED:
        messages.success(request, gettext("已签发，证书已核发"))
    elif job.status == JobStatus.RUNNING:
        messages.info(request, gettext("已签发，证书正在核发"))
    else:
        messages.info(
            request,
            gettext("已签发，证书核发任务排队中，稍后开始"),
        )
    return redirect("job-detail", pk=job.pk)


@login_required
@require_POST
def batch_cancel(request, pk):
    batch = scoped_batch(request, pk)
    form = BatchReasonForm(request.POST)
    if form.is_valid():
        try:
            batch.cancel(request.user, form.cleaned_data["reason"])
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, gettext("批次已取消"))
            return to_page("batch-detail", batch.pk)
    return render_batch(request, batch, cancel_form=form)


@login_required
def batch_roster_template(request, pk):
    from institutions.roster import roster_template

    batch = scoped_batch(request, pk)
    response = HttpResponse(
        roster_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="roster-template-{batch.pk}.xlsx"'
    return response


@login_required
@require_POST
def batch_roster_upload(request, pk):
    """The roster is checked and imported by a background job; its page shows the progress and,
    on refusal, every error and the annotated spreadsheet."""
    batch = scoped_batch(request, pk)
    if not batch.is_run_by(request.user):
        raise PermissionDenied
    form = RosterUploadForm(request.POST, request.FILES)
    if form.is_valid():
        if batch.status != BatchStatus.PLAN_PUBLISHED:
            form.add_error(
                None,
                gettext("只有计划已发布的批次可以导入考生名单"),
            )
        else:
            job = Job.objects.start(
                JobKind.ROSTER_IMPORT,
                user=request.user,
                institution=batch.institution,
                params={"batch_id": batch.pk},
                input_file=form.cleaned_data["file"],
            )
            return redirect("job-detail", pk=job.pk)
    return render_batch(request, batch, roster_form=form)


@login_required
@require_POST
def batch_photos(request, pk):
    batch = scoped_batch(request, pk)
    if not batch.is_run_by(request.user):
        raise PermissionDenied
    form = PhotoUploadForm(request.POST, request.FILES)
    photo_errors = []
    if form.is_valid():
        try:
            outcome = import_photos(batch, form.cleaned_data["file"], user=request.user)
        except PhotoErrors as refused:
            photo_errors = refused.errors
            form.add_error(
                None,
                gettext("照片有 %(count)s 处错误，未保存任何照片") % {"count": len(refused.errors)},
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                gettext("已保存 %(outcome)s 张照片，仍缺 %(count)s 人")
                % {"outcome": outcome["saved"], "count": len(outcome["missing"])},
            )
            return to_page("batch-detail", batch.pk, "photos")
    return render_batch(request, batch, photo_form=form, photo_errors=photo_errors)


@login_required
def batch_tickets_pdf(request, pk):
    from institutions.tickets import admission_tickets_pdf

    batch = scoped_batch(request, pk)
    if batch.status in (BatchStatus.INVALID, BatchStatus.CANCELLED):
        raise Http404
    try:
        pdf = admission_tickets_pdf(batch)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return to_page("batch-detail", batch.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="admission-tickets-{batch.pk}.pdf"'
    return response
