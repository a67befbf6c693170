"""Who is acting right now, for the audit log: the request's user, or a named system actor.

Set by AuditContextMiddleware (below) for web and API requests and by a Celery signal for tasks.
Anything else — the shell, a management command, a migration — is recorded as
`system:<command>`, so no change goes unattributed.
"""

import sys
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

_request = ContextVar("audit_request", default=None)
_system_actor = ContextVar("audit_system_actor", default=None)
_request_id = ContextVar("audit_request_id", default="")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    request_id: str


def set_request(request) -> str:
    request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
    _request.set(request)
    _request_id.set(request_id)
    return request_id


def set_system_actor(name: str) -> None:
    _system_actor.set(name)
    _request_id.set(uuid.uuid4().hex)


def clear() -> None:
    _request.set(None)
    _system_actor.set(None)
    _request_id.set("")


def _command_name() -> str:
    argv = sys.argv or ["python"]
    if Path(argv[0]).name == "manage.py" and len(argv) > 1:
        return f"system:manage.py {argv[1]}"
    return f"system:{Path(argv[0]).name}"


def current() -> Actor:
    request = _request.get()
    if request is not None:
        # Read lazily: DRF authenticates tokens inside the view, after the middleware ran.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return Actor(user.pk, user.get_username(), _request_id.get())
        return Actor(None, "anonymous", _request_id.get())
    name = _system_actor.get() or _command_name()
    return Actor(None, name, _request_id.get())


class AuditContextMiddleware:
    """Makes the request's user and a request id available to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = set_request(request)
        try:
            response = self.get_response(request)
        finally:
            clear()
        response["X-Request-ID"] = request.request_id
        return response
