from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval import proof_of_work
from skilleval.choices import (
    ADMINISTRATOR_ROLES,
    INSTITUTION_ROLES,
    PROVINCE_ROLES,
    RegionKind,
    Role,
)


class User(AbstractUser):
    """A staff account with one role and the city, county or institution the role is scoped to.

    A superuser sees and may do everything a province admin may.
    """

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    city = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所属设区市"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.CITY},
    )
    county = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所属区（县）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.COUNTY},
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所属评价机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    organisation = models.CharField(_("所属单位"), max_length=200, blank=True)
    # skilleval/passwords.py: set whenever the password changes; an administrator's new account
    # changes its initial password at the first sign-in.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CITY_STAFF) | Q(city__isnull=False),
                name="user_city_staff_has_city",
                violation_error_message=_("设区市人员须指定设区市"),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.COUNTY_STAFF) | Q(county__isnull=False),
                name="user_county_staff_has_county",
                violation_error_message=_("区县人员须指定区县"),
            ),
            models.CheckConstraint(
                condition=~Q(role__in=INSTITUTION_ROLES) | Q(institution__isnull=False),
                name="user_institution_roles_have_institution",
                violation_error_message=_("机构人员须指定评价机构"),
            ),
        ]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in PROVINCE_ROLES

    @property
    def sees_statistics(self) -> bool:
        """The statistics pages (audits/statistics.py): whoever has an area of the evaluation
        work — the province, a city, a county, an institution. Not organisers or administrators."""
        return (
            self.sees_everything
            or self.role in (Role.CITY_STAFF, Role.COUNTY_STAFF)
            or self.role in INSTITUTION_ROLES
        )

    @property
    def is_province_admin(self) -> bool:
        return self.is_superuser or self.role == Role.PROVINCE_ADMIN

    # The three administrators' duties (等保 2.0 third level); the superuser, for the installation
    # only, holds them all and every change it makes is logged (skilleval/accounts.py).
    @property
    def may_manage_accounts(self) -> bool:
        """Accounts, sign-in locks and two-factor resets: the security administrator."""
        return self.is_superuser or self.role == Role.SECURITY_ADMIN

    @property
    def may_read_the_audit_log(self) -> bool:
        """Read, export and verify the audit log: the audit administrator."""
        return self.is_superuser or self.role == Role.AUDIT_ADMIN

    @property
    def may_run_the_system(self) -> bool:
        """Every background job, its retry, the services' health: the system administrator."""
        return self.is_superuser or self.role == Role.SYSTEM_ADMIN

    @property
    def is_administrator(self) -> bool:
        return self.role in ADMINISTRATOR_ROLES

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of these roles; a superuser holds the province admin's."""
        if self.is_superuser and Role.PROVINCE_ADMIN in roles:
            return True
        return self.role in roles

    @property
    def scope_label(self) -> str:
        """Where this account's view ends, in words, for the page header."""
        if self.is_administrator:
            return self.get_role_display()
        if self.sees_everything:
            return "江苏省"
        if self.role == Role.CITY_STAFF:
            return str(self.city)
        if self.role == Role.COUNTY_STAFF:
            return f"{self.county.parent}{self.county}"
        if self.institution_id:
            return str(self.institution)
        return self.organisation


class PasswordHistory(models.Model):
    """A user's recent password hashes (never the passwords), so that none comes back."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class SignInRefused(Exception):
    """The sign-in was not tried: the account is locked, or a proof of work is due first."""

    def __init__(self, message: str, challenge=None):
        super().__init__(message)
        self.message, self.challenge = message, challenge


class AccountGuardManager(models.Manager):
    def gate(self, username: str, challenge_token=None, answer=None) -> None:
        """Before a password is checked: raise SignInRefused when the account is locked, or when
        it has had SIGN_IN_CHALLENGE_AFTER wrong passwords (from any address) and this attempt
        carries no proof of work. Without the proof the password is not even tried and nothing
        is counted, so no loop can lock an account out without paying for every guess."""
        guard = self.filter(username=username.casefold()).first()
        if guard is None:
            return
        now = timezone.now()
        if guard.locked_until and guard.locked_until > now:
            raise SignInRefused(
                _("该账号因多次密码错误已锁定，%(time)s 后自动解锁，或请安全管理员解锁")
                % {"time": timezone.localtime(guard.locked_until).strftime("%H:%M")}
            )
        bits = guard.challenge_bits(now)
        if bits and not proof_of_work.check(
            ACCOUNT_POW_SALT, challenge_token, answer, min_bits=bits, max_age=5 * 60
        ):
            raise SignInRefused(
                _("该账号近期多次密码错误，请完成安全验证后再登录"),
                challenge=proof_of_work.new_challenge(ACCOUNT_POW_SALT, bits),
            )

    def record_failure(self, username: str) -> "AccountGuard":
        """A wrong password for this username (existing or not: the answer must not tell)."""
        now = timezone.now()
        window = timezone.timedelta(seconds=settings.SIGN_IN_FAILURE_WINDOW)
        with transaction.atomic():
            guard, _created = self.select_for_update().get_or_create(username=username.casefold())
            if guard.last_failed_at and guard.last_failed_at < now - window:
                guard.failures = 0
            guard.failures += 1
            guard.last_failed_at = now
            if guard.failures >= settings.SIGN_IN_LOCK_AFTER:
                guard.locked_until = now + timezone.timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES)
            guard.save()
        return guard

    def record_success(self, username: str) -> None:
        self.filter(username=username.casefold()).delete()


ACCOUNT_POW_SALT = "skilleval.sign-in.pow"


class AccountGuard(models.Model):
    """Wrong passwords per account, from every address together (axes counts them per address):
    after SIGN_IN_CHALLENGE_AFTER a proof of work whose difficulty grows with each failure, after
    SIGN_IN_LOCK_AFTER a lock that SIGN_IN_LOCK_MINUTES or a security administrator lifts."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("连续错误次数"), default=0)
    last_failed_at = models.DateTimeField(_("最近一次错误"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = AccountGuardManager()

    class Meta:
        verbose_name = _("登录保护")
        verbose_name_plural = _("登录保护")

    def __str__(self):
        return self.username

    def challenge_bits(self, now) -> int:
        """0 below the threshold; then 16 bits (about a second), one more (twice the work) per
        further failure, up to 22."""
        window = timezone.timedelta(seconds=settings.SIGN_IN_FAILURE_WINDOW)
        if self.last_failed_at is None or self.last_failed_at < now - window:
            return 0
        beyond = self.failures - settings.SIGN_IN_CHALLENGE_AFTER
        return 0 if beyond < 0 else min(settings.SIGN_IN_POW_BITS + beyond, 22)

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))
