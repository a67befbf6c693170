"""Pages of filings (备案, 41号 三(四)): the institution drafts, completes and submits; the HR
department it is filed with approves, rejects, ends early or adds an occupation (239号 三).
Every action is a Filing method (institutions/models/filings.py) called through form_action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from institutions.choices import FilingStatus, MaterialKind
from institutions.forms import (
    AdditionForm,
    ApproveForm,
    EndEarlyForm,
    FilingItemForm,
    FilingStatusFilterForm,
    MaterialsForm,
    RegionScopeForm,
    RejectForm,
    ReplacesForm,
)
from institutions.models import Filing, FilingItem, ScopeReductionUnconfirmed
from skilleval.actions import button_action
from skilleval.choices import Role
from skilleval.views import ScopedDetailView, ScopedListView, detail_form, to_page


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


filing_form = detail_form("filing-detail", render_filing)


def scoped_filing(request, pk) -> Filing:
    return get_object_or_404(
        Filing.objects.visible_to(request.user).select_related("institution", "authority"), pk=pk
    )


def managed_filing(request, pk) -> Filing:
    """A filing the user's institution (or its parent organisation) prepares."""
    filing = scoped_filing(request, pk)
    filing.institution.require_managed_by(request.user)
    return filing


@login_required
@require_POST
def filing_regions(request, pk):
    filing = managed_filing(request, pk)
    return filing_form(
        request,
        filing,
        RegionScopeForm(request.POST, institution=filing.institution),
        lambda data: filing.set_region_scope(data["regions"], user=request.user),
        success=gettext("地域范围已保存"),
        fragment="regions",
        kept_as="region_form",
    )


@login_required
@require_POST
def filing_item_add(request, pk):
    filing = managed_filing(request, pk)
    return filing_form(
        request,
        filing,
        FilingItemForm(request.POST),
        lambda data: filing.add_item(
            data["occupation"],
            data["level"],
            user=request.user,
            enterprise_spec=data["enterprise_spec"],
        ),
        success=lambda item: gettext("已添加 %(item)s") % {"item": item},
        fragment="items",
        kept_as="item_form",
    )


@login_required
@require_POST
def filing_item_delete(request, pk, item_pk):
    filing = managed_filing(request, pk)
    item = get_object_or_404(FilingItem, pk=item_pk, filing=filing)
    return button_action(
        request,
        lambda: filing.remove_item(item, user=request.user),
        success=gettext("已删除 %(item)s") % {"item": item},
        done=to_page("filing-detail", filing.pk, "items"),
    )


@login_required
@require_POST
def filing_materials(request, pk):
    """Upload any of the checklist's files at once (41号 附件); each is checked by the model, and
    each refusal is shown beside its own file."""
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
    except PermissionDenied:
        raise
    except ValidationError as refusal:  # the checklist's gaps, listed where the button is
        return render_filing(request, filing, submit_errors=refusal.messages)
    messages.success(
        request, gettext("备案已提交 %(authority)s 人社部门审核") % {"authority": filing.authority}
    )
    return to_page("filing-detail", filing.pk)


def _scope_decision(request, pk, form_class, method, form_name, success):
    """Approving a filing or ending it early may leave open batches outside the scope: they are
    listed on the page and must be confirmed (Filing.approve / Filing.end_early decide)."""
    filing = scoped_filing(request, pk)
    outside = []

    def decide(data):
        try:
            getattr(filing, method)(user=request.user, **data)
        except ScopeReductionUnconfirmed as refusal:
            outside.extend(refusal.batches)
            raise

    return filing_form(
        request,
        filing,
        form_class(request.POST),
        decide,
        success=lambda _: success(filing),
        kept_as=form_name,
        outside_batches=outside,
    )


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


@login_required
@require_POST
def filing_replaces(request, pk):
    """A draft says whether it adds to the scope or replaces an approved filing."""
    filing = managed_filing(request, pk)
    return filing_form(
        request,
        filing,
        ReplacesForm(request.POST, filing=filing),
        lambda data: filing.set_replaces(data["replaces"], user=request.user),
        success=gettext("已保存"),
        fragment="replaces",
        kept_as="replaces_form",
    )


@login_required
@require_POST
def filing_reject(request, pk):
    filing = scoped_filing(request, pk)
    return filing_form(
        request,
        filing,
        RejectForm(request.POST),
        lambda data: filing.reject(user=request.user, reason=data["reason"]),
        success=gettext("已作出不予备案决定"),
        kept_as="reject_form",
    )


@login_required
@require_POST
def filing_addition(request, pk):
    """239号 三: an occupation added to a still-valid filing after the four checks."""
    filing = scoped_filing(request, pk)
    return filing_form(
        request,
        filing,
        AdditionForm(request.POST),
        lambda data: filing.add_occupation_after_check(user=request.user, **data),
        success=lambda item: gettext("已核实并添加 %(item)s（239号 三）") % {"item": item},
        fragment="items",
        kept_as="addition_form",
    )
