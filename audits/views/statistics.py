"""Statistics pages: the index with the filters, one page per view (its chart and the table behind
it), the chart itself as an SVG image, and the API answer with the same table as JSON.

The figures are audits/statistics.py's, always for `request.user` (scoped there); the filters come
from the query string through StatisticsFilterForm, so the page, its chart and the API agree.
"""

import base64
from datetime import date

from csp.decorators import csp_update
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audits.statistics import (
    VIEWS,
    Filters,
    quarter_just_ended,
    quarter_period,
    quarterly_report,
    sees_statistics,
    table,
    updated_at,
)
from institutions.choices import InstitutionKind
from skilleval import charts
from skilleval.choices import Level, RegionKind
from skilleval.models import Occupation, Region
from skilleval.spreadsheets import xlsx_response

# Certification records start well after 2015; the bounds keep month arithmetic in range.
EARLIEST, LATEST = date(2015, 1, 1), date(2100, 12, 31)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatisticsFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=DATE)
    end = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=DATE)
    city = forms.ModelChoiceField(
        label=gettext_lazy("设区市"),
        queryset=Region.objects.filter(kind=RegionKind.CITY).order_by("code"),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    occupation = forms.CharField(label=gettext_lazy("职业编码"), required=False, max_length=20)
    level = forms.TypedChoiceField(
        label=gettext_lazy("等级"),
        choices=[("", gettext_lazy("全部")), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("机构类型"),
        choices=[("", gettext_lazy("全部")), *InstitutionKind.choices],
        required=False,
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        if not user.sees_everything:  # a city, a county or an institution has one city
            del self.fields["city"]

    def clean_occupation(self):
        code = self.cleaned_data["occupation"].strip()
        if not code:
            return None
        occupation = Occupation.objects.filter(code=code).first()
        if occupation is None:
            raise forms.ValidationError(gettext("没有这个职业编码。"))
        return occupation

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for key in ("start", "end"):
            if data.get(key) and not EARLIEST <= data[key] <= LATEST:
                self.add_error(key, gettext("日期须在2015年至2100年之间。"))
                return data
        if start and end and start > end:
            raise forms.ValidationError(gettext("起始日期晚于截止日期。"))
        return data

    def filters(self) -> Filters:
        """The filters the form holds; the default period where a date is missing or wrong."""
        default = Filters.default()
        data = self.cleaned_data if self.is_valid() else {}
        occupation = data.get("occupation")
        return Filters(
            start=data.get("start") or default.start,
            end=data.get("end") or default.end,
            city_id=data["city"].pk if data.get("city") else None,
            occupation_id=occupation.pk if occupation else None,
            level=data.get("level") or None,
            institution_kind=data.get("kind") or None,
        )


def _checked(request, view: str | None = None):
    if not sees_statistics(request.user):
        raise PermissionDenied
    if view is not None and view not in VIEWS:
        raise Http404
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    return form, form.filters() if form.is_bound else Filters.default()


def _query(request) -> str:
    """The filters of this request as a query string, for the chart, the API and the other views."""
    keys = ("start", "end", "city", "occupation", "level", "kind")
    values = {key: request.GET[key] for key in keys if request.GET.get(key)}
    return urlencode(values)


def _links() -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _function) in VIEWS.items()]


@login_required
@require_GET
def index(request):
    form, filters = _checked(request)
    query = _query(request)
    return render(
        request,
        "statistics/index.html",
        {
            "form": form,
            "filters": filters,
            "query": query,
            "views": _links(),
            "scope": request.user.scope_label,
            "updated_at": updated_at(),
        },
    )


@login_required
@require_GET
def view_page(request, view):
    form, filters = _checked(request, view)
    query = _query(request)
    return render(
        request,
        "statistics/view.html",
        {
            "form": form,
            "filters": filters,
            "query": query,
            "view": view,
            "views": _links(),
            "table": table(view, request.user, filters),
            "scope": request.user.scope_label,
            "updated_at": updated_at(),
        },
    )


# The SVG keeps pygal's own stylesheet (a <style> inside the image); it runs no script.
@csp_update({"style-src": ["'unsafe-inline'"]})
@login_required
@require_GET
def chart(request, view):
    _form, filters = _checked(request, view)
    svg = charts.table_chart(table(view, request.user, filters), no_data=gettext("暂无数据"))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


class StatisticsApiView(APIView):
    """GET /api/v1/statistics/<view>/: the table of a statistics page as JSON, same filters."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="statistics_retrieve",
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD"),
            OpenApiParameter("end", str, description="YYYY-MM-DD"),
            OpenApiParameter("city", str, description="city region code"),
            OpenApiParameter("occupation", str, description="occupation code"),
            OpenApiParameter("level", int, enum=[1, 2, 3, 4, 5]),
            OpenApiParameter("kind", str, enum=list(InstitutionKind.values)),
        ],
        responses=inline_serializer(
            "StatisticsTable",
            {
                "view": serializers.CharField(),
                "title": serializers.CharField(),
                "unit": serializers.CharField(),
                "columns": serializers.ListField(child=serializers.CharField()),
                "rows": serializers.ListField(child=serializers.ListField()),
            },
        ),
    )
    def get(self, request, view):
        if not sees_statistics(request.user):
            raise ApiPermissionDenied
        if view not in VIEWS:
            raise NotFound
        form = StatisticsFilterForm(request.query_params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            return Response(form.errors, status=400)
        filters = form.filters() if form.is_bound else Filters.default()
        return Response(table(view, request.user, filters).as_json())


class QuarterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2019, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), choices=[(q, q) for q in (1, 2, 3, 4)], coerce=int
    )


def _quarter(request):
    if not sees_statistics(request.user):
        raise PermissionDenied
    year, quarter = quarter_just_ended(timezone.localdate())
    form = QuarterForm(request.GET or {"year": year, "quarter": quarter})
    if form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    return form, year, quarter


def _quarterly_context(request, year, quarter):
    start, end = quarter_period(year, quarter)
    return {
        "year": year,
        "quarter": quarter,
        "start": start,
        "end": end,
        "tables": quarterly_report(request.user, year, quarter),
        "scope": request.user.scope_label,
        "query": urlencode({"year": year, "quarter": quarter}),
    }


@login_required
@require_GET
def quarterly(request):
    form, year, quarter = _quarter(request)
    context = _quarterly_context(request, year, quarter)
    return render(
        request, "statistics/quarterly.html", {**context, "form": form, "views": _links()}
    )


def _report_name(year, quarter, extension) -> str:
    return f"技能人才评价统计报表-{year}年第{quarter}季度.{extension}"


@login_required
@require_GET
def quarterly_xlsx(request):
    """The report as .xlsx, in Chinese (the statistics office's form): every cell through
    safe_cell (skilleval/spreadsheets.py), one row per figure with its section."""
    _form, year, quarter = _quarter(request)
    with translation.override("zh-hans"):
        tables = quarterly_report(request.user, year, quarter)
        headers = ["项目", "分类", "参加评价人数", "取得证书（认定）人数"]
        rows = [[t.title, *row] for t in tables for row in t.rows]
    return xlsx_response(
        _report_name(year, quarter, "xlsx"),
        headers,
        rows,
        [34, 28, 14, 18],
        sheet_title=f"{year}Q{quarter}",
    )


@login_required
@require_GET
def quarterly_pdf(request):
    """The report as a PDF (WeasyPrint), in Chinese, with the skill-level chart by city."""
    from weasyprint import HTML  # the PDF stack loads with the first PDF (test_import_graph)

    _form, year, quarter = _quarter(request)
    with translation.override("zh-hans"):
        context = _quarterly_context(request, year, quarter)
        by_city = next(t for t in context["tables"] if t.view.endswith("_city"))
        by_city.rows = by_city.rows[:-1]  # the chart draws the cities, not their total
        by_city.chart = "horizontal"
        svg = charts.table_chart(by_city, no_data="暂无数据")
        by_city.rows.append(
            ["合计", sum(r[1] for r in by_city.rows), sum(r[2] for r in by_city.rows)]
        )
        html = render_to_string(
            "statistics/quarterly_pdf.html",
            {
                **context,
                "chart": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
                "printed_at": timezone.localtime(),
            },
        )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, _report_name(year, quarter, "pdf")
    )
    return response


# Mounted at /statistics/ by skilleval/urls.py.
urlpatterns = [
    path("", index, name="statistics"),
    path("quarterly/", quarterly, name="statistics-quarterly"),
    path("quarterly/report.xlsx", quarterly_xlsx, name="statistics-quarterly-xlsx"),
    path("quarterly/report.pdf", quarterly_pdf, name="statistics-quarterly-pdf"),
    path("<str:view>/", view_page, name="statistics-view"),
    path("<str:view>/chart.svg", chart, name="statistics-chart"),
]
api_urlpatterns = [
    path("statistics/<str:view>/", StatisticsApiView.as_view(), name="api-statistics"),
]
