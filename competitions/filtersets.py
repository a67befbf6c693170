"""Filters of the competition pages and API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from competitions.choices import (
    CompetitionFilingStatus,
    CompetitionKind,
    FilingLevel,
    FilingReason,
    HonourKind,
    HonourStatus,
    RecognitionStatus,
)
from competitions.models import Competition, CompetitionFiling, Contestant, Honour, Recognition
from skilleval.filtersets import FilterSet
from skilleval.models import Region


class CityFilter(django_filters.ModelChoiceFilter):
    """Competitions held in a city: in the city itself or in one of its counties."""

    def __init__(self, *args, field_name="host_region", **kwargs):
        kwargs.setdefault("queryset", Region.objects.cities())
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        name = self.field_name
        return qs.filter(Q(**{f"{name}_id": value.code}) | Q(**{f"{name}__parent_id": value.code}))


class CompetitionFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("竞赛名称"))
    city = CityFilter(label=_("举办地（设区市）"))
    kind = django_filters.ChoiceFilter(choices=CompetitionKind.choices, label=_("级别"))
    competition_class = django_filters.ChoiceFilter(
        choices=[(1, _("一类赛")), (2, _("二类赛"))], label=_("类别")
    )
    starts_after = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label=_("开始日期不早于")
    )

    class Meta:
        model = Competition
        fields = ["q", "city", "kind", "competition_class", "starts_after"]


class PublicCompetitionFilterSet(FilterSet):
    """The public list (54号 附件3): by city and by level."""

    city = CityFilter(label=_("设区市"), empty_label=_("全省"))
    kind = django_filters.ChoiceFilter(
        choices=CompetitionKind.choices, label=_("竞赛级别"), empty_label=_("全部")
    )
    when = django_filters.ChoiceFilter(
        method="filter_when",
        label=_("举办时间"),
        choices=[("upcoming", _("未结束")), ("past", _("已结束"))],
        empty_label=_("全部"),
    )

    class Meta:
        model = Competition
        fields = ["city", "kind", "when"]

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(ends_on__gte=today)
        if value == "past":
            return queryset.filter(ends_on__lt=today)
        return queryset


class ContestantFilterSet(FilterSet):
    # Plain numbers: an unknown id and one outside the scope both give an empty list.
    competition = django_filters.NumberFilter(field_name="competition_id", label=_("竞赛"))
    event = django_filters.NumberFilter(field_name="event_id", label=_("赛项"))

    class Meta:
        model = Contestant
        fields = ["competition", "event", "group", "eligible", "out_of_area"]


class CompetitionFilingFilterSet(FilterSet):
    competition = django_filters.NumberFilter(field_name="competition_id", label=_("竞赛"))
    status = django_filters.ChoiceFilter(choices=CompetitionFilingStatus.choices, label=_("状态"))
    reason = django_filters.ChoiceFilter(choices=FilingReason.choices, label=_("备案事由"))
    level = django_filters.ChoiceFilter(choices=FilingLevel.choices, label=_("备案层级"))

    class Meta:
        model = CompetitionFiling
        fields = ["competition", "status", "reason", "level", "authority"]


class RecognitionFilterSet(FilterSet):
    competition = django_filters.NumberFilter(
        field_name="contestant__competition_id", label=_("竞赛")
    )
    status = django_filters.ChoiceFilter(choices=RecognitionStatus.choices, label=_("状态"))
    decided_by = django_filters.ChoiceFilter(
        choices=[
            ("province", _("省人社厅")),
            ("city_or_county", _("市、县人社部门")),
        ],
        label=_("认定部门"),
    )

    class Meta:
        model = Recognition
        fields = ["competition", "status", "decided_by", "level"]


class HonourFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("姓名"))
    kind = django_filters.ChoiceFilter(choices=HonourKind.choices, label=_("荣誉类别"))
    status = django_filters.ChoiceFilter(choices=HonourStatus.choices, label=_("状态"))

    class Meta:
        model = Honour
        fields = ["q", "kind", "status", "level"]
