import django_filters
from django import forms
from django.db.models import Q

from audits.choices import ComplaintStatus, ComplaintTarget, Population
from audits.models import Complaint, Inspector, Notice, SpotCheck
from skilleval.filtersets import FilterSet
from skilleval.models import Region

YES_NO_ALL = forms.Select(choices=[("", "全部 / all"), ("true", "是 / yes"), ("false", "否 / no")])


def city_filter():
    return django_filters.ModelChoiceFilter(
        queryset=Region.objects.cities(), label="设区市 / city", empty_label="全部 / all"
    )


class InspectorFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label="姓名 / name")
    city = city_filter()
    active = django_filters.BooleanFilter(label="在库 / in the pool", widget=YES_NO_ALL)

    class Meta:
        model = Inspector
        fields = ["q", "city", "active"]


class SpotCheckFilterSet(FilterSet):
    population = django_filters.ChoiceFilter(
        choices=Population.choices, label="抽查对象 / population", empty_label="全部 / all"
    )
    published = django_filters.BooleanFilter(
        field_name="published_at",
        lookup_expr="isnull",
        exclude=True,
        label="已公开 / published",
        widget=YES_NO_ALL,
    )

    class Meta:
        model = SpotCheck
        fields = ["population", "published"]


class ComplaintFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ComplaintStatus.choices, label="状态 / status", empty_label="全部 / all"
    )
    target_type = django_filters.ChoiceFilter(
        choices=ComplaintTarget.choices, label="举报对象类型 / target", empty_label="全部 / all"
    )
    city = city_filter()
    q = django_filters.CharFilter(method="search", label="编号或对象 / reference or target")

    class Meta:
        model = Complaint
        fields = ["status", "target_type", "city", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(target_description__contains=value))


class NoticeFilterSet(FilterSet):
    # A plain number: the public list of notices is filtered, not an institution picker.
    institution = django_filters.NumberFilter(
        field_name="institution_id", label="机构 / institution"
    )

    class Meta:
        model = Notice
        fields = ["institution"]
