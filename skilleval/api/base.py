"""What every API viewset of a scoped model stands on."""

from django.core import exceptions as django_exceptions
from django.db import transaction
from django.utils.translation import gettext
from rest_framework import exceptions, permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.fields import empty
from rest_framework.views import exception_handler as drf_exception_handler


class ScopedViewSetMixin:
    """Applies the model's `visible_to(user)` scoping to every list, detail and action, and
    after a create or update re-checks, inside the transaction, that the object is still in
    the user's scope (so nobody can write a row they could not read)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def _save_in_scope(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            if not self.get_queryset().filter(pk=instance.pk).exists():
                raise PermissionDenied(gettext("超出您的管辖范围"))

    def perform_create(self, serializer):
        self._save_in_scope(serializer)

    def perform_update(self, serializer):
        self._save_in_scope(serializer)


class RoleWritePermission(permissions.BasePermission):
    """Reading follows scoping; writing needs one of the viewset's `write_roles`."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_role(*getattr(view, "write_roles", ()))


def exception_handler(exc, context):
    """The models refuse with Django's ValidationError, whose messages are bilingual and cite the
    clause: every API answers it with 400 `{"detail": [messages]}`, messages unchanged; a Django
    PermissionDenied, or a Forbidden refusal (skilleval/actions.py), keeps its reason (e.g. 54号 四 on
    sign-off) in the 403."""
    if isinstance(exc, django_exceptions.PermissionDenied):  # also a Forbidden refusal
        message = " ".join(exc.messages) if hasattr(exc, "messages") else str(exc)
        exc = exceptions.PermissionDenied(message or None)
    elif isinstance(exc, django_exceptions.ValidationError):
        exc = exceptions.ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)


class DecisionField(serializers.BooleanField):
    """A yes/no decision that must be given. DRF reads a form field that is absent as an unticked
    box (False): an empty form-encoded POST would then reject a filing. Absent is absent here,
    in every encoding, and answered with a 400 naming the field."""

    default_empty_html = empty
