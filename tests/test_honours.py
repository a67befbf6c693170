"""实施意见 十六 表彰认定: who records which honour, the level the clause gives, the certificate
issued once by the right body, and the same refusal on the page and in the API."""

import html
import threading
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from certificates.choices import CertificateKind
from certificates.models import Certificate
from competitions.choices import HonourKind, HonourStatus
from competitions.models import Honour
from institutions.choices import InstitutionKind
from skilleval.actions import Forbidden
from skilleval.choices import Role
from skilleval.demo import make_resident_id
from tests.factories import (
    HonourFactory,
    InstitutionFactory,
    UserFactory,
    region,
)

TODAY = date(2026, 3, 10)
TOP = [
    HonourKind.CHINA_SKILLS_AWARD,
    HonourKind.NATIONAL_TECHNICAL_EXPERT,
    HonourKind.JIANGSU_SKILLS_AWARD,
]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def provincial_centre(db):
    return InstitutionFactory(
        name="江苏省职业技能鉴定中心",
        kind=InstitutionKind.APPRAISAL_CENTRE,
        county=None,
        city=region("320000"),
        responsible_person="省中心主任",
        province_serial="000001",
        ministry_code="1001",
    )


@pytest.fixture
def nanjing_centre(db):
    return InstitutionFactory(
        name="南京市职业技能鉴定指导中心",
        kind=InstitutionKind.APPRAISAL_CENTRE,
        county=region("320106"),
        responsible_person="陈立新",
        province_serial="000002",
        ministry_code="1002",
    )


def facts(occupation, kind=HonourKind.OTHER, n=1, **extra):
    return {
        "name": "李技能",
        "id_type": "resident_id",
        "id_number": make_resident_id("320102", "19850101", n),
        "kind": kind,
        "title": "" if kind != HonourKind.OTHER else "南京市技术能手",
        "awarding_body": "江苏省人民政府" if kind != HonourKind.OTHER else "南京市人民政府",
        "document_number": f"苏政发〔2025〕{n}号",
        "awarded_on": date(2025, 12, 1),
        "occupation": occupation,
        **extra,
    }


class TestWhoRecords:
    @pytest.mark.parametrize("kind", TOP)
    def test_the_province_records_a_top_honour_as_level_1(self, province_admin, lathe, kind):
        honour = Honour.record(user=province_admin, **facts(lathe, kind))
        assert honour.level == 1
        assert honour.region_id == "320000"
        assert honour.status == HonourStatus.RECORDED
        assert honour.id_number_masked.startswith("3201") and "*" in honour.id_number_masked

    @pytest.mark.parametrize("kind", TOP)
    def test_a_city_may_not_record_a_top_honour(self, nanjing_staff, lathe, kind):
        with pytest.raises(Forbidden, match="省级"):
            Honour.record(user=nanjing_staff, **facts(lathe, kind))

    def test_a_city_and_a_county_record_other_honours_for_their_own_area(
        self, nanjing_staff, jiangning_staff, lathe
    ):
        city = Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        county = Honour.record(user=jiangning_staff, **facts(lathe, n=2, level=3))
        assert (city.region_id, city.level) == ("320100", 2)
        assert (county.region_id, county.level) == ("320115", 3)

    @pytest.mark.parametrize("role", ["province", "institution", "organiser", "auditor"])
    def test_no_one_else_records_another_honour(self, role, province_admin, alice, lathe):
        user = {
            "province": province_admin,
            "institution": alice,
            "organiser": UserFactory(username="org", role=Role.COMPETITION_ORGANISER),
            "auditor": UserFactory(username="aud", role=Role.PROVINCE_AUDITOR),
        }[role]
        with pytest.raises(Forbidden, match="市、县"):
            Honour.record(user=user, **facts(lathe, level=2))

    def test_an_institution_may_not_record_a_top_honour(self, alice, lathe):
        with pytest.raises(Forbidden):
            Honour.record(user=alice, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))


