"""The twice-yearly quality review (54号 五): each indicator fires exactly where it should, a re-run
adds a version, the previous half-year is compared, and the report is scoped like everything else.

The scenario is the first half of 2026, reviewed on 1 July 2026. Every institution below has one
problem (the clean one none), so a flag anywhere else is a bug.
"""

import io
import itertools
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audits.models import Complaint, QualityReview, ReviewFlag
from audits.review_charts import CHART_NAMES, deltas_svg, distribution_svg
from audits.reviews import (
    INDICATORS,
    attach_deltas,
    compute_rows,
    flag_records,
    half_just_ended,
    half_year_period,
    run_review,
)
from audits.tasks import run_half_year_quality_review
from certificates.choices import CertificateKind
from certificates.models import Certificate
from institutions.choices import BatchStatus
from skilleval import personal_data
from skilleval.choices import Role
from skilleval.demo import make_resident_id
from tests.clock import SHANGHAI
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    UserFactory,
    approved_filing,
    make_candidate,
    occupation_with_resources,
    region,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 7, 1)  # the beat schedule's day after the first half of 2026
numbers = itertools.count(1)


def certificates(institution, occupation, *days, level=4, kind=CertificateKind.SKILL_LEVEL):
    """Certificates written straight to the table, one per issue day given."""
    rows = []
    for day in days:
        n = next(numbers)
        id_number = make_resident_id("320102", "19900101", n)
        rows.append(
            Certificate(
                kind=kind,
                number=f"T{n:08d}",
                institution=institution,
                occupation=occupation,
                level=level,
                issued_on=day,
                holder_name=f"持证人{n}",
                id_number_encrypted=personal_data.encrypt(id_number),
                id_number_hash=personal_data.keyed_hash(id_number),
                id_number_masked=personal_data.mask_id_number(id_number),
                signatory="张三",
            )
        )
    return Certificate.objects.bulk_create(rows)


def batch(
    institution,
    occupation,
    *,
    exam_ends_on,
    publicised_on=None,
    status=BatchStatus.CERTIFICATES_ISSUED,
    passed=0,
    failed=0,
    absent=0,
    overrides=0,
    level=4,
):
    """A batch with its candidates' results (and eligibility overrides)."""
    planner = UserFactory(username="planner", role=Role.PROVINCE_ADMIN)
    created = BatchFactory(
        institution=institution,
        occupation=occupation,
        level=level,
        region=institution.city,
        venue="考点",
        examiners="考评员甲",
        exam_starts_on=exam_ends_on - timedelta(days=1),
        exam_ends_on=exam_ends_on,
        status=status,
        publicised_on=publicised_on,
        created_by=planner,
    )
    outcomes = [True] * passed + [False] * failed + [None] * absent
    for index, outcome in enumerate(outcomes):
        make_candidate(
            created,
            next(numbers),
            eligibility="passed",
            passed=False if outcome is None else outcome,
            absent=outcome is None,
            eligibility_override=index < overrides,
        )
    return created


def complaint(institution, at: datetime):
    made = Complaint.objects.create(
        target_type="institution",
        target_description=institution.name,
        institution=institution,
        city=institution.city,
        content="违规发证",
    )
    Complaint.objects.filter(pk=made.pk).update(received_at=at)  # received_at is auto_now_add
    return made


@pytest.fixture
def milling(db):
    return occupation_with_resources(code="6-18-01-02", name="铣工")


