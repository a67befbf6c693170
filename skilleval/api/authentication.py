"""API token authentication: `Authorization: Token <secret>`, checked against the stored hash."""

from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from skilleval.models import ApiToken


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header format, our ApiToken: hashed, expiring, revocable. A refusal is a 401 that
    says why, so a script knows to fetch a new token."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(gettext("API 令牌无效或已撤销"))
        if token.is_expired:
            expired_at = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
            raise exceptions.AuthenticationFailed(
                gettext("API 令牌已于 %(expired_at)s 过期，请通过 POST")
                % {"expired_at": expired_at}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(gettext("账号已停用"))
        token.touch()
        return token.user, token
