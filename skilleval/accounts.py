"""The security administrator's page: every account with its two-factor enrolment and sign-in
lock, and the two things done for a person who is locked out (lift the lock, reset the second
factor). Both are audited; nobody does them for their own account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from skilleval.choices import AuditAction
from skilleval.models import AccountGuard, AuditEntry, User


def _security_administrator(request):
    if not request.user.may_manage_accounts:
        raise PermissionDenied(_("只有安全管理员可以管理账号"))


@login_required
def account_list(request):
    _security_administrator(request)
    accounts = list(
        User.objects.select_related("city", "county", "institution").order_by("role", "username")
    )
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True).distinct()
    )
    now = timezone.now()
    guards = {
        guard.username: guard
        for guard in AccountGuard.objects.filter(
            username__in=[a.username.casefold() for a in accounts]
        )
    }
    rows = [
        {
            "account": account,
            "enrolled": account.pk in enrolled,
            "guard": guards.get(account.username.casefold()),
            "locked": (guard := guards.get(account.username.casefold())) is not None
            and guard.is_locked(now),
        }
        for account in accounts
    ]
    return render(request, "account/users.html", {"rows": rows})


@require_POST
@login_required
def unlock(request, pk):
    _security_administrator(request)
    account = get_object_or_404(User, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied(_("不能为自己的账号解锁"))
    AccountGuard.objects.record_success(account.username)
    AuditEntry.objects.record(
        AuditAction.UPDATE,
        object_type="skilleval.user",
        object_id=account.pk,
        object_repr=account.username,
        after={"sign_in": "unlocked"},
    )
    messages.success(request, _("已为 %(user)s 解除登录锁定") % {"user": account.username})
    return redirect("account-list")


class LogSuperuserChangesMiddleware:
    """The superuser is for the installation; each change it makes (any unsafe request, the
    admin site included) is an audit entry naming the address and the path."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method in self.UNSAFE and user is not None and user.is_superuser:
            AuditEntry.objects.record(
                AuditAction.UPDATE,
                object_type="superuser",
                object_id=user.pk,
                object_repr=user.username,
                after={
                    "method": request.method,
                    "path": request.path[:300],
                    "status": response.status_code,
                },
            )
        return response