class TestLevel:
    @pytest.mark.parametrize(("level", "ok"), [(1, False), (2, True), (3, True), (5, True)])
    def test_other_honours_are_never_above_technician(self, nanjing_staff, lathe, level, ok):
        if ok:
            assert Honour.record(user=nanjing_staff, **facts(lathe, level=level)).level == level
        else:
            with pytest.raises(ValidationError, match="二级/技师及以下"):
                Honour.record(user=nanjing_staff, **facts(lathe, level=level))

    def test_the_level_of_another_honour_must_be_chosen(self, nanjing_staff, lathe):
        with pytest.raises(ValidationError, match="请选择认定等级"):
            Honour.record(user=nanjing_staff, **facts(lathe))

    def test_a_top_honour_takes_no_other_level(self, province_admin, lathe):
        with pytest.raises(ValidationError, match="不另选等级"):
            Honour.record(
                user=province_admin, **facts(lathe, HonourKind.CHINA_SKILLS_AWARD, level=2)
            )
        honour = Honour.record(
            user=province_admin, **facts(lathe, HonourKind.CHINA_SKILLS_AWARD, level=1)
        )
        assert honour.level == 1

    def test_the_database_refuses_a_top_honour_below_level_1(self, lathe):
        with pytest.raises(IntegrityError), transaction.atomic():
            HonourFactory(kind=HonourKind.JIANGSU_SKILLS_AWARD, level=2, region=region("320000"))

    def test_the_database_refuses_another_honour_at_level_1(self, lathe):
        with pytest.raises(IntegrityError), transaction.atomic():
            HonourFactory(level=1)

    def test_the_database_keeps_one_recognition_per_person_and_honour(self, lathe):
        number = make_resident_id("320102", "19850101", 7)
        HonourFactory(id_number=number, document_number="宁政发〔2024〕9号")
        with pytest.raises(IntegrityError), transaction.atomic():
            HonourFactory(id_number=number, document_number="宁政发〔2024〕9号")

    def test_recording_the_same_honour_twice_is_refused(self, nanjing_staff, lathe):
        Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        with pytest.raises(ValidationError, match="已登记"):
            Honour.record(user=nanjing_staff, **facts(lathe, level=2))


class TestInForce:
    @pytest.mark.parametrize(
        ("day", "ok"),
        [
            (date(2019, 12, 31), False),
            (date(2020, 1, 1), True),
            (date(2020, 1, 2), True),
        ],
    )
    def test_no_direct_recognition_for_an_honour_before_the_clause(
        self, province_admin, lathe, day, ok
    ):
        data = facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD, awarded_on=day)
        if ok:
            assert Honour.record(user=province_admin, **data).level == 1
        else:
            with pytest.raises(ValidationError, match=r"2020-01-01|2020年"):
                Honour.record(user=province_admin, **data)

    @pytest.mark.parametrize(
        ("day", "ok"),
        [
            (date(2026, 3, 9), True),
            (date(2026, 3, 10), True),
            (date(2026, 3, 11), False),
        ],
    )
    def test_an_honour_cannot_be_dated_after_today(self, province_admin, lathe, day, ok):
        data = facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD, awarded_on=day)
        if ok:
            Honour.record(user=province_admin, **data)
        else:
            with pytest.raises(ValidationError, match="不能晚于今天"):
                Honour.record(user=province_admin, **data)

    def test_a_bad_id_number_is_refused(self, province_admin, lathe):
        data = facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD, id_number="3201021985010112")
        with pytest.raises(ValidationError):
            Honour.record(user=province_admin, **data)


class TestCertificate:
    def test_the_province_issues_level_1_from_the_provincial_centre_once(
        self, province_admin, lathe, provincial_centre, nanjing_centre
    ):
        honour = Honour.record(user=province_admin, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))
        certificate = honour.recognise(user=province_admin)
        assert certificate.institution == provincial_centre
        assert certificate.kind == CertificateKind.SKILL_LEVEL and certificate.level == 1
        # S + ministry code + 32 + province serial + yy + level + sequence
        assert certificate.number == "S1001" + "32" + "000001" + "26" + "1" + "000001"
        assert certificate.holder_name == "李技能" and certificate.signatory == "省中心主任"
        honour.refresh_from_db()
        assert honour.status == HonourStatus.RECOGNISED and honour.certificate == certificate
        with pytest.raises(ValidationError, match="已办理"):
            honour.recognise(user=province_admin)
        assert Certificate.objects.count() == 1

    def test_a_city_issues_its_honour_from_its_centre(
        self, nanjing_staff, lathe, provincial_centre, nanjing_centre
    ):
        honour = Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        certificate = honour.recognise(user=nanjing_staff)
        assert certificate.institution == nanjing_centre
        assert certificate.number.startswith("S1002" + "32" + "000002" + "26" + "2")

    def test_a_county_honour_is_issued_by_the_city_centre_when_the_county_has_none(
        self, jiangning_staff, lathe, nanjing_centre
    ):
        honour = Honour.record(user=jiangning_staff, **facts(lathe, level=3))
        assert honour.recognise(user=jiangning_staff).institution == nanjing_centre

    def test_only_the_recording_body_issues(
        self,
        province_admin,
        nanjing_staff,
        suzhou_staff,
        jiangning_staff,
        lathe,
        nanjing_centre,
        provincial_centre,
    ):
        city_honour = Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        top = Honour.record(
            user=province_admin, **facts(lathe, HonourKind.NATIONAL_TECHNICAL_EXPERT, n=2)
        )
        for user, honour in [
            (suzhou_staff, city_honour),
            (jiangning_staff, city_honour),
            (province_admin, city_honour),
            (nanjing_staff, top),
        ]:
            with pytest.raises(Forbidden):
                honour.recognise(user=user)
        assert Certificate.objects.count() == 0

    def test_without_a_registered_centre_nothing_is_issued(self, province_admin, lathe):
        honour = Honour.record(user=province_admin, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))
        with pytest.raises(ValidationError, match="鉴定中心"):
            honour.recognise(user=province_admin)
        honour.refresh_from_db()
        assert honour.status == HonourStatus.RECORDED

    def test_a_refusal_needs_a_reason_and_is_final(self, nanjing_staff, lathe, nanjing_centre):
        honour = Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        with pytest.raises(ValidationError, match="理由"):
            honour.refuse(user=nanjing_staff, reason=" ")
        honour.refuse(user=nanjing_staff, reason="表彰文件不属于政府部门技能人才表彰")
        assert honour.status == HonourStatus.REFUSED
        with pytest.raises(ValidationError, match="已办理"):
            honour.recognise(user=nanjing_staff)
        # a refused record does not block a corrected one
        Honour.record(user=nanjing_staff, **facts(lathe, level=2))


