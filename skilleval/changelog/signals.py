"""Record every create, update and delete of a domain model, and every sign-in event.

Receivers are connected for all senders and filter by app, so historical models in
migrations and fixture loads are recorded too. A queryset update sends no signals: every
workflow step that moves a row by a conditional UPDATE goes through `audited_update`, which
records it like a save. Other bulk operations (bulk_create, bulk_update) write their own
entries with AuditEntry.objects.record_many.
"""

import json

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from skilleval.addresses import client_address
from skilleval.choices import AuditAction
from skilleval.models.changelog import AuditEntry

AUDITED_APPS = {"skilleval", "institutions", "certificates", "competitions", "audits"}
NOT_AUDITED = {"skilleval.auditentry", "skilleval.auditchainhead"}
# Never copied into the log: secrets (the API token digest too), and fields that change on every
# sign-in.
HIDDEN_FIELDS = {"password", "last_login", "key", "digest"}
# A new password is logged as this flag, never as its hash.
PASSWORD_CHANGED = "password_changed"


def _is_audited(sender) -> bool:
    meta = sender._meta
    return meta.app_label in AUDITED_APPS and meta.label_lower not in NOT_AUDITED


def _plain(value):
    return (value.name or "") if isinstance(value, FieldFile) else value


def snapshot(instance) -> dict:
    # A large field may be logged by the digest column beside it (a draw's 100k-row inputs).
    by_digest = getattr(instance, "logged_by_digest", ())
    values = {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in HIDDEN_FIELDS
        and field.attname not in by_digest
        and not getattr(field, "generated", False)
    }
    # Round-trip through JSON so what is hashed is exactly what is stored.
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _record(action, instance, before, after):
    AuditEntry.objects.record(
        action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance),
        before=before,
        after=after,
    )


def _remember_state_before_save(sender, instance, raw=False, **kwargs):
    if not _is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    # What is logged by digest need not be read back (a draw's inputs are megabytes).
    unlogged = getattr(sender, "logged_by_digest", ())
    previous = sender._base_manager.defer(*unlogged).filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None
    instance._audit_password_changed = (
        previous is not None
        and hasattr(previous, "password")
        and previous.password != getattr(instance, "password", None)
    )


def _record_save(sender, instance, created, raw=False, **kwargs):
    if not _is_audited(sender):
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    instance._audit_before = after
    if not created and getattr(instance, "_audit_password_changed", False):
        # The hash is hidden, so without this a password change would leave no trace.
        after = {**after, PASSWORD_CHANGED: True}
        instance._audit_password_changed = False
    if before == after:
        return  # nothing that the log keeps has changed
    _record(AuditAction.CREATE if created else AuditAction.UPDATE, instance, before, after)


def _remember_state_before_delete(sender, instance, **kwargs):
    if _is_audited(sender):
        instance._audit_before = snapshot(instance)


def _record_delete(sender, instance, **kwargs):
    if _is_audited(sender):
        _record(AuditAction.DELETE, instance, getattr(instance, "_audit_before", None), None)


def audited_update(instance, where: dict, **fields) -> bool:
    """Change one row only if it still matches `where` (of two people pressing the same button,
    one wins, one is told), and record the change with its state before and after — whichever
    path (page, API, task) took the step. On success `instance` is reloaded; False when the row
    no longer matched and nothing was done."""
    rows = type(instance)._base_manager.filter(pk=instance.pk, **where)
    with transaction.atomic():
        current = rows.select_for_update().first()
        if current is None:
            return False
        rows.update(**fields)
        instance.refresh_from_db()
        before, after = snapshot(current), snapshot(instance)
        if _is_audited(type(instance)) and before != after:
            _record(AuditAction.UPDATE, instance, before, after)
    return True


def _record_login(sender, request, user, **kwargs):
    _record(AuditAction.LOGIN, user, None, None)


def _record_logout(sender, request, user, **kwargs):
    if user is not None:
        _record(AuditAction.LOGOUT, user, None, None)


def _record_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    AuditEntry.objects.record(
        AuditAction.LOGIN_FAILED,
        object_type="skilleval.user",
        object_repr=username,
        after={"ip": _client_ip(request)},
    )


def _record_lockout(sender, request, username, ip_address, **kwargs):
    AuditEntry.objects.record(
        AuditAction.LOCKED_OUT,
        object_type="skilleval.user",
        object_repr=str(username or "")[:150],
        after={"ip": ip_address},
    )


def _client_ip(request) -> str:
    return client_address(request) if request is not None else ""


def connect():
    pre_save.connect(_remember_state_before_save, dispatch_uid="audit-pre-save")
    post_save.connect(_record_save, dispatch_uid="audit-post-save")
    pre_delete.connect(_remember_state_before_delete, dispatch_uid="audit-pre-delete")
    post_delete.connect(_record_delete, dispatch_uid="audit-post-delete")
    user_logged_in.connect(_record_login, dispatch_uid="audit-login")
    user_logged_out.connect(_record_logout, dispatch_uid="audit-logout")
    user_login_failed.connect(_record_login_failure, dispatch_uid="audit-login-failed")
    user_locked_out.connect(_record_lockout, dispatch_uid="audit-locked-out")