@pytest.fixture
def scenario(lathe, milling):
    s = SimpleNamespace()
    lathe_4 = [(lathe, 4)]

    # Clean: in scope, in validity, a normal batch publicised on time.
    s.clean = InstitutionFactory(name="清白评价中心")
    approved_filing(s.clean, lathe_4)
    certificates(s.clean, lathe, date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12))
    s.normal_batch = batch(
        s.clean,
        lathe,
        exam_ends_on=date(2026, 3, 1),
        publicised_on=date(2026, 3, 5),
        passed=5,
        failed=5,
        absent=1,
    )

    # Out of scope: 铣工 is not in its filing.
    s.out_of_scope = InstitutionFactory(name="超范围评价中心")
    approved_filing(s.out_of_scope, lathe_4)
    certificates(s.out_of_scope, lathe, date(2026, 2, 1))
    (s.outside_certificate,) = certificates(s.out_of_scope, milling, date(2026, 2, 1))
    # Competition certificates are not issued under a filing: not counted.
    certificates(s.out_of_scope, milling, date(2026, 2, 1), kind=CertificateKind.COMPETITION)

    # Outside the validity: after its 车工 filing expired, and before its 铣工 filing started.
    s.expired = InstitutionFactory(name="过期评价中心")
    approved_filing(s.expired, lathe_4, valid_until=date(2026, 1, 31))
    approved_filing(s.expired, [(milling, 4)], valid_from=date(2026, 5, 1))
    certificates(s.expired, lathe, date(2026, 1, 10))  # valid, and before the 15-day window
    s.after_expiry = certificates(s.expired, lathe, date(2026, 3, 1))[0]
    s.before_start = certificates(s.expired, milling, date(2026, 4, 1))[0]

    # Rush (239号 四): 15 of 20 certificates in the 15 days up to the filing's expiry on 30 April.
    s.rush = InstitutionFactory(name="突击评价中心")
    approved_filing(s.rush, lathe_4, valid_until=date(2026, 4, 30))
    certificates(s.rush, lathe, *[date(2026, 4, 20)] * 13, date(2026, 4, 16), date(2026, 4, 30))
    certificates(s.rush, lathe, date(2026, 4, 15), *[date(2026, 2, 10)] * 4)
    # 19 certificates, all in the window: too few for the share to count.
    s.small_rush = InstitutionFactory(name="小规模评价中心")
    approved_filing(s.small_rush, lathe_4, valid_until=date(2026, 4, 30))
    certificates(s.small_rush, lathe, *[date(2026, 4, 25)] * 19)

    # Pass rate: 100 % against the rest of the province's 50 % for 车工 level 4.
    s.pass_rate = InstitutionFactory(name="高合格率评价中心")
    approved_filing(s.pass_rate, lathe_4)
    s.anomalous_batch = batch(
        s.pass_rate,
        lathe,
        exam_ends_on=date(2026, 4, 1),
        publicised_on=date(2026, 4, 3),
        passed=10,
    )

    # Eligibility overrides: two in the half-year, one in a batch of 2025 (not counted).
    s.overrides = InstitutionFactory(name="人工认定评价中心")
    approved_filing(s.overrides, lathe_4)
    batch(
        s.overrides,
        lathe,
        exam_ends_on=date(2026, 5, 10),
        publicised_on=date(2026, 5, 12),
        passed=2,
        failed=1,
        overrides=2,
    )
    batch(
        s.overrides,
        lathe,
        exam_ends_on=date(2025, 11, 10),
        publicised_on=date(2025, 11, 12),
        passed=1,
        overrides=1,
    )

    # Complaints: received in the half-year by Jiangsu time, the edges included and excluded.
    s.complaints = InstitutionFactory(name="被举报评价中心")
    approved_filing(s.complaints, lathe_4)
    complaint(s.complaints, datetime(2026, 1, 1, 0, 10, tzinfo=SHANGHAI))
    complaint(s.complaints, datetime(2026, 6, 30, 23, 50, tzinfo=SHANGHAI))  # 15:50 UTC
    complaint(s.complaints, datetime(2025, 12, 31, 23, 50, tzinfo=SHANGHAI))
    complaint(s.complaints, datetime(2026, 7, 1, 0, 10, tzinfo=SHANGHAI))

    # Late publicity, in Suzhou: 19 days after the exam, and an examined batch never publicised.
    s.late = InstitutionFactory(name="苏州公示迟缓评价中心", county=region("320508"))
    approved_filing(s.late, lathe_4)
    s.late_batch = batch(
        s.late, lathe, exam_ends_on=date(2026, 3, 1), publicised_on=date(2026, 3, 20), passed=1
    )
    s.unpublicised_batch = batch(
        s.late, lathe, exam_ends_on=date(2026, 5, 1), status=BatchStatus.EXAMINED, passed=1
    )
    batch(s.late, lathe, exam_ends_on=date(2026, 4, 1), publicised_on=date(2026, 4, 16), passed=1)
    return s


def rows_by_institution(review):
    return {row.institution_id: row for row in review.rows.all()}


# --- periods --------------------------------------------------------------------------------


def test_the_half_years_and_the_one_that_just_ended():
    assert half_year_period(2026, 1) == (date(2026, 1, 1), date(2026, 6, 30))
    assert half_year_period(2026, 2) == (date(2026, 7, 1), date(2026, 12, 31))
    assert half_just_ended(date(2026, 7, 1)) == (2026, 1)
    assert half_just_ended(date(2027, 1, 1)) == (2026, 2)


