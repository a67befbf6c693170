"""Complaint handling by the HR departments (实施意见 二十五, 239号 四): the list, the page, moving a
complaint on, publishing its outcome, the attachment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from audits.choices import ComplaintStatus
from audits.filtersets import ComplaintFilterSet
from audits.forms import AdvanceForm, PublishOutcomeForm
from audits.models import Complaint
from audits.views.staff import HrStaffOnlyMixin, require_hr_staff
from skilleval.actions import form_action
from skilleval.choices import Role
from skilleval.forms import add_refusal
from skilleval.views import ScopedDetailView, ScopedListView, to_page


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
