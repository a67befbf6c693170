"""Security headers on every kind of answer, and templates the Content-Security-Policy allows.

The policy (skilleval/settings/base.py) loads only this site's own scripts and styles and runs no
inline script or style; the browser journeys (tests/e2e) check that no page logs a refusal.
"""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from audits.reviews import run_review
from tests.conftest import REPO

# Rendered to PDF by WeasyPrint on the server (never served as HTML, so no CSP applies to them):
# certificates/pdf.py, institutions/tickets.py, competitions/pdf.py, audits/views/reviews.py,
# audits/views/statistics.py.
PDF_TEMPLATES = {
    "certificates/certificate.html",
    "certificates/proof.html",
    "institutions/admission_tickets.html",
    "competitions/filing_form_pdf.html",
    "audits/review_pdf.html",
    "statistics/quarterly_pdf.html",
}
HEADERS = [
    "Content-Security-Policy",
    "Permissions-Policy",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Content-Type-Options",
]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_secured(response):
    missing = [header for header in HEADERS if not response.has_header(header)]
    assert not missing, f"{response.status_code} {response.get('Content-Type')}: {missing}"
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_page_carries_every_security_header():
    response = Client().get(reverse("lookup"))
    assert response.status_code == 200
    assert_secured(response)


@pytest.mark.django_db
def test_an_api_answer_carries_every_security_header(api_as, alice):
    response = api_as(alice).get("/api/v1/institutions/")
    assert response.status_code == 200
    assert_secured(response)


@pytest.mark.django_db
def test_a_pdf_download_carries_every_security_header(client, province_admin):
    review = run_review(2026, 1, today=date(2026, 7, 1))
    client.force_login(province_admin)
    response = client.get(reverse("quality-review-pdf", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_secured(response)


@pytest.mark.django_db
def test_the_error_pages_carry_every_security_header(settings):
    assert_secured(Client().get("/no-such-page/"))
    settings.ROOT_URLCONF = "tests.failing_urls"
    failed = Client(raise_request_exception=False).get("/fail/")
    assert failed.status_code == 500
    assert_secured(failed)


@pytest.mark.django_db
def test_only_the_api_docs_allow_data_images():
    assert directives(Client().get(reverse("lookup")))["img-src"] == ["'self'"]
    docs = Client().get(reverse("api-docs"))
    assert directives(docs)["img-src"] == ["'self'", "data:"]
    assert directives(docs)["script-src"] == ["'self'"]
    assert "<script>" not in docs.content.decode() and "<style" not in docs.content.decode()


# What the policy refuses in an HTML page: a <script> with a body (not <script src=…></script>
# and not a JSON data block), an on…= event handler, a <style> block, a style= attribute.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.S)
STYLE_BLOCK = re.compile(r"<style\b")
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.S)
CHECKS = [
    (INLINE_SCRIPT, "inline <script>: move it to static/js"),
    (EVENT_HANDLER, "on…= event handler: attach it from static/js"),
    (STYLE_BLOCK, "<style> block: move it to static/css"),
    (STYLE_ATTRIBUTE, "style= attribute: use a class of static/css"),
]


def html_templates():
    for path in sorted((REPO / "templates").rglob("*.html")):
        name = path.relative_to(REPO / "templates").as_posix()
        if name not in PDF_TEMPLATES:
            yield name, path.read_text()


def inline_code(text: str) -> list[tuple[int, str]]:
    """(line, what) of every inline script or style in a template's text."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731 - keeps the line numbers
    text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", blank, text, flags=re.S)
    found = []
    for pattern, what in CHECKS:
        for match in pattern.finditer(text):
            found.append((text.count("\n", 0, match.end()) + 1, what))
    return sorted(found)


def test_the_scan_finds_each_kind_of_inline_code():
    sample = (
        '<script src="/static/js/a.js"></script>\n'
        '<script type="application/json" id="data">{}</script>\n'
        "<script>alert(1)</script>\n"
        '<button type="button"\n onclick="go()">\n'
        "<style>p { color: red }</style>\n"
        '<p class="x" style="color: red">\n'
        "<p>{% blocktranslate with on=day %}on {{ on }}{% endblocktranslate %}</p>\n"
        "{% comment %}no <style> here{% endcomment %}{# nor <script> #}\n"
    )
    assert [line for line, _ in inline_code(sample)] == [3, 5, 6, 7]


def test_no_html_template_has_inline_script_or_style():
    problems = [
        f"templates/{name}:{line}: {what}"
        for name, text in html_templates()
        for line, what in inline_code(text)
    ]
    assert not problems, "\n".join(problems)
