"""Statistics (audits/statistics.py, audits/views/statistics.py): the figures equal a direct count,
each viewer sees only their area, the charts are SVG with their title, the filters narrow, the
English page is English and the API answers the page's table."""

import io
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from audits.models import CertificateSummary, refresh_summary
from audits.statistics import VIEWS, Filters, quarterly_report, table
from certificates.models import Certificate
from institutions.choices import BatchStatus, InstitutionKind
from institutions.models import Batch
from skilleval.models import Occupation
from tests.factories import (
    BatchFactory,
    CandidateFactory,
    CertificateFactory,
    InstitutionFactory,
    OccupationFactory,
    region,
)

TODAY = datetime(2026, 7, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
PERIOD = Filters(start=date(2024, 8, 1), end=date(2026, 7, 1))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(params=["live", "summarised"])
def certificates(request, nanjing_institution, suzhou_institution):
    """Run once counted live (no summary yet) and once after the summary's refresh: the figures
        are the same direct counts either way.
    Nanjing: 3 certificates at level 4 in 2026-03 and 2 at level 3 in 2025-11 (车工), Suzhou:
        4 at level 4 in 2026-03 (one 焊工), and one Nanjing certificate before the period."""
    lathe = OccupationFactory()
    welder = OccupationFactory(code="6-18-02-04", name="焊工")
    school = InstitutionFactory(
        name="苏州技师学院", county=region("320508"), kind=InstitutionKind.TECHNICAL_SCHOOL
    )
    for serial, institution in enumerate([nanjing_institution, suzhou_institution, school]):
        institution.province_serial = f"{900100 + serial}"
        institution.save()
    plan = [
        (nanjing_institution, lathe, 4, date(2026, 3, 10), 3),
        (nanjing_institution, lathe, 3, date(2025, 11, 5), 2),
        (suzhou_institution, lathe, 4, date(2026, 3, 20), 3),
        (school, welder, 4, date(2026, 3, 21), 1),
        (nanjing_institution, lathe, 4, date(2024, 1, 5), 1),
    ]
    for institution, occupation, level, issued_on, count in plan:
        batch = BatchFactory(institution=institution, occupation=occupation, level=level)
        CertificateFactory.create_batch(
            count,
            institution=institution,
            batch=batch,
            issued_on=issued_on,
        )
    if request.param == "summarised":
        refresh_summary()
    return Certificate.objects.all()


def cell(tab, label, column):
    row = next(r for r in tab.rows if r[0] == label)
    return row[tab.columns.index(column)]


def test_monthly_figures_equal_a_direct_count(certificates, province_admin):
    with translation.override("zh-hans"):
        tab = table("monthly", province_admin, PERIOD)
    assert len(tab.rows) == 24 and tab.rows[-1][0] == "2026-07"
    march = certificates.filter(issued_on__year=2026, issued_on__month=3)
    assert cell(tab, "2026-03", "四级/中级工") == march.filter(level=4).count() == 7
    assert cell(tab, "2025-11", "三级/高级工") == 2
    assert sum(row[-1] for row in tab.rows) == 9  # the 2024 certificate is outside the period


def test_a_city_sees_only_its_own_numbers(certificates, nanjing_staff, suzhou_staff):
    nanjing = table("city", nanjing_staff, PERIOD)
    assert nanjing.rows == [["南京市", 5]]
    suzhou = table("city", suzhou_staff, PERIOD)
    assert suzhou.rows == [["苏州市", 4]]
    monthly = table("monthly", suzhou_staff, PERIOD)
    assert sum(row[-1] for row in monthly.rows) == 4


def test_an_institution_sees_only_itself(certificates, charlie, suzhou_institution):
    kinds = table("kind", charlie, PERIOD)
    assert cell(kinds, str(InstitutionKind.SOCIAL_ORG.label), kinds.columns[1]) == 3
    assert cell(kinds, str(InstitutionKind.TECHNICAL_SCHOOL.label), kinds.columns[1]) == 0
    occupations = table("occupation", charlie, PERIOD)
    assert occupations.rows == [["6-18-01-01 车工", 3]]


def test_province_sees_every_city_and_the_top_occupations(certificates, province_admin):
    assert table("city", province_admin, PERIOD).rows == [["南京市", 5], ["苏州市", 4]]
    assert table("occupation", province_admin, PERIOD).rows == [
        ["6-18-01-01 车工", 8],
        ["6-18-02-04 焊工", 1],
    ]


def test_filters_narrow_the_figures(certificates, province_admin):
    by_level = Filters(start=PERIOD.start, end=PERIOD.end, level=3)
    assert table("city", province_admin, by_level).rows == [["南京市", 2]]
    by_city = Filters(start=PERIOD.start, end=PERIOD.end, city_id="320500")
    assert table("city", province_admin, by_city).rows == [["苏州市", 4]]
    welder = Occupation.objects.get(code="6-18-02-04")
    by_occupation = Filters(start=PERIOD.start, end=PERIOD.end, occupation_id=welder.pk)
    assert table("occupation", province_admin, by_occupation).rows == [["6-18-02-04 焊工", 1]]
    by_kind = Filters(
        start=PERIOD.start, end=PERIOD.end, institution_kind=InstitutionKind.TECHNICAL_SCHOOL
    )
    assert table("city", province_admin, by_kind).rows == [["苏州市", 1]]
    march = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert table("city", province_admin, march).rows == [["苏州市", 4], ["南京市", 3]]


@pytest.fixture(params=["live", "closed"])
def close_results(request):
    """Run once with every batch's scores still open (counted from the candidates) and once with
    the first batch's scores closed (its counts read, the others live): the same figures."""

    def close(batch):
        if request.param == "closed":
            Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.EXAMINED)
            assert Batch.objects.filter(pk=batch.pk).count_results() == 1

    return close


