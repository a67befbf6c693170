"""Pages of the twice-yearly quality review (54号 五): the list of reviews, a review's table with
sorting, deltas against the previous half-year and drill-down to the records behind each flag,
and the review as PDF and .xlsx.

Scoping is ReviewRow.objects.visible_to(user) (the institution's scope): province roles see every
row, city and county staff the institutions of their area, institution staff their own. A review
outside a user's scope is a 404.
"""

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from audits.models import Half, QualityReview, ReviewFlag, ReviewRow
from audits.review_charts import CHART_NAMES, chart_svg, chart_title, report_charts
from audits.reviews import (
    FLAG_INDICATOR,
    INDICATORS,
    attach_deltas,
    flag_records,
    half_just_ended,
    visible_totals,
)
from audits.tasks import run_half_year_quality_review
from institutions.choices import FilingStatus
from skilleval.choices import in_chinese
from skilleval.spreadsheets import xlsx_response

ROWS_PER_PAGE = 100
RECORDS_PER_PAGE = 50
# ?sort= keys: every indicator, the flag count, the institution's name and city.
SORTS = {
    **{indicator.field: indicator.field for indicator in INDICATORS},
    "flag_count": "flag_count",
    "institution": "institution__name",
    "city": "institution__city_id",
}
DEFAULT_SORT = "-flag_count"


def visible_reviews(user):
    return QualityReview.objects.visible_to(user)


def scoped_review(request, pk) -> QualityReview:
    return get_object_or_404(
        visible_reviews(request.user).select_related("compared_with", "generated_by"), pk=pk
    )


def visible_rows(user, review):
    return (
        ReviewRow.objects.visible_to(user)
        .filter(review=review)
        .select_related("institution__city", "institution__county")
    )


def sorted_rows(rows, sort: str):
    """Rows ordered by ?sort= (a key of SORTS, "-" for descending); unknown keys fall back."""
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    field = SORTS[key]
    descending = sort.startswith("-")
    ordering = F(field).desc() if descending else F(field).asc()
    return rows.order_by(ordering, "institution__name", "institution_id"), sort


def sort_link(key: str, current: str, *, descending_first: bool = True) -> dict:
    """The ?sort= value a column header links to (a second click reverses it) and its arrow."""
    if current == key:
        return {"sort_to": f"-{key}", "arrow": "↑"}
    if current == f"-{key}":
        return {"sort_to": key, "arrow": "↓"}
    return {"sort_to": f"-{key}" if descending_first else key, "arrow": ""}


def with_cells(rows):
    """Give each row its indicator cells in column order: value, change since the compared
    review, the flag the indicator feeds (if raised) and whether it can be drilled into."""
    for row in rows:
        row.cells = [
            {
                "field": indicator.field,
                "value": getattr(row, indicator.field),
                "delta": row.deltas[indicator.field],
                "flagged": bool(indicator.flag) and indicator.flag in row.flags,
                "drill": indicator.flag
                if indicator.lists and getattr(row, indicator.field)
                else None,
            }
            for indicator in INDICATORS
        ]
        row.flag_items = [
            {
                "value": code,
                "label": ReviewFlag(code).label,
                "zh": in_chinese(ReviewFlag(code).label),
            }
            for code in row.flags
            if code in ReviewFlag.values
        ]
    return rows


def may_run(user) -> bool:
    return user.sees_everything


