"""Every action gives the same answer through its page and through the API: the same actor, in the
same state, is allowed with the same effect, or refused (403) for who they are, or refused (400 /
the page's message) with the same reason. Each case runs the page inside a savepoint that is
rolled back, then the API on the very same state."""

import html
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from competitions.models import Competition, CompetitionFiling
from institutions.choices import (
    BatchStatus,
    EligibilityStatus,
    FilingStatus,
)
from institutions.models import Batch, Filing, FilingItem
from skilleval.choices import JobKind, Role
from skilleval.models import Job
from tests.clock import SHANGHAI, on
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    make_candidate,
    planned_batch,
    region,
)

pytestmark = pytest.mark.django_db
ROSTER = "姓名,证件号码\n".encode()


@dataclass
class Case:
    """One action, one actor, one state; `page` is (URL name, form data), `api` (path after
    /api/v1/<collection>/<pk>/, body); `answer` is "allowed", "forbidden" or a reason both show.
    `on` names the object acted on: the batch, a submitted filing, the approved filing, the
    competition or its submitted filing."""

    id: str
    actor: str
    state: dict
    page: tuple
    api: tuple
    answer: str
    files: dict = field(default_factory=dict)
    on: str = "batch"


def roster_file():
    return SimpleUploadedFile("roster.csv", ROSTER, content_type="text/csv")


