"""Journey 3: a province auditor draws a 双随机 spot check, reproduces it, records the findings,
publishes them for the public, then runs the half-year quality review and downloads its reports."""

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from audits.models import SpotCheck


def test_an_auditor_draws_checks_publishes_and_reviews(
    demo, live_server, page, sign_in, screenshot, tmp_path
):
    sign_in(page, "prov_auditor")

    # Draw 20% of the institutions in the catalog.
    page.goto(f"{live_server.url}/audits/spot-checks/")
    page.click("#draw summary")
    page.fill("#id_ratio", "0.2")
    page.click("#draw button[type=submit]")
    expect(page).to_have_url(re.compile(r"/audits/spot-checks/\d+/"))
    spot_check = SpotCheck.objects.latest("drawn_at")
    assert spot_check.drawn_by.username == "prov_auditor"

    # Anyone can repeat the draw from the recorded seed: it gives the same result.
    page.click("#reproduce button[type=submit]")
    expect(page.locator("#reproduce .notice.good")).to_be_visible()

    # One finding per drawn institution; publishing waits until all are recorded.
    forms = page.locator("form[action*='/finding/']")
    drawn = forms.count()
    assert drawn == spot_check.sample_size >= 1
    for position in range(drawn):
        entity = page.locator("details:has(form[action*='/finding/'])").nth(position)
        entity.locator("summary").click()
        form = entity.locator("form")
        form.locator("select[name$=outcome]").select_option("issues_found")
        form.locator("textarea[name$=detail]").fill("考评人员资格证明缺失两份。")
        form.locator("input[name$=action_taken]").fill("限期整改")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert spot_check.entities.filter(finding__isnull=False).count() == drawn
    page.click("form[action$='/publish/'] button[type=submit]")
    spot_check.refresh_from_db()
    assert spot_check.published_at is not None

    # The public results page shows the findings without the inspectors' names.
    page.goto(f"{live_server.url}/audits/results/")
    expect(page.locator("main")).to_contain_text("限期整改")
    inspector_names = [i.name for e in spot_check.entities.all() for i in e.inspectors.all()]
    assert not any(name in page.inner_text("main") for name in inspector_names)

    # The half-year quality review: run a new version, read it, download PDF and spreadsheet.
    page.goto(f"{live_server.url}/audits/reviews/")
    page.click("form[action$='/reviews/run/'] button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/audits/reviews/")
    page.locator("table a[href*='/audits/reviews/']").first.click()
    expect(page).to_have_url(re.compile(r"/audits/reviews/\d+/"))

    with page.expect_download() as pdf:
        page.click("a[href*='report.pdf']")
    pdf_path = tmp_path / "review.pdf"
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    with page.expect_download() as xlsx:
        page.click("a[href*='report.xlsx']")
    xlsx_path = tmp_path / "review.xlsx"
    xlsx.value.save_as(xlsx_path)
    cells = [str(c.value) for row in load_workbook(xlsx_path).active.iter_rows() for c in row]
    assert any("南京金陵机电装备有限公司" in c for c in cells)

    screenshot(page)
