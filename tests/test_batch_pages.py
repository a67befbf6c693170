"""The evaluation-batch pages, walked through as their users would: alice runs a batch of her
Nanjing institution, nanjing_staff (the city) approves its results, the institution's signatory
signs off; suzhou_staff and charlie (Suzhou) never see it."""

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from institutions.choices import BatchStatus, EligibilityStatus, EvaluationType, QuestionSource
from institutions.models import Batch, ExamRoom
from institutions.roster import COLUMNS
from skilleval.choices import JobKind, Role
from skilleval.demo import make_photo_jpeg, make_resident_id
from skilleval.models import Job
from tests.clock import on
from tests.factories import (
    UserFactory,
    make_candidate,
    planned_batch,
)

pytestmark = pytest.mark.django_db

# Every action form or link of the batch page, by URL name.
ACTIONS = [
    "batch-publish",
    "batch-roster-template",
    "batch-roster-upload",
    "batch-photos",
    "batch-close-roster",
    "batch-eligibility-auto",
    "batch-eligibility-decide",
    "batch-eligibility-complete",
    "batch-room-add",
    "batch-arrange",
    "batch-tickets",
    "batch-tickets-pdf",
    "batch-scores",
    "batch-examined",
    "batch-publicise",
    "batch-approve",
    "batch-return",
    "batch-sign-off",
    "batch-cancel",
]


def url(name, *args):
    return reverse(name, args=args)


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def signatory(nanjing_institution):
    return UserFactory(
        username="dora", role=Role.INSTITUTION_SIGNATORY, institution=nanjing_institution
    )


def plan_values(lathe, **overrides) -> dict:
    return {
        "occupation_level": f"{lathe.pk}:4",
        "region": "320115",
        "evaluation_type": EvaluationType.SKILL_LEVEL,
        "exam_starts_on": "2026-11-03",
        "exam_ends_on": "2026-11-04",
        "venue": "江宁区某实训基地",
        "examiners": "张考评\n李考评",
        "question_source": QuestionSource.NATIONAL_BANK,
        **overrides,
    }


@pytest.fixture
def batch(scope, alice, lathe):
    with on(date(2026, 11, 2)):
        batch = planned_batch(scope.institution, alice, lathe)
    return batch


def as_user(client, user):
    client.force_login(user)
    return client


def actions_on_page(client, batch) -> set[str]:
    html = page(client.get(url("batch-detail", batch.pk)))
    return {name for name in ACTIONS if f'"{url(name, batch.pk)}' in html}


def post(client, name, batch, data=None, **kwargs):
    return client.post(url(name, batch.pk), data or {}, **kwargs)


# --- planning ----------------------------------------------------------------------------------


class TestPlanning:
    def test_alice_plans_a_batch_from_her_filed_occupations(self, client, scope, alice, lathe):
        as_user(client, alice)
        form = page(client.get(url("batch-create")))
        assert "6-18-01-01 车工 · 四级/中级工" in form and "6-18-01-01 车工 · 二级/技师" in form
        assert "江宁区" in form and "苏州" not in form  # the filed region scope: Nanjing
        response = client.post(url("batch-create"), plan_values(lathe))
        batch = Batch.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{url('batch-detail', batch.pk)}#top"
        assert batch.status == BatchStatus.DRAFT and batch.created_by == alice

    def test_self_made_papers_are_offered_but_refused_citing_239_4(
        self, client, scope, alice, lathe
    ):
        as_user(client, alice)
        response = client.post(
            url("batch-create"), plan_values(lathe, question_source=QuestionSource.SELF_MADE)
        )
        assert response.status_code == 200
        assert "239号 四" in page(response)
        assert not Batch.objects.exists()

    def test_exam_dates_out_of_order_are_refused(self, client, scope, alice, lathe):
        as_user(client, alice)
        response = client.post(url("batch-create"), plan_values(lathe, exam_ends_on="2026-11-02"))
        assert "考试结束日期不得早于开始日期" in page(response)
        assert not Batch.objects.exists()

    def test_city_staff_do_not_plan_batches(self, client, nanjing_staff):
        as_user(client, nanjing_staff)
        assert client.get(url("batch-create")).status_code == 403


# --- the whole workflow, by the pages ---------------------------------------------------------


