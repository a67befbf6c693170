"""Password policy beyond Django's validators (等保 2.0 third level, GB/T 22239-2019 8.1.4.1 a:
passwords changed periodically): a password expires after PASSWORD_MAX_AGE_DAYS, none of the last
PASSWORD_HISTORY_SIZE may come back, and an account an administrator created changes its initial
password at the first sign-in.

The history is kept by a password validator: Django calls its `password_changed` whenever a user
is saved with a new password (User.set_password then save), wherever that happens.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skilleval.models import PasswordHistory, User
from skilleval.two_factor import OPEN_PATHS

CHANGE_PATH = "/account/password/"


class PasswordHistoryValidator:
    """Refuses any of the user's last PASSWORD_HISTORY_SIZE passwords, and records each new one."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        size = settings.PASSWORD_HISTORY_SIZE
        recent = user.password_history.order_by("-created_at")[:size]
        if any(check_password(password, old.password) for old in recent):
            raise ValidationError(
                ngettext(
                    "不能使用最近 %(n)d 次用过的密码",
                    "不能使用最近 %(n)d 次用过的密码",
                    size,
                )
                % {"n": size},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        now = timezone.now()
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        keep = user.password_history.order_by("-created_at")[: settings.PASSWORD_HISTORY_SIZE]
        user.password_history.exclude(pk__in=[h.pk for h in keep]).delete()
        User.objects.filter(pk=user.pk).update(password_changed_at=now, must_change_password=False)
        user.password_changed_at, user.must_change_password = now, False

    def get_help_text(self):
        return _("不能与最近 %(n)d 次用过的密码相同。") % {"n": settings.PASSWORD_HISTORY_SIZE}


def password_must_change(user, now=None) -> bool:
    if user.must_change_password:
        return True
    if user.password_changed_at is None:  # never recorded (accounts from before the policy)
        return False
    age = (now or timezone.now()) - user.password_changed_at
    return age > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


class RequirePasswordChangeMiddleware:
    """After the sign-in (both factors), an expired or initial password leads to the change page
    and nowhere else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and (user.is_verified() or not settings.TWO_FACTOR_REQUIRED)
            and not request.path.startswith((CHANGE_PATH, *OPEN_PATHS))
            and password_must_change(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("密码已过期，请先在网页上修改密码")}, status=403)
            messages.warning(
                request,
                _("首次登录须修改初始密码")
                if user.must_change_password
                else _("密码已使用超过 %(days)d 天，请修改后继续")
                % {"days": settings.PASSWORD_MAX_AGE_DAYS},
            )
            return redirect(CHANGE_PATH)
        return self.get_response(request)
