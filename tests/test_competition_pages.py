"""The competition pages, walked through as their users would: the organiser creates a competition,
adds events and contestants (by form and by spreadsheet), watches the out-of-area ratio and the
filings it needs, files; Nanjing's HR staff decide; results, recognitions and certificates follow;
the public reads the list of 54号 附件3."""

import csv
import io
import shutil
import subprocess
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import Certificate
from competitions.choices import CompetitionFilingStatus, FilingReason, RecognitionStatus
from competitions.models import Competition, CompetitionFiling, Contestant, Event, Recognition
from skilleval import personal_data, rules
from skilleval.choices import Role
from skilleval.models import AuditEntry
from tests.clock import SHANGHAI
from tests.competition_data import CONTESTANT_HEADERS, competition_fields, resident_id
from tests.factories import (
    CompetitionFactory,
    OccupationFactory,
    UserFactory,
    region,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_the_competitions")]


def page(response) -> str:
    return response.content.decode()


def signed_in(client, user):
    client.force_login(user)
    return client


def new_competition(user, host="320100", involved=(), kind="city", klass=1, events=(), **fields):
    """The competition with its conditions, saved as the organiser's form saves it."""
    values = competition_fields(user, host, kind, klass, conditions="从事本职业2年以上", **fields)
    competition = Competition.objects.create(**values)
    competition.regions_involved.set([region(code) for code in involved])
    for occupation in events:
        Event.objects.create(competition=competition, occupation=occupation)
    return competition


def add_contestant(competition, n, *, pension=None, years=0, hukou=None, rank=None, level=None):
    number = resident_id(n)
    return Contestant.objects.create(
        competition=competition,
        event=competition.events.first(),
        name=f"选手{n}",
        group="worker",
        id_number_encrypted=personal_data.encrypt(number),
        id_number_hash=personal_data.keyed_hash(number),
        id_number_masked=personal_data.mask_id_number(number),
        pension_region=region(pension) if pension else None,
        pension_months=years * 12,
        hukou_region=region(hukou) if hukou else None,
        rank=rank,
        current_level=level,
    )


def competition_form(**changes) -> dict:
    data = {
        "name": "南京市第五届车工技能大赛",
        "organiser_name": "南京市总工会",
        "kind": "city",
        "competition_class": "1",
        "host_region": "320100",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-03",
        "conditions": "在南京从事车工2年以上",
        "contact_phone": "025-83311234",
        "involved_cities": ["320500"],
        "involved_counties": ["320583"],
        "other_provinces": "",
    }
    data.update(changes)
    return data


def contestant_form(competition, n, **changes) -> dict:
    data = {
        "event": competition.events.first().pk,
        "name": f"选手{n}",
        "id_type": "resident_id",
        "id_number": resident_id(n),
        "group": "worker",
        "pension_region": "",
        "pension_months": "0",
        "hukou_region": "",
        "school_name": "",
        "school_region": "",
        "current_level": "",
        "work_years": "5",
    }
    data.update(changes)
    return data


def xlsx(rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(CONTESTANT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("选手.xlsx", buffer.getvalue())


def csv_file(rows, headers=CONTESTANT_HEADERS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("选手.csv", buffer.getvalue().encode("utf-8-sig"))


# --- creating a competition --------------------------------------------------------------------


class TestCreating:
    def test_an_organiser_creates_a_competition_with_the_regions_it_involves(
        self, client, organiser
    ):
        signed_in(client, organiser)
        assert client.get(reverse("competition-create")).status_code == 200
        response = client.post(reverse("competition-create"), competition_form())
        competition = Competition.objects.get()
        assert response.status_code == 302
        assert competition.created_by == organiser
        assert {r.code for r in competition.regions_involved.all()} == {"320500", "320583"}
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert "设区市际" in detail and "报省人社厅备案" in detail  # the span, live

    @pytest.mark.parametrize(("amount", "recorded"), [("0", True), ("0.01", False)])
    def test_a_fee_of_any_name_is_listed_free_or_refused_on_the_page(
        self, client, organiser, amount, recorded
    ):
        signed_in(client, organiser)
        competition = CompetitionFactory(created_by=organiser)
        response = client.post(
            reverse("competition-fee-set", args=[competition.pk]),
            {"name": "资料费", "amount": amount},
        )
        if recorded:
            assert response.status_code == 302
            detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
            assert "资料费" in detail
        else:
            assert response.status_code == 200
            assert "资料费" in page(response) and "54号 二" in page(response)
        assert competition.fees.exists() is recorded

    def test_only_organisers_create_competitions(self, client, nanjing_staff):
        signed_in(client, nanjing_staff)
        assert client.get(reverse("competition-create")).status_code == 403

    def test_the_organiser_edits_the_competition_and_nobody_else_may(
        self, client, organiser, nanjing_staff
    ):
        competition = new_competition(organiser)
        signed_in(client, organiser)
        response = client.post(
            reverse("competition-edit", args=[competition.pk]),
            competition_form(name="改名后的大赛", involved_cities=[], involved_counties=[]),
        )
        assert response.status_code == 302
        competition.refresh_from_db()
        assert competition.name == "改名后的大赛"
        assert not competition.regions_involved.exists()
        signed_in(client, nanjing_staff)
        assert client.get(reverse("competition-edit", args=[competition.pk])).status_code == 403


class TestEvents:
    def test_events_are_added_by_occupation_code_and_refusals_are_shown(
        self, client, organiser, lathe
    ):
        OccupationFactory(code="2-07-11-03", name="心理咨询师", levels=(3, 2, 1))
        competition = new_competition(organiser)
        signed_in(client, organiser)
        url = reverse("competition-event-add", args=[competition.pk])
        assert client.post(url, {"occupation_code": "6-18-01-01"}).status_code == 302
        assert competition.events.get().occupation == lathe

        unknown = client.post(url, {"occupation_code": "6-99-99-99"})
        assert "不得擅造职业名称" in page(unknown)
        group_2 = client.post(url, {"occupation_code": "2-07-11-03"})
        assert "第2大类" in page(group_2)
        twice = client.post(url, {"occupation_code": "6-18-01-01"})
        assert "每个赛项对应一个职业" in page(twice)
        assert competition.events.count() == 1


# --- contestants -------------------------------------------------------------------------------


class TestContestants:
    def test_the_page_shows_each_contestants_eligibility_and_the_live_ratio(
        self, client, organiser, lathe
    ):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        add = reverse("competition-contestant-add", args=[competition.pk])
        detail = reverse("competition-detail", args=[competition.pk])

        client.post(
            add, contestant_form(competition, 1, pension_region="320115", pension_months="36")
        )
        first = page(client.get(detail))
        assert "0.0%" in first and "无需备案" in first

        client.post(add, contestant_form(competition, 2, hukou_region="320583"))
        half = page(client.get(detail))
        assert "50.0%" in half and "报设区市人社局备案" in half
        assert "具有我省户籍" in half and "参加我省基本养老保险一年以上" in half

        client.post(add, contestant_form(competition, 3, hukou_region="320583"))
        more = page(client.get(detail))
        assert "66.7%" in more and "报省人社厅备案" in more
        assert "不享受" in more  # a needed filing is missing: no incentives

        client.post(add, contestant_form(competition, 4, pension_months="0"))  # nothing in Jiangsu
        assert "不符合参赛资格" in page(client.get(detail))
        assert Contestant.objects.filter(competition=competition).count() == 4

    def test_a_wrong_id_number_is_refused_and_nothing_is_saved(self, client, organiser, lathe):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        bad = resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1")
        response = client.post(
            reverse("competition-contestant-add", args=[competition.pk]),
            contestant_form(competition, 1, id_number=bad),
        )
        assert "校验位不正确" in page(response)
        assert not Contestant.objects.exists()

    def test_the_plain_id_number_is_never_shown(self, client, organiser, lathe):
        competition = new_competition(organiser, events=[lathe])
        contestant = add_contestant(competition, 1, hukou="320115")
        signed_in(client, organiser)
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert contestant.id_number_masked in detail
        assert resident_id(1) not in detail

    def test_a_spreadsheet_imports_every_row_with_one_audit_entry(self, client, organiser, lathe):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        before = AuditEntry.objects.filter(object_type="competitions.contestant").count()
        upload = xlsx(
            [
                ["王伟", resident_id(1), "职工组", "6-18-01-01", "江宁区", 36, "", "", "", "四级/中级工", 6],
                ["李娜", resident_id(2), "职工组", "6-18-01-01", "", "", "苏州市昆山市", "", "", "", 2],
                ["张敏", resident_id(3), "学生组", "6-18-01-01", "", "", "", "南京技师学院", "320106", "", 0],
                ["刘洋", resident_id(4), "职工组", "6-18-01-01", "安徽省合肥市", "", "", "", "", "", 8],
            ]
        )  # fmt: skip
        response = client.post(
            reverse("competition-contestant-import", args=[competition.pk]), {"file": upload}
        )
        assert response.status_code == 302
        rows = {c.name: c for c in competition.contestants.all()}
        assert (rows["王伟"].eligible, rows["王伟"].basis, rows["王伟"].out_of_area) == (
            True,
            "pension",
            False,
        )
        assert (rows["李娜"].basis, rows["李娜"].out_of_area) == ("hukou", True)
        assert (rows["张敏"].basis, rows["张敏"].out_of_area) == ("school", False)
        assert rows["刘洋"].eligible is False
        assert rows["王伟"].current_level == 4
        after = AuditEntry.objects.filter(object_type="competitions.contestant").count()
        assert after == before + 1  # one summary entry for the bulk insert
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert "33.3%" in detail  # 1 of the 3 eligible contestants is out of area

    def test_a_file_with_three_bad_rows_imports_nothing_and_says_where(
        self, client, organiser, lathe
    ):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        wrong_check = resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1")
        upload = csv_file(
            [
                ["王伟", resident_id(1), "职工组", "6-18-01-01", "江宁区", "36", "", "", "", "", "6"],
                ["李娜", wrong_check, "职工组", "6-18-01-01", "江宁区", "36", "", "", "", "", "6"],
                ["张敏", resident_id(3), "职工组", "4-03-02-01", "江宁区", "36", "", "", "", "", "6"],
                ["刘洋", resident_id(4), "职工组", "6-18-01-01", "", "", "火星", "", "", "", "6"],
                ["陈静", resident_id(5), "职工组", "6-18-01-01", "鼓楼区", "36", "", "", "", "", "6"],
            ]
        )  # fmt: skip
        response = client.post(
            reverse("competition-contestant-import", args=[competition.pk]), {"file": upload}
        )
        text = page(response)
        assert not Contestant.objects.exists()
        assert "未导入任何选手" in text
        assert "校验位不正确" in text and "wrong check character" not in text  # row 3
        assert "不是本竞赛的赛项" in text  # row 4
        assert "无法识别的地区" in text and "Unknown place" not in text  # row 5
        assert "不止一处" in text  # row 6: 鼓楼区 is in 南京 and in 徐州
        assert "第 3 行" in text and "第 6 行" in text

    @pytest.mark.parametrize(("months", "eligible"), [("11", False), ("12", True), ("13", True)])
    def test_imported_pension_months_decide_a_year_exactly(
        self, client, organiser, lathe, months, eligible
    ):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        upload = csv_file(
            [["王伟", resident_id(1), "职工组", "6-18-01-01", "江宁区", months, "", "", "", "", "6"]]
        )  # fmt: skip
        response = client.post(
            reverse("competition-contestant-import", args=[competition.pk]), {"file": upload}
        )
        assert response.status_code == 302
        assert Contestant.objects.get().pension_months == int(months)
        assert Contestant.objects.get().eligible is eligible

    @pytest.mark.parametrize("months", ["1.5", "1201", "-1", "１２"])
    def test_pension_months_are_whole_ascii_months_up_to_1200(
        self, client, organiser, lathe, months
    ):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        upload = csv_file(
            [["王伟", resident_id(1), "职工组", "6-18-01-01", "江宁区", months, "", "", "", "", "6"]]
        )  # fmt: skip
        text = page(
            client.post(
                reverse("competition-contestant-import", args=[competition.pk]), {"file": upload}
            )
        )
        assert not Contestant.objects.exists()
        assert "省内参保月数" in text and "0–1200" in text

    def test_the_old_pension_years_column_is_refused_by_name(
        self, client, organiser, lathe, settings
    ):
        competition = new_competition(organiser, events=[lathe])
        old = [h if h != "省内参保月数" else "省内参保年限" for h in CONTESTANT_HEADERS]
        upload = csv_file(
            [["王伟", resident_id(1), "职工组", "6-18-01-01", "江宁区", "1", "", "", "", "", "6"]],
            headers=old,
        )  # fmt: skip
        signed_in(client, organiser)
        url = reverse("competition-contestant-import", args=[competition.pk])
        text = page(client.post(url, {"file": upload}))
        assert not Contestant.objects.exists()
        assert "“省内参保年限”列已停用" in text and "省内参保月数" in text
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        upload.seek(0)
        text = page(client.post(url, {"file": upload}))
        assert "is no longer accepted" in text

    def test_an_english_reader_sees_the_problems_and_columns_in_english(
        self, client, organiser, lathe, settings
    ):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        upload = csv_file(
            [["王伟", resident_id(1), "职工", "4-03-02-01", "", "", "", "", "", "", ""]]
        )
        text = page(
            client.post(
                reverse("competition-contestant-import", args=[competition.pk]), {"file": upload}
            )
        )
        assert not Contestant.objects.exists()
        assert "Event occupation code" in text and "is not an event of this competition" in text
        assert "赛项职业编码" not in text.split("<tbody>")[1].split("</tbody>")[0]

    def test_the_template_lists_the_chinese_headers(self, client, organiser, lathe):
        from python_calamine import load_workbook

        competition = new_competition(organiser, events=[lathe])
        signed_in(client, organiser)
        response = client.get(reverse("competition-contestant-template", args=[competition.pk]))
        sheet = load_workbook(io.BytesIO(response.content)).get_sheet_by_index(0)
        assert sheet.to_python()[0] == CONTESTANT_HEADERS


# --- filings -----------------------------------------------------------------------------------


class TestFilings:
    def test_the_organiser_files_and_the_city_approves(
        self, client, organiser, lathe, nanjing_staff, suzhou_staff
    ):
        competition = new_competition(organiser, events=[lathe])
        add_contestant(competition, 1, pension="320115", years=3)
        add_contestant(competition, 2, hukou="320583")  # 50%: the city's filing
        signed_in(client, organiser)
        client.post(
            reverse("competition-filing-submit", args=[competition.pk]),
            {"reason": FilingReason.OUT_OF_AREA},
        )
        filing = CompetitionFiling.objects.get()
        assert (filing.level, filing.authority.code) == ("city", "320100")

        signed_in(client, suzhou_staff)
        assert client.get(reverse("competition-filing-detail", args=[filing.pk])).status_code == 404
        assert "南京市车工技能大赛" not in page(client.get(reverse("competition-filing-list")))

        signed_in(client, nanjing_staff)
        listed = page(client.get(reverse("competition-filing-list")))
        assert "待您审核" in listed
        response = client.post(
            reverse("competition-filing-decide", args=[filing.pk]),
            {"decision": "approve", "opinion": "同意备案"},
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert (filing.status, filing.city_opinion) == (
            CompetitionFilingStatus.APPROVED,
            "同意备案",
        )
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert "享受竞赛支持激励政策" in detail and "不享受" not in detail

    def test_another_citys_staff_cannot_decide(self, client, organiser, lathe, suzhou_staff):
        competition = new_competition(organiser, involved=["320500"], events=[lathe])
        filing = competition.file(FilingReason.CROSS_REGION, user=organiser)  # the province's
        signed_in(client, suzhou_staff)  # Suzhou is involved, so it sees the filing
        detail = page(client.get(reverse("competition-filing-detail", args=[filing.pk])))
        assert "同意备案" not in detail
        response = client.post(
            reverse("competition-filing-decide", args=[filing.pk]), {"decision": "approve"}
        )
        assert response.status_code == 403
        filing.refresh_from_db()
        assert filing.status == CompetitionFilingStatus.SUBMITTED

    def test_county_staff_record_the_county_opinion(
        self, client, organiser, lathe, jiangning_staff
    ):
        competition = new_competition(organiser, host="320115", involved=["320106"], events=[lathe])
        filing = competition.file(FilingReason.CROSS_REGION, user=organiser)
        signed_in(client, jiangning_staff)
        client.post(
            reverse("competition-filing-opinion", args=[filing.pk]), {"opinion": "情况属实"}
        )
        filing.refresh_from_db()
        assert filing.county_opinion == "情况属实"

    def test_a_cross_region_filing_after_the_start_is_refused_on_the_page(
        self, client, organiser, lathe
    ):
        competition = new_competition(organiser, involved=["320500"], events=[lathe])
        with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)):
            signed_in(client, organiser)
            detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
            assert "已不能报备" in detail
            response = client.post(
                reverse("competition-filing-submit", args=[competition.pk]),
                {"reason": FilingReason.CROSS_REGION},
                follow=True,
            )
        assert "提前报备" in page(response) or "开始前" in page(response)
        assert not CompetitionFiling.objects.exists()

    def test_the_filing_form_downloads_as_a_pdf_with_the_chinese_title(
        self, client, organiser, lathe, nanjing_staff
    ):
        competition = new_competition(organiser, involved=["320500"], events=[lathe])
        filing = competition.file(FilingReason.CROSS_REGION, user=organiser)
        filing.record_opinion(user=nanjing_staff, opinion="同意报省厅备案")
        signed_in(client, organiser)
        response = client.get(reverse("competition-filing-pdf", args=[filing.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        if not shutil.which("pdftotext"):
            pytest.skip("needs pdftotext (Debian poppler-utils)")
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        for words in (
            "职业技能竞赛跨区域办赛备案表",
            "南京市总工会",
            "市级一类赛",
            "车工",
            "同意报省厅备案",
        ):
            assert words in text


# --- results, recognitions, certificates --------------------------------------------------------


@pytest.mark.usefixtures("after_the_competitions")
class TestResults:
    def test_ranks_recognition_and_certificates(
        self, client, organiser, lathe, nanjing_staff, nanjing_centre
    ):
        competition = new_competition(organiser, events=[lathe])
        first = add_contestant(competition, 1, pension="320115", years=3, level=4)
        second = add_contestant(competition, 2, pension="320106", years=2, level=4)
        add_contestant(competition, 3, pension="320106", years=2)
        signed_in(client, organiser)
        results = reverse("competition-results", args=[competition.pk])
        assert client.get(results).status_code == 200
        client.post(results, {f"rank-{first.pk}": "1", f"rank-{second.pk}": "2"})
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.rank, second.rank) == (1, 2)
        # Swapping places works under the unique (event, rank).
        client.post(results, {f"rank-{first.pk}": "2", f"rank-{second.pk}": "1"})
        first.refresh_from_db()
        assert first.rank == 2

        client.post(reverse("competition-recognitions-propose", args=[competition.pk]))
        assert Recognition.objects.count() == 2
        recognition = Recognition.objects.get(contestant=first)
        assert recognition.decided_by == "city_or_county"

        signed_in(client, nanjing_staff)
        listed = page(client.get(reverse("competition-recognition-list")))
        assert "选手1" in listed
        client.post(
            reverse("competition-recognition-decide", args=[recognition.pk]),
            {"decision": "grant", "level": "3"},
        )
        recognition.refresh_from_db()
        assert (recognition.status, recognition.level) == (RecognitionStatus.GRANTED, 3)

        # The city centre issues on behalf (代章): the organiser has no button and is refused.
        signed_in(client, organiser)
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert "为获奖的合格选手核发竞赛证书" not in detail
        client.post(reverse("competition-certificates", args=[competition.pk]))
        assert not Certificate.objects.filter(kind="competition").exists()
        signed_in(client, nanjing_staff)
        client.post(reverse("competition-certificates", args=[competition.pk]))
        certificates = list(Certificate.objects.filter(kind="competition"))
        assert len(certificates) == 2
        for certificate in certificates:
            assert certificate.institution == nanjing_centre
            assert certificate.signatory == "陈立新"
            assert certificate.level is None
            decision = rules.evaluate(
                "certificate.number_format", {"kind": "competition", "number": certificate.number}
            )
            assert decision.result["valid"], certificate.number
        client.post(reverse("competition-certificates", args=[competition.pk]))
        assert Certificate.objects.filter(kind="competition").count() == 2  # idempotent
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert certificates[0].number in detail

    def test_a_rank_given_twice_is_refused(self, client, organiser, lathe):
        competition = new_competition(organiser, events=[lathe])
        a = add_contestant(competition, 1, pension="320115", years=3)
        b = add_contestant(competition, 2, pension="320115", years=3)
        signed_in(client, organiser)
        response = client.post(
            reverse("competition-results", args=[competition.pk]),
            {f"rank-{a.pk}": "1", f"rank-{b.pk}": "1"},
        )
        assert "名次 1 重复" in page(response)
        assert not Contestant.objects.filter(rank__isnull=False).exists()

    def test_a_competition_that_lost_its_incentives_gets_no_recognition(
        self, client, organiser, lathe
    ):
        competition = new_competition(organiser, involved=["320500"], events=[lathe])
        add_contestant(competition, 1, pension="320115", years=3, rank=1)
        signed_in(client, organiser)
        response = client.post(
            reverse("competition-recognitions-propose", args=[competition.pk]), follow=True
        )
        assert "不予直接认定" in page(response) and "54号 二" in page(response)
        assert not Recognition.objects.exists()

    def test_without_an_appraisal_centre_no_certificate_is_issued(self, client, organiser, lathe):
        competition = new_competition(organiser, events=[lathe])
        add_contestant(competition, 1, pension="320115", years=3, rank=1)
        signed_in(client, organiser)
        response = client.post(
            reverse("competition-certificates", args=[competition.pk]), follow=True
        )
        assert "尚无登记的市职业技能鉴定机构" in page(response)
        assert not Certificate.objects.exists()


# --- scoping and the public list ------------------------------------------------------------------


class TestScoping:
    def test_an_organiser_sees_only_their_own_competitions(self, client, organiser):
        mine = new_competition(organiser, name="我的大赛")
        other = UserFactory(username="other-org", role=Role.COMPETITION_ORGANISER)
        theirs = new_competition(other, name="别人的大赛")
        signed_in(client, organiser)
        listed = page(client.get(reverse("competition-list")))
        assert "我的大赛" in listed and "别人的大赛" not in listed
        assert client.get(reverse("competition-detail", args=[mine.pk])).status_code == 200
        assert client.get(reverse("competition-detail", args=[theirs.pk])).status_code == 404

    def test_city_staff_see_their_citys_competitions(
        self, client, organiser, nanjing_staff, suzhou_staff
    ):
        nanjing = new_competition(organiser, name="南京的大赛")
        signed_in(client, nanjing_staff)
        assert client.get(reverse("competition-detail", args=[nanjing.pk])).status_code == 200
        signed_in(client, suzhou_staff)
        assert client.get(reverse("competition-detail", args=[nanjing.pk])).status_code == 404
        assert "南京的大赛" not in page(client.get(reverse("competition-list")))

    def test_staff_do_not_get_the_organisers_forms(self, client, organiser, nanjing_staff, lathe):
        competition = new_competition(organiser, events=[lathe])
        signed_in(client, nanjing_staff)
        detail = page(client.get(reverse("competition-detail", args=[competition.pk])))
        assert "登记选手" not in detail and "添加赛项" not in detail
        response = client.post(
            reverse("competition-event-add", args=[competition.pk]),
            {"occupation_code": "6-18-01-01"},
        )
        assert response.status_code == 403


class TestPublicList:
    def test_anyone_sees_the_competitions_with_organiser_events_dates_conditions_and_phone(
        self, client, organiser, lathe
    ):
        new_competition(organiser, events=[lathe])
        new_competition(organiser, name="苏州市家政服务员大赛", host="320508", kind="county")
        response = client.get(reverse("competition-public"))
        text = page(response)
        assert response.status_code == 200
        for words in (
            "南京市车工技能大赛",
            "南京市总工会",
            "车工",
            "2026-12-01",
            "从事本职业2年以上",
        ):
            assert words in text
        assert 'href="tel:02512345678"' in text

        by_city = page(client.get(reverse("competition-public"), {"city": "320500"}))
        assert "苏州市家政服务员大赛" in by_city and "南京市车工技能大赛" not in by_city
        by_level = page(client.get(reverse("competition-public"), {"kind": "city"}))
        assert "南京市车工技能大赛" in by_level and "苏州市家政服务员大赛" not in by_level

        new_competition(
            organiser, name="往届车工大赛", starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 2)
        )
        upcoming = page(client.get(reverse("competition-public"), {"when": "upcoming"}))
        assert "南京市车工技能大赛" in upcoming and "往届车工大赛" not in upcoming
