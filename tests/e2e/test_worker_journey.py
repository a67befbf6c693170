"""Journey 2: a worker on a phone looks up a certificate by ID number and by certificate number,
gets the same answer for every kind of miss, passes the proof of work after repeated misses,
prints their own certificate, checks the QR verification page, has the PDF's signature checked
there, and files a complaint."""

from certificates.choices import CertificateStatus
from certificates.models import Certificate

PHONE = {"width": 390, "height": 844}


def look_up(page, base, name, *, id_number=None, number=None):
    page.goto(f"{base}/lookup/")
    if number is not None:
        page.click("label:has(input[name=mode][value=number])")
        page.fill("input[name=certificate_number]", number)
    else:
        page.fill("input[name=id_number]", id_number)
    page.fill("input[name=name]", name)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()


def result_text(page) -> str:
    return page.locator("section.results").inner_text()


def test_a_worker_finds_prints_verifies_and_reports(
    demo, live_server, browser, screenshot, tmp_path
):
    certificate = Certificate.objects.filter(status=CertificateStatus.VALID).exclude(pdf="").first()
    assert certificate is not None, "the demo issues certificates with PDFs"
    name, id_number = certificate.holder_name, certificate.id_number
    context = browser.new_context(viewport=PHONE, is_mobile=True, accept_downloads=True)
    page = context.new_page()
    base = live_server.url

    # By ID number (typed with spaces and a lower-case x, as on a phone) and by number.
    look_up(page, base, name, id_number=" ".join([id_number[:6], id_number[6:].lower()]))
    assert certificate.number in result_text(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    look_up(page, base, name, number=certificate.number)
    assert certificate.number in result_text(page)

    # Every miss reads the same, whichever field was wrong.
    look_up(page, base, name + "某", id_number=id_number)
    wrong_name = result_text(page)
    look_up(page, base, name, id_number=id_number[:-4] + "0000")
    wrong_number = result_text(page)
    look_up(page, base, name, number=certificate.number[:-1] + "9")
    assert wrong_name == wrong_number == result_text(page)
    assert certificate.number not in wrong_name

    # Three misses: the next lookup needs a proof of work, which the browser does by itself.
    page.goto(f"{base}/lookup/")
    assert page.locator("[data-pow-token]").count() == 1
    look_up(page, base, name, id_number=id_number)
    assert certificate.number in result_text(page)

    # The holder's own PDF, through the short-lived link of the answer.
    with page.expect_download() as download:
        page.click("a.button[href*='/lookup/download/']")
    pdf = tmp_path / "mine.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The QR code's target: the verification page says valid, never the full ID number.
    page.goto(f"{base}/v/{certificate.verification_token}/")
    text = page.inner_text("main")
    assert certificate.number in text and id_number not in text

    # The PDF proves itself: uploaded on the same page it checks as valid; one changed byte
    # inside the signed content and it reads as altered.
    page.set_input_files("input[name=pdf]", str(pdf))
    page.click("#pdf-check button[type=submit]")
    page.wait_for_load_state()
    verdict = page.locator(".verdict").inner_text()
    assert "有效" in verdict and certificate.number in verdict
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/MediaBox") + len(b"/MediaBox [0 0 ")
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    page.set_input_files("input[name=pdf]", str(changed))
    page.click("#pdf-check button[type=submit]")
    page.wait_for_load_state()
    assert "文件已被改动" in page.locator(".verdict").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A complaint, then its status by reference number.
    page.goto(f"{base}/audits/complaints/new/")
    page.check("input[name=target_type][value=certificate]")
    page.fill("input[name=target_description]", f"证书 {certificate.number}")
    page.fill("textarea[name=content]", "考试当天未见考评人员到场，证书疑为突击核发。")
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    reference = page.locator(".reference").inner_text().strip()
    assert reference.startswith("JB")
    page.click("form[action*='/complaints/status/'] button[type=submit]")
    page.wait_for_load_state()
    assert reference in page.inner_text("main")
    screenshot(page)
    context.close()
