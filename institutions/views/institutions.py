"""Pages of institutions: registration, the institution page and its forms, the catalog status,
and the public technical-resource catalog (54号 三)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from institutions.choices import CatalogAction
from institutions.filtersets import InstitutionFilterSet
from institutions.forms import (
    BranchForm,
    CatalogStatusForm,
    ContactsForm,
    InstitutionRegistrationForm,
    NewFilingForm,
    StaffAccountForm,
    TechnicalResourceFilterForm,
    TechnicalResourceForm,
)
from institutions.models import Filing, Institution
from skilleval.actions import form_action
from skilleval.choices import Role
from skilleval.models import OccupationLevel
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


def branch_announcement(institution, today):
    """A branch's announcement (41号 三(五)) for its page; None for a head institution, and on
    a day 41号 was not in force (a branch then announced nothing)."""
    if not institution.is_branch:
        return None
    announcement = institution.branch_announcement(today)
    return None if announcement.not_in_force else announcement


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
        "announcement": branch_announcement(institution, today),
    }
    if institution.may_be_managed_by(user):
        context["new_filing_form"] = forms.get("new_filing_form") or NewFilingForm()
        context["contacts_form"] = forms.get("contacts_form") or ContactsForm(instance=institution)
    if institution.may_register_branch(user):
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
    return form_action(
        request,
        NewFilingForm(request.POST),
        lambda data: Filing.objects.open_draft(
            institution, user=request.user, province_level=data["province_level"]
        ),
        success=lambda filing: (
            gettext("已新建备案草稿，备案机关：%(authority)s") % {"authority": filing.authority}
        ),
        done=lambda filing: to_page("filing-detail", filing.pk),
        again=lambda form: render_institution(request, institution, new_filing_form=form),
    )


@login_required
@require_POST
def institution_contacts(request, pk):
    institution = scoped_institution(request, pk)
    institution.require_managed_by(request.user)
    # A fresh copy: a form that fails must not change the facts shown on the page.
    form = ContactsForm(request.POST, instance=Institution.objects.get(pk=institution.pk))
    return form_action(
        request,
        form,
        lambda data: form.save(),
        success=gettext("联系信息已更新"),
        done=to_page("institution-detail", institution.pk),
        again=lambda form: render_institution(request, institution, contacts_form=form),
    )


@login_required
@require_POST
def institution_branch_create(request, pk):
    """41号 三(四): a social training evaluation organisation registers a branch where it is."""
    parent = scoped_institution(request, pk)
    if not parent.may_register_branch(request.user):
        raise PermissionDenied
    form = BranchForm(request.POST, prefix="branch", parent=parent)
    return form_action(
        request,
        form,
        lambda data: form.save(),
        success=lambda branch: (
            gettext(
                "分支机构 %(branch)s 已登记；请在 %(city)s 人社部门备案，备案通过并公示后方可开展评价（中就培函〔2020〕41号 三(四)(五)）"
            )
            % {"branch": branch, "city": branch.city}
        ),
        done=lambda branch: to_page("institution-detail", branch.pk),
        again=lambda form: render_institution(request, parent, branch_form=form),
    )


@login_required
@require_POST
def institution_catalog_status(request, pk):
    """能进能出: province admins suspend, restore or remove, with a reason (the model checks who)."""
    institution = scoped_institution(request, pk)
    return form_action(
        request,
        CatalogStatusForm(request.POST),
        lambda data: institution.change_catalog_status(
            data["action"], actor=request.user, reason=data["reason"]
        ),
        success=lambda event: (
            f"{CatalogAction(event.action).label}：{institution}"
            f"（{institution.get_catalog_status_display()}）"
        ),
        done=to_page("institution-detail", institution.pk),
        again=lambda form: render_institution(request, institution, catalog_form=form),
    )


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