# --- indicators -----------------------------------------------------------------------------


def test_each_indicator_fires_exactly_where_expected(scenario):
    s = scenario
    review = run_review(2026, 1, today=TODAY)
    rows = rows_by_institution(review)

    assert rows[s.clean.pk].flags == []
    assert rows[s.clean.pk].certificates_issued == 3
    assert rows[s.clean.pk].batches == 1

    outside = rows[s.out_of_scope.pk]
    assert (outside.certificates_issued, outside.out_of_scope, outside.outside_validity) == (
        2,
        1,
        0,
    )
    assert outside.flags == [ReviewFlag.OUT_OF_SCOPE]

    expired = rows[s.expired.pk]
    assert (expired.out_of_scope, expired.outside_validity, expired.rush_issued) == (0, 2, 0)
    assert expired.flags == [ReviewFlag.OUTSIDE_VALIDITY]

    rush = rows[s.rush.pk]
    assert (rush.certificates_issued, rush.rush_issued, str(rush.rush_share)) == (20, 15, "75.0")
    assert rush.flags == [ReviewFlag.RUSH_ISSUANCE]
    small = rows[s.small_rush.pk]
    assert (small.rush_issued, small.flags) == (19, [])

    anomalous = rows[s.pass_rate.pk]
    assert anomalous.pass_rate_anomalies == 1
    assert anomalous.flags == [ReviewFlag.PASS_RATE]
    (evidence,) = anomalous.evidence[ReviewFlag.PASS_RATE]
    assert evidence["batch"] == s.anomalous_batch.pk
    # The rest of the province's 车工 level-4 batches: 10 of 16 who sat passed.
    assert (evidence["rate"], evidence["norm"], evidence["norm_candidates"]) == (
        "100.0",
        "62.5",
        16,
    )

    assert rows[s.overrides.pk].eligibility_overrides == 2
    assert rows[s.overrides.pk].flags == [ReviewFlag.ELIGIBILITY_OVERRIDES]

    assert rows[s.complaints.pk].complaints == 2
    assert rows[s.complaints.pk].flags == [ReviewFlag.COMPLAINTS]

    late = rows[s.late.pk]
    assert (late.batches, late.late_publicity) == (3, 2)
    assert late.flags == [ReviewFlag.LATE_PUBLICITY]
    assert {item["batch"]: item["days"] for item in late.evidence[ReviewFlag.LATE_PUBLICITY]} == {
        s.late_batch.pk: 19,
        s.unpublicised_batch.pk: 61,
    }

    assert review.totals["flagged_institutions"] == 7
    assert review.totals["indicators"]["out_of_scope"] == 1
    assert review.totals["flags"][ReviewFlag.RUSH_ISSUANCE] == 1


def test_a_vocational_qualification_certificate_before_the_239_last_day_is_a_rush(lathe):
    station = InstitutionFactory(name="鉴定站")
    approved_filing(station, [(lathe, 4)], valid_from=date(2019, 1, 1))
    vq = CertificateKind.VOCATIONAL_QUALIFICATION
    certificates(station, lathe, *[date(2021, 1, 25)] * 20, kind=vq)
    certificates(station, lathe, *[date(2021, 1, 5)] * 5, kind=vq)
    (row,) = [r for r in compute_rows(2021, 1, today=TODAY) if r["institution_id"] == station.pk]
    assert (row["rush_issued"], str(row["rush_share"])) == (20, "80.0")
    assert row["flags"] == [ReviewFlag.RUSH_ISSUANCE]


def test_an_access_type_qualification_has_no_239_last_day_to_rush_before(lathe):
    """实施意见 四: access-type (准入类) certificates go on after 2021-01-31."""
    from tests.factories import OccupationFactory

    fire = OccupationFactory(code="4-07-05-03", name="消防设施操作员", is_access_type=True)
    station = InstitutionFactory(name="消防鉴定站")
    approved_filing(station, [(lathe, 4)], valid_from=date(2019, 1, 1))
    vq = CertificateKind.VOCATIONAL_QUALIFICATION
    certificates(station, fire, *[date(2021, 1, 25)] * 20, kind=vq)
    (row,) = [r for r in compute_rows(2021, 1, today=TODAY) if r["institution_id"] == station.pk]
    assert row["rush_issued"] == 0 and ReviewFlag.RUSH_ISSUANCE not in row["flags"]


