"""Acting on findings (54号 五): revoking certificates of a person or a batch, the credit-check
flag, suspending an institution, and the province-wide notice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from audits.draws import require_province_staff
from audits.forms import InstitutionActionForm, NoticeForm, RevokeBatchForm, RevokePersonForm
from audits.models import CreditFlag
from certificates.models import Certificate
from institutions.choices import CatalogAction
from institutions.models import Batch
from skilleval.actions import form_action
from skilleval.views import to_page


def require_sanctioner(user) -> None:
    # Revocation is the widest of the actions: province auditors and admins, and city staff for
    # their city (Certificate.may_revoke); the others say who may use them.
    if not Certificate.may_revoke(user):
        raise PermissionDenied(gettext("无权处理督查结果"))


def actions_context(request, **forms) -> dict:
    user = request.user
    initial_institution = request.GET.get("institution", "")
    initial = {"institution": initial_institution} if initial_institution.isdigit() else {}
    batch = request.GET.get("batch", "")
    context = {
        "revoke_person_form": forms.get("revoke_person_form")
        or RevokePersonForm(auto_id="person_%s"),
        "revoke_batch_form": forms.get("revoke_batch_form")
        or RevokeBatchForm(
            initial={"batch": batch} if batch.isdigit() else None, auto_id="batch_%s"
        ),
        "province": user.sees_everything,
        "may_suspend": user.is_province_admin,
        "open_form": next(iter(forms), None),
    }
    if user.sees_everything:
        context["credit_flag_form"] = forms.get("credit_flag_form") or InstitutionActionForm(
            user=user, initial=initial, auto_id="flag_%s"
        )
        context["notice_form"] = forms.get("notice_form") or NoticeForm(
            initial=initial, auto_id="notice_%s"
        )
        context["credit_flags"] = CreditFlag.objects.select_related(
            "institution__city", "raised_by"
        )[:10]
    if user.is_province_admin or "suspend_form" in forms:
        context["suspend_form"] = forms.get("suspend_form") or InstitutionActionForm(
            user=user, initial=initial, auto_id="suspend_%s"
        )
    return context


def render_actions(request, **forms):
    return render(request, "audits/actions.html", actions_context(request, **forms))


@login_required
def actions(request):
    require_sanctioner(request.user)
    return render_actions(request)


def _sanction(request, form, form_name, action, *, success, fragment):
    """A form of the actions page: the action's refusal shows on its form, the page reopens there."""
    return form_action(
        request,
        form,
        action,
        success=success,
        done=to_page("audit-actions", fragment=fragment),
        again=lambda form: render_actions(request, **{form_name: form}),
    )


def _revoke(request, form, form_name, certificates_of):
    return _sanction(
        request,
        form,
        form_name,
        lambda data: Certificate.revoke_many(
            certificates_of(data), user=request.user, reason=data["reason"]
        ),
        success=lambda count: gettext("已注销 %(count)s 本证书") % {"count": count},
        fragment="revoke",
    )


@login_required
@require_POST
def revoke_person(request):
    """All of a person's valid certificates in the user's scope, found by the keyed ID hash."""
    require_sanctioner(request.user)
    return _revoke(
        request,
        RevokePersonForm(request.POST, auto_id="person_%s"),
        "revoke_person_form",
        lambda data: Certificate.objects.visible_to(request.user).of_person(data["id_number"]),
    )


@login_required
@require_POST
def revoke_batch(request):
    require_sanctioner(request.user)

    def certificates_of(data):
        batch = Batch.objects.visible_to(request.user).filter(pk=data["batch"]).first()
        if batch is None:
            raise ValidationError(gettext("您的管辖范围内没有该批次"))
        return Certificate.objects.visible_to(request.user).filter(batch=batch)

    return _revoke(
        request,
        RevokeBatchForm(request.POST, auto_id="batch_%s"),
        "revoke_batch_form",
        certificates_of,
    )


@login_required
@require_POST
def credit_flag(request):
    """启动信用核查联动机制 (54号 五): a flag on the institution for the credit authorities."""
    require_province_staff(request.user)
    return _sanction(
        request,
        InstitutionActionForm(request.POST, user=request.user, auto_id="flag_%s"),
        "credit_flag_form",
        lambda data: CreditFlag.raise_on(
            data["institution"], reason=data["reason"], user=request.user
        ),
        success=lambda flag: (
            gettext("已标记信用核查：%(institution)s") % {"institution": flag.institution}
        ),
        fragment="credit",
    )


@login_required
@require_POST
def suspend(request):
    """Suspend from the catalog (能进能出); the catalog decides who may and from which status."""
    require_sanctioner(request.user)

    def suspend(data):
        data["institution"].change_catalog_status(
            CatalogAction.SUSPEND, actor=request.user, reason=data["reason"]
        )
        return data["institution"]

    return _sanction(
        request,
        InstitutionActionForm(request.POST, user=request.user, auto_id="suspend_%s"),
        "suspend_form",
        suspend,
        success=lambda institution: (
            gettext("已暂停：%(institution)s") % {"institution": institution}
        ),
        fragment="suspend",
    )


@login_required
@require_POST
def notice_create(request):
    """全省通报 (54号 五): shown at once on the public notices page."""
    require_province_staff(request.user)
    form = NoticeForm(request.POST, auto_id="notice_%s")
    if not form.is_valid():
        return render_actions(request, notice_form=form)
    notice = form.save(commit=False)
    notice.issued_by = request.user
    notice.save()
    messages.success(request, gettext("通报已发布：%(title)s") % {"title": notice.title})
    return redirect(f"{reverse('notice-list')}#notice-{notice.pk}")
