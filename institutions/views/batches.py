"""Pages of evaluation batches (评价批次, 239号 二(二)): the list, planning a batch, and the batch
page with the step indicator and the actions of the current state (their handlers are in
batch_steps.py)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from institutions.choices import (
    BATCH_FLOW,
    CLOSED_BATCH_STATUSES,
    BatchStatus,
    EligibilityStatus,
    EvaluationType,
)
from institutions.filtersets import BatchFilterSet
from institutions.forms import (
    BatchListFilterForm,
    BatchPlanForm,
    BatchReasonForm,
    EligibilityDecisionForm,
    ExamRoomForm,
    PhotoUploadForm,
    RosterUploadForm,
    ScoreRowForm,
)
from institutions.models import Batch
from institutions.photos import candidates_without_photo
from skilleval.actions import form_action
from skilleval.choices import INSTITUTION_ROLES, JobStatus
from skilleval.job_pages import in_language
from skilleval.rules.batches import AFTER_EXAM_STEPS
from skilleval.views import ScopedDetailView, ScopedListView, to_page

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
    if request.method != "POST":
        return render(request, "institutions/batch_create.html", {"form": form})

    def plan(data):
        occupation, level = data.pop("occupation_level")
        return Batch.objects.plan(user=request.user, occupation=occupation, level=level, **data)

    return form_action(
        request,
        form,
        plan,
        success=lambda batch: gettext("评价批次 #%(pk)s 已创建（草稿）") % {"pk": batch.pk},
        done=lambda batch: to_page("batch-detail", batch.pk),
        again=lambda form: render(request, "institutions/batch_create.html", {"form": form}),
    )


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
        not_yet_open = batch.after_exam(BATCH_FLOW[batch.step + 1])
        # Before 239号 四 was in force nothing waited for the exam: nothing to say.
        if not not_yet_open.not_in_force:
            context["not_yet_open"] = not_yet_open
    if runs and status == BatchStatus.TICKETS_GENERATED and batch.exam_is_over:
        context["score_rows"] = forms.get("score_rows") or score_rows(batch)
        context["may_record_examined"] = True
    if runs and status == BatchStatus.EXAMINED and batch.exam_is_over:
        context["may_publicise"] = True
    if status == BatchStatus.RESULTS_PUBLICISED and batch.publicised_on:
        publicity = context["publicity"] = batch.publicity()
        # A publicity period holds the approval back only while 54号 五 is in force.
        context["publicity_holds"] = (
            not publicity.not_in_force and not publicity.result["may_approve"]
        )
        if batch.may_be_approved_by(user):
            context["approving"] = True
            context["return_form"] = forms.get("return_form") or BatchReasonForm()
    if status == BatchStatus.RESULTS_APPROVED and batch.may_be_signed_off_by(user):
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
    # A form refused in a state that does not offer it (sent from an older page): its reasons
    # are shown as the page's messages, never lost.
    for name, form in forms.items():
        if name.endswith("_form") and name not in context:
            for message in form.non_field_errors():
                messages.error(request, message)
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
