"""Who handles supervision: the HR departments (province, city, county), never institutions or
organisers."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from skilleval.choices import Role


def is_hr_staff(user) -> bool:
    """The HR departments (province, city, county); not institutions, not organisers."""
    return user.sees_everything or user.role in (Role.CITY_STAFF, Role.COUNTY_STAFF)


def require_hr_staff(user) -> None:
    if not is_hr_staff(user):
        raise PermissionDenied(gettext("仅人社部门工作人员"))


class HrStaffOnlyMixin:
    """Complaints are handled by the HR departments. An institution never sees who reported it
    or how to reach them."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_hr_staff(request.user)
        return super().dispatch(request, *args, **kwargs)
