"""Receivers of the users app: signing out ends the user's API tokens."""

from django.contrib.auth.signals import user_logged_out

from skilleval.models import ApiToken


def _revoke_api_tokens_on_sign_out(sender, request, user, **kwargs):
    # All of them, not only those issued from this session: a sign-out means "end my access",
    # and a token is at most API_TOKEN_TTL_HOURS old anyway.
    if user is not None:
        ApiToken.objects.revoke_all(user)


def connect():
    user_logged_out.connect(_revoke_api_tokens_on_sign_out, dispatch_uid="revoke-api-tokens")
