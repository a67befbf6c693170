"""Filters of the competition pages and API, and the scoping of the two competition models that
are reached through their competition (filings, recognitions)."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from competitions.choices import (
    CompetitionFilingStatus,
    CompetitionKind,
    FilingLevel,
    FilingReason,
    RecognitionStatus,
)
from competitions.models import Competition, CompetitionFiling, Contestant, Recognition
from skilleval.filtersets import FilterSet
from skilleval.models import Region


def visible_filings(user):
    """Filings of the competitions the user may see (Competition.objects.visible_to): the
    organiser's own, a city's or county's competitions, everything for the province."""
    return CompetitionFiling.objects.filter(
        competition__in=Competition.objects.visible_to(user).values("pk")
    )


def visible_recognitions(user):
    """Recognitions of the contestants of the competitions the user may see."""
    return Recognition.objects.filter(
        contestant__competition__in=Competition.objects.visible_to(user).values("pk")
    )


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
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="contains", label="竞赛名称 / name"
    )
    city = CityFilter(label="举办地（设区市）/ city")
    kind = django_filters.ChoiceFilter(choices=CompetitionKind.choices, label="级别 / level")
    competition_class = django_filters.ChoiceFilter(
        choices=[(1, "一类赛 / Class 1"), (2, "二类赛 / Class 2")], label="类别 / class"
    )
    starts_after = django_filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label="开始日期不早于 / starts on or after"
    )

    class Meta:
        model = Competition
        fields = ["q", "city", "kind", "competition_class", "starts_after"]


class PublicCompetitionFilterSet(FilterSet):
    """The public list (54号 附件3): by city and by level."""

    city = CityFilter(label="设区市 / City", empty_label="全省 / All")
    kind = django_filters.ChoiceFilter(
        choices=CompetitionKind.choices, label="竞赛级别 / Level", empty_label="全部 / All"
    )
    when = django_filters.ChoiceFilter(
        method="filter_when",
        label="举办时间 / When",
        choices=[("upcoming", "未结束 / Not yet ended"), ("past", "已结束 / Ended")],
        empty_label="全部 / All",
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
    competition = django_filters.NumberFilter(
        field_name="competition_id", label="竞赛 / competition"
    )
    event = django_filters.NumberFilter(field_name="event_id", label="赛项 / event")

    class Meta:
        model = Contestant
        fields = ["competition", "event", "group", "eligible", "out_of_area"]


class CompetitionFilingFilterSet(FilterSet):
    competition = django_filters.NumberFilter(
        field_name="competition_id", label="竞赛 / competition"
    )
    status = django_filters.ChoiceFilter(
        choices=CompetitionFilingStatus.choices, label="状态 / status"
    )
    reason = django_filters.ChoiceFilter(choices=FilingReason.choices, label="备案事由 / reason")
    level = django_filters.ChoiceFilter(choices=FilingLevel.choices, label="备案层级 / level")

    class Meta:
        model = CompetitionFiling
        fields = ["competition", "status", "reason", "level", "authority"]


class RecognitionFilterSet(FilterSet):
    competition = django_filters.NumberFilter(
        field_name="contestant__competition_id", label="竞赛 / competition"
    )
    status = django_filters.ChoiceFilter(choices=RecognitionStatus.choices, label="状态 / status")
    decided_by = django_filters.ChoiceFilter(
        choices=[
            ("province", "省人社厅 / Province"),
            ("city_or_county", "市、县人社部门 / City or county"),
        ],
        label="认定部门 / decided by",
    )

    class Meta:
        model = Recognition
        fields = ["competition", "status", "decided_by", "level"]