def test_publicity_counts_from_the_first_time_results_were_publicised(lathe):
    from institutions.models import BatchTransition

    institution = InstitutionFactory()
    # Publicised 4 days after the exam, returned, publicised again 24 days after: not late.
    returned = batch(
        institution, lathe, exam_ends_on=date(2026, 3, 1), publicised_on=date(2026, 3, 25)
    )
    transition = BatchTransition.objects.create(
        batch=returned,
        action="publicise_results",
        from_status=BatchStatus.EXAMINED,
        to_status=BatchStatus.RESULTS_PUBLICISED,
    )
    BatchTransition.objects.filter(pk=transition.pk).update(
        at=datetime(2026, 3, 5, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: still 5 March in Jiangsu
    )
    (row,) = compute_rows(2026, 1, today=TODAY)
    assert row["late_publicity"] == 0
    BatchTransition.objects.filter(pk=transition.pk).update(
        at=datetime(2026, 3, 17, 0, 30, tzinfo=SHANGHAI)  # 16 days after the exam
    )
    (row,) = compute_rows(2026, 1, today=TODAY)
    assert row["late_publicity"] == 1
    assert row["evidence"][ReviewFlag.LATE_PUBLICITY][0]["days"] == 16


def test_the_drill_down_lists_the_same_certificates_the_review_counted(scenario, province_admin):
    s = scenario
    review = run_review(2026, 1, today=TODAY)
    for institution, flag, field in [
        (s.out_of_scope, ReviewFlag.OUT_OF_SCOPE, "out_of_scope"),
        (s.expired, ReviewFlag.OUTSIDE_VALIDITY, "outside_validity"),
        (s.rush, ReviewFlag.RUSH_ISSUANCE, "rush_issued"),
    ]:
        row = review.rows.get(institution=institution)
        assert flag_records(row, flag, province_admin).count() == getattr(row, field)
    row = review.rows.get(institution=s.expired)
    listed = set(flag_records(row, ReviewFlag.OUTSIDE_VALIDITY, province_admin))
    assert listed == {s.after_expiry, s.before_start}


def test_the_review_takes_the_same_number_of_queries_for_ten_or_a_hundred_certificates(lathe):
    institution = InstitutionFactory()
    approved_filing(institution, [(lathe, 4)], valid_until=date(2026, 4, 30))
    certificates(institution, lathe, *[date(2026, 4, 20)] * 10)
    with CaptureQueriesContext(connection) as few:
        compute_rows(2026, 1, today=TODAY)
    certificates(
        institution, lathe, *[date(2026, 3, 1) + timedelta(days=n % 60) for n in range(90)]
    )
    with CaptureQueriesContext(connection) as many:
        rows = compute_rows(2026, 1, today=TODAY)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert rows[0]["certificates_issued"] == 100


# --- versions and comparison ----------------------------------------------------------------


def test_running_the_same_half_year_again_adds_version_2_and_keeps_version_1(scenario):
    first = run_review(2026, 1, today=TODAY)
    complaint(scenario.clean, datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI))
    second = run_review(2026, 1, today=TODAY)

    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.rows.get(institution=scenario.clean).flags == []
    assert second.rows.get(institution=scenario.clean).flags == [ReviewFlag.COMPLAINTS]
    assert QualityReview.objects.latest_of(2026, 1) == second


def test_a_review_is_compared_with_the_previous_half_years_latest_version(scenario, lathe):
    s = scenario
    complaint(s.complaints, datetime(2025, 9, 1, 9, 0, tzinfo=SHANGHAI))
    run_review(2025, 2, today=TODAY)
    # 2025 H2 run again: the comparison takes its latest version.
    complaint(s.clean, datetime(2025, 10, 1, 9, 0, tzinfo=SHANGHAI))
    previous = run_review(2025, 2, today=TODAY)

    review = run_review(2026, 1, today=TODAY)
    assert review.compared_with == previous

    rows = {row.institution_id: row for row in attach_deltas(review.rows.all(), review)}
    # 2025 H2 had one complaint against each (the 2025-12-31 23:50 one included), now 2 and 0.
    assert rows[s.complaints.pk].deltas["complaints"] == 2 - 2
    assert rows[s.clean.pk].deltas["complaints"] == -1
    assert rows[s.clean.pk].deltas["certificates_issued"] == 3
    assert rows[s.clean.pk].previous_flags == [ReviewFlag.COMPLAINTS]


