import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audits.choices import ComplaintStatus, ComplaintTarget, Population
from audits.models import Complaint, Inspector, Notice, SpotCheck
from skilleval.filtersets import FilterSet
from skilleval.models import Region

YES_NO_ALL = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])


def city_filter():
    return django_filters.ModelChoiceFilter(
        queryset=Region.objects.cities(), label=_("设区市"), empty_label=_("全部")
    )


class InspectorFilterSet(FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("姓名"))
    city = city_filter()
    active = django_filters.BooleanFilter(label=_("在库"), widget=YES_NO_ALL)

    class Meta:
        model = Inspector
        fields = ["q", "city", "active"]


class SpotCheckFilterSet(FilterSet):
    population = django_filters.ChoiceFilter(
        choices=Population.choices, label=_("抽查对象"), empty_label=_("全部")
    )
    published = django_filters.BooleanFilter(
        field_name="published_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("已公开"),
        widget=YES_NO_ALL,
    )

    class Meta:
        model = SpotCheck
        fields = ["population", "published"]


class ComplaintFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ComplaintStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    target_type = django_filters.ChoiceFilter(
        choices=ComplaintTarget.choices, label=_("举报对象类型"), empty_label=_("全部")
    )
    city = city_filter()
    q = django_filters.CharFilter(method="search", label=_("编号或对象"))

    class Meta:
        model = Complaint
        fields = ["status", "target_type", "city", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(target_description__contains=value))


class NoticeFilterSet(FilterSet):
    # A plain number: the public list of notices is filtered, not an institution picker.
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("机构"))

    class Meta:
        model = Notice
        fields = ["institution"]