class TestScoping:
    def test_each_body_sees_its_own(
        self, province_admin, nanjing_staff, suzhou_staff, jiangning_staff, lathe
    ):
        nanjing = Honour.record(user=nanjing_staff, **facts(lathe, level=2))
        jiangning = Honour.record(user=jiangning_staff, **facts(lathe, n=2, level=3))
        suzhou = Honour.record(user=suzhou_staff, **facts(lathe, n=3, level=2))
        top = Honour.record(user=province_admin, **facts(lathe, HonourKind.CHINA_SKILLS_AWARD, n=4))
        seen = lambda user: set(Honour.objects.visible_to(user))  # noqa: E731
        assert seen(province_admin) == {nanjing, jiangning, suzhou, top}
        assert seen(nanjing_staff) == {nanjing, jiangning}
        assert seen(jiangning_staff) == {jiangning}
        assert seen(suzhou_staff) == {suzhou}


def form(occupation, kind=HonourKind.OTHER, n=1, **extra) -> dict:
    data = facts(occupation, kind, n, **extra)
    data["occupation"] = occupation.pk
    data["awarded_on"] = data["awarded_on"].isoformat()
    return {k: ("" if v is None else v) for k, v in data.items()}


def page_errors(response) -> str:
    return html.unescape(response.content.decode())


