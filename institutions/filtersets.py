import django_filters

from institutions.models import Institution


class InstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="名称 / name")

    class Meta:
        model = Institution
        fields = ["kind", "city", "county"]
