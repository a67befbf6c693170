import django_filters

from certificates.choices import CertificateKind, CertificateStatus
from certificates.models import Certificate
from institutions.models import Institution
from skilleval.choices import Level
from skilleval.filtersets import FilterSet, YearFilter


def visible_institutions(request):
    # Only institutions the user may see are offered (and accepted): an unknown id and one
    # outside the user's scope are refused alike.
    if request is None:
        return Institution.objects.none()
    return Institution.objects.visible_to(request.user).order_by("name")


class CertificateFilterSet(FilterSet):
    """The staff certificate list, its .xlsx export and the API resource share these filters."""

    institution = django_filters.ModelChoiceFilter(
        queryset=visible_institutions, label="发证机构 / institution"
    )
    occupation = django_filters.CharFilter(
        field_name="occupation__code",
        lookup_expr="startswith",
        label="职业编码 / occupation code",
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label="等级 / level")
    year = YearFilter(field_name="issued_on", label="发证年份 / year")
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices, label="状态 / status")
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label="类型 / kind")
    batch = django_filters.NumberFilter(field_name="batch_id", label="批次编号 / batch")
    number = django_filters.CharFilter(method="filter_number", label="证书编号 / number")
    name = django_filters.CharFilter(
        field_name="holder_name", lookup_expr="contains", label="姓名 / name"
    )

    class Meta:
        model = Certificate
        fields = ["institution", "occupation", "level", "year", "status", "kind", "batch"]

    def filter_number(self, queryset, name, value):
        # Numbers are upper case; a prefix finds a series (e.g. one institution's year).
        return queryset.filter(number__startswith="".join(value.split()).upper())