CASES = [
    Case("publish-plan", "alice", {}, ("batch-publish", {}), ("publish-plan", {}), "allowed"),
    Case(
        "publish-plan-by-the-city",
        "city",
        {},
        ("batch-publish", {}),
        ("publish-plan", {}),
        "forbidden",
    ),
    Case(
        "publish-plan-twice",
        "alice",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-publish", {}),
        ("publish-plan", {}),
        "批次当前状态为“计划已发布",
    ),
    # "May a roster be uploaded now" is Batch.check_roster_upload, asked by both doors.
    Case(
        "roster-before-the-plan",
        "alice",
        {},
        ("batch-roster-upload", {}),
        ("roster", {}),
        "只有计划已发布的批次可以导入考生名单",
        files={"file": roster_file},
    ),
    Case(
        "roster-by-the-city",
        "city",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-roster-upload", {}),
        ("roster", {}),
        "forbidden",
        files={"file": roster_file},
    ),
    Case(
        "roster-while-the-plan-is-published",
        "alice",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-roster-upload", {}),
        ("roster", {}),
        "allowed",
        files={"file": roster_file},
    ),
    Case(
        "close-an-empty-roster",
        "alice",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-close-roster", {}),
        ("close-roster", {}),
        "尚未录入考生",
    ),
    Case(
        "close-an-empty-roster-by-the-city",  # who before why not
        "city",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-close-roster", {}),
        ("close-roster", {}),
        "forbidden",
    ),
    # Adding a room is Batch.add_room: from the plan until the rooms are arranged, on both doors.
    Case(
        "room-while-the-plan-is-published",
        "alice",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-room-add", {"name": "第01考场", "capacity": 5}),
        ("rooms", {"name": "第01考场", "capacity": 5}),
        "allowed",
    ),
    Case(
        "room-with-a-name-taken",
        "alice",
        {"status": BatchStatus.PLAN_PUBLISHED, "room": "第01考场"},
        ("batch-room-add", {"name": "第01考场", "capacity": 5}),
        ("rooms", {"name": "第01考场", "capacity": 5}),
        "本批次已有考场“第01考场”",
    ),
    Case(
        "room-after-arranging",
        "alice",
        {"status": BatchStatus.ROOMS_ARRANGED},
        ("batch-room-add", {"name": "第02考场", "capacity": 5}),
        ("rooms", {"name": "第02考场", "capacity": 5}),
        "不能再增加考场",
    ),
    Case(
        "room-by-the-city",
        "city",
        {"status": BatchStatus.PLAN_PUBLISHED},
        ("batch-room-add", {"name": "第01考场", "capacity": 5}),
        ("rooms", {"name": "第01考场", "capacity": 5}),
        "forbidden",
    ),
    # Approving: who before when (54号 五), then the publicity period.
    Case(
        "approve-by-the-institution",
        "alice",
        {"status": BatchStatus.RESULTS_PUBLICISED, "publicised_on": date(2026, 11, 5)},
        ("batch-approve", {}),
        ("approve-results", {}),
        "forbidden",
    ),
    Case(
        "approve-during-the-publicity",
        "city",
        {"status": BatchStatus.RESULTS_PUBLICISED, "publicised_on": date(2026, 11, 5)},
        ("batch-approve", {}),
        ("approve-results", {}),
        "公示",
    ),
    Case(
        "return-by-the-institution",
        "alice",
        {"status": BatchStatus.RESULTS_PUBLICISED, "publicised_on": date(2026, 11, 5)},
        ("batch-return", {"reason": "成绩有误"}),
        ("return-results", {"reason": "成绩有误"}),
        "forbidden",
    ),
    Case(
        "return-by-the-city",
        "city",
        {"status": BatchStatus.RESULTS_PUBLICISED, "publicised_on": date(2026, 11, 5)},
        ("batch-return", {"reason": "成绩有误"}),
        ("return-results", {"reason": "成绩有误"}),
        "allowed",
    ),
    # Who signs off is Batch.may_be_signed_off_by (54号 四), on the page and in the model.
    Case(
        "sign-off-by-staff",
        "alice",
        {"status": BatchStatus.RESULTS_APPROVED},
        ("batch-sign-off", {}),
        ("sign-off", {}),
        "forbidden",
    ),
    Case(
        "sign-off-before-approval",
        "signatory",
        {"status": BatchStatus.EXAMINED},
        ("batch-sign-off", {}),
        ("sign-off", {}),
        "成绩审核通过后方可签发证书",
    ),
    Case(
        "cancel-without-a-reason-by-the-city",
        "city",
        {},
        ("batch-cancel", {"reason": "不办了"}),
        ("cancel", {"reason": "不办了"}),
        "forbidden",
    ),
    Case(
        "cancel",
        "alice",
        {},
        ("batch-cancel", {"reason": "考点变更"}),
        ("cancel", {"reason": "考点变更"}),
        "allowed",
    ),
    # Filings: the department it is filed with decides (Filing.may_be_decided_by, 54号 五).
    Case(
        "reject-a-filing-by-the-institution",
        "alice",
        {},
        ("filing-reject", {"reason": "材料不全"}),
        ("reject", {"reason": "材料不全"}),
        "forbidden",
        on="filing",
    ),
    Case(
        "reject-a-filing-without-a-reason",
        "city",
        {},
        ("filing-reject", {"reason": ""}),
        ("reject", {"reason": ""}),
        "请填写不予备案的理由",
        on="filing",
    ),
    Case(
        "reject-a-filing",
        "city",
        {},
        ("filing-reject", {"reason": "材料不全"}),
        ("reject", {"reason": "材料不全"}),
        "allowed",
        on="filing",
    ),
    Case(
        "approve-a-filing-by-the-institution",
        "alice",
        {},
        ("filing-approve", {"valid_from": "2026-11-06", "valid_until": "2029-11-05"}),
        ("approve", {"valid_from": "2026-11-06", "valid_until": "2029-11-05"}),
        "forbidden",
        on="filing",
    ),
    Case(
        "approve-a-filing-ending-before-it-starts",
        "city",
        {},
        ("filing-approve", {"valid_from": "2026-11-06", "valid_until": "2026-11-01"}),
        ("approve", {"valid_from": "2026-11-06", "valid_until": "2026-11-01"}),
        "有效期至不得早于有效期自",
        on="filing",
    ),
    Case(
        "end-a-filing-early-by-the-institution",
        "alice",
        {},
        ("filing-end-early", {"last_day": "2026-11-30", "reason": "督查发现问题"}),
        ("end-early", {"last_day": "2026-11-30", "reason": "督查发现问题"}),
        "forbidden",
        on="approved",
    ),
    Case(
        "end-a-filing-early-without-a-reason",
        "city",
        {},
        ("filing-end-early", {"last_day": "2026-11-30", "reason": ""}),
        ("end-early", {"last_day": "2026-11-30", "reason": ""}),
        "请填写提前终止的理由",
        on="approved",
    ),
    # The batch is still open: ending the filing would leave it outside, unless confirmed.
    Case(
        "end-a-filing-early-leaving-a-batch-outside",
        "city",
        {},
        ("filing-end-early", {"last_day": "2026-11-30", "reason": "督查发现问题"}),
        ("end-early", {"last_day": "2026-11-30", "reason": "督查发现问题"}),
        "进行中的评价批次将超出备案范围",
        on="approved",
    ),
    Case(
        "end-a-filing-early-confirmed",
        "city",
        {},
        (
            "filing-end-early",
            {"last_day": "2026-11-30", "reason": "督查发现问题", "confirm_scope_reduction": "on"},
        ),
        (
            "end-early",
            {"last_day": "2026-11-30", "reason": "督查发现问题", "confirm_scope_reduction": True},
        ),
        "allowed",
        on="approved",
    ),
    # Competitions: the organiser files (54号 二); county, city and province each give their
    # opinion on the 附件1 form; the department it is filed with decides.
    Case(
        "file-a-competition-by-the-city",
        "city",
        {},
        ("competition-filing-submit", {"reason": "cross_region"}),
        ("filings", {"reason": "cross_region"}),
        "forbidden",
        on="competition",
    ),
    Case(
        "file-for-a-reason-not-required",
        "organiser",
        {},
        ("competition-filing-submit", {"reason": "out_of_area"}),
        ("filings", {"reason": "out_of_area"}),
        "该竞赛目前无需此项备案",
        on="competition",
    ),
    Case(
        "file-a-competition",
        "organiser",
        {},
        ("competition-filing-submit", {"reason": "cross_region"}),
        ("filings", {"reason": "cross_region"}),
        "allowed",
        on="competition",
    ),
    Case(
        "opinion-by-the-organiser",
        "organiser",
        {},
        ("competition-filing-opinion", {"opinion": "同意"}),
        ("opinion", {"opinion": "同意"}),
        "forbidden",
        on="competition_filing",
    ),
    Case(
        "opinion-by-the-county",
        "county",
        {},
        ("competition-filing-opinion", {"opinion": "情况属实"}),
        ("opinion", {"opinion": "情况属实"}),
        "allowed",
        on="competition_filing",
    ),
    Case(
        "decide-by-the-county",
        "county",
        {},
        ("competition-filing-decide", {"decision": "approve", "opinion": ""}),
        ("decide", {"approve": True, "opinion": ""}),
        "forbidden",
        on="competition_filing",
    ),
    Case(
        "decide-by-the-city",
        "city",
        {},
        ("competition-filing-decide", {"decision": "approve", "opinion": "同意备案"}),
        ("decide", {"approve": True, "opinion": "同意备案"}),
        "allowed",
        on="competition_filing",
    ),
]


