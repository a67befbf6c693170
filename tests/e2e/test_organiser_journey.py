"""Journey 4: a competition organiser creates a city competition, imports its contestants from a
spreadsheet, files the out-of-area filing it then needs, the city approves it; the organiser
enters the results, the city recognises a level and issues the certificates on behalf (代章)."""

import io
import re
from datetime import timedelta

import time_machine
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from certificates.models import Certificate
from competitions.models import Competition
from skilleval.demo import make_resident_id
from tests.competition_data import CONTESTANT_HEADERS


def contestants_xlsx() -> bytes:
    """Five lathe operators: three insured in 南京, two with a 苏州 hukou (out of area: 40%)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(CONTESTANT_HEADERS)
    people = [
        ("陈立国", "320115", "36", ""),
        ("刘建华", "320115", "60", ""),
        ("周海涛", "320102", "24", ""),
        ("吴晓峰", "", "0", "320508"),
        ("郑文斌", "", "0", "320506"),
    ]
    for n, (name, insured, months, hukou) in enumerate(people, start=1):
        id_number = make_resident_id("320102", f"19{85 + n}0315", 700 + n)
        sheet.append(
            [name, id_number, "职工组", "6-18-01-01", insured, months, hukou, "", "", "", "6"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_organiser_runs_a_competition_to_certificates(
    demo, live_server, browser, sign_in, screenshot, tmp_path
):
    base = live_server.url
    organiser = browser.new_context().new_page()
    sign_in(organiser, "organiser")

    start = timezone.localdate() + timedelta(days=30)
    organiser.goto(f"{base}/competitions/new/")
    organiser.fill("#id_name", "2027年南京市数控车工职业技能竞赛")
    organiser.select_option("#id_kind", "city")
    organiser.select_option("#id_competition_class", "1")
    organiser.select_option("#id_host_region", "320100")
    organiser.fill("#id_starts_on", start.isoformat())
    organiser.fill("#id_ends_on", (start + timedelta(days=2)).isoformat())
    organiser.fill("#id_contact_phone", "025-83310000")
    organiser.fill("#id_conditions", "从事车工工作2年以上")
    organiser.click("main form button[type=submit]")
    expect(organiser).to_have_url(re.compile(r"/competitions/\d+/"))
    competition = Competition.objects.get(name="2027年南京市数控车工职业技能竞赛")

    organiser.fill("form[action$='/events/#events'] input[name=occupation_code]", "6-18-01-01")
    organiser.click("form[action$='/events/#events'] button[type=submit]")
    organiser.wait_for_load_state()
    assert competition.events.count() == 1

    xlsx = tmp_path / "选手名单.xlsx"
    xlsx.write_bytes(contestants_xlsx())
    organiser.locator("#import summary, details:has(form[action*='import']) summary").first.click()
    organiser.set_input_files("form[action*='/import'] input[type=file]", str(xlsx))
    organiser.click("form[action*='/import'] button[type=submit]")
    organiser.wait_for_load_state()
    assert competition.contestants.filter(eligible=True).count() == 5
    assert competition.contestants.filter(out_of_area=True).count() == 2

    # 40% out of area: a filing with the city HR bureau (54号 二), submitted from the page.
    organiser.goto(f"{base}/competitions/{competition.pk}/")
    organiser.click("form[action$='/filings/'] button[type=submit]")
    organiser.wait_for_load_state()
    filing = competition.filings.get()

    city = browser.new_context().new_page()
    sign_in(city, "nanjing_city")
    city.goto(f"{base}/dashboard/")
    city.click(f"a[href='/competitions/filings/{filing.pk}/']")
    city.fill("form[action$='/decide/#decide'] textarea[name=opinion]", "同意备案。")
    city.click("form[action$='/decide/#decide'] button[value=approve]")
    city.wait_for_load_state()
    filing.refresh_from_db()
    assert filing.status == "approved"

    # The competition takes place; results, recognitions and certificates come after it.
    with time_machine.travel(start + timedelta(days=3), tick=True):
        # A month later the sessions have long ended (30 idle minutes): both sign in again.
        sign_in(organiser, "organiser")
        sign_in(city, "nanjing_city")
        # Results, then recognitions: the city decides level 2 or below for a city competition.
        organiser.goto(f"{base}/competitions/{competition.pk}/results/")
        for rank, contestant in enumerate(competition.contestants.order_by("pk"), start=1):
            organiser.fill(f"input[name=rank-{contestant.pk}]", str(rank))
        organiser.click("main form button[type=submit]")
        organiser.wait_for_load_state()
        organiser.goto(f"{base}/competitions/{competition.pk}/")
        organiser.click(
            f"form[action='/competitions/{competition.pk}/recognitions/'] button[type=submit]"
        )
        organiser.wait_for_load_state()

        city.goto(f"{base}/competitions/recognitions/?competition={competition.pk}")
        first = city.locator("form[action*='/decide/']").first
        first.locator("select[name=level]").select_option("3")
        first.locator("button[value=grant]").click()
        city.wait_for_load_state()

        # Certificates: issued on behalf by the city appraisal centre, so the city presses the button.
        organiser.goto(f"{base}/competitions/{competition.pk}/")
        assert organiser.locator("form[action$='/certificates/']").count() == 0
        city.goto(f"{base}/competitions/{competition.pk}/#certificates")
        city.click("form[action$='/certificates/'] button[type=submit]")
        city.wait_for_load_state()
        issued = Certificate.objects.filter(
            kind="competition", holder_name__in=["陈立国", "刘建华"]
        )
        assert issued.exists()
        expect(city.locator("#certificates")).to_contain_text(issued.first().number)
        screenshot(city)