class TestWalk:
    def test_a_batch_walks_through_every_state_by_the_right_roles(
        self, client, batch, alice, nanjing_staff, signatory
    ):
        seen_pages = []

        def look(user):
            as_user(client, user)
            response = client.get(url("batch-detail", batch.pk))
            assert response.status_code == 200
            seen_pages.append(page(response))
            return actions_on_page(client, batch)

        def status():
            batch.refresh_from_db()
            return batch.status

        with on(date(2026, 11, 5)):  # a Thursday
            assert look(alice) == {"batch-publish", "batch-cancel"}
            assert look(nanjing_staff) == set()
            as_user(client, alice)
            post(client, "batch-publish", batch)
            assert status() == BatchStatus.PLAN_PUBLISHED

            assert look(alice) == {
                "batch-roster-template",
                "batch-roster-upload",
                "batch-cancel",
            }  # nothing to close nor photograph before there are candidates
            for n in range(3):
                make_candidate(batch, n)
            assert look(alice) == {
                "batch-roster-template",
                "batch-roster-upload",
                "batch-photos",
                "batch-close-roster",
                "batch-cancel",
            }
            post(client, "batch-close-roster", batch)
            assert status() == BatchStatus.ROSTER_ENTERED

            assert look(alice) == {
                "batch-photos",
                "batch-eligibility-auto",
                "batch-eligibility-decide",
                "batch-eligibility-complete",
                "batch-cancel",
            }
            as_user(client, alice)
            response = post(client, "batch-eligibility-complete", batch, follow=True)
            assert "还有 3 名考生未审核" in page(response)
            first, *_others = batch.candidates.order_by("pk")
            post(
                client,
                "batch-eligibility-decide",
                batch,
                {
                    "candidates": [first.pk],
                    "passed": "0",
                    "basis": "standard",
                    "reason": "年限不足",
                },
            )
            post(  # the rest, without ticking each one
                client,
                "batch-eligibility-decide",
                batch,
                {
                    "all_pending": "on",
                    "passed": "1",
                    "basis": "standard",
                    "reason": "从业年限符合",
                },
            )
            assert sorted(batch.candidates.values_list("eligibility", flat=True)) == [
                "failed",
                "passed",
                "passed",
            ]
            response = post(
                client,
                "batch-eligibility-decide",
                batch,
                {"passed": "1", "basis": "standard", "reason": "x"},
            )
            assert "请勾选考生" in page(response)
            post(client, "batch-eligibility-complete", batch)
            assert status() == BatchStatus.ELIGIBILITY_REVIEWED

            assert look(alice) == {
                "batch-photos",
                "batch-room-add",
                "batch-arrange",
                "batch-cancel",
            }
            as_user(client, alice)
            post(client, "batch-room-add", batch, {"name": "第01考场", "capacity": 1})
            response = post(client, "batch-arrange", batch, follow=True)
            assert "考场座位不足" in page(response)
            post(client, "batch-room-add", batch, {"name": "第02考场", "capacity": 5})
            post(client, "batch-arrange", batch)
            assert status() == BatchStatus.ROOMS_ARRANGED

            assert look(alice) == {"batch-photos", "batch-tickets", "batch-cancel"}
            as_user(client, alice)
            post(client, "batch-tickets", batch)
            assert status() == BatchStatus.TICKETS_GENERATED

            assert look(alice) == {
                "batch-photos",
                "batch-tickets-pdf",
                "batch-scores",
                "batch-examined",
                "batch-cancel",
            }
            as_user(client, alice)
            response = client.get(url("batch-tickets-pdf", batch.pk))
            assert response["Content-Type"] == "application/pdf"
            admitted = list(batch.candidates.filter(eligibility=EligibilityStatus.PASSED))
            scores = {}
            for c in admitted:
                scores[f"c{c.pk}-theory"] = "75"
                scores[f"c{c.pk}-practical"] = "82.5"
            post(client, "batch-scores", batch, scores)
            assert all(c.passed for c in batch.candidates.filter(eligibility="passed"))
            post(client, "batch-examined", batch)
            assert status() == BatchStatus.EXAMINED

            assert look(alice) == {
                "batch-photos",
                "batch-tickets-pdf",
                "batch-publicise",
                "batch-cancel",
            }
            as_user(client, alice)
            response = post(client, "batch-publicise", batch, follow=True)
            assert "公示至 2026-11-11" in page(response)  # 5 working days: Thu … Wed
            assert status() == BatchStatus.RESULTS_PUBLICISED

            assert look(alice) == {"batch-photos", "batch-tickets-pdf", "batch-cancel"}
            assert look(nanjing_staff) == {"batch-tickets-pdf", "batch-approve", "batch-return"}
            assert 'type="submit" disabled' in seen_pages[-1]  # approve waits for the publicity
            # alice cannot approve her own results, not even by posting the form.
            as_user(client, alice)
            assert post(client, "batch-approve", batch).status_code == 403
            as_user(client, nanjing_staff)
            response = post(client, "batch-approve", batch, follow=True)
            assert "公示期满后方可审核" in page(response)
            assert status() == BatchStatus.RESULTS_PUBLICISED

        with on(date(2026, 11, 12)):
            look(nanjing_staff)
            assert 'type="submit" disabled' not in seen_pages[-1]
            post(client, "batch-approve", batch)
            assert status() == BatchStatus.RESULTS_APPROVED

            assert look(alice) == {"batch-photos", "batch-tickets-pdf"}  # alice does not sign
            assert look(signatory) == {"batch-photos", "batch-tickets-pdf", "batch-sign-off"}
            as_user(client, alice)
            assert post(client, "batch-sign-off", batch).status_code == 403
            # What would make issuance fail is listed before signing off, and the button
            # stays disabled saying why; a forged POST is refused with the same list.
            sign_off_page = seen_pages[-1]
            assert "尚未分配省级机构序号" in sign_off_page and "没有照片" in sign_off_page
            assert 'disabled aria-describedby="sign-off-why"' in sign_off_page
            as_user(client, signatory)
            response = post(client, "batch-sign-off", batch, follow=True)
            assert "没有照片" in page(response)
            assert not Job.objects.filter(kind=JobKind.CERTIFICATE_ISSUANCE).exists()
            batch.institution.province_serial = "000123"
            batch.institution.save(update_fields=["province_serial"])
            photo = default_storage.save("tests/photos/p.jpg", ContentFile(make_photo_jpeg()))
            batch.candidates.update(photo=photo)
            html = page(client.get(url("batch-detail", batch.pk)))
            assert "sign-off-why" not in html
            response = post(client, "batch-sign-off", batch)
            job = Job.objects.get(kind=JobKind.CERTIFICATE_ISSUANCE)
            assert response["Location"] == url("job-detail", job.pk)
            signed_off_on = timezone.localdate().isoformat()  # the certificates' date
            assert job.params == {"batch_id": batch.pk, "issued_on": signed_off_on}

        # The log names who did each step.
        log = seen_pages[-1]
        for step in ("计划已发布", "资格已审核", "成绩公示中", "成绩已审核"):
            assert step in log
        assert "alice" in log and "nanjing" in log
        # No page ever showed a full ID number, only masked ones.
        for candidate in batch.candidates.all():
            assert candidate.id_number_masked in seen_pages[-1]
            assert not any(candidate.id_number in html for html in seen_pages)

    def test_the_city_returns_results_with_a_reason(self, client, batch, alice, nanjing_staff):
        Batch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.RESULTS_PUBLICISED, publicised_on=date(2026, 11, 5)
        )
        as_user(client, nanjing_staff)
        response = post(client, "batch-return", batch, {"reason": ""})
        assert "请填写退回原因" in page(response)
        post(client, "batch-return", batch, {"reason": "第3号考生成绩有误"})
        batch.refresh_from_db()
        assert batch.status == BatchStatus.EXAMINED
        as_user(client, alice)
        html = page(client.get(url("batch-detail", batch.pk)))
        assert "成绩被退回" in html and "第3号考生成绩有误" in html

    def test_alice_cancels_with_a_reason(self, client, batch, alice):
        as_user(client, alice)
        assert "请填写取消原因" in page(post(client, "batch-cancel", batch, {"reason": " "}))
        post(client, "batch-cancel", batch, {"reason": "场地不可用"})
        batch.refresh_from_db()
        assert batch.status == BatchStatus.CANCELLED
        assert actions_on_page(client, batch) == set()
        assert "场地不可用" in page(client.get(url("batch-detail", batch.pk)))