@pytest.fixture
def people(nanjing_institution, alice, nanjing_staff, jiangning_staff, organiser):
    signatory = UserFactory(
        username="dora", role=Role.INSTITUTION_SIGNATORY, institution=nanjing_institution
    )
    return {
        "alice": alice,
        "city": nanjing_staff,
        "county": jiangning_staff,
        "signatory": signatory,
        "organiser": organiser,
    }


@pytest.fixture
def competition(organiser, lathe):
    """A county competition in Jiangning with an event in Gulou: a cross-region filing to the
    city (54号 二)."""
    with on(date(2026, 11, 2)):
        competition = Competition.objects.create(
            name="江宁区车工技能大赛",
            organiser_name="江宁区总工会",
            kind="county",
            competition_class=1,
            host_region=region("320115"),
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 3),
            conditions="从事车工2年以上",
            contact_phone="025-83311234",
            created_by=organiser,
        )
        competition.regions_involved.set([region("320106")])
        competition.events.create(occupation=lathe)
    return competition


@pytest.fixture
def competition_filing(competition, organiser):
    with on(date(2026, 11, 2)):
        return competition.file("cross_region", user=organiser)


@pytest.fixture
def approved(nanjing_institution, lathe):
    return approved_filing(nanjing_institution, [(lathe, 4)], regions=["320100"])