def test_the_beat_task_reviews_the_half_year_that_just_ended(scenario):
    with time_machine.travel(datetime(2026, 7, 1, 3, 30, tzinfo=SHANGHAI), tick=False):
        result = run_half_year_quality_review.delay().get()
    review = QualityReview.objects.get(pk=result["review"])
    assert (review.year, review.half, review.version, review.generated_by) == (2026, 1, 1, None)
    assert result["flagged_institutions"] == 7


def test_the_command_runs_any_half_year_and_prints_a_summary(scenario, province_admin):
    out = io.StringIO()
    call_command(
        "run_quality_review", "--year", "2026", "--half", "1", "--user", "padmin", stdout=out
    )
    text = out.getvalue()
    assert "2026年上半年质量专项评估 第1版" in text
    assert "突击评价中心" in text
    assert QualityReview.objects.get().generated_by == province_admin


def test_the_rows_of_a_review_are_in_the_audit_log(scenario):
    from skilleval.models import AuditEntry

    review = run_review(2026, 1, today=TODAY)
    logged = AuditEntry.objects.filter(object_type="audits.reviewrow").count()
    assert logged == review.rows.count()
    assert AuditEntry.objects.filter(
        object_type="audits.qualityreview", object_id=str(review.pk)
    ).exists()


# --- the report -------------------------------------------------------------------------------


@pytest.fixture
def review(scenario):
    return run_review(2026, 1, today=TODAY)


