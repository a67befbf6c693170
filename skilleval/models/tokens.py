import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Tokens look like "se_" + 43 URL-safe characters (256 bits): a leaked one is recognisable in
# logs and code scanners, and its first characters identify it in the owner's list.
TOKEN_PREFIX = "se_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# last_used_at is written at most this often, so a busy script does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(secret: str) -> str:
    """What is stored of a token: its SHA-256. The secret has 256 random bits, so a fast hash
    is enough (no dictionary to guess from), and it lets the lookup use an index."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A token is its owner's alone: not even a province admin lists another's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def active(self):
        return self.filter(expires_at__gt=timezone.now())

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())


class ApiTokenManager(models.Manager.from_queryset(ApiTokenQuerySet)):
    def issue(self, user, *, name: str = "") -> tuple["ApiToken", str]:
        """The one way a token comes to be: returns the row and the secret, which is shown once
        and never stored. Callers check who may have one (today a signed-in user or a correct
        password; later a two-factor session) before calling this."""
        with transaction.atomic():
            # Lock the owner so two requests at once cannot both pass the limit.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            limit = settings.API_TOKEN_MAX_PER_USER
            if self.filter(user=user).active().count() >= limit:
                raise ValidationError(
                    gettext("您已有 %(limit)s 个有效的 API 令牌，请先在“API 令牌”页撤销不用的令牌")
                    % {"limit": limit}
                )
            secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
            now = timezone.now()
            token = self.create(
                user=user,
                name=name.strip(),
                prefix=secret[:SHOWN_PREFIX_LENGTH],
                digest=token_digest(secret),
                created_at=now,
                expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
            )
        return token, secret

    def find(self, secret: str) -> "ApiToken | None":
        return self.select_related("user").filter(digest=token_digest(secret)).first()

    def delete_expired(self, kept_for=timedelta(days=7)) -> int:
        deleted, _ = self.filter(expires_at__lte=timezone.now() - kept_for).delete()
        return deleted

    def revoke_all(self, user) -> int:
        """Sign-out and a password change end every API token of the user."""
        deleted, _ = self.filter(user=user).delete()
        return deleted


class ApiToken(models.Model):
    """A personal API token: named by its owner, valid for API_TOKEN_TTL_HOURS, revocable.
    Only the SHA-256 of the secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    prefix = models.CharField(_("前缀"), max_length=SHOWN_PREFIX_LENGTH)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiTokenManager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expires")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="apitoken_expires_after_creation",
                violation_error_message=_("令牌须在创建之后过期"),
            ),
        ]

    def __str__(self):
        return f"{self.name or self.prefix} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def touch(self) -> None:
        """Record a use. A plain conditional update: no audit entry for every API request."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_RESOLUTION:
            return
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now