# --- scores -----------------------------------------------------------------------------------


@pytest.fixture
def examining(batch):
    """A batch with tickets generated and three admitted candidates."""
    room = ExamRoom.objects.create(batch=batch, name="第01考场", capacity=10)
    candidates = [
        make_candidate(
            batch,
            n,
            eligibility=EligibilityStatus.PASSED,
            room=room,
            seat=n + 1,
            ticket_number=f"2611{batch.pk:07d}{n + 1:04d}",
        )
        for n in range(3)
    ]
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.TICKETS_GENERATED, tickets_generated_on=date(2026, 11, 5)
    )
    batch.refresh_from_db()
    return candidates


class TestScores:
    def test_errors_are_shown_on_their_own_row_and_good_rows_are_saved(
        self, client, batch, examining, alice
    ):
        good, too_high, nonsense = examining
        as_user(client, alice)
        response = post(
            client,
            "batch-scores",
            batch,
            {
                f"c{good.pk}-theory": "60",
                f"c{good.pk}-practical": "59.5",
                f"c{too_high.pk}-theory": "101",
                f"c{too_high.pk}-practical": "80",
                f"c{nonsense.pk}-practical": "八十",
            },
        )
        assert response.status_code == 200
        html = page(response)
        assert "2 行有错误" in html
        row = html.split(f'id="score-{too_high.pk}"')[1].split("</tr>")[0]
        assert 'class="errorlist"' in row and "100" in row
        assert 'value="101"' in row  # what was typed is kept
        row = html.split(f'id="score-{nonsense.pk}"')[1].split("</tr>")[0]
        assert 'class="errorlist"' in row
        row = html.split(f'id="score-{good.pk}"')[1].split("</tr>")[0]
        assert "errorlist" not in row
        good.refresh_from_db()
        too_high.refresh_from_db()
        assert good.practical_score == Decimal("59.5") and good.passed is False
        assert too_high.theory_score is None

    def test_an_absent_candidate_needs_no_scores(self, client, batch, examining, alice):
        as_user(client, alice)
        data = {f"c{c.pk}-absent": "on" for c in examining}
        post(client, "batch-scores", batch, data)
        assert all(c.absent and c.passed is False for c in batch.candidates.all())
        post(client, "batch-examined", batch)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.EXAMINED

    def test_technicians_have_a_comprehensive_column(self, client, batch, examining, alice):
        as_user(client, alice)
        assert f'name="c{examining[0].pk}-comprehensive"' not in page(
            client.get(url("batch-detail", batch.pk))
        )
        Batch.objects.filter(pk=batch.pk).update(level=2)
        assert f'name="c{examining[0].pk}-comprehensive"' in page(
            client.get(url("batch-detail", batch.pk))
        )


