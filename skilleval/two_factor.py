"""Two-factor sign-in: after the password, a TOTP code from an authenticator app (等保 2.0 third
level, GB/T 22239-2019 8.1.4.1: two or more kinds of authentication, one of them cryptographic).

django-otp keeps the devices and verifies codes; this module is the portal's side of it: the
first sign-in enrols an app (QR code and secret) and hands out single-use recovery codes, every
later sign-in asks for a code, and a security administrator resets a lost phone — each step is
an audit entry. API tokens come only from a verified session or with a code (skilleval/api).
"""

import secrets
from base64 import b32encode
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from skilleval.choices import AuditAction
from skilleval.models import AuditEntry, User

# Paths a signed-in user reaches before giving the second factor.
OPEN_PATHS = (
    "/account/two-factor/",
    "/accounts/login/",
    "/accounts/logout/",
    "/i18n/",
    "/static/",
    "/media/",
    "/jsi18n/",
)
DEVICE_NAME = "身份验证器"
# Wrong codes in one sign-in before the session is ended (the password must be given again, and
# axes counts password failures): a six-digit code cannot be guessed through one session.
MAX_WRONG_CODES = 5


def verify_code(user, code: str):
    """The user's device that accepts this code (each code is good once), or None. On the
    embedded default a demo account may also give the demo code (settings.local)."""
    code = "".join(code.split())
    if settings.TWO_FACTOR_DEMO_CODE and secrets.compare_digest(
        code, settings.TWO_FACTOR_DEMO_CODE
    ):
        return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    return match_token(user, code) if code else None


def _audit(action, user, note: str):
    AuditEntry.objects.record(
        action,
        object_type="skilleval.user",
        object_id=user.pk,
        object_repr=user.username,
        after={"two_factor": note},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("dashboard")


@login_required
def setup(request):
    """First sign-in: scan the QR code (or type the secret) into an app, give one code back."""
    if user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('two-factor-verify')}?next={quote(_next_url(request))}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        if device.verify_token(code):
            with transaction.atomic():
                TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
                device.confirmed = True
                recovery = _new_recovery_codes(request.user)
                otp_login(request, device)
                _audit(AuditAction.UPDATE, request.user, "enrolled")
            return render(
                request,
                "account/two_factor_recovery.html",
                {"codes": recovery, "next": _next_url(request)},
            )
        form.add_error("code", _("验证码不正确或已过期，请输入应用中当前显示的 6 位数字"))
    return render(
        request,
        "account/two_factor_setup.html",
        {
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2a44"),
            "secret": secret_of(device),
            "next": _next_url(request),
        },
    )


def _new_recovery_codes(user) -> list[str]:
    """Single-use codes for a lost phone, shown once; new ones replace the old."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{code[:4]} {code[4:]}" for code in codes]


def secret_of(device) -> str:
    """The device's key as an authenticator app takes it by hand: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def verify(request):
    """Every sign-in after the first: the code from the app, or one recovery code."""
    if not user_has_device(request.user, confirmed=True):
        return redirect(f"{reverse('two-factor-setup')}?next={quote(_next_url(request))}")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_code(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(
                    request,
                    _("已使用一个恢复码，还剩 %(left)d 个；请尽快重新绑定身份验证器。")
                    % {"left": left},
                )
            return redirect(_next_url(request))
        _audit(AuditAction.LOGIN_FAILED, request.user, "wrong code")
        wrong = request.session.get("two_factor_wrong", 0) + 1
        request.session["two_factor_wrong"] = wrong
        if wrong >= MAX_WRONG_CODES:
            logout(request)
            messages.error(request, _("验证码连续错误，请重新登录"))
            return redirect("login")
        form.add_error("code", _("验证码不正确或已使用过"))
    return render(
        request, "account/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@require_POST
@login_required
def reset(request, pk):
    """A security administrator clears a user's devices (a lost phone); the user enrols anew at
    the next sign-in. Nobody resets their own."""
    account = get_object_or_404(User, pk=pk)
    if not request.user.may_manage_accounts or account.pk == request.user.pk:
        raise PermissionDenied(_("只有安全管理员可以重置其他用户的双因素认证"))
    for device in devices_for_user(account, confirmed=None):
        device.delete()
    _audit(AuditAction.UPDATE, account, "reset")
    messages.success(
        request,
        _("已重置 %(user)s 的双因素认证，其下次登录时重新绑定。") % {"user": account.username},
    )
    return redirect("account-list")


class RequireTwoFactorMiddleware:
    """A signed-in user who has not given the second factor reaches only the two-factor pages:
    pages redirect there, the API answers 403. Token requests carry no session and pass
    (their tokens were issued with a second factor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATHS)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("请先完成双因素认证")}, status=403)
            step = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
            return redirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
