import django_filters

from skilleval.choices import Level
from skilleval.models import Occupation, Region


class RegionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Region
        fields = ["kind", "parent", "directly_managed"]


class OccupationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="编码或名称 / code or name")
    major_group = django_filters.ChoiceFilter(
        choices=[(n, f"第{n}大类") for n in range(1, 9)], label="大类 / major group"
    )
    level = django_filters.ChoiceFilter(
        field_name="levels__level", choices=Level.choices, label="等级 / level"
    )

    class Meta:
        model = Occupation
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(code__startswith=value) | queryset.filter(name__contains=value)