# --- admission tickets -------------------------------------------------------------------------


class TestTickets:
    def test_the_tickets_pdf_holds_every_ticket_number(self, client, batch, examining, alice):
        as_user(client, alice)
        response = client.get(url("batch-tickets-pdf", batch.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = subprocess.run(
                ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
            ).stdout.decode()
            for candidate in examining:
                assert candidate.ticket_number in text
                assert candidate.id_number not in text
            assert "职业技能等级认定准考证" in text

    def test_no_tickets_before_they_are_generated(self, client, batch, alice):
        as_user(client, alice)
        response = client.get(url("batch-tickets-pdf", batch.pk), follow=True)
        assert "尚未生成准考证号" in page(response)


# --- roster and photos ------------------------------------------------------------------------


class TestRosterAndPhotos:
    @pytest.fixture
    def published(self, batch, alice):
        batch.publish_plan(alice)
        return batch

    def roster_csv(self, rows) -> bytes:
        headers = [c.header for c in COLUMNS]
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        for values in rows:
            writer.writerow([values.get(h, "") for h in headers])
        return text.getvalue().encode("utf-8-sig")

    def person(self, n, **overrides):
        return {
            "姓名": f"上传考生{n}",
            "证件类型": "居民身份证",
            "证件号码": make_resident_id("320102", "19900101", 500 + n),
            "学历": "高中",
            "从业年限": "6",
            "联系电话": f"139{n:08d}",
            **overrides,
        }

    def test_a_csv_roster_uploads_through_a_job(
        self, client, published, alice, django_capture_on_commit_callbacks
    ):
        as_user(client, alice)
        upload = SimpleUploadedFile(
            "名单.csv", self.roster_csv([self.person(1), self.person(2)]), "text/csv"
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, "batch-roster-upload", published, {"file": upload})
        job = Job.objects.get(kind=JobKind.ROSTER_IMPORT)
        assert response["Location"] == url("job-detail", job.pk)
        job.refresh_from_db()
        assert job.status == "succeeded", job.error
        assert client.get(response["Location"]).status_code == 200
        assert published.candidates.count() == 2
        html = page(client.get(url("batch-detail", published.pk)))
        assert "上传考生1" in html
        assert make_resident_id("320102", "19900101", 501) not in html

    def test_a_bad_roster_imports_nothing_and_the_job_lists_the_errors(
        self, client, published, alice, django_capture_on_commit_callbacks
    ):
        as_user(client, alice)
        bad = self.person(2, 证件号码="320102199001010000")
        upload = SimpleUploadedFile("名单.csv", self.roster_csv([self.person(1), bad]))
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, "batch-roster-upload", published, {"file": upload})
        job = Job.objects.get()
        job.refresh_from_db()
        assert job.status == "failed"
        assert "证件号码" in page(client.get(response["Location"]))
        assert not published.candidates.exists()

    def test_a_roster_of_another_type_is_refused_on_the_page(self, client, published, alice):
        as_user(client, alice)
        upload = SimpleUploadedFile("名单.pdf", b"%PDF-1.4")
        response = post(client, "batch-roster-upload", published, {"file": upload})
        assert "只接受 .xlsx 或 .csv" in page(response)
        assert not Job.objects.exists()

    def test_photo_errors_are_listed_per_file(self, client, published, alice):
        make_candidate(published, 1)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        as_user(client, alice)
        upload = SimpleUploadedFile("photos.zip", buffer.getvalue(), "application/zip")
        html = page(post(client, "batch-photos", published, {"file": upload}))
        assert "readme.txt" in html and "未保存任何照片" in html
        assert "仍缺照片 1 人" in html


# --- scope ------------------------------------------------------------------------------------


class TestScope:
    @pytest.mark.parametrize("outsider", ["suzhou_staff", "charlie"])
    def test_outsiders_get_404_everywhere(self, client, batch, outsider, request):
        as_user(client, request.getfixturevalue(outsider))
        assert client.get(url("batch-detail", batch.pk)).status_code == 404
        assert client.get(url("batch-tickets-pdf", batch.pk)).status_code == 404
        assert client.get(url("batch-roster-template", batch.pk)).status_code == 404
        for name in ("batch-publish", "batch-cancel", "batch-approve", "batch-scores"):
            assert post(client, name, batch, {"reason": "x"}).status_code == 404
        batch.refresh_from_db()
        assert batch.status == BatchStatus.DRAFT
        assert f"#{batch.pk}" not in page(client.get(url("batch-list")))

    def test_city_staff_see_and_filter_the_batches_of_their_city(
        self, client, batch, alice, nanjing_staff, lathe
    ):
        batch.publish_plan(alice)
        as_user(client, nanjing_staff)
        assert f"#{batch.pk}" in page(client.get(url("batch-list")))
        assert f"#{batch.pk}" in page(client.get(url("batch-list"), {"status": "plan_published"}))
        assert f"#{batch.pk}" not in page(client.get(url("batch-list"), {"status": "draft"}))
        assert f"#{batch.pk}" in page(client.get(url("batch-list"), {"occupation": lathe.code}))
        assert f"#{batch.pk}" not in page(
            client.get(url("batch-list"), {"exam_from": "2026-11-05"})
        )
        assert f"#{batch.pk}" in page(
            client.get(
                url("batch-list"),
                {"institution": batch.institution_id, "exam_from": "2026-11-04"},
            )
        )

    def test_the_roster_template_is_a_spreadsheet(self, client, batch, alice):
        as_user(client, alice)
        response = client.get(url("batch-roster-template", batch.pk))
        assert response.content[:2] == b"PK"
        assert "attachment" in response["Content-Disposition"]
