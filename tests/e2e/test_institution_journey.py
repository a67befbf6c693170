"""Journey 1: an evaluation institution, from its filing to a certificate in a worker's hand.

The institution files a new occupation, the city approves it; the institution plans a batch,
uploads its roster (a bad file first, then the corrected one), the photos, reviews eligibility,
arranges rooms and tickets; after the exam it enters scores and publicises them; after the
publicity period the city approves, the signatory signs off, the issuance job runs with live
progress; the merged print PDF and the ZIP are downloaded; a worker finds the certificate in the
public lookup and opens its QR verification page. Everything goes through the pages.

On PostgreSQL with Redis the roster import and the issuance run on a real Celery worker process.
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from certificates.models import Certificate
from institutions.models import Batch, Filing
from institutions.roster import COLUMNS
from skilleval.demo import make_photo_jpeg, make_resident_id

WELDERS = [
    # name, gender, years in the trade: 6 years or more meets level 4 (standard's common template)
    ("赵建国", "男", 8),
    ("钱卫东", "男", 7),
    ("孙丽萍", "女", 6),
    ("李小军", "男", 2),  # too few years: the automatic review leaves him for a person to decide
]
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def id_number(n: int) -> str:
    """The n-th welder's resident ID: the 17th digit is odd for a man, even for a woman."""
    woman = WELDERS[n][1] == "女"
    return make_resident_id("320115", f"19{88 + n}0412", 400 + 2 * n + (0 if woman else 1))


