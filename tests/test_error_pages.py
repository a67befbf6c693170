"""Branded 403, 404 and 500 pages in the user's language, rendered without the database."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.views import defaults

BRAND_ZH = "江苏省技能人才评价管理平台"
BRAND_EN = "Jiangsu Skilled Talent Evaluation Management Platform"


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.mark.django_db
def test_the_404_page_is_branded_and_english_after_the_switch(alice):
    client = Client()
    client.force_login(alice)
    page = english(client).get("/no-such-page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert '<html lang="en">' in html and BRAND_EN in html and "/static/css/site.css" in html
    assert "Page not found" in html and "页面不存在" not in html


@pytest.mark.django_db
def test_the_404_page_is_chinese_by_default():
    html = Client().get("/no-such-page/").content.decode()
    assert '<html lang="zh-hans">' in html and BRAND_ZH in html and "页面不存在" in html


@pytest.mark.django_db
def test_the_403_page_is_branded_and_english_after_the_switch(alice):
    client = Client()
    client.force_login(alice)
    page = english(client).get("/occupations/import/")  # province admins only
    assert page.status_code == 403
    html = page.content.decode()
    assert '<html lang="en">' in html and BRAND_EN in html and "Access denied" in html


@pytest.mark.django_db
def test_the_500_page_is_branded_and_english_first_after_the_switch(settings):
    settings.ROOT_URLCONF = "tests.failing_urls"
    client = english(Client(raise_request_exception=False))
    page = client.get("/fail/")
    assert page.status_code == 500
    html = page.content.decode()
    assert '<html lang="en">' in html and BRAND_EN in html and "Server error" in html
    assert (
        "服务器暂时出现故障" in html
    )  # both languages: it may be shown before the language is known
    assert "a failure the 500 page must hide" not in html


# No django_db mark below: any database query fails these tests.


def bare_request(language="en"):
    """A request whose user would need the database if anything looked at it."""
    from skilleval.models import User

    request = RequestFactory().get("/somewhere/")
    request.user = SimpleLazyObject(lambda: User.objects.get(pk=1))
    request.LANGUAGE_CODE = language
    return request


def test_the_500_page_renders_with_the_database_and_redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with translation.override("en"):
        response = defaults.server_error(bare_request())
    html = response.content.decode()
    assert response.status_code == 500 and BRAND_EN in html and "Server error" in html
    # The site's look by the stylesheet's plain name: no manifest lookup, no inline style (CSP).
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html and "<style" not in html


def test_the_404_and_403_pages_render_without_the_database():
    with translation.override("en"):
        not_found = defaults.page_not_found(bare_request(), Http404())
        denied = defaults.permission_denied(
            bare_request(),
            PermissionDenied("只有签字人可签发 / Only the signatory may sign off (54号 四)"),
        )
    assert not_found.status_code == 404 and "Page not found" in not_found.content.decode()
    assert denied.status_code == 403
    assert "Only the signatory may sign off (54号 四)" in denied.content.decode()
