"""Honours (表彰认定, 实施意见 十六): the list, recording one, and its recognition or refusal."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from competitions.choices import HonourStatus
from competitions.filtersets import HonourFilterSet
from competitions.forms import HonourForm, HonourRefuseForm
from competitions.models import Honour
from skilleval.actions import button_action, form_action
from skilleval.choices import Role
from skilleval.views import ScopedListView, to_page


class HonourListView(ScopedListView):
    model = Honour
    filterset_class = HonourFilterSet
    template_name = "competitions/honour_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("occupation", "region", "certificate")


def may_record_honours(user) -> bool:
    return user.is_province_admin or user.role in (Role.CITY_STAFF, Role.COUNTY_STAFF)


@login_required
def honour_create(request):
    if not may_record_honours(request.user):
        raise PermissionDenied(_("表彰认定由省级或市、县人力资源社会保障部门登记（实施意见 十六）"))
    if request.method != "POST":
        return render(request, "competitions/honour_form.html", {"form": HonourForm()})
    return form_action(
        request,
        HonourForm(request.POST),
        lambda data: Honour.record(user=request.user, **data),
        success=_("已登记表彰认定"),
        done=lambda honour: to_page("honour-detail", honour.pk),
        again=lambda form: render(request, "competitions/honour_form.html", {"form": form}),
    )


def render_honour(request, honour, refuse_form=None, status=200):
    return render(
        request,
        "competitions/honour_detail.html",
        {
            "honour": honour,
            "yours": honour.status == HonourStatus.RECORDED
            and honour.may_be_decided_by(request.user),
            "refuse_form": refuse_form or HonourRefuseForm(),
        },
        status=status,
    )


def scoped_honour(request, pk):
    return get_object_or_404(
        Honour.objects.visible_to(request.user).select_related("occupation", "region"), pk=pk
    )


@login_required
@require_GET
def honour_detail(request, pk):
    return render_honour(request, scoped_honour(request, pk))


@login_required
@require_POST
def honour_recognise(request, pk):
    honour = scoped_honour(request, pk)
    return button_action(
        request,
        lambda: honour.recognise(user=request.user),
        success=lambda certificate: (
            _("已认定并核发证书 %(number)s") % {"number": certificate.number}
        ),
        done=to_page("honour-detail", pk),
    )


@login_required
@require_POST
def honour_refuse(request, pk):
    honour = scoped_honour(request, pk)
    return form_action(
        request,
        HonourRefuseForm(request.POST),
        lambda data: honour.refuse(user=request.user, reason=data["reason"]),
        success=_("已不予认定"),
        done=to_page("honour-detail", pk),
        again=lambda form: render_honour(request, honour, refuse_form=form),
    )
