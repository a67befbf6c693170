import django_filters
from django.utils.translation import gettext_lazy as _

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
        queryset=visible_institutions, label=_("发证机构")
    )
    occupation = django_filters.CharFilter(
        field_name="occupation__code",
        lookup_expr="startswith",
        label=_("职业编码"),
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("等级"))
    year = YearFilter(field_name="issued_on", label=_("发证年份"))
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label=_("类型"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次编号"))
    number = django_filters.CharFilter(method="filter_number", label=_("证书编号"))
    name = django_filters.CharFilter(
        field_name="holder_name", lookup_expr="contains", label=_("姓名")
    )

    class Meta:
        model = Certificate
        fields = ["institution", "occupation", "level", "year", "status", "kind", "batch"]

    def filter_number(self, queryset, name, value):
        # Numbers are upper case; a prefix finds a series (e.g. one institution's year).
        return queryset.filter(number__startswith="".join(value.split()).upper())
