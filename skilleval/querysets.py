"""Row-level scoping in one place.

Every scoped model's queryset subclasses ScopedQuerySet and says, in `scope_for`, which rows a
non-provincial user may see. Pages, API viewsets and exports all call `.visible_to(user)`;
no view writes its own ownership check.
"""

from django.db import models
from django.db.models import Q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self
        condition = self.scope_for(user)
        return self.filter(condition) if condition is not None else self.none()

    def scope_for(self, user) -> Q | None:
        """The rows a user who does not see the whole province may see; None for nothing."""
        raise NotImplementedError