@pytest.fixture
def submitted(nanjing_institution, alice, lathe):
    filing = Filing.objects.create(
        institution=nanjing_institution,
        authority=nanjing_institution.city,
        status=FilingStatus.SUBMITTED,
        created_by=alice,
    )
    FilingItem.objects.create(filing=filing, occupation=lathe, level=3)
    return filing


@pytest.fixture
def batch(nanjing_institution, alice, approved, lathe):
    with on(date(2026, 11, 2)):
        return planned_batch(nanjing_institution, alice, lathe)


def put_in_state(batch, state):
    """The state a case starts from, written straight to the row (the walk is tested elsewhere)."""
    state = dict(state)
    room = state.pop("room", None)
    if state:
        Batch.objects.filter(pk=batch.pk).update(**state)
    if room:
        batch.rooms.create(name=room, capacity=5)


def effect(target) -> dict:
    """What an allowed action changed, comparable between the two doors."""
    target.refresh_from_db()
    if isinstance(target, Competition):
        return {"filings": list(target.filings.values_list("reason", "level", "status"))}
    if isinstance(target, CompetitionFiling):
        return {
            "status": target.status,
            "opinions": (target.county_opinion, target.city_opinion, target.province_opinion),
        }
    if isinstance(target, Filing):
        return {
            "status": target.status,
            "valid_until": target.valid_until,
            "decision_reason": target.decision_reason,
            "end_reason": target.end_reason,
        }
    batch = target
    return {
        "status": batch.status,
        "status_reason": batch.status_reason,
        "rooms": sorted(batch.rooms.values_list("name", "capacity")),
        "roster_jobs": Job.objects.filter(
            kind=JobKind.ROSTER_IMPORT, params__batch_id=batch.pk
        ).count(),
        "steps": list(batch.transitions.values_list("action", "to_status")),
    }


def through_page(user, case, target):
    client = Client()
    client.force_login(user)
    data = {**case.page[1], **{name: make() for name, make in case.files.items()}}
    response = client.post(reverse(case.page[0], args=[target.pk]), data, follow=True)
    if response.status_code == 403:
        return "forbidden", None, ""
    shown = html.unescape(response.content.decode())
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    if response.redirect_chain and not errors:  # a refused form is shown again, not redirected
        return "allowed", effect(target), shown
    return "refused", None, shown


def through_api(user, case, target):
    client = APIClient()
    client.force_authenticate(user)
    data = {**case.api[1], **{name: make() for name, make in case.files.items()}}
    collection = {
        Batch: "batches",
        Filing: "filings",
        Competition: "competitions",
        CompetitionFiling: "competition-filings",
    }[type(target)]
    response = client.post(
        f"/api/v1/{collection}/{target.pk}/{case.api[0]}/",
        data,
        format="multipart" if case.files else "json",
    )
    if response.status_code == 403:
        return "forbidden", None, [response.json()["detail"]]
    if response.status_code >= 400:
        return "refused", None, response.json()["detail"]
    return "allowed", effect(target), []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_and_api_give_the_same_answer(case, request, batch, people):
    user = people[case.actor]
    put_in_state(batch, case.state)
    target = request.getfixturevalue(
        {
            "batch": "batch",
            "filing": "submitted",
            "approved": "approved",
            "competition": "competition",
            "competition_filing": "competition_filing",
        }[case.on]
    )
    with on(date(2026, 11, 6)):
        with transaction.atomic():
            page_answer, page_effect, page_text = through_page(user, case, target)
            transaction.set_rollback(True)  # the API starts from the very same state
        api_answer, api_effect, api_text = through_api(user, case, target)

    assert page_answer == api_answer
    if case.answer in ("allowed", "forbidden"):
        assert api_answer == case.answer
        assert page_effect == api_effect
    else:
        assert api_answer == "refused"
        assert any(case.answer in message for message in api_text)
        # The same reason, word for word, on the page.
        for message in api_text:
            assert message in page_text


