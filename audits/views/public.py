"""Pages for everyone, no account needed: the published spot-check results (一公开), the
province-wide notices (通报, 54号 五), reporting a complaint (举报) with the hotlines, following it,
and the published outcomes."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audits import draws
from audits.choices import ComplaintStatus
from audits.forms import (
    ComplaintForm,
    ComplaintStatusForm,
    ComplaintStatusThrottle,
    ComplaintThrottle,
    throttle_wait,
)
from audits.models import Complaint, Notice
from skilleval.choices import RegionKind
from skilleval.models import Region

# The province's reporting hotlines, named by the notices that publish them.
PROVINCE_HOTLINES = [
    (gettext_lazy("技能人才评价质量监督举报电话"), "025-83201683", "苏人社函〔2020〕239号 四"),
    (gettext_lazy("职业证书发放监督举报电话"), "025-83271773", "苏人社办函〔2022〕54号 五"),
]


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
