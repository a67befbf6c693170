"""Pages of institutions, their filings and the technical-resource catalog.

Views stay thin: they find the object through `.visible_to(user)` (outside the scope → 404),
hand the input to the model, and show its refusals next to the form that caused them. Every
action is a POST; after success the page redirects (no double submit on reload).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from institutions.choices import (
    CatalogAction,
    FilingStatus,
    InstitutionKind,
    ItemSource,
    MaterialKind,
)
from institutions.filtersets import InstitutionFilterSet
from institutions.forms import (
    AdditionForm,
    ApproveForm,
    BranchForm,
    CatalogStatusForm,
    ContactsForm,
    FilingItemForm,
    FilingStatusFilterForm,
    InstitutionRegistrationForm,
    MaterialsForm,
    NewFilingForm,
    RegionScopeForm,
    RejectForm,
    StaffAccountForm,
    TechnicalResourceFilterForm,
    TechnicalResourceForm,
    add_refusal,
)
from institutions.models import Filing, FilingItem, Institution
from skilleval.choices import Role
from skilleval.models import OccupationLevel
from skilleval.views import ScopedDetailView, ScopedListView

DRAFT_ONLY = "只有草稿状态的备案可以修改 / Only a draft filing can be changed"


def to_page(name: str, pk: int, fragment: str = "top"):
    """Back to the page, at the section acted on; "#top" brings the message into view and stops
    the browser reusing the fragment of the form's action."""
    return redirect(f"{reverse(name, args=[pk])}#{fragment}")


def may_manage(user, institution) -> bool:
    return institution.may_be_managed_by(user)


# --- registration --------------------------------------------------------------------------


def register(request):
    """An institution registers itself and its first staff account in one step."""
    if request.user.is_authenticated:
        messages.info(
            request, "您已登录；注册新机构请先退出 / You are signed in; sign out to register"
        )
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
                f"{institution} 已注册，您已登录。下一步：新建备案 / Registered and signed in; "
                "next, start a filing",
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
    current = institution.filing_valid_on(today)
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
        "current_filing": current,
        "current_items": current.items.select_related("occupation") if current else [],
        "current_has_additions": bool(current)
        and current.items.filter(source=ItemSource.ADDED_AFTER_CHECK).exists(),
        "current_regions": current.region_scope.all() if current else [],
        "announcement": institution.branch_announcement(today) if institution.is_branch else None,
    }
    if may_manage(user, institution):
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
                request, f"已新建备案草稿，备案机关：{filing.authority} / Draft filing started"
            )
            return to_page("filing-detail", filing.pk)
    return render_institution(request, institution, new_filing_form=form)


@login_required
@require_POST
def institution_contacts(request, pk):
    institution = scoped_institution(request, pk)
    if not may_manage(request.user, institution):
        raise PermissionDenied
    # A fresh copy: a form that fails must not change the facts shown on the page.
    form = ContactsForm(request.POST, instance=Institution.objects.get(pk=institution.pk))
    if form.is_valid():
        form.save()
        messages.success(request, "联系信息已更新 / Contact details updated")
        return to_page("institution-detail", institution.pk)
    return render_institution(request, institution, contacts_form=form)


@login_required
@require_POST
def institution_branch_create(request, pk):
    """41号 三(四): a social training evaluation organisation registers a branch where it is."""
    parent = scoped_institution(request, pk)
    if (
        not may_manage(request.user, parent)
        or parent.kind != InstitutionKind.SOCIAL_ORG
        or parent.is_branch
    ):
        raise PermissionDenied
    form = BranchForm(request.POST, prefix="branch", parent=parent)
    if form.is_valid():
        branch = form.save()
        messages.success(
            request,
            f"分支机构 {branch} 已登记；请在 {branch.city} 人社部门备案，备案通过并公示后方可开展评价"
            "（中就培函〔2020〕41号 三(四)(五)）/ Branch registered; file it where it is located",
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
    editable = filing.status == FilingStatus.DRAFT and may_manage(user, filing.institution)
    deciding = filing.status == FilingStatus.SUBMITTED and filing.may_be_decided_by(user)
    adding = filing.is_valid_on(today) and filing.may_be_decided_by(user)
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
        "open_form": next(iter(forms), None),
    }
    if editable or deciding:
        context["problems"] = filing.problems_before_decision()
    if editable:
        context["region_form"] = forms.get("region_form") or RegionScopeForm.for_filing(filing)
        context["item_form"] = forms.get("item_form") or FilingItemForm()
        context["materials_form"] = materials_form
        context["submit_errors"] = forms.get("submit_errors", [])
    if deciding:
        context["approve_form"] = forms.get("approve_form") or ApproveForm()
        context["reject_form"] = forms.get("reject_form") or RejectForm()
    if adding:
        context["addition_form"] = forms.get("addition_form") or AdditionForm()
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
    if not may_manage(request.user, filing.institution):
        raise PermissionDenied
    return filing


def locked_draft(filing) -> Filing:
    """Inside a transaction: the filing row locked, refused unless still a draft, so that a
    change cannot slip in after a colleague submitted it."""
    locked = Filing.objects.select_for_update().get(pk=filing.pk)
    if locked.status != FilingStatus.DRAFT:
        raise ValidationError(DRAFT_ONLY)
    return locked


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
            messages.success(request, "地域范围已保存 / Region scope saved")
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
                form.cleaned_data["occupation"], form.cleaned_data["level"], user=request.user
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, f"已添加 {item} / Added")
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
        messages.success(request, f"已删除 {item} / Removed")
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
            form.add_error(None, "请选择要上传的文件 / Choose a file to upload")
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
            messages.success(request, f"已上传 {stored} 份材料 / {stored} file(s) uploaded")
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
        request, f"备案已提交 {filing.authority} 人社部门审核 / Filing submitted for review"
    )
    return to_page("filing-detail", filing.pk)


@login_required
@require_POST
def filing_approve(request, pk):
    filing = scoped_filing(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            filing.approve(user=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                f"已备案，有效期 {filing.valid_from} 至 {filing.valid_until} / Filing approved",
            )
            return to_page("filing-detail", filing.pk)
    return render_filing(request, filing, approve_form=form)


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
            messages.success(request, "已作出不予备案决定 / Filing rejected")
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
            messages.success(request, f"已核实并添加 {item}（239号 三）/ Added after the check")
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
        messages.success(request, f"技术资源已更新：{row} / Technical resources updated")
        return redirect(reverse("technical-resource-list") + f"?q={row.occupation.code}")
    return render(request, "institutions/technical_resource_edit.html", {"form": form, "row": row})
