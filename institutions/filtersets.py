import django_filters
from django.utils.translation import gettext_lazy as _

from institutions.choices import BatchStatus, EligibilityStatus
from institutions.models import Batch, Candidate, Filing, Institution
from skilleval.filtersets import FilterSet
from skilleval.models import OccupationLevel


class InstitutionFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("名称"))

    class Meta:
        model = Institution
        fields = ["kind", "city", "county", "catalog_status"]


class FilingFilterSet(FilterSet):
    # A plain number, not a choice among all institutions: an unknown id and one outside the
    # user's scope must look the same (both give an empty list).
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("机构"))

    class Meta:
        model = Filing
        fields = ["status", "institution", "authority"]


class TechnicalResourceFilterSet(FilterSet):
    occupation_code = django_filters.CharFilter(
        field_name="occupation__code", lookup_expr="startswith", label=_("职业编码")
    )
    major_group = django_filters.NumberFilter(field_name="occupation__major_group", label=_("大类"))

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


class BatchFilterSet(FilterSet):
    """City staff filter their city's batches by state, institution, occupation and exam date."""

    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("状态"))
    # Plain values, not choices among all rows: an unknown one and one outside the user's scope
    # look the same (an empty list).
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("机构"))
    occupation = django_filters.CharFilter(field_name="occupation__code", label=_("职业编码"))
    city = django_filters.CharFilter(
        field_name="institution__city_id", label=_("机构所在设区市代码")
    )
    # A batch whose exam days overlap [exam_from, exam_to].
    exam_from = django_filters.DateFilter(
        field_name="exam_ends_on", lookup_expr="gte", label=_("考试日期不早于")
    )
    exam_to = django_filters.DateFilter(
        field_name="exam_starts_on", lookup_expr="lte", label=_("考试日期不晚于")
    )

    class Meta:
        model = Batch
        fields = ["status", "institution", "occupation", "level", "city", "exam_from", "exam_to"]


class CandidateFilterSet(FilterSet):
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次"))
    eligibility = django_filters.ChoiceFilter(
        choices=EligibilityStatus.choices, label=_("资格审核")
    )

    class Meta:
        model = Candidate
        fields = ["batch", "eligibility", "passed"]
