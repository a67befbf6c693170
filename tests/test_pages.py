import re
from pathlib import Path

import pytest

from skilleval.choices import Role

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parent.parent


def test_the_home_page_is_chinese_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode()
    assert "江苏省技能人才评价管理平台" in page.content.decode()


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


def test_the_language_switch_turns_the_pages_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page


def test_a_user_signs_in_sees_their_dashboard_and_signs_out(client, nanjing_staff):
    response = client.post(
        "/accounts/login/", {"username": "nanjing", "password": "Correct-horse-9"}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    dashboard = client.get("/dashboard/").content.decode()
    assert "南京市" in dashboard  # the scope of a city account
    assert str(Role.CITY_STAFF.label) in dashboard
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(
    "user_fixture",
    [
        "province_admin",
        "province_auditor",
        "nanjing_staff",
        "jiangning_staff",
        "alice",
        "organiser",
        "superuser",
    ],
)
def test_every_role_has_a_dashboard(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert user.scope_label in response.content.decode()


def test_a_wrong_password_shows_a_message_and_no_session(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_for_a_while(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    locked = client.post("/accounts/login/", {"username": "alice", "password": "Correct-horse-9"})
    assert locked.status_code == 429
    assert "暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_rotating_forwarded_header_neither_escapes_nor_lifts_the_lock(client, alice, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "Correct-horse-9"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_idle_session_timeout_is_30_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_pages_for_signed_in_staff_are_not_cached(client, alice):
    client.force_login(alice)
    assert "no-store" in client.get("/dashboard/")["Cache-Control"]


def test_the_django_admin_is_for_superusers_only(client, province_admin, superuser):
    client.force_login(province_admin)
    assert client.get("/admin/").status_code == 302
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


def test_the_public_rules_page_lists_every_rule_and_clause(client):
    page = client.get("/rules/").content.decode()
    for rule_id, clause in [
        ("occupation.evaluable", "54号 三"),
        ("exit.application_deadline", "239号 二(一)"),
        ("exit.certificate_issue_deadline", "239号 二(三)"),
    ]:
        assert rule_id in page and clause in page


def test_the_rule_page_self_check_explains_its_decision(client):
    page = client.post(
        "/rules/exit.application_deadline/",
        {
            "check": "1",
            "as_of": "2020-10-01",
            "facts": '{"exit_batch": 1, "received_on": "2020-10-01"}',
        },
    ).content.decode()
    assert "不得受理" in page and "2020-09-30" in page


def test_only_province_admins_may_post_parameters_on_the_rule_page(client, nanjing_staff):
    client.force_login(nanjing_staff)
    response = client.post(
        "/rules/occupation.evaluable/", {"effective_from": "2099-01-01", "parameters": "{}"}
    )
    assert response.status_code == 403


def test_the_occupation_import_page_is_for_province_admins(client, province_admin, alice):
    client.force_login(alice)
    assert client.get("/occupations/import/").status_code == 403
    client.force_login(province_admin)
    assert client.get("/occupations/import/").status_code == 200


def test_a_renamed_file_is_refused_on_upload(client, province_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(province_admin)
    fake = SimpleUploadedFile("list.xlsx", b"not a spreadsheet")
    page = client.post("/occupations/import/", {"file": fake}).content.decode()
    assert "不是有效的 .xlsx 文件" in page


def test_static_files_are_served_by_the_app(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200


def test_no_page_loads_anything_from_the_internet():
    external = re.compile(r"""(src|href)=["']?(https?:)?//""")
    for template in (REPO / "templates").rglob("*.html"):
        assert not external.search(template.read_text()), template


def test_the_api_docs_are_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    # Every script and stylesheet is this site's own (a random CSRF token may spell "cdn").
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(src.startswith("/") for src in sources), sources
    assert "/static/drf_spectacular_sidecar/" in page


def test_the_openapi_schema_generates(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/rules/",
        "/api/v1/rules/{rule_id}/evaluate/",
        "/api/v1/jobs/{id}/",
        "/api/v1/institutions/",
        "/api/v1/occupations/",
        "/api/v1/regions/",
    ]:
        assert path in paths


def test_a_token_signs_in_to_the_api(api, alice):
    token = api.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "Correct-horse-9"}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/institutions/").status_code == 200


def test_the_openapi_schema_validates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
