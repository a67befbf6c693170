"""Published complaint outcomes (实施意见 二十五: 处理结果及时向社会公开): a concluded complaint's
outcome is made public in a summary the handler writes, never the complainant's words, contact or
attachment; only province staff and the complaint's city publish it; a summary naming an ID or a
phone number is refused."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits.choices import ComplaintStatus
from audits.models import Complaint
from skilleval import rules
from skilleval.choices import Role
from skilleval.personal_data import personal_data_in
from skilleval.rules.audits import ComplaintOutcomePublishable
from tests.factories import ComplaintFactory, InstitutionStaffFactory

SUMMARY = "经调查，该机构2026年3月一批次存在替考问题，已责令整改并注销相关证书。"
RULE = ComplaintOutcomePublishable.id


def concluded(**kwargs) -> Complaint:
    return ComplaintFactory(
        status=ComplaintStatus.CONCLUDED,
        outcome="查实替考，注销证书 3 本；举报人 13912345678 已电话告知。",
        concluded_at=timezone.now(),
        contact="13912345678",
        **kwargs,
    )


# --- the personal data a summary may not carry -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "请联系13912345678",  # a mobile
        "请联系 139 1234 5678",  # written in groups
        "请联系 +86 139-1234-5678",
        "请联系１３９１２３４５６７８",  # full-width digits
        "电话 025-83201683",  # a landline with its area code
        "身份证 32010219900307123X",  # 18 characters
        "身份证 320102199003071234",  # a wrong check character still names a person
        "身份证 320102900307123",  # the old 15 digits
    ],
)
def test_it_finds_an_id_or_phone_number_in_a_text(text):
    assert personal_data_in(text)


@pytest.mark.parametrize(
    "text",
    [
        SUMMARY,
        "1391234567",  # 10 digits: one short of a mobile
        "139123456789",  # 12 digits: one over
        "32010219900307123",  # 17 characters: one short of an ID number
        "身份证 3201**********123X",  # already masked
        "罚款 50000 元，2026年12月4日 办结",
    ],
)
def test_it_finds_nothing_in_a_text_without_one(text):
    assert personal_data_in(text) == []


def test_what_it_finds_is_masked():
    assert personal_data_in("身份证 32010219900307123X，手机 13912345678") == [
        ("id_number", "3201**********123X"),
        ("phone", "1391***5678"),
    ]


# --- the rule --------------------------------------------------------------------------------


def test_the_rule_allows_a_concluded_outcome_with_a_clean_summary(db):
    decision = rules.evaluate(RULE, {"concluded": True, "summary": SUMMARY})
    assert decision.result == {"allowed": True, "found": []}
    assert "实施意见 二十五" in decision.zh


@pytest.mark.parametrize(
    ("facts", "found"),
    [
        ({"concluded": False, "summary": SUMMARY}, []),
        ({"concluded": True, "summary": "   "}, []),
        ({"concluded": True, "summary": "举报人 13912345678"}, ["phone"]),
        ({"concluded": True, "summary": "考生 32010219900307123X"}, ["id_number"]),
    ],
)
def test_the_rule_refuses(db, facts, found):
    decision = rules.evaluate(RULE, facts)
    assert decision.result == {"allowed": False, "found": found}
    assert "实施意见 二十五" in decision.zh and "二十五" in decision.en


def test_the_refusal_names_the_number_masked_never_in_full(db):
    decision = rules.evaluate(RULE, {"concluded": True, "summary": "考生 32010219900307123X"})
    assert "3201**********123X" in decision.zh and "32010219900307123X" not in decision.zh


@pytest.mark.parametrize(
    ("day", "in_effect"),
    [(date(2019, 12, 31), False), (date(2020, 1, 1), True), (date(2020, 1, 2), True)],
)
def test_the_rule_is_in_force_from_2020(db, day, in_effect):
    decision = rules.evaluate(RULE, {"concluded": False, "summary": ""}, as_of=day)
    assert decision.in_effect is in_effect


# --- Complaint.publish --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED, ComplaintStatus.INVESTIGATING]
)
def test_it_refuses_to_publish_before_the_conclusion(province_auditor, status):
    complaint = ComplaintFactory(status=status)
    with pytest.raises(ValidationError, match="办结后才能公开"):
        complaint.publish(user=province_auditor, summary=SUMMARY)
    complaint.refresh_from_db()
    assert complaint.published_at is None and complaint.public_summary == ""


def test_it_publishes_a_concluded_outcome_with_who_and_when(nanjing_staff, nanjing_institution):
    complaint = concluded(institution=nanjing_institution)
    complaint.publish(user=nanjing_staff, summary=f"  {SUMMARY}  ")
    complaint.refresh_from_db()
    assert complaint.public_summary == SUMMARY
    assert complaint.published_by == nanjing_staff and complaint.published_at is not None
    assert list(Complaint.objects.published()) == [complaint]


def test_province_staff_publish_anywhere(province_admin, province_auditor, suzhou_institution):
    for user in (province_admin, province_auditor):
        complaint = concluded(institution=suzhou_institution)
        complaint.publish(user=user, summary=SUMMARY)
        assert complaint.published_by == user


@pytest.mark.parametrize("who", ["suzhou_staff", "jiangning_staff", "alice", "organiser"])
def test_only_the_complaints_city_and_the_province_publish(request, nanjing_institution, who):
    complaint = concluded(institution=nanjing_institution)
    with pytest.raises(PermissionDenied):
        complaint.publish(user=request.getfixturevalue(who), summary=SUMMARY)
    complaint.refresh_from_db()
    assert complaint.published_at is None


def test_an_institutions_signatory_cannot_publish(nanjing_institution):
    complaint = concluded(institution=nanjing_institution)
    signatory = InstitutionStaffFactory(
        institution=nanjing_institution, role=Role.INSTITUTION_SIGNATORY
    )
    with pytest.raises(PermissionDenied):
        complaint.publish(user=signatory, summary=SUMMARY)


@pytest.mark.parametrize(
    "summary", ["已电话告知举报人 139 1234 5678", "涉事考生 32010219900307123X 的证书已注销", ""]
)
def test_it_refuses_a_summary_with_personal_data_or_none(province_auditor, summary):
    complaint = concluded()
    with pytest.raises(ValidationError, match="实施意见 二十五"):
        complaint.publish(user=province_auditor, summary=summary)
    complaint.refresh_from_db()
    assert complaint.published_at is None and complaint.public_summary == ""


def test_it_publishes_once(province_auditor):
    complaint = concluded()
    complaint.publish(user=province_auditor, summary=SUMMARY)
    with pytest.raises(ValidationError, match="已于"):
        complaint.publish(user=province_auditor, summary="另一份摘要")
    complaint.refresh_from_db()
    assert complaint.public_summary == SUMMARY


def test_the_database_refuses_a_publication_before_the_conclusion(province_auditor):
    complaint = ComplaintFactory(status=ComplaintStatus.INVESTIGATING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(
            public_summary=SUMMARY, published_at=timezone.now(), published_by=province_auditor
        )


def test_the_database_refuses_a_publication_without_a_summary(province_auditor):
    complaint = concluded()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(
            published_at=timezone.now(), published_by=province_auditor
        )


# --- the public page and the public API -------------------------------------------------------

PAGE = "/audits/complaints/outcomes/"
API = "/api/v1/public/complaint-outcomes/"


def published(user, summary=SUMMARY, **kwargs) -> Complaint:
    complaint = concluded(**kwargs)
    complaint.publish(user=user, summary=summary)
    return complaint


def test_the_public_reads_published_outcomes_without_signing_in(
    client, province_auditor, nanjing_institution
):
    shown = published(province_auditor, institution=nanjing_institution)
    html = client.get(PAGE).content.decode()
    assert shown.reference in html and SUMMARY in html
    assert nanjing_institution.name in html and "南京市" in html
    assert timezone.localdate(shown.concluded_at).isoformat() in html


def test_nothing_unpublished_and_nothing_but_the_summary_is_shown(
    client, api, province_auditor, nanjing_institution
):
    shown = published(province_auditor, institution=nanjing_institution)
    kept = concluded(institution=nanjing_institution)  # concluded, not published
    open_one = ComplaintFactory(status=ComplaintStatus.INVESTIGATING)
    html = client.get(PAGE).content.decode()
    answer = api.get(API).content.decode()
    for text in (html, answer):
        assert shown.reference in text
        assert kept.reference not in text and open_one.reference not in text
        # Neither the complainant's words and contact nor the handler's internal outcome.
        assert shown.content not in text and "13912345678" not in text
        assert shown.outcome not in text and "attachment" not in text


def test_the_page_and_the_api_agree(client, api, province_auditor, suzhou_institution):
    first = published(province_auditor)
    second = published(province_auditor, institution=suzhou_institution)
    rows = api.get(API).json()["results"]
    assert [row["reference"] for row in rows] == [second.reference, first.reference]
    html = client.get(PAGE).content.decode()
    assert html.index(second.reference) < html.index(first.reference)
    row = rows[0]
    assert row == {
        "reference": second.reference,
        "target_type": "institution",
        "target_type_display": "评价机构",
        "institution_name": suzhou_institution.name,
        "city_name": "苏州市",
        "concluded_on": timezone.localdate(second.concluded_at).isoformat(),
        "published_on": timezone.localdate(second.published_at).isoformat(),
        "summary": SUMMARY,
    }
    for value in row.values():
        assert str(value) in html or value == "institution"


def test_the_page_shows_twenty_a_page(client, province_auditor):
    for _ in range(21):
        published(province_auditor)
    first, second = client.get(PAGE), client.get(PAGE + "?page=2")
    assert first.content.decode().count('class="result-card"') == 20
    assert second.content.decode().count('class="result-card"') == 1


def test_the_api_is_paginated_and_answers_only_get(api, province_auditor):
    published(province_auditor)
    body = api.get(API).json()
    assert body["count"] == 1 and body["next"] is None
    assert api.post(API, {}).status_code == 405
    assert api.get(API)["Cache-Control"] == "no-store"


def test_the_api_is_rate_limited_per_client(api, settings, province_auditor):
    settings.LOOKUP_RATE_PER_CLIENT = "2/minute"
    assert [api.get(API).status_code for _ in range(3)] == [200, 200, 429]


def test_the_page_reads_in_english(db, client):
    client.cookies["django_language"] = "en"
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Published outcomes of complaints" in html


# --- publishing from the complaint's page and the API ---------------------------------------


def detail(complaint) -> str:
    return f"/audits/complaints/{complaint.pk}/"


def test_the_city_publishes_from_the_complaints_page(client, nanjing_staff, nanjing_institution):
    complaint = concluded(institution=nanjing_institution)
    client.force_login(nanjing_staff)
    assert 'id="publish"' in client.get(detail(complaint)).content.decode()
    response = client.post(detail(complaint) + "publish/", {"summary": SUMMARY})
    assert response.status_code == 302 and response["Location"].endswith("#top")
    complaint.refresh_from_db()
    assert complaint.published_by == nanjing_staff
    html = client.get(detail(complaint)).content.decode()
    assert 'id="publish"' not in html and SUMMARY in html


def test_the_page_shows_the_refusal_next_to_the_form(client, nanjing_staff, nanjing_institution):
    complaint = concluded(institution=nanjing_institution)
    client.force_login(nanjing_staff)
    response = client.post(detail(complaint) + "publish/", {"summary": "举报人 13912345678"})
    html = response.content.decode()
    assert response.status_code == 200 and "1391***5678" in html and "实施意见 二十五" in html
    complaint.refresh_from_db()
    assert complaint.published_at is None


def test_the_publish_form_is_not_offered_before_the_conclusion_or_to_the_county(
    client, nanjing_staff, jiangning_staff, nanjing_institution
):
    open_one = ComplaintFactory(
        institution=nanjing_institution, status=ComplaintStatus.INVESTIGATING
    )
    client.force_login(nanjing_staff)
    assert 'id="publish"' not in client.get(detail(open_one)).content.decode()
    done = concluded(institution=nanjing_institution)
    client.force_login(jiangning_staff)
    assert 'id="publish"' not in client.get(detail(done)).content.decode()
    assert client.post(detail(done) + "publish/", {"summary": SUMMARY}).status_code == 403


def test_the_api_publishes_and_refuses_as_the_page_does(
    api_as, nanjing_staff, suzhou_staff, nanjing_institution
):
    complaint = concluded(institution=nanjing_institution)
    url = f"/api/v1/complaints/{complaint.pk}/publish/"
    assert api_as(suzhou_staff).post(url, {"summary": SUMMARY}).status_code == 404
    refused = api_as(nanjing_staff).post(url, {"summary": "考生 32010219900307123X"})
    assert refused.status_code == 400 and "3201**********123X" in str(refused.json())
    done = api_as(nanjing_staff).post(url, {"summary": SUMMARY})
    assert done.status_code == 200
    complaint.refresh_from_db()
    assert complaint.public_summary == SUMMARY and complaint.published_by == nanjing_staff


def test_the_schema_names_the_public_list_and_the_publish_action(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "get" in paths["/api/v1/public/complaint-outcomes/"]
    assert paths["/api/v1/public/complaint-outcomes/"]["get"].get("security") in (None, [], [{}])
    assert "post" in paths["/api/v1/complaints/{id}/publish/"]
