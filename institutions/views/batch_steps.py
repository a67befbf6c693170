"""The actions of the batch page (239号 二(二)). Every step is one Batch method that checks who
may press it and from which state (institutions/models/batches.py); the handlers here only call
it and show its refusal (bilingual, with its clause) next to the button or form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from institutions.choices import BatchStatus, EligibilityStatus
from institutions.forms import (
    BatchReasonForm,
    EligibilityDecisionForm,
    ExamRoomForm,
    PhotoUploadForm,
    RosterUploadForm,
)
from institutions.models import Batch
from institutions.photos import PhotoErrors, import_photos
from institutions.roster import roster_template
from institutions.tickets import admission_tickets_pdf
from institutions.views.batches import render_batch, scoped_batch, score_rows
from skilleval.actions import button_action, form_action
from skilleval.choices import JobStatus
from skilleval.views import detail_form, to_page

# --- buttons -------------------------------------------------------------------------------


def batch_button(request, pk, action, success, fragment="top"):
    """Press one workflow button, `action(batch, user)` (a Batch method), then back to the batch
    page."""
    batch = scoped_batch(request, pk)
    return button_action(
        request,
        lambda: action(batch, request.user),
        success=lambda outcome: str(success).format(batch=batch, outcome=outcome),
        done=to_page("batch-detail", batch.pk, fragment),
    )


@login_required
@require_POST
def batch_publish_plan(request, pk):
    return batch_button(request, pk, Batch.publish_plan, gettext("评价计划已发布"))


@login_required
@require_POST
def batch_close_roster(request, pk):
    return batch_button(request, pk, Batch.close_roster, gettext("考生信息录入完成，进入资格审核"))


@login_required
@require_POST
def batch_review_automatically(request, pk):
    return batch_button(
        request,
        pk,
        Batch.review_eligibility_automatically,
        _(
            "按申报条件自动审核：{outcome[passed]} 名通过，{outcome[waiting]} 名待人工审核"
            "（共 {outcome[conditions]} 项条件）"
        ),
        "eligibility",
    )


@login_required
@require_POST
def batch_complete_review(request, pk):
    return batch_button(request, pk, Batch.complete_eligibility_review, gettext("资格审核完成"))


@login_required
@require_POST
def batch_arrange_rooms(request, pk):
    return batch_button(
        request, pk, Batch.arrange_rooms, gettext("考场已编排，座位已分配"), "rooms"
    )


@login_required
@require_POST
def batch_generate_tickets(request, pk):
    return batch_button(
        request, pk, Batch.generate_tickets, gettext("准考证号已生成，可打印准考证")
    )


@login_required
@require_POST
def batch_record_examined(request, pk):
    return batch_button(request, pk, Batch.record_examined, gettext("成绩录入完成"))


def publicise(batch, user):
    batch.publicise_results(user)
    return batch.publicity_ends()


@login_required
@require_POST
def batch_publicise(request, pk):
    return batch_button(request, pk, publicise, gettext("成绩已公示，公示至 {outcome}"))


@login_required
@require_POST
def batch_approve(request, pk):
    # Batch.approve_results says who before when: the city approves, nobody else (403).
    return batch_button(request, pk, Batch.approve_results, gettext("成绩审核通过"))


@login_required
@require_POST
def batch_sign_off(request, pk):
    """谁评价、谁发证、谁负责 (54号 四): the signatory starts the issuance job; the message says
    what the job is really doing, not what we hope it will do."""
    batch = scoped_batch(request, pk)
    try:
        job = batch.sign_off(request.user)
    except PermissionDenied:
        raise
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
        return to_page("batch-detail", batch.pk, "sign-off")
    job.refresh_from_db()  # without a worker it has already run
    if job.status == JobStatus.FAILED:
        messages.error(request, gettext("已签发，但证书核发任务失败，原因见下"))
    elif job.status == JobStatus.SUCCEEDED:
        messages.success(request, gettext("已签发，证书已核发"))
    elif job.status == JobStatus.RUNNING:
        messages.info(request, gettext("已签发，证书正在核发"))
    else:
        messages.info(request, gettext("已签发，证书核发任务排队中，稍后开始"))
    return redirect("job-detail", pk=job.pk)


# --- forms ---------------------------------------------------------------------------------
# Who may act is asked of the model before the form is read: a stranger gets 403, not the
# form's errors.


batch_form = detail_form("batch-detail", render_batch)


@login_required
@require_POST
def batch_decide_eligibility(request, pk):
    """A reviewer passes or fails the selected candidates, with basis and reason (54号 一)."""
    batch = scoped_batch(request, pk)
    batch.require_run_by(request.user)

    def decide(data):
        chosen = data["candidates"]
        if data["all_pending"]:
            chosen = batch.candidates.filter(eligibility=EligibilityStatus.PENDING)
        count = batch.decide_eligibility(
            request.user, chosen, passed=data["passed"], basis=data["basis"], reason=data["reason"]
        )
        verdict = gettext("通过") if data["passed"] else gettext("不通过")
        return gettext("已审核 %(count)s 名考生：%(verdict)s") % {
            "count": count,
            "verdict": verdict,
        }

    return batch_form(
        request,
        batch,
        EligibilityDecisionForm(request.POST, batch=batch),
        decide,
        success=lambda said: said,
        fragment="eligibility",
        kept_as="eligibility_form",
    )


@login_required
@require_POST
def batch_room_add(request, pk):
    batch = scoped_batch(request, pk)
    batch.require_run_by(request.user)
    return batch_form(
        request,
        batch,
        ExamRoomForm(request.POST),
        lambda data: batch.add_room(request.user, data["name"], data["capacity"]),
        success=lambda room: (
            gettext("已添加考场 %(name)s（%(capacity)s 座）")
            % {"name": room.name, "capacity": room.capacity}
        ),
        fragment="rooms",
        kept_as="room_form",
    )


@login_required
@require_POST
def batch_return(request, pk):
    batch = scoped_batch(request, pk)
    batch.require_approver(request.user)
    return batch_form(
        request,
        batch,
        BatchReasonForm(request.POST),
        lambda data: batch.return_results(request.user, data["reason"]),
        success=gettext("成绩已退回机构修改"),
        kept_as="return_form",
    )


@login_required
@require_POST
def batch_cancel(request, pk):
    batch = scoped_batch(request, pk)
    return batch_form(
        request,
        batch,
        BatchReasonForm(request.POST),
        lambda data: batch.cancel(request.user, data["reason"]),
        success=gettext("批次已取消"),
        kept_as="cancel_form",
    )


@login_required
@require_POST
def batch_roster_upload(request, pk):
    """The roster is checked and imported by a background job; its page shows the progress and,
    on refusal, every error and the annotated spreadsheet."""
    batch = scoped_batch(request, pk)
    batch.require_run_by(request.user)
    return form_action(
        request,
        RosterUploadForm(request.POST, request.FILES),
        lambda data: batch.start_roster_import(request.user, data["file"]),
        success=None,  # the job's page says how it goes
        done=lambda job: redirect("job-detail", pk=job.pk),
        again=lambda form: render_batch(request, batch, roster_form=form),
    )


@login_required
@require_POST
def batch_photos(request, pk):
    batch = scoped_batch(request, pk)
    batch.require_run_by(request.user)
    photo_errors = []

    def upload(data):
        try:
            return import_photos(batch, data["file"], user=request.user)
        except PhotoErrors as refused:  # every bad file is listed under the form
            photo_errors.extend(refused.errors)
            raise ValidationError(
                gettext("照片有 %(count)s 处错误，未保存任何照片") % {"count": len(refused.errors)}
            ) from refused

    return batch_form(
        request,
        batch,
        PhotoUploadForm(request.POST, request.FILES),
        upload,
        success=lambda outcome: (
            gettext("已保存 %(outcome)s 张照片，仍缺 %(count)s 人")
            % {"outcome": outcome["saved"], "count": len(outcome["missing"])}
        ),
        fragment="photos",
        kept_as="photo_form",
        photo_errors=photo_errors,
    )


@login_required
@require_POST
def batch_scores(request, pk):
    """Scores of every admitted candidate in one POST; each row goes through Batch.record_scores,
    and the rows that fail are shown again with their own errors (the others are saved)."""
    batch = scoped_batch(request, pk)
    batch.require_run_by(request.user)
    rows = score_rows(batch, request.POST)
    saved = 0
    for row in rows:
        form = row["form"]
        if not form.has_changed():
            continue
        if not form.is_valid():
            row["errors"] = [e for errors in form.errors.values() for e in errors]
            continue
        try:
            batch.record_scores(request.user, row["candidate"], **form.cleaned_data)
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


# --- downloads -----------------------------------------------------------------------------


@login_required
def batch_roster_template(request, pk):
    batch = scoped_batch(request, pk)
    response = HttpResponse(
        roster_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="roster-template-{batch.pk}.xlsx"'
    return response


@login_required
def batch_tickets_pdf(request, pk):
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