def test_province_staff_see_every_row_sorted_by_any_indicator(
    client, review, scenario, province_auditor
):
    client.force_login(province_auditor)
    page = client.get(reverse("quality-review-detail", args=[review.pk]), {"sort": "-complaints"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows[0].institution == scenario.complaints
    assert {row.institution for row in rows} >= {scenario.clean, scenario.late}
    ascending = client.get(
        reverse("quality-review-detail", args=[review.pk]), {"sort": "rush_share"}
    )
    assert ascending.context["rows"][-1].institution == scenario.small_rush  # 100 %


def test_city_staff_see_only_their_citys_rows(
    client, review, scenario, nanjing_staff, suzhou_staff
):
    client.force_login(nanjing_staff)
    page = client.get(reverse("quality-review-detail", args=[review.pk]))
    names = {row.institution.name for row in page.context["rows"]}
    assert "超范围评价中心" in names
    assert "苏州公示迟缓评价中心" not in names
    assert "苏州公示迟缓评价中心" not in page.content.decode()
    drill = reverse(
        "quality-review-flag", args=[review.pk, scenario.late.pk, ReviewFlag.LATE_PUBLICITY]
    )
    assert client.get(drill).status_code == 404

    client.force_login(suzhou_staff)
    page = client.get(reverse("quality-review-detail", args=[review.pk]))
    assert [row.institution for row in page.context["rows"]] == [scenario.late]
    assert client.get(drill).status_code == 200


def test_institution_staff_see_only_their_own_row(client, review, scenario):
    staff = UserFactory(
        username="rush-staff", role=Role.INSTITUTION_STAFF, institution=scenario.rush
    )
    client.force_login(staff)
    page = client.get(reverse("quality-review-detail", args=[review.pk]))
    assert [row.institution for row in page.context["rows"]] == [scenario.rush]
    listed = client.get(reverse("quality-review-list"))
    assert listed.context["reviews"][0].visible_institutions == 1


def test_others_and_anonymous_visitors_see_no_review(client, review, organiser):
    url = reverse("quality-review-detail", args=[review.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(organiser)
    assert client.get(url).status_code == 404


def test_the_drill_down_lists_the_records_behind_a_flag(client, review, scenario, province_admin):
    client.force_login(province_admin)
    page = client.get(
        reverse(
            "quality-review-flag",
            args=[review.pk, scenario.out_of_scope.pk, ReviewFlag.OUT_OF_SCOPE],
        )
    )
    assert page.status_code == 200
    assert [c.number for c in page.context["records"]] == [scenario.outside_certificate.number]
    batches = client.get(
        reverse(
            "quality-review-flag", args=[review.pk, scenario.pass_rate.pk, ReviewFlag.PASS_RATE]
        )
    )
    assert [b["batch"] for b in batches.context["records"]] == [scenario.anomalous_batch.pk]
    for flag in (ReviewFlag.ELIGIBILITY_OVERRIDES, ReviewFlag.COMPLAINTS):
        institution = (
            scenario.overrides if flag == ReviewFlag.ELIGIBILITY_OVERRIDES else scenario.complaints
        )
        listed = client.get(reverse("quality-review-flag", args=[review.pk, institution.pk, flag]))
        assert len(listed.context["records"]) == 2
    unknown = reverse("quality-review-flag", args=[review.pk, scenario.clean.pk, "nonsense"])
    assert client.get(unknown).status_code == 404


def test_the_review_list_shows_every_version_with_the_latest_marked(
    client, scenario, province_admin
):
    run_review(2026, 1, today=TODAY)
    run_review(2026, 1, today=TODAY)
    client.force_login(province_admin)
    reviews = list(client.get(reverse("quality-review-list")).context["reviews"])
    assert [(r.version, r.superseded) for r in reviews] == [(2, False), (1, True)]


def test_province_staff_rerun_a_half_year_from_the_page_and_others_may_not(
    client, scenario, province_admin, nanjing_staff
):
    client.force_login(nanjing_staff)
    url = reverse("quality-review-run")
    assert client.post(url, {"year": 2026, "half": 1}).status_code == 403
    client.force_login(province_admin)
    assert client.post(url, {"year": 2026, "half": 1}).status_code == 302
    assert client.post(url, {"year": 2026, "half": 1}).status_code == 302
    assert list(QualityReview.objects.values_list("version", "generated_by")) == [
        (2, province_admin.pk),
        (1, province_admin.pk),
    ]


def test_the_pdf_is_a_pdf(client, review, province_admin):
    client.force_login(province_admin)
    response = client.get(reverse("quality-review-pdf", args=[review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_spreadsheet_opens_and_keeps_a_formula_like_name_as_text(
    client, review, scenario, nanjing_staff
):
    scenario.clean.name = '=HYPERLINK("http://x")清白'
    scenario.clean.save()
    client.force_login(nanjing_staff)
    response = client.get(reverse("quality-review-xlsx", args=[review.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "超范围评价中心" in names
    assert "苏州公示迟缓评价中心" not in names  # scoped like the page
    assert '\'=HYPERLINK("http://x")清白' in names


# --- charts of the printed report -----------------------------------------------------------


def test_distribution_chart_is_svg_with_its_threshold_line(review):
    with translation.override("zh-hans"):
        svg = distribution_svg(review.rows.all(), "complaints")
        deltas = ET.fromstring(deltas_svg({i.field: 1 for i in INDICATORS}, None))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    text = svg.decode()
    assert "举报：各机构分布" in text
    assert "标记阈值 1" in text
    assert b"<script" not in svg
    assert deltas.tag.endswith("svg")


def test_the_review_page_shows_each_chart_scoped_and_in_the_readers_language(
    client, review, nanjing_staff
):
    client.force_login(nanjing_staff)
    page = client.get(reverse("quality-review-detail", args=[review.pk])).content.decode()
    for name in CHART_NAMES:
        assert reverse("quality-review-chart", args=[review.pk, name]) in page
    response = client.get(reverse("quality-review-chart", args=[review.pk, "complaints"]))
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    # One point per institution Nanjing's staff may see, not the province's.
    own = review.rows.filter(institution__city_id=nanjing_staff.city_id).count()
    assert 0 < own < review.rows.count()
    points = root.findall(".//{http://www.w3.org/2000/svg}g[@class='dots']")
    assert len(points) == 2 * own  # the institutions' line and the threshold line
    client.cookies["django_language"] = "en"
    english = client.get(reverse("quality-review-chart", args=[review.pk, "deltas"]))
    assert b"Compared with the previous half-year" in english.content
    assert (
        client.get(reverse("quality-review-chart", args=[review.pk, "nonsense"])).status_code == 404
    )


def test_the_pdf_shows_the_charts(client, review, province_admin, tmp_path):
    import subprocess

    client.force_login(province_admin)
    response = client.get(reverse("quality-review-pdf", args=[review.pk]))
    path = tmp_path / "review.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "突击发证占比（%）：各机构分布" in text
    assert "标记阈值 50" in text
    assert "与上一半年相比" in text
