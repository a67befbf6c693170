"""Actions and their refusals, the same for pages and API.

Every action (upload a roster, add a room, approve, sign off, decide a filing …) is one model
method that checks who may take it, when, and why not. When it says no it raises Django's
ValidationError with messages in the request's language that cite the clause; when the reason is
*who* asks it raises `Forbidden`, which is that same refusal and also a PermissionDenied, so both
doors answer 403. The API's exception handler (skilleval/api/base.py) answers a refusal with 400
(403 when Forbidden) and its messages; a page calls the action through `form_action` or
`button_action` below and shows the messages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


class Forbidden(ValidationError, PermissionDenied):
    """A refusal because of who asks (e.g. "须由本机构负责人签发", 54号 四): 403 on page and API."""


def _say(request, success, outcome):
    if success is not None:  # None: the next page says how it went (e.g. a job's progress)
        messages.success(request, str(success(outcome) if callable(success) else success))


def _response(done, outcome):
    return done(outcome) if callable(done) else done


def _attempt(action, refused):
    """Take `action()`: (True, its outcome), or (False, None) after handing each message of its
    refusal to `refused`. A Forbidden refusal (or any PermissionDenied) is raised: a 403."""
    try:
        return True, action()
    except PermissionDenied:
        raise
    except ValidationError as refusal:
        for message in refusal.messages:
            refused(message)
        return False, None


def form_action(request, form, action, *, success, done, again):
    """The form-action pattern of every page: validate `form`, call `action(cleaned_data)`; on
    success say `success` and answer `done`; on refusal (or invalid input) answer `again(form)`,
    the page with the form kept and the refusal's messages on it. `success` and `done` may be
    callables of the action's outcome. A Forbidden refusal is not a message but a 403."""
    if form.is_valid():
        taken, outcome = _attempt(
            lambda: action(form.cleaned_data), lambda message: form.add_error(None, message)
        )
        if taken:
            _say(request, success, outcome)
            return _response(done, outcome)
    return again(form)


def button_action(request, action, *, success, done):
    """An action without a form (a button): its refusal becomes the page's error message; either
    way the page is shown again at `done`. A Forbidden refusal is a 403."""
    taken, outcome = _attempt(action, lambda message: messages.error(request, message))
    if taken:
        _say(request, success, outcome)
    return _response(done, None)