def test_pass_rate_against_the_provincial_average_marks_outliers(
    nanjing_institution, suzhou_institution, province_admin, nanjing_staff, close_results
):
    lathe = OccupationFactory()
    ended = date(2026, 5, 10)
    for institution, sat, passed in [(nanjing_institution, 10, 10), (suzhou_institution, 30, 6)]:
        batch = BatchFactory(
            institution=institution,
            occupation=lathe,
            exam_starts_on=ended,
            exam_ends_on=ended,
        )
        for index in range(sat):
            CandidateFactory(batch=batch, passed=index < passed)
        CandidateFactory(batch=batch, absent=True)  # an absentee did not sit
        CandidateFactory(batch=batch, passed=None)  # nor did one without a score yet
        if institution == nanjing_institution:
            close_results(batch)
    with translation.override("zh-hans"):
        tab = table("pass_rate", province_admin, PERIOD)
    nanjing = next(r for r in tab.rows if r[0] == nanjing_institution.name)
    # 16 of 40 passed in the province: 40.0 %; Nanjing's 100 % is 60 points above.
    assert nanjing[2:8] == [10, 10, 100, 40, 60, "异常"]
    suzhou = next(r for r in tab.rows if r[0] == suzhou_institution.name)
    assert suzhou[4] == 20 and suzhou[7] == ""
    assert tab.rows[0][0] == nanjing_institution.name  # outliers first
    # Nanjing's staff see Nanjing's row only, still against the provincial average.
    own = table("pass_rate", nanjing_staff, PERIOD)
    assert [r[0] for r in own.rows] == [nanjing_institution.name] and own.rows[0][5] == 40


def test_batches_by_state_and_age(nanjing_institution, province_admin, suzhou_staff):
    BatchFactory(
        institution=nanjing_institution,
        status=BatchStatus.EXAMINED,
        exam_starts_on=date(2026, 6, 1),
        exam_ends_on=date(2026, 6, 2),
    )
    with translation.override("zh-hans"):
        tab = table("batches", province_admin, PERIOD)
    assert cell(tab, str(BatchStatus.EXAMINED.label), "合计") == 1
    assert cell(tab, str(BatchStatus.EXAMINED.label), "0–30天") == 1
    assert all(row[-1] == 0 for row in table("batches", suzhou_staff, PERIOD).rows)


def test_every_view_renders_for_an_institution(certificates, alice):
    for view in VIEWS:
        assert table(view, alice, PERIOD).rows is not None


# --- pages, charts, API ---------------------------------------------------------------------------


