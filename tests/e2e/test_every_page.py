"""Journey 5: every role follows the links of its dashboard, breadth-first, in English.

Each page must answer without a server error and show no interface text left in Chinese: a text on
the page that is itself a source string of the translation catalog means it was not translated.
"""

import gettext
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError

from tests.conftest import REPO
from tests.e2e.conftest import watch_for_csp_refusals

ROLES = [
    "root",
    "prov_admin",
    "prov_auditor",
    "nanjing_city",
    "suzhou_city",
    "jiangning_county",
    "inst_staff",
    "inst_signatory",
    "suzhou_org_staff",
    "organiser",
    "security_admin",
    "audit_admin",
    "system_admin",
]
# Links a crawl must not follow: signing out, switching language, files, the admin and the API.
SKIP = re.compile(
    r"^/(admin|api|i18n|accounts/logout|static|media)/|\.(pdf|xlsx|csv|zip|png|svg)$"
    r"|/(export|download|result|print|photo|tickets)"
)
MAX_PAGES_PER_ROLE = 90
SAME_SHAPE_LIMIT = 2  # /batches/3/ and /batches/4/ are the same page: visit two of each shape
CJK = re.compile(r"[\u3400-\u9fff]")


def source_strings():
    """The catalog's Chinese source strings, as patterns matching a whole text on a page."""
    with open(REPO / "locale/en/LC_MESSAGES/django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    patterns = []
    for msgid, msgstr in catalog.items():
        text = msgid[0] if isinstance(msgid, tuple) else msgid  # plural forms: (msgid, n)
        text = text.split("\x04")[-1].strip()  # drop a context prefix
        # Proper names and notice numbers are translated as themselves on purpose.
        if not text or not CJK.search(text) or msgstr.strip() == text:
            continue
        parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text)
        if len(parts) > 1 and len(CJK.findall("".join(parts))) < 2:
            continue  # "%(year)s年%(half)s": one character around placeholders matches any data
        patterns.append(re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$"))
    return patterns


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(page, base_url: str, start: str, untranslated_patterns):
    seen_shapes: dict[str, int] = {}
    seen, queue, problems = {start}, deque([start]), []
    refused = watch_for_csp_refusals(page)
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        visited += 1
        try:
            response = page.goto(base_url + path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):  # a file behind a link: fine
                continue
            raise
        status = response.status if response else 0
        problems.extend(f"{path}: CSP refused {message}" for message in refused)
        refused.clear()
        if status >= 500:
            problems.append(f"{path}: HTTP {status}")
            continue
        texts = page.evaluate(
            """() => {
              const out = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              while (walker.nextNode()) {
                const el = walker.currentNode.parentElement;
                if (el.closest('script,style,[lang=zh-hans],[translate=no]')) continue;
                const t = walker.currentNode.textContent.trim();
                if (t) out.push(t);
              }
              for (const el of document.querySelectorAll('input[placeholder],[title],[aria-label]'))
                for (const a of ['placeholder', 'title', 'aria-label'])
                  if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
              for (const el of document.querySelectorAll('input[type=submit][value]'))
                out.push(el.value.trim());
              return out;
            }"""
        )
        for text in dict.fromkeys(texts):
            if CJK.search(text) and any(p.match(text) for p in untranslated_patterns):
                problems.append(f"{path}: untranslated «{text[:60]}»")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlsplit(urljoin(base_url + path, href))
            if url.netloc != urlsplit(base_url).netloc or SKIP.search(url.path):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target in seen:
                continue
            seen.add(target)
            key = shape(url.path)
            seen_shapes[key] = seen_shapes.get(key, 0) + 1
            if seen_shapes[key] <= SAME_SHAPE_LIMIT:
                queue.append(target)
    return visited, problems


def crawl_every_role(live_server, browser, sign_in, switch_to_english, screenshot):
    patterns = source_strings()
    report = {}
    for username in [None, *ROLES]:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        if username:
            sign_in(page, username)
        else:
            page.goto(live_server.url + "/")
        switch_to_english(page)
        start = "/dashboard/" if username else "/"
        visited, problems = crawl(page, live_server.url, start, patterns)
        report[username or "public"] = (visited, problems)
        if username == "prov_admin":
            page.goto(live_server.url + "/dashboard/")
            screenshot(page, "prov_admin-dashboard")
        context.close()
    visited = {who: n for who, (n, _) in report.items()}
    assert all(n > 3 for n in visited.values()), visited
    return report


def problems_of(report, kind: str) -> list[str]:
    return [f"{who}: {p}" for who, (_, found) in report.items() for p in found if kind in p]


def test_every_page_linked_from_each_dashboard_answers_in_english_without_a_server_error(
    demo, live_server, browser, sign_in, switch_to_english, screenshot
):
    report = crawl_every_role(live_server, browser, sign_in, switch_to_english, screenshot)
    failures = problems_of(report, "HTTP ") + problems_of(report, "CSP refused")
    untranslated = problems_of(report, "untranslated")

    assert not failures, "\n".join(failures)
    assert not untranslated, "\n".join(untranslated)
