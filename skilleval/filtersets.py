from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skilleval.choices import Level
from skilleval.models import Occupation, Region

LARGEST_KEY = 2**63 - 1  # no id or number the database stores is larger


def _beyond_any_key(value) -> bool:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite() and abs(number) > LARGEST_KEY


class YearFilter(django_filters.NumberFilter):
    """A calendar year of a date field: a whole number a date can have (1–9999). Any other
    (``?year=0``, ``?year=0.25``) is a 400 naming the filter, not a date the database cannot make."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "year")
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """The filter set every list of the portal uses: a number no database integer can hold
    (``?institution=99…9``) is refused by name as a 400 instead of overflowing in the query
    (SQLite: "Python int too large to convert to SQLite INTEGER")."""

    def is_valid(self) -> bool:
        beyond = [
            name
            for name in self.filters
            if any(_beyond_any_key(v) for v in getattr(self.data, "getlist", lambda n: [])(name))
        ]
        if beyond:  # taken out before the form reads them
            self.data = self.data.copy()
            for name in beyond:
                self.data.pop(name)
        valid = super().is_valid()
        for name in beyond:
            self.form.add_error(name, gettext("数值超出范围"))
        return valid and not beyond


class RegionFilterSet(FilterSet):
    class Meta:
        model = Region
        fields = ["kind", "parent", "directly_managed"]


class OccupationFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编码或名称"))
    major_group = django_filters.ChoiceFilter(
        choices=[(n, format_lazy(_("第{}大类"), n)) for n in range(1, 9)], label=_("大类")
    )
    level = django_filters.ChoiceFilter(
        field_name="levels__level", choices=Level.choices, label=_("等级")
    )

    class Meta:
        model = Occupation
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(code__startswith=value) | queryset.filter(name__contains=value)