def roster_xlsx(*, broken: bool = False) -> bytes:
    """The roster as the institution fills in the template; `broken` spoils one ID number."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in COLUMNS])
    for n, (name, gender, years) in enumerate(WELDERS):
        number = id_number(n)
        if broken and n == 1:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # wrong check character
        values = {
            "姓名": name,
            "证件类型": "居民身份证",
            "证件号码": number,
            "性别": gender,
            "学历": "高中、中专、技工学校",
            "从业年限": years,
            "参保地": "南京市",
            "户籍地": "南京市",
            "联系电话": f"1391234{n:04d}",
            "本单位职工（含劳务派遣）": "是",
        }
        sheet.append([values.get(column.header, "") for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def photos_zip() -> bytes:
    buffer = io.BytesIO()
    photo = make_photo_jpeg()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(len(WELDERS)):
            archive.writestr(f"{id_number(n)}.jpg", photo)
    return buffer.getvalue()


@pytest.fixture
def background_jobs(request, settings):
    """A real Celery worker when PostgreSQL and Redis are configured; in-process otherwise."""
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if settings.REDIS_URL and engine.endswith("postgresql"):
        return request.getfixturevalue("celery_worker_process")
    return None


def wait_for_job(page, timeout_ms=120_000):
    """On a job page: wait until it says the job has finished, whichever way."""
    job = page.locator("#job[data-status]")
    expect(job).to_have_attribute("data-status", re.compile("succeeded|failed"), timeout=timeout_ms)
    return job.get_attribute("data-status")


def post(page, form_selector):
    page.click(f"{form_selector} button[type=submit]")
    page.wait_for_load_state()


def test_an_institution_takes_a_batch_from_filing_to_certificates(
    demo, background_jobs, live_server, browser, sign_in, screenshot, tmp_path
):
    base = live_server.url
    staff = browser.new_context().new_page()
    sign_in(staff, "inst_staff")

    # --- 1. a filing for a new occupation: 焊工 四级 ------------------------------------------
    staff.click("nav a[href^='/institutions/']")
    staff.click("main a[href^='/institutions/']:not([href='/institutions/'])")
    post(staff, "#new-filing")
    filing = Filing.objects.get(pk=re.search(r"/filings/(\d+)/", staff.url)[1])
    staff.check("form[action$='/regions/#regions'] input[name=cities][value='320100']")
    post(staff, "form[action$='/regions/#regions']")
    staff.select_option(
        "form[action$='/items/#items'] select[name=occupation]", label="6-18-02-04 焊工"
    )
    staff.select_option("form[action$='/items/#items'] select[name=level]", "4")
    post(staff, "form[action$='/items/#items']")
    material = tmp_path / "制度文件.pdf"
    material.write_bytes(MINIMAL_PDF)
    for upload in staff.locator("form[action$='/materials/#materials'] input[type=file]").all():
        upload.set_input_files(str(material))
    post(staff, "form[action$='/materials/#materials']")
    post(staff, "form[action$='/submit/#submit']")
    filing.refresh_from_db()
    assert filing.status == "submitted"

    # --- 2. the city approves it from its to-do list --------------------------------------------
    city = browser.new_context().new_page()
    sign_in(city, "nanjing_city")
    city.click(f"main a[href='/institutions/filings/{filing.pk}/']")
    today = timezone.localdate()
    city.fill("input[name=valid_from]", today.isoformat())
    city.fill("input[name=valid_until]", (today + timedelta(days=3 * 365 - 1)).isoformat())
    post(city, "form[action$='/approve/#decision']")
    filing.refresh_from_db()
    assert filing.status == "approved"

    # --- 3. a batch within the new scope ----------------------------------------------------------
    exam_day = today + timedelta(days=20)
    staff.goto(f"{base}/institutions/batches/new/")
    staff.select_option("select[name=occupation_level]", label="6-18-02-04 焊工 · 四级/中级工")
    staff.select_option("select[name=region]", "320115")
    staff.fill("input[name=exam_starts_on]", exam_day.isoformat())
    staff.fill("input[name=exam_ends_on]", exam_day.isoformat())
    staff.fill("input[name=venue]", "南京市江宁区金陵机电实训中心焊接车间")
    staff.fill("textarea[name=examiners]", "陈考评\n刘考评")
    post(staff, "main form")
    batch = Batch.objects.get(pk=re.search(r"/batches/(\d+)/", staff.url)[1])
    batch_url = f"{base}/institutions/batches/{batch.pk}/"
    post(staff, "form[action$='/publish/']")

    # --- 4. the roster: the template, a refused upload, then the corrected one --------------------
    with staff.expect_download() as template:
        staff.click("a[href$='/roster-template.xlsx']")
    headers = [
        cell.value
        for cell in load_workbook(io.BytesIO(template.value.path().read_bytes())).active[1]
    ]
    assert headers == [column.header for column in COLUMNS]

    roster = tmp_path / "考生名单.xlsx"
    roster.write_bytes(roster_xlsx(broken=True))
    staff.set_input_files("form[action$='/roster/#roster'] input[type=file]", str(roster))
    post(staff, "form[action$='/roster/#roster']")
    assert wait_for_job(staff) == "failed"
    errors = staff.locator("table.job-errors")
    expect(errors).to_contain_text("证件号码")
    expect(errors).to_contain_text("3")  # the spoiled ID number is on row 3
    assert batch.candidates.count() == 0  # all or nothing
    staff.click(f"a[href='/institutions/batches/{batch.pk}/']")

    roster.write_bytes(roster_xlsx())
    staff.set_input_files("form[action$='/roster/#roster'] input[type=file]", str(roster))
    post(staff, "form[action$='/roster/#roster']")
    assert wait_for_job(staff) == "succeeded", staff.locator("main").inner_text()
    assert batch.candidates.count() == len(WELDERS)
    staff.goto(batch_url)

    # --- 5. photos, then the roster is closed ----------------------------------------------------
    photos = tmp_path / "照片.zip"
    photos.write_bytes(photos_zip())
    staff.set_input_files("form[action$='/photos/#photos'] input[type=file]", str(photos))
    post(staff, "form[action$='/photos/#photos']")
    expect(staff.locator("#photos")).to_contain_text("照片齐全")
    post(staff, "form[action$='/close-roster/']")

    # --- 6. eligibility: the standard's conditions pass three, a person decides the fourth -------
    post(staff, "form[action$='/eligibility/auto/']")
    batch.refresh_from_db()
    assert batch.candidates.filter(eligibility="passed").count() == 3
    pending = batch.candidates.get(eligibility="pending")
    assert pending.name == "李小军"
    staff.check(f"input[name=candidates][value='{pending.pk}']")
    staff.select_option("#eligibility-form select[name=passed]", "0")
    staff.fill("#eligibility-form [name=reason]", "从事焊工工作仅 2 年，不满 6 年")
    post(staff, "#eligibility-form")
    post(staff, "form[action$='/eligibility/complete/']")

    # --- 7. a room, seats, admission tickets ------------------------------------------------------
    staff.fill("form[action$='/rooms/#rooms'] input[name=name]", "第01考场")
    staff.fill("form[action$='/rooms/#rooms'] input[name=capacity]", "30")
    post(staff, "form[action$='/rooms/#rooms']")
    post(staff, "form[action$='/rooms/arrange/#rooms']")
    post(staff, "form[action$='/tickets/']")
    tickets = staff.request.get(base + staff.get_attribute("a[href$='/tickets.pdf']", "href"))
    assert tickets.headers["content-type"] == "application/pdf"
    assert tickets.body().startswith(b"%PDF")
    batch.refresh_from_db()
    assert batch.status == "tickets_generated"

    # --- 8. after the exam: scores and publicity --------------------------------------------------
    with time_machine.travel(exam_day + timedelta(days=1), tick=True):
        sign_in(staff, "inst_staff")  # weeks later: the session has long ended
        staff.goto(batch_url + "#scores")
        for n, candidate in enumerate(batch.candidates.filter(eligibility="passed")):
            staff.fill(f"input[aria-label='{candidate.name} 理论知识']", str(70 + n))
            staff.fill(f"input[aria-label='{candidate.name} 操作技能']", str(75 + n))
        post(staff, "form[action$='/scores/#scores']")
        post(staff, "form[action$='/examined/']")
        post(staff, "form[action$='/publicise/']")
        batch.refresh_from_db()
        assert batch.status == "results_publicised"

    # --- 9. after the publicity period: the city approves, the signatory signs off ---------------
    with time_machine.travel(exam_day + timedelta(days=15), tick=True):
        sign_in(city, "nanjing_city")
        city.goto(f"{base}/dashboard/")
        city.click(f"main a[href='/institutions/batches/{batch.pk}/']")
        post(city, "form[action$='/approve/']")
        batch.refresh_from_db()
        assert batch.status == "results_approved"

        signatory = browser.new_context().new_page()
        sign_in(signatory, "inst_signatory")
        signatory.click(f"main a[href='/institutions/batches/{batch.pk}/']")
        expect(signatory.locator("form[action$='/sign-off/'] button")).to_be_enabled()
        post(signatory, "form[action$='/sign-off/']")
        assert "/jobs/" in signatory.url  # the sign-off leads to the issuance job's page
        assert wait_for_job(signatory) == "succeeded"
        expect(signatory.locator("#job progress")).to_have_attribute("value", "100")

        # --- 10. the print files --------------------------------------------------------------------
        signatory.goto(batch_url + "#issuance")
        with signatory.expect_download() as merged:
            signatory.click("#issuance a[href*='print']")
        assert merged.value.path().read_bytes().startswith(b"%PDF")
        with signatory.expect_download() as archive:
            signatory.click("#issuance a[href*='result']")
        issued = tmp_path / "issued.zip"
        archive.value.save_as(issued)
        with zipfile.ZipFile(issued) as issued_zip:
            pdfs = [name for name in issued_zip.namelist() if name.endswith(".pdf")]
        assert len(pdfs) == 3

    # --- 11. a welder finds the certificate and follows its QR code --------------------------------
    certificate = Certificate.objects.get(batch=batch, holder_name="赵建国")
    assert certificate.issued_on == exam_day + timedelta(days=15)
    worker = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    worker.goto(f"{base}/lookup/")
    worker.fill("input[name=id_number]", id_number(0))
    worker.fill("input[name=name]", "赵建国")
    worker.click("form.panel button[type=submit]")
    expect(worker.locator("main")).to_contain_text(certificate.number, timeout=30_000)
    worker.goto(base + certificate.verification_path())
    expect(worker.locator("main")).to_contain_text(certificate.number)
    expect(worker.locator("main")).to_contain_text("焊工")
    # The certificate's PDF from the batch's ZIP (drawn in bulk, signed) proves itself there.
    own_pdf = tmp_path / "own.pdf"
    with zipfile.ZipFile(issued) as issued_zip:
        own_pdf.write_bytes(
            issued_zip.read(next(n for n in issued_zip.namelist() if certificate.number in n))
        )
    worker.set_input_files("input[name=pdf]", str(own_pdf))
    worker.click("#pdf-check button[type=submit]")
    verdict = worker.locator(".verdict")
    expect(verdict).to_contain_text("有效")
    expect(verdict).to_contain_text(certificate.number)
    screenshot(worker)
