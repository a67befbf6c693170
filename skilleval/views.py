from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from audits.models import Notice
from certificates.issuance import outputs
from institutions.models import Batch, Institution
from skilleval import rules
from skilleval.actions import form_action
from skilleval.choices import JobKind, JobStatus
from skilleval.filtersets import OccupationFilterSet
from skilleval.forms import (
    ApiTokenForm,
    OccupationImportForm,
    ParameterVersionForm,
    RuleSelfCheckForm,
    SignInForm,
    add_refusal,
)
from skilleval.health import readiness
from skilleval.job_pages import describe as describe_job
from skilleval.models import ApiToken, AuditEntry, Job, Occupation, RuleParameterVersion
from skilleval.rules.engine import PARAMETER_LABELS, local_today, parameter_rows
from skilleval.rules.listing import describe
from skilleval.worklist import work_queues


def to_page(name: str, pk=None, fragment: str = "top"):
    """Back to the page, at the section acted on; "#top" brings the message into view and stops
    the browser reusing the fragment of the form's action."""
    return redirect(f"{reverse(name, args=[] if pk is None else [pk])}#{fragment}")


def detail_form(url_name: str, render_page):
    """The form handler of one detail page (`url_name`, drawn by `render_page(request, obj,
    **forms)`): `submit(request, obj, form, action, …)` takes the action through `form_action`,
    then goes back to the page at `fragment`; on refusal the page is drawn again with the form
    kept as `kept_as` (and whatever else `shown` adds)."""

    def submit(request, obj, form, action, *, success, fragment="top", kept_as, **shown):
        return form_action(
            request,
            form,
            action,
            success=success,
            done=to_page(url_name, obj.pk, fragment),
            again=lambda form: render_page(request, obj, **{kept_as: form}, **shown),
        )

    return submit


class ScopedListView(LoginRequiredMixin, ListView):
    """A staff list page: rows limited by the model's visible_to(user), optional filterset."""

    filterset_class = None
    paginate_by = 50

    def visible(self):
        """The rows the user may see: the model's visible_to(user), unless the page says more."""
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        queryset = self.visible()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET, queryset=queryset)
            queryset = self.filterset.qs
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = getattr(self, "filterset", None)
        return context


class ScopedDetailView(LoginRequiredMixin, DetailView):
    """A staff detail page; an object outside the user's scope is a 404, never a 403 (no probing)."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


class SignInView(auth_views.LoginView):
    """The password step; the second factor follows (skilleval/two_factor.py)."""

    redirect_authenticated_user = True
    form_class = SignInForm

    def form_invalid(self, form):
        # The proof of work the next attempt of this account needs (AccountGuard).
        return self.render_to_response(self.get_context_data(form=form, captcha=form.challenge))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Self-service password change. The session stays signed in; API tokens, which the old
    password may have handed out, are revoked."""

    template_name = "account/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        ApiToken.objects.revoke_all(self.request.user)
        messages.success(
            self.request,
            _("密码已修改，您的 API 令牌已全部撤销"),
        )
        return response


@login_required
def api_tokens(request):
    """The user's API tokens: issue one (its secret is shown on this answer only), list, revoke."""
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = ApiToken.objects.issue(request.user, name=form.cleaned_data["name"])
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            issued, form = {"token": token, "secret": secret}, ApiTokenForm()
    return render(
        request,
        "account/tokens.html",
        {
            "form": form,
            "issued": issued,
            "tokens": ApiToken.objects.visible_to(request.user),
            "ttl_hours": settings.API_TOKEN_TTL_HOURS,
        },
    )


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    token.delete()
    messages.success(request, _("令牌 %(token)s 已撤销") % {"token": token})
    return to_page("api-tokens")


def home(request):
    return render(request, "home.html", {"latest_notices": Notice.objects.all()[:3]})


@login_required
def dashboard(request):
    user = request.user
    context = {
        "institutions": Institution.objects.visible_to(user).count(),
        # "My jobs": the ones this user started, whatever else their role lets them see.
        "jobs": Job.objects.filter(started_by=user)[:5],
        "occupations": Occupation.objects.filter(is_active=True).count(),
        "rule_count": len(rules.RULES),
        "queues": work_queues(user),
    }
    if user.sees_everything:
        context["recent_changes"] = AuditEntry.objects.all()[:8]
    if user.is_province_admin or user.may_run_the_system:
        # The alarm of a failed service (the checks of /readyz) where its owners look first.
        _ready, checks = readiness()
        context["service_problems"] = [
            (SERVICE_NAMES[name], result["error"])
            for name, result in checks.items()
            if not result["ok"]
        ]
    return render(request, "dashboard.html", context)


