import django_filters

from institutions.models import Filing, Institution
from skilleval.models import OccupationLevel


class InstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="名称 / name")

    class Meta:
        model = Institution
        fields = ["kind", "city", "county", "catalog_status"]


class FilingFilterSet(django_filters.FilterSet):
    # A plain number, not a choice among all institutions: an unknown id and one outside the
    # user's scope must look the same (both give an empty list).
    institution = django_filters.NumberFilter(
        field_name="institution_id", label="机构 / institution"
    )

    class Meta:
        model = Filing
        fields = ["status", "institution", "authority"]


class TechnicalResourceFilterSet(django_filters.FilterSet):
    occupation_code = django_filters.CharFilter(
        field_name="occupation__code", lookup_expr="startswith", label="职业编码 / occupation code"
    )
    major_group = django_filters.NumberFilter(
        field_name="occupation__major_group", label="大类 / major group"
    )

    class Meta:
        model = OccupationLevel
        fields = [
            "occupation_code",
            "major_group",
            "level",
            "has_national_standard",
            "has_question_bank",
            "has_provincial_spec",
        ]