@login_required
def review_list(request):
    user = request.user
    # Counted over the rows the user sees, one correlated count per review (index review, flags).
    mine = ReviewRow.objects.visible_to(user).filter(review=OuterRef("pk")).order_by()
    reviews = (
        visible_reviews(user)
        .select_related("generated_by")
        .annotate(
            visible_institutions=Coalesce(
                Subquery(mine.values("review").annotate(n=Count("pk")).values("n")), 0
            ),
            visible_flagged=Coalesce(
                Subquery(
                    mine.filter(flag_count__gt=0)
                    .values("review")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            superseded=Exists(
                QualityReview.objects.filter(
                    year=OuterRef("year"), half=OuterRef("half"), version__gt=OuterRef("version")
                )
            ),
        )
        .order_by("-year", "-half", "-version")
    )
    page = Paginator(reviews, 40).get_page(request.GET.get("page"))
    year, half = half_just_ended(timezone.localdate())
    return render(
        request,
        "audits/review_list.html",
        {
            "page_obj": page,
            "reviews": page.object_list,
            "may_run": may_run(user),
            "halves": Half.choices,
            "default_year": year,
            "default_half": half,
        },
    )


@login_required
@require_POST
def review_run(request):
    """Province roles run a half-year on demand; a re-run adds a version, it replaces nothing."""
    if not may_run(request.user):
        raise PermissionDenied(gettext("仅省级人员可以发起评估"))
    try:
        year, half = int(request.POST.get("year", "")), int(request.POST.get("half", ""))
    except ValueError:
        year = half = None
    today = timezone.localdate()
    if half not in (1, 2) or year is None or not 2019 <= year <= today.year:
        messages.error(request, gettext("请选择有效的年度和半年"))
        return redirect("quality-review-list")
    run_half_year_quality_review.delay(year=year, half=half, user_id=request.user.pk)
    messages.success(
        request,
        (
            gettext(
                "%(year)s年上半年质量专项评估已开始，完成后出现在列表中（新版本，不覆盖已有评估）"
            )
            if half == 1
            else gettext(
                "%(year)s年下半年质量专项评估已开始，完成后出现在列表中（新版本，不覆盖已有评估）"
            )
        )
        % {"year": year},
    )
    return redirect("quality-review-list")


def totals_now_and_before(user, review) -> tuple[dict, dict | None]:
    """The review's totals over the rows the user may see, and the compared review's likewise."""
    totals = visible_totals(review, visible_rows(user, review))
    if not review.compared_with_id:
        return totals, None
    return totals, visible_totals(review.compared_with, visible_rows(user, review.compared_with))


@login_required
def review_detail(request, pk):
    review = scoped_review(request, pk)
    user = request.user
    rows = visible_rows(user, review)
    totals, previous_totals = totals_now_and_before(user, review)
    flagged_only = request.GET.get("flagged") == "1"
    if flagged_only:
        rows = rows.filter(flag_count__gt=0)
    rows, sort = sorted_rows(rows, request.GET.get("sort", DEFAULT_SORT))
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    page_rows = with_cells(attach_deltas(page.object_list, review))
    versions = QualityReview.objects.filter(year=review.year, half=review.half).order_by("-version")
    totals_deltas = {
        indicator.field: (totals[indicator.field] - previous_totals[indicator.field])
        if previous_totals
        else None
        for indicator in INDICATORS
    }
    return render(
        request,
        "audits/review_detail.html",
        {
            "review": review,
            "rows": page_rows,
            "page_obj": page,
            "indicators": INDICATORS,
            "columns": [
                {
                    "indicator": indicator,
                    "total": totals[indicator.field],
                    "delta": totals_deltas[indicator.field],
                    **sort_link(indicator.field, sort),
                }
                for indicator in INDICATORS
            ],
            "sort_institution": sort_link("institution", sort, descending_first=False),
            "sort_city": sort_link("city", sort, descending_first=False),
            "sort_flag_count": sort_link("flag_count", sort),
            "totals": totals,
            "previous_totals": previous_totals,
            "sort": sort,
            "flagged_only": flagged_only,
            "versions": versions,
            "latest_version": versions[0].version if versions else review.version,
            "flags": ReviewFlag,
            "thresholds": review.totals.get("thresholds", {}),
            "charts": [{"name": name, "title": chart_title(name)} for name in CHART_NAMES],
        },
    )


@csp_update({"style-src": ["'unsafe-inline'"]})  # the SVG's own <style>, as on statistics charts
@login_required
@require_GET
def review_chart(request, pk, chart):
    """One chart of the review as SVG, over the institutions the user may see (the page's <img>)."""
    review = scoped_review(request, pk)
    if chart not in CHART_NAMES:
        raise Http404
    totals, previous_totals = totals_now_and_before(request.user, review)
    svg = chart_svg(chart, visible_rows(request.user, review), totals, previous_totals)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
def review_flag(request, pk, institution, flag):
    """The certificates, batches, candidates or complaints behind one flag of one institution."""
    review = scoped_review(request, pk)
    row = get_object_or_404(visible_rows(request.user, review), institution_id=institution)
    if flag not in FLAG_INDICATOR:
        raise Http404
    indicator = FLAG_INDICATOR[flag]
    records = flag_records(row, flag, request.user)
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    if indicator.lists == "batches":
        for record in page.object_list:
            record["url"] = batch_url(record["batch"])
    context = {
        "review": review,
        "row": row,
        "flag": ReviewFlag(flag),
        "indicator": indicator,
        "kind": indicator.lists,
        "page_obj": page,
        "records": page.object_list,
        "count_at_review": getattr(row, indicator.field),
        "count_now": page.paginator.count,
        "drill": True,
    }
    if indicator.lists == "certificates":
        context["filings"] = row.institution.filings.filter(status=FilingStatus.APPROVED).order_by(
            "valid_from"
        )
    return render(request, "audits/review_detail.html", context)


def batch_url(pk: int) -> str | None:
    # The batch pages live in institutions/urls.py; without them the number is shown unlinked.
    try:
        return reverse("batch-detail", args=[pk])
    except NoReverseMatch:
        return None


def report_rows(request, review):
    """The rows a download holds: what the page shows, in its order (?sort=, ?flagged=1)."""
    rows = visible_rows(request.user, review)
    if request.GET.get("flagged") == "1":
        rows = rows.filter(flag_count__gt=0)
    rows, _ = sorted_rows(rows, request.GET.get("sort", DEFAULT_SORT))
    return with_cells(attach_deltas(rows, review))


def report_filename(review, extension: str) -> str:
    return f"技能人才评价质量专项评估-{review.year}年{'上' if review.half == 1 else '下'}半年-第{review.version}版.{extension}"


@login_required
def review_pdf(request, pk):
    """The review as a PDF: A4 landscape, one table, Chinese text (WeasyPrint, fonts installed)."""
    from weasyprint import HTML

    review = scoped_review(request, pk)
    rows = report_rows(request, review)
    totals, previous_totals = totals_now_and_before(request.user, review)
    html = render_to_string(
        "audits/review_pdf.html",
        {
            "review": review,
            "rows": rows,
            "indicators": INDICATORS,
            "totals": totals,
            "charts": report_charts(rows, totals, previous_totals),
            "scope": request.user.scope_label,
            "printed_at": timezone.localtime(),
            "thresholds": review.totals.get("thresholds", {}),
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, report_filename(review, "pdf")
    )
    return response


@login_required
def review_xlsx(request, pk):
    """The review as .xlsx: every cell through safe_cell (skilleval/spreadsheets.py)."""
    review = scoped_review(request, pk)
    rows = report_rows(request, review)
    headers = ["评价机构", "所在设区市"]
    widths = [36, 12]
    for indicator in INDICATORS:
        headers += [indicator.zh, "较上期"]
        widths += [12, 8]
    headers += ["问题标记数", "问题标记"]
    widths += [10, 48]

    def lines():
        for row in rows:
            values = [row.institution.name, str(row.institution.city)]
            for indicator in INDICATORS:
                values += [getattr(row, indicator.field), row.deltas[indicator.field]]
            values += [row.flag_count, "；".join(item["zh"] for item in row.flag_items)]
            yield values

    return xlsx_response(
        report_filename(review, "xlsx"),
        headers,
        lines(),
        widths,
        sheet_title=f"{review.year}H{review.half} v{review.version}",
    )


# Included by audits/urls.py (mounted at /audits/).
urlpatterns = [
    path("reviews/", review_list, name="quality-review-list"),
    path("reviews/run/", review_run, name="quality-review-run"),
    path("reviews/<int:pk>/", review_detail, name="quality-review-detail"),
    path(
        "reviews/<int:pk>/flags/<int:institution>/<str:flag>/",
        review_flag,
        name="quality-review-flag",
    ),
    path("reviews/<int:pk>/charts/<str:chart>.svg", review_chart, name="quality-review-chart"),
    path("reviews/<int:pk>/report.pdf", review_pdf, name="quality-review-pdf"),
    path("reviews/<int:pk>/report.xlsx", review_xlsx, name="quality-review-xlsx"),
]