SERVICE_NAMES = {
    "database": gettext_lazy("数据库"),
    "cache": gettext_lazy("缓存（Redis）：查询限流暂按各进程分别计算"),
    "worker": gettext_lazy("后台工作进程：导入和证书核发暂不运行"),
    "disk": gettext_lazy("存储空间"),
}


def rule_list(request):
    return render(
        request, "rules/list.html", {"rules": [describe(r) for r in rules.RULES.values()]}
    )


def rule_detail(request, rule_id):
    try:
        rule = rules.get_rule(rule_id)
    except rules.UnknownRule:
        raise Http404 from None
    decision, check_form, version_form = None, RuleSelfCheckForm(), None
    may_edit = request.user.is_authenticated and request.user.is_province_admin
    if may_edit:
        version_form = ParameterVersionForm()
    if request.method == "POST" and "check" in request.POST:
        check_form = RuleSelfCheckForm(request.POST)
        if check_form.is_valid():
            try:
                decision = rule.evaluate(
                    check_form.cleaned_data["facts"], check_form.cleaned_data["as_of"]
                )
            except rules.InvalidFacts as exc:
                for fact, errors in exc.errors.items():
                    check_form.add_error("facts", f"{fact}: {' '.join(map(str, errors))}")
    elif request.method == "POST" and may_edit:
        version_form = ParameterVersionForm(request.POST)
        if version_form.is_valid():
            try:
                RuleParameterVersion.objects.add_version(
                    rule,
                    version_form.cleaned_data["effective_from"],
                    version_form.cleaned_data["parameters"],
                    note=version_form.cleaned_data["note"],
                    user=request.user,
                )
            except rules.InvalidParameters as exc:
                for field, errors in exc.errors.items():
                    if field in version_form.fields:
                        version_form.add_error(field, list(map(str, errors)))
                    else:  # a parameter, named in words
                        label = PARAMETER_LABELS.get(field, field)
                        version_form.add_error(None, f"{label}：{' '.join(map(str, errors))}")
            except IntegrityError:
                version_form.add_error("effective_from", _("该日期已有参数版本"))
            else:
                messages.success(request, _("参数版本已保存"))
                return redirect("rule-detail", rule_id=rule.id)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "rules/detail.html",
        {
            "rule": describe(rule),
            # Who set a version is shown by role, never by account name: the page is public.
            "versions": [
                {
                    "effective_from": version.effective_from,
                    "rows": parameter_rows(version.parameters),
                    "note": version.note,
                    "set_by": version.created_by.get_role_display()
                    if version.created_by
                    else _("系统"),
                }
                for version in RuleParameterVersion.objects.filter(rule_id=rule.id).select_related(
                    "created_by"
                )
            ],
            "decision": decision,
            "check_form": check_form,
            "version_form": version_form,
            "today": local_today(),
        },
    )


class JobDetailView(ScopedDetailView):
    model = Job
    template_name = "jobs/detail.html"

    def get_object(self, queryset=None):
        return super().get_object(queryset).with_live_progress()

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=describe_job(self.object, self.request.user), **kwargs)


@login_required
@require_POST
def job_retry(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    try:
        job.retry(request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("任务已重新开始"))
    return redirect("job-detail", pk=job.pk)


@login_required
def job_result(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True)


@login_required
def job_print_pdf(request, pk):
    """The merged print PDF of a finished issuance job, for those who see the job (else 404).
    Its name comes from the batch, never from anything stored in or sent to the job."""
    job = get_object_or_404(
        Job.objects.visible_to(request.user),
        pk=pk,
        kind=JobKind.CERTIFICATE_ISSUANCE,
        status=JobStatus.SUCCEEDED,
    )
    batch = get_object_or_404(Batch.objects.visible_to(request.user), pk=job.params.get("batch_id"))
    name = outputs(batch)["merged_pdf"]
    if not default_storage.exists(name):
        raise Http404
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"certificates-batch-{batch.pk}-print.pdf",
        content_type="application/pdf",
    )


class OccupationListView(ListView):
    """The public list of occupations the portal knows, with their levels."""

    template_name = "occupations/list.html"
    paginate_by = 100

    def get_queryset(self):
        self.filterset = OccupationFilterSet(
            self.request.GET,
            queryset=Occupation.objects.filter(is_active=True).prefetch_related("levels"),
        )
        return self.filterset.qs.distinct()

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter=self.filterset, **kwargs)


@login_required
def occupation_import(request):
    """Province admins refresh the occupation list from a spreadsheet; it runs as a job."""
    if not request.user.is_province_admin:
        raise PermissionDenied
    form = OccupationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = Job.objects.start(
            JobKind.OCCUPATION_IMPORT, user=request.user, input_file=form.cleaned_data["file"]
        )
        return redirect("job-detail", pk=job.pk)
    return render(request, "occupations/import.html", {"form": form})