# --- scores: one form row per candidate on the page, one candidate per call in the API ----------


@pytest.mark.parametrize(
    ("actor", "today", "answer"),
    [
        ("city", date(2026, 11, 6), "forbidden"),
        ("alice", date(2026, 11, 4), "考试"),  # the exam's last day: no score yet (239号 四)
        ("alice", date(2026, 11, 5), "allowed"),  # the day after
    ],
    ids=["by-the-city", "on-the-last-exam-day", "the-day-after"],
)
def test_scores_give_the_same_answer(actor, today, answer, batch, people):
    user = people[actor]
    put_in_state(batch, {"status": BatchStatus.TICKETS_GENERATED})
    candidate = make_candidate(batch, 1, eligibility=EligibilityStatus.PASSED)
    row = f"c{candidate.pk}"

    def scores():
        candidate.refresh_from_db()
        return (candidate.theory_score, candidate.practical_score, candidate.passed)

    with time_machine.travel(datetime(today.year, today.month, today.day, 12, tzinfo=SHANGHAI)):
        with transaction.atomic():
            client = Client()
            client.force_login(user)
            page = client.post(
                reverse("batch-scores", args=[batch.pk]),
                {f"{row}-theory": "75", f"{row}-practical": "80"},
            )
            page_scores = scores()
            transaction.set_rollback(True)
        api = APIClient()
        api.force_authenticate(user)
        answered = api.post(
            f"/api/v1/candidates/{candidate.pk}/scores/",
            {"theory": "75", "practical": "80"},
            format="json",
        )

    if answer == "forbidden":
        assert page.status_code == answered.status_code == 403
        assert scores() == (None, None, None)
    elif answer == "allowed":
        assert page.status_code == 302 and answered.status_code == 200
        assert page_scores == scores() == (75, 80, True)
    else:
        assert answered.status_code == 400 and page.status_code == 200
        reasons = answered.json()["detail"]
        assert any(answer in reason for reason in reasons)
        shown = html.unescape(page.content.decode())
        assert all(reason in shown for reason in reasons)
        assert scores() == (None, None, None)


# --- contacts: whoever acts for the institution (Institution.may_be_managed_by) ---------------


@pytest.mark.parametrize(
    ("actor", "answer"),
    [("parent_staff", "allowed"), ("other_staff", "forbidden"), ("city", "forbidden")],
)
def test_branch_contacts_give_the_same_answer(actor, answer, nanjing_institution, people):
    """41号 三(四): the organisation's staff act for its branch; the API used to allow the
    branch's own staff only."""
    branch = InstitutionFactory(name="南京测试分支机构", parent=nanjing_institution)
    other = InstitutionFactory(name="另一家机构")
    users = {
        "parent_staff": people["alice"],
        "other_staff": UserFactory(username="erin", role=Role.INSTITUTION_STAFF, institution=other),
        "city": people["city"],
    }
    user = users[actor]
    contacts = {"contact_person": "李四", "contact_phone": "025-87654321", "address": "江宁区"}

    with transaction.atomic():
        client = Client()
        client.force_login(user)
        page = client.post(reverse("institution-contacts", args=[branch.pk]), contacts)
        branch.refresh_from_db()
        page_person = branch.contact_person
        transaction.set_rollback(True)
    api = APIClient()
    api.force_authenticate(user)
    answered = api.patch(f"/api/v1/institutions/{branch.pk}/", contacts, format="json")
    branch.refresh_from_db()

    if answer == "allowed":
        assert page.status_code == 302 and answered.status_code == 200
        assert page_person == branch.contact_person == "李四"
    else:
        # Outside the scope is 404 on both doors, in it but not acting for it 403 on both.
        assert page.status_code == answered.status_code
        assert page.status_code in (403, 404)
        assert branch.contact_person != "李四"