class TestPagesAndApi:
    """The page and the API call the same model methods and give the same answer."""

    def test_a_city_records_and_issues_through_the_pages(
        self, client, nanjing_staff, lathe, nanjing_centre
    ):
        client.force_login(nanjing_staff)
        response = client.post(reverse("honour-create"), form(lathe, level=2))
        honour = Honour.objects.get()
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("honour-detail", args=[honour.pk])
        )
        detail = client.get(reverse("honour-detail", args=[honour.pk])).content.decode()
        assert "认定并核发证书" in detail
        client.post(reverse("honour-recognise", args=[honour.pk]))
        honour.refresh_from_db()
        assert honour.status == HonourStatus.RECOGNISED
        assert honour.certificate.number in client.get(reverse("honour-list")).content.decode()

    @pytest.mark.parametrize(
        ("who", "data", "answer"),
        [
            ("city", {"kind": HonourKind.JIANGSU_SKILLS_AWARD}, 403),
            ("institution", {"level": 2}, 403),
            ("city", {"level": 1}, "二级/技师及以下"),
            (
                "province",
                {"kind": HonourKind.CHINA_SKILLS_AWARD, "awarded_on": date(2019, 12, 31)},
                "2020",
            ),
        ],
    )
    def test_recording_gives_the_same_refusal_on_the_page_and_in_the_api(
        self, client, api_as, who, data, answer, nanjing_staff, alice, province_admin, lathe
    ):
        user = {"city": nanjing_staff, "institution": alice, "province": province_admin}[who]
        client.force_login(user)
        body = form(lathe, **data)
        on_page = client.post(reverse("honour-create"), body)
        in_api = api_as(user).post(
            "/api/v1/honours/", {k: v for k, v in body.items() if v != ""}, format="json"
        )
        if answer == 403:
            assert on_page.status_code == 403 and in_api.status_code == 403
        else:
            assert on_page.status_code == 200 and answer in page_errors(on_page)
            assert in_api.status_code == 400 and answer in " ".join(in_api.json()["detail"])
        assert not Honour.objects.exists()

    def test_issuing_gives_the_same_answer_on_the_page_and_in_the_api(
        self, client, api_as, province_admin, nanjing_staff, lathe, provincial_centre
    ):
        honour = Honour.record(user=province_admin, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))
        city_honour = Honour.record(user=nanjing_staff, **facts(lathe, n=2, level=2))
        # the city does not see the province's honour; the province sees the city's, but the
        # city issues it
        for user, target, status in [
            (nanjing_staff, honour, 404),
            (province_admin, city_honour, 403),
        ]:
            client.force_login(user)
            assert client.post(reverse("honour-recognise", args=[target.pk])).status_code == status
            api = api_as(user).post(f"/api/v1/honours/{target.pk}/recognise/")
            assert api.status_code == status
        answer = api_as(province_admin).post(f"/api/v1/honours/{honour.pk}/recognise/")
        assert answer.status_code == 200 and answer.json()["status"] == HonourStatus.RECOGNISED
        number = answer.json()["certificate_number"]
        assert number.startswith("S1001" + "32" + "000001" + "261")
        client.force_login(province_admin)
        again = client.post(reverse("honour-recognise", args=[honour.pk]), follow=True)
        assert "已办理" in page_errors(again)
        assert api_as(province_admin).post(f"/api/v1/honours/{honour.pk}/recognise/").json()[
            "detail"
        ] == ["该表彰认定已办理"]
        assert Certificate.objects.count() == 1

    def test_the_api_never_reads_back_the_id_number(self, api_as, province_admin, lathe):
        body = form(lathe, HonourKind.NATIONAL_TECHNICAL_EXPERT)
        answer = api_as(province_admin).post(
            "/api/v1/honours/", {k: v for k, v in body.items() if v != ""}, format="json"
        )
        assert answer.status_code == 201, answer.content
        assert body["id_number"] not in answer.content.decode()
        assert answer.json()["level"] == 1 and answer.json()["region"] == "320000"

    def test_a_city_never_sees_another_citys_honour(
        self, client, api_as, nanjing_staff, suzhou_staff, lathe
    ):
        theirs = Honour.record(user=suzhou_staff, **facts(lathe, level=2))
        client.force_login(nanjing_staff)
        assert client.get(reverse("honour-detail", args=[theirs.pk])).status_code == 404
        assert theirs.name not in client.get(reverse("honour-list")).content.decode()
        assert api_as(nanjing_staff).get(f"/api/v1/honours/{theirs.pk}/").status_code == 404
        assert api_as(nanjing_staff).get("/api/v1/honours/").json()["count"] == 0

    def test_the_competitions_page_leads_to_the_honours(self, client, nanjing_staff):
        client.force_login(nanjing_staff)
        assert reverse("honour-list") in client.get(reverse("competition-list")).content.decode()


def test_two_clerks_recognising_at_once_issue_one_certificate(
    live_db, on_postgres, province_admin, lathe, provincial_centre
):
    """The honour's row lock: of two presses at the same moment, one issues, the other is told."""
    from django.db import connection

    honour = Honour.record(user=province_admin, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))
    together, answers = threading.Barrier(2), []

    def press():
        try:
            together.wait()
            answers.append(Honour.objects.get(pk=honour.pk).recognise(user=province_admin).number)
        except ValidationError as refusal:
            answers.append(refusal.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == sorted(["S1001320000012610000" + "01", "该表彰认定已办理"])
    assert Certificate.objects.filter(holder_name="李技能").count() == 1


def test_each_body_finds_the_honours_it_recognises_on_its_to_do_list(
    province_admin, nanjing_staff, jiangning_staff, suzhou_staff, lathe, nanjing_centre
):
    from skilleval.worklist import honours_to_recognise

    top = Honour.record(user=province_admin, **facts(lathe, HonourKind.JIANGSU_SKILLS_AWARD))
    city = Honour.record(user=nanjing_staff, **facts(lathe, n=2, level=2))
    county = Honour.record(user=jiangning_staff, **facts(lathe, n=3, level=4))
    done = Honour.record(user=nanjing_staff, **facts(lathe, n=4, level=3))
    done.recognise(user=nanjing_staff)
    waiting = {
        user.username: [task.url for task in honours_to_recognise(user).tasks]
        for user in (province_admin, nanjing_staff, jiangning_staff, suzhou_staff)
    }
    detail = lambda honour: reverse("honour-detail", args=[honour.pk])  # noqa: E731
    assert waiting == {
        province_admin.username: [detail(top)],
        nanjing_staff.username: [detail(city)],  # the county's is the county's to recognise
        jiangning_staff.username: [detail(county)],
        suzhou_staff.username: [],
    }