def test_the_chart_is_svg_with_its_title(client, certificates, nanjing_staff):
    client.force_login(nanjing_staff)
    response = client.get(reverse("statistics-chart", args=["monthly"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    texts = "".join(root.itertext())
    assert "每月核发证书数（按等级）" in texts
    assert b"<script" not in response.content
    assert b"Noto Sans CJK SC" in response.content


def test_page_shows_the_table_and_the_chart(client, certificates, nanjing_staff):
    client.force_login(nanjing_staff)
    response = client.get(reverse("statistics-view", args=["city"]))
    assert response.status_code == 200
    assert response.context["table"].rows == [["南京市", 5]]
    html = response.content.decode()
    assert 'name="city"' not in html  # the city filter is for the province
    assert reverse("statistics-chart", args=["city"]) in html
    index = client.get(reverse("statistics"))
    assert index.status_code == 200
    for view in VIEWS:
        assert reverse("statistics-view", args=[view]) in index.content.decode()


def test_english_page_in_english(client, certificates, province_admin):
    client.force_login(province_admin)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("statistics-view", args=["monthly"]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Certificates issued per month, by level" in html
    assert "每月核发证书数" not in html


def test_api_json_matches_the_page_table(client, api_as, certificates, suzhou_staff):
    query = {"start": "2025-01-01", "end": "2026-06-30", "level": "4"}
    answer = api_as(suzhou_staff).get(
        reverse("api-statistics", args=["city"]), query, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 200
    with translation.override("zh-hans"):
        expected = table(
            "city", suzhou_staff, Filters(date(2025, 1, 1), date(2026, 6, 30), level=4)
        )
    assert answer.json()["rows"] == expected.rows == [["苏州市", 4]]
    assert answer.json()["columns"] == expected.columns
    client.force_login(suzhou_staff)
    page = client.get(reverse("statistics-view", args=["city"]), query)
    assert page.context["table"].rows == answer.json()["rows"]


def test_api_refuses_unknown_views_bad_filters_and_organisers(api_as, province_admin, organiser):
    assert api_as(province_admin).get("/api/v1/statistics/nothing/").status_code == 404
    bad = api_as(province_admin).get("/api/v1/statistics/city/", {"start": "yesterday"})
    assert bad.status_code == 400 and "start" in bad.json()
    ancient = api_as(province_admin).get("/api/v1/statistics/monthly/", {"end": "0001-01-01"})
    assert ancient.status_code == 400 and "end" in ancient.json()
    assert api_as(organiser).get("/api/v1/statistics/city/").status_code == 403


def test_organisers_have_no_statistics_pages(client, organiser):
    client.force_login(organiser)
    assert client.get(reverse("statistics")).status_code == 403


# --- the quarterly report -------------------------------------------------------------------------


@pytest.fixture
def quarter_figures(nanjing_institution, suzhou_institution, close_results):
    """2026 Q1: Nanjing examined 3 (one absent) at level 4 and issued 2 certificates; Suzhou
    issued 1 special-ability certificate; a Nanjing certificate of April is in Q2."""
    lathe = OccupationFactory()
    for serial, institution in enumerate([nanjing_institution, suzhou_institution]):
        institution.province_serial = f"{900200 + serial}"
        institution.save()
    batch = BatchFactory(
        institution=nanjing_institution,
        occupation=lathe,
        exam_starts_on=date(2026, 3, 2),
        exam_ends_on=date(2026, 3, 3),
    )
    for passed in (True, True, False):
        CandidateFactory(batch=batch, passed=passed)
    CandidateFactory(batch=batch, absent=True)
    close_results(batch)
    CertificateFactory.create_batch(
        2, institution=nanjing_institution, batch=batch, issued_on=date(2026, 3, 20)
    )
    CertificateFactory(institution=nanjing_institution, batch=batch, issued_on=date(2026, 4, 2))
    special = BatchFactory(
        institution=suzhou_institution,
        occupation=lathe,
        evaluation_type="special_ability",
        exam_starts_on=date(2026, 2, 2),
        exam_ends_on=date(2026, 2, 2),
    )
    CertificateFactory(
        institution=suzhou_institution,
        batch=special,
        kind="special_ability",
        level=None,
        issued_on=date(2026, 2, 20),
    )


def test_quarterly_report_counts(quarter_figures, province_admin, suzhou_staff):
    with translation.override("zh-hans"):
        tables = {t.view: t for t in quarterly_report(province_admin, 2026, 1)}
        level = tables["skill_level_level"]
        assert cell(level, "四级/中级工", "参加评价人数") == 3
        assert cell(level, "四级/中级工", "取得证书人数") == 2
        assert level.rows[-1] == ["合计", 3, 2]
        assert tables["skill_level_city"].rows == [["南京市", 3, 2], ["合计", 3, 2]]
        assert tables["special_ability_city"].rows == [["苏州市", 0, 1], ["合计", 0, 1]]
        suzhou = {t.view: t for t in quarterly_report(suzhou_staff, 2026, 1)}
        assert suzhou["skill_level_level"].rows[-1] == ["合计", 0, 0]


def test_quarterly_page_xlsx_and_pdf(client, quarter_figures, nanjing_staff, tmp_path):
    client.force_login(nanjing_staff)
    query = {"year": 2026, "quarter": 1}
    page = client.get(reverse("statistics-quarterly"), query)
    assert page.status_code == 200
    assert [["南京市", 3, 2], ["合计", 3, 2]] in [t.rows for t in page.context["tables"]]
    xlsx = client.get(reverse("statistics-quarterly-xlsx"), query)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["职业技能等级认定：按设区市", "南京市", 3, 2] in rows
    assert not any(str(v).startswith("=") for row in rows for v in row if v is not None)
    pdf = client.get(reverse("statistics-quarterly-pdf"), query)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2026年第1季度技能人才评价统计报表" in text
    # The chart is in the PDF: its title is text of the embedded SVG.
    assert text.count("职业技能等级认定：按设区市") >= 2


# --- the summary (issue 15) --------------------------------------------------------------------


def test_certificates_recorded_after_the_refresh_still_count(
    certificates, nanjing_institution, province_admin, nanjing_staff
):
    refresh_summary()
    assert CertificateSummary.objects.exists()
    # Issued today (after the refresh's day), and recorded late with an issue date in a month the
    # summary holds: both are counted live, not shown as pending.
    CertificateFactory(institution=nanjing_institution, issued_on=date(2026, 7, 1), level=4)
    CertificateFactory(institution=nanjing_institution, issued_on=date(2026, 3, 11), level=4)
    monthly = table("monthly", province_admin, PERIOD)
    assert cell(monthly, "2026-07", "合计") == 1
    assert cell(monthly, "2026-03", "合计") == 8
    assert sum(row[-1] for row in monthly.rows) == 11
    assert table("city", nanjing_staff, PERIOD).rows == [["南京市", 7]]


def test_summary_months_and_partial_edges_equal_a_direct_count(certificates, province_admin):
    refresh_summary()
    # A period starting and ending mid-month: the edge days are counted live.
    mid = Filters(start=date(2025, 11, 5), end=date(2026, 3, 20))
    assert table("city", province_admin, mid).rows == [["南京市", 5], ["苏州市", 3]]
    assert certificates.filter(issued_on__range=(mid.start, mid.end)).count() == 8
    day_after = Filters(start=date(2025, 11, 6), end=date(2026, 3, 19))
    assert table("city", province_admin, day_after).rows == [["南京市", 3]]


def test_a_city_never_sees_another_citys_summary_rows(certificates, nanjing_staff, suzhou_staff):
    refresh_summary()
    cities = {
        row.institution.city_id for row in CertificateSummary.objects.visible_to(nanjing_staff)
    }
    assert cities == {"320100"}
    assert table("occupation", suzhou_staff, PERIOD).rows == [
        ["6-18-01-01 车工", 3],
        ["6-18-02-04 焊工", 1],
    ]
    assert table("city", nanjing_staff, PERIOD).rows == [["南京市", 5]]


def test_page_says_when_the_figures_were_updated(client, certificates, nanjing_staff):
    refresh_summary()
    client.force_login(nanjing_staff)
    page = client.get(reverse("statistics-view", args=["monthly"]))
    assert "数据更新于 2026-07-01 10:00" in page.content.decode()


def test_the_refresh_command_and_the_beat_schedule(certificates, settings):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("refresh_statistics", stdout=out)
    assert "before 2026-07-01" in out.getvalue()
    assert sum(CertificateSummary.objects.values_list("issued", flat=True)) == 10
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-statistics-summary"]
    assert schedule["task"] == "audits.tasks.refresh_statistics_summary"
