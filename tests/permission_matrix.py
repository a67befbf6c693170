"""The permission matrix: for every URL pattern of the site, the status each role gets, on the
own tenant's object and on the other tenant's, for GET and for unsafe methods.

A rule says, per method, what each role gets: `role=outcome` for both objects, or
`role=own/other` when ownership matters. Roles: anon (signed out), su (superuser), pa (province
admin), pau (province auditor), city (Nanjing city staff), county (江宁区 staff), staff and sign
(staff and signatory of the Nanjing institution), org (the organiser of the Nanjing competition).
"own" is the Nanjing object, "other" the Suzhou one.

Outcomes: a status code; L, a redirect to the sign-in page; R, any other redirect; ACT, the role
may act: anything but 401/403/404/405, a redirect to sign-in or a server error (the requests
carry no body, so a 400 or a form shown again with its errors is an answer to a permitted role).

TABLE maps each route name (or its pattern when it has none) to its rule and the object its URL
names (an attribute of tests.permission_world.Tenant; "review", "notice", "region" and "token"
are resolved in tests.permission_routes; None for a URL without an object). Adding a URL
without a row fails test_every_url_pattern_has_a_row.
"""

from dataclasses import dataclass

ROLE_KEYS = {
    "anon": "anonymous",
    "su": "superuser",
    "pa": "province_admin",
    "pau": "province_auditor",
    "city": "city_staff",
    "county": "county_staff",
    "staff": "institution_staff",
    "sign": "institution_signatory",
    "org": "competition_organiser",
}
DENIED = {401, 403, 404, 405}


@dataclass(frozen=True)
class Rule:
    get: str
    post: str
    patch: str = ""
    delete: str = ""

    def methods(self) -> list[str]:
        return [m for m in ("get", "post", "patch", "delete") if getattr(self, m)]

    def expected(self, method: str, role: str, ownership: str) -> str:
        for cell in getattr(self, method.lower()).split():
            key, outcome = cell.split("=")
            if ROLE_KEYS[key] == role:
                own, _, other = outcome.partition("/")
                return other if ownership == "other" and other else own
        raise LookupError(f"the rule names no outcome for {role} on {method}")


def matches(outcome: str, response) -> bool:
    status = response.status_code
    if status >= 500:
        return False
    to_sign_in = status == 302 and response["Location"].startswith("/accounts/login/")
    if outcome == "L":
        return to_sign_in
    if outcome == "R":
        return status in (301, 302) and not to_sign_in
    if outcome == "ACT":
        return status not in DENIED and not to_sign_in
    return status == int(outcome)


# The Django admin: superusers only; everybody else is sent to the admin's own sign-in.
ADMIN = Rule(
    get="anon=R su=200 pa=R pau=R city=R county=R staff=R sign=R org=R",
    post="anon=R su=ACT pa=R pau=R city=R county=R staff=R sign=R org=R",
)
ADMIN_NAMESPACE = "admin"

HOME = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
DASHBOARD = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
LOGIN = Rule(
    get="anon=200 su=R pa=R pau=R city=R county=R staff=R sign=R org=R",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
LOGOUT = Rule(
    get="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
API_TOKEN_REVOKE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT/404 pa=ACT/404 pau=ACT/404 city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=ACT/404",
)
SET_LANGUAGE = Rule(
    get="anon=R su=R pa=R pau=R city=R county=R staff=R sign=R org=R",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
RULE_DETAIL = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=403 su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
JOB_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=404 county=404 staff=200/404 sign=200/404 org=404",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
OCCUPATION_LIST = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
OCCUPATION_IMPORT = Rule(
    get="anon=L su=200 pa=200 pau=403 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
INSTITUTION_LIST = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
INSTITUTION_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
INSTITUTION_FILING_CREATE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
)
INSTITUTION_CATALOG_STATUS = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=404",
)
FILING_MATERIAL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=404",
)
FILING_REJECT = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=403 city=ACT/404 county=403/404 staff=403/404 sign=403/404 org=404",
)
BATCH_CREATE = Rule(
    get="anon=L su=403 pa=403 pau=403 city=403 county=403 staff=200 sign=200 org=403",
    post="anon=L su=403 pa=403 pau=403 city=403 county=403 staff=ACT sign=ACT org=403",
)
BATCH_TICKETS_PDF = Rule(
    get="anon=L su=R pa=R pau=R city=R/404 county=R/404 staff=R/404 sign=R/404 org=404",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=404",
)
BATCH_SIGN_OFF = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=403/404 staff=403/404 sign=ACT/404 org=404",
)
CERTIFICATE_REVOKE_PERSON = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT county=403 staff=403 sign=403 org=403",
)
CERTIFICATE_REVOKE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=403 staff=403 sign=403 org=403",
)
CERTIFICATE_CORRECT = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
)
# 239号 二(二): whoever sees the batch reads its candidates' choices; its institution records them.
BATCH_EXIT_REMEDIES = Rule(
    get=INSTITUTION_DETAIL.get,
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
)
# The refunds of invalidated batches: a scoped list for everyone signed in.
REFUND_LIST = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
# Confirmed by the institution's city or the province (ExitRemedy.may_confirm_refund).
REFUND_CONFIRM = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=403 city=ACT/404 county=403/404 staff=403/404 sign=403/404 org=404",
)
CERTIFICATE_PROOF = CERTIFICATE_CORRECT  # the issuing institution (or a province admin) only
COMPETITION_CREATE = Rule(
    get="anon=L su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=200",
    post="anon=L su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=ACT",
)
COMPETITION_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=404 staff=404 sign=404 org=200/404",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
COMPETITION_EDIT = Rule(
    get="anon=L su=403 pa=403 pau=403 city=403/404 county=404 staff=404 sign=404 org=200/404",
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=404 staff=404 sign=404 org=ACT/404",
)
COMPETITION_EVENT_ADD = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=404 staff=404 sign=404 org=ACT/404",
)
COMPETITION_RECOGNITIONS_PROPOSE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=403 city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
COMPETITION_CERTIFICATES = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
INSPECTOR_LIST = Rule(
    get="anon=L su=200 pa=200 pau=200 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
INSPECTOR_ACTIVE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
SPOT_CHECK_LIST = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=L su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
SPOT_CHECK_REPRODUCE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=404",
)
SPOT_CHECK_REDRAW = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=403/404 county=403/404 staff=403/404 sign=403/404 org=404",
)
COMPLAINT_LIST = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=403 sign=403 org=403",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
)
COMPLAINT_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=200/404 staff=403 sign=403 org=403",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
)
COMPLAINT_ADVANCE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=403 sign=403 org=403",
)
PUBLIC_GET_ONLY = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
# 实施意见 二十五: the province and the complaint's city publish its outcome; the county sees it,
# may not publish it.
COMPLAINT_PUBLISH = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=403/404 staff=403 sign=403 org=403",
)
COMPLAINT_ATTACHMENT = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=200/404 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=403 sign=403 org=403",
)
AUDIT_ACTIONS = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=403 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT county=403 staff=403 sign=403 org=403",
)
QUALITY_REVIEW_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=404",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=404",
)
# A chart of the review: read only (GET), scoped like the review page.
QUALITY_REVIEW_CHART = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=404",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
REGION_DETAIL = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
# Statistics: whoever has an area of the evaluation work (audits/statistics.py sees_statistics);
# the figures are scoped inside, so the Suzhou object does not exist for these URLs.
STATISTICS = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=403",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_STATISTICS = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=403",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
JOB_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
JOB_DETAIL_2 = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=404 county=404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
JOB_RETRY = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=403 city=404 county=404 staff=ACT/404 sign=403/404 org=404",
)
RULE_PARAMETERS = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
AUTH_TOKEN_DETAIL = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=ACT/404 pa=ACT/404 pau=ACT/404 city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=ACT/404",
)
API_INSTITUTION_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=403 pa=403 pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_INSTITUTION_CATALOG = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=ACT/404 sign=ACT/404 org=404",
)
API_FILING_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=ACT sign=ACT org=403",
)
API_FILING_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
    patch="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=ACT/404 sign=ACT/404 org=403",
    delete="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
)
API_FILING_ITEMS = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=ACT/404 sign=ACT/404 org=403",
)
API_TECHNICAL_RESOURCE_LIST = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=405 pa=405 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
API_TECHNICAL_RESOURCE_DETAIL = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=405 pa=405 pau=403 city=403 county=403 staff=403 sign=403 org=403",
    patch="anon=401 su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
    delete="anon=401 su=405 pa=405 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
API_BATCH_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
    patch="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
    delete="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
)
API_BATCH_APPROVE_RESULTS = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=403 city=ACT/404 county=403/404 staff=403/404 sign=403/404 org=404",
)
API_BATCH_MISSING_PHOTOS = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=405 sign=405 org=403",
)
API_BATCH_ROOMS = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=ACT/404 sign=ACT/404 org=403",
)
API_BATCH_SIGN_OFF = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403/404 sign=ACT/404 org=403",
)
API_CANDIDATE_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_CANDIDATE_SCORES = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=403 pa=403 pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
)
API_CERTIFICATE_REVOKE_BATCH = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT county=403 staff=403 sign=403 org=403",
)
API_CERTIFICATE_REVOKE = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=403 staff=403 sign=403 org=403",
)
API_CERTIFICATE_PROOF = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=403 city=403/404 county=403/404 staff=ACT/404 sign=ACT/404 org=404",
)
API_COMPETITION_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=ACT",
)
API_COMPETITION_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=404 staff=404 sign=404 org=200/404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=405",
    patch="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=ACT/404",
    delete="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=405",
)
API_COMPETITION_CERTIFICATES = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
# Who may delegate is the model's decision (403 with a body); the scope comes first (404).
API_COMPETITION_DELEGATION = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
API_COMPETITION_EVENTS = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=ACT/404",
)
API_COMPETITION_PROPOSE = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=403 city=ACT/404 county=404 staff=404 sign=404 org=ACT/404",
)
API_CONTESTANT_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=404 staff=404 sign=404 org=200/404",
    post="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=405",
    patch="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=405",
    delete="anon=401 su=403 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=405",
)
API_COMPETITION_FILING_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=404 staff=404 sign=404 org=200/404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_INSPECTOR_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=401 su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
API_INSPECTOR_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
    patch="anon=401 su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
    delete="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
)
API_SPOT_CHECK_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
API_SPOT_CHECK_PUBLISH = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=403/404 county=403/404 staff=403/404 sign=403/404 org=404",
)
API_SPOT_CHECK_REPRODUCE = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=200/404 sign=200/404 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_COMPLAINT_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=403 sign=403 org=403",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
API_COMPLAINT_CHECK_STATUS = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
    post="anon=ACT su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
API_COMPLAINT_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=403 sign=403 org=403",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
)
API_COMPLAINT_ADVANCE = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=403/404 staff=403 sign=403 org=403",
)
API_COMPLAINT_PUBLISH = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=403 sign=403 org=403",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=403/404 staff=403 sign=403 org=403",
)
API_NOTICE_LIST = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
API_NOTICE_DETAIL = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
    patch="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
    delete="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
)
API_QUALITY_REVIEW_RUN = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=401 su=ACT pa=ACT pau=ACT city=403 county=403 staff=403 sign=403 org=403",
)
API_QUALITY_REVIEW_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
JOB_RESULT = Rule(
    get="anon=L su=200 pa=200 pau=200 city=404 county=404 staff=200/404 sign=200/404 org=404",
    post="anon=L su=ACT pa=ACT pau=ACT city=404 county=404 staff=ACT/404 sign=ACT/404 org=404",
)
JOB_RETRY_2 = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=403 city=404 county=404 staff=ACT/404 sign=403/404 org=404",
)

# The security administrator's page and actions (today: the superuser; the three administrator
# roles are checked in tests/test_administrators.py).
ACCOUNTS_PAGE = Rule(
    get="anon=L su=200 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
ACCOUNT_ACTION = Rule(
    get="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
AUDIT_LOG = Rule(
    get="anon=L su=200 pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
AUDIT_LOG_VERIFY = Rule(
    get="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=403 pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
# Signed in by password only (in the matrix the requirement is off and nobody is enrolled).
TWO_FACTOR_SETUP = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
TWO_FACTOR_VERIFY = Rule(
    get="anon=L su=R pa=R pau=R city=R county=R staff=R sign=R org=R",
    post="anon=L su=R pa=R pau=R city=R county=R staff=R sign=R org=R",
)
WORKING_DAY_CALENDAR = Rule(
    get="anon=200 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=403 su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
)
WORKING_DAY_CALENDAR_DELETE = Rule(
    get="anon=405 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=403 su=ACT pa=ACT pau=403 city=403 county=403 staff=403 sign=403 org=403",
)


# 实施意见 十六: the province and the city and county HR departments record honours; the matrix's
# honour is the county's (江宁区), so the county issues it, the city and the province only see it.
HONOUR_CREATE = Rule(
    get="anon=L su=200 pa=200 pau=403 city=200 county=200 staff=403 sign=403 org=403",
    post="anon=L su=ACT pa=ACT pau=403 city=ACT county=ACT staff=403 sign=403 org=403",
)
HONOUR_DETAIL = Rule(
    get="anon=L su=200 pa=200 pau=200 city=200/404 county=200/404 staff=404 sign=404 org=404",
    post="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
HONOUR_RECOGNISE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=403 pa=403 pau=403 city=403/404 county=ACT/404 staff=404 sign=404 org=404",
)
# The reason is asked first: an empty form is answered with the page, whoever sent it.
HONOUR_REFUSE = Rule(
    get="anon=L su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=L su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=404 sign=404 org=404",
)
API_HONOUR_LIST = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200 county=200 staff=200 sign=200 org=200",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT county=ACT staff=ACT sign=ACT org=ACT",
)
API_HONOUR_DETAIL = Rule(
    get="anon=401 su=200 pa=200 pau=200 city=200/404 county=200/404 staff=404 sign=404 org=404",
    post="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    patch="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    delete="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
)
API_HONOUR_RECOGNISE = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=403 pa=403 pau=403 city=403/404 county=ACT/404 staff=404 sign=404 org=404",
)
API_HONOUR_REFUSE = Rule(
    get="anon=401 su=405 pa=405 pau=405 city=405 county=405 staff=405 sign=405 org=405",
    post="anon=401 su=ACT pa=ACT pau=ACT city=ACT/404 county=ACT/404 staff=404 sign=404 org=404",
)

TABLE = {
    "home": (HOME, None),
    "dashboard": (DASHBOARD, None),
    "login": (LOGIN, None),
    "logout": (LOGOUT, None),
    "password-change": (DASHBOARD, None),
    "api-tokens": (DASHBOARD, None),
    "api-token-revoke": (API_TOKEN_REVOKE, "token"),
    "account-list": (ACCOUNTS_PAGE, None),
    "account-unlock": (ACCOUNT_ACTION, "account"),
    "two-factor-reset": (ACCOUNT_ACTION, "account"),
    "two-factor-setup": (TWO_FACTOR_SETUP, None),
    "two-factor-verify": (TWO_FACTOR_VERIFY, None),
    "audit-log": (AUDIT_LOG, None),
    "audit-log-verify": (AUDIT_LOG_VERIFY, None),
    "working-day-calendar": (WORKING_DAY_CALENDAR, None),
    "working-day-calendar-delete": (WORKING_DAY_CALENDAR_DELETE, "calendar_day"),
    "set_language": (SET_LANGUAGE, None),
    "rule-list": (HOME, None),
    "rule-detail": (RULE_DETAIL, None),
    "job-detail": (JOB_DETAIL, "job"),
    "occupation-list": (OCCUPATION_LIST, None),
    "occupation-import": (OCCUPATION_IMPORT, None),
    "institution-list": (INSTITUTION_LIST, None),
    "institution-register": (LOGIN, None),
    "institution-detail": (INSTITUTION_DETAIL, "institution"),
    "institution-filing-create": (INSTITUTION_FILING_CREATE, "institution"),
    "institution-contacts": (INSTITUTION_FILING_CREATE, "institution"),
    "institution-branch-create": (INSTITUTION_FILING_CREATE, "institution"),
    "institution-catalog-status": (INSTITUTION_CATALOG_STATUS, "institution"),
    "filing-list": (INSTITUTION_LIST, None),
    "filing-detail": (INSTITUTION_DETAIL, "draft_filing"),
    "filing-regions": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-item-add": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-item-delete": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-materials": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-material": (FILING_MATERIAL, "draft_filing"),
    "filing-submit": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-approve": (INSTITUTION_CATALOG_STATUS, "draft_filing"),
    "filing-reject": (FILING_REJECT, "draft_filing"),
    "filing-end-early": (INSTITUTION_CATALOG_STATUS, "draft_filing"),
    "filing-replaces": (INSTITUTION_FILING_CREATE, "draft_filing"),
    "filing-addition": (INSTITUTION_CATALOG_STATUS, "draft_filing"),
    "technical-resource-list": (OCCUPATION_LIST, None),
    "technical-resource-edit": (OCCUPATION_IMPORT, "technical_resource"),
    "batch-list": (INSTITUTION_LIST, None),
    "batch-create": (BATCH_CREATE, None),
    "batch-detail": (INSTITUTION_DETAIL, "batch"),
    "batch-publish": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-roster-template": (FILING_MATERIAL, "batch"),
    "batch-roster-upload": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-photos": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-close-roster": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-eligibility-auto": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-eligibility-decide": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-eligibility-complete": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-room-add": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-arrange": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-tickets": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-tickets-pdf": (BATCH_TICKETS_PDF, "batch"),
    "batch-scores": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-examined": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-publicise": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-approve": (FILING_REJECT, "batch"),
    "batch-return": (FILING_REJECT, "batch"),
    "batch-sign-off": (BATCH_SIGN_OFF, "batch"),
    "batch-cancel": (INSTITUTION_FILING_CREATE, "batch"),
    "batch-exit-remedies": (BATCH_EXIT_REMEDIES, "invalid_batch"),
    "refund-list": (REFUND_LIST, None),
    "refund-confirm": (REFUND_CONFIRM, "exit_remedy"),
    "catalog": (OCCUPATION_LIST, None),
    "catalog-export": (OCCUPATION_LIST, None),
    "lookup": (HOME, None),
    "lookup-download": (HOME, "certificate"),
    "verify": (HOME, "certificate"),
    "verify-proof": (HOME, "certificate"),
    "certificate-list": (INSTITUTION_LIST, None),
    "certificate-export": (DASHBOARD, None),
    "certificate-revoke-person": (CERTIFICATE_REVOKE_PERSON, None),
    "certificate-revoke-batch": (CERTIFICATE_REVOKE_PERSON, None),
    "certificate-detail": (FILING_MATERIAL, "certificate"),
    "certificate-revoke": (CERTIFICATE_REVOKE, "certificate"),
    "certificate-correct": (CERTIFICATE_CORRECT, "certificate"),
    "certificate-pdf": (FILING_MATERIAL, "certificate"),
    "certificate-proof": (CERTIFICATE_PROOF, "certificate"),
    "proof-pdf": (FILING_MATERIAL, "proof"),
    "competition-list": (INSTITUTION_LIST, None),
    "competition-create": (COMPETITION_CREATE, None),
    "competition-public": (HOME, None),
    "competition-detail": (COMPETITION_DETAIL, "competition"),
    "competition-edit": (COMPETITION_EDIT, "competition"),
    "competition-fee-set": (COMPETITION_EVENT_ADD, "competition"),
    "competition-event-add": (COMPETITION_EVENT_ADD, "competition"),
    "competition-event-delete": (COMPETITION_EVENT_ADD, "competition"),
    "competition-contestant-add": (COMPETITION_EVENT_ADD, "competition"),
    "competition-contestant-delete": (COMPETITION_EVENT_ADD, "competition"),
    "competition-contestant-import": (COMPETITION_EVENT_ADD, "competition"),
    "competition-contestant-template": (COMPETITION_EDIT, "competition"),
    "competition-filing-submit": (COMPETITION_EVENT_ADD, "competition"),
    "competition-results": (COMPETITION_EDIT, "competition"),
    "competition-recognitions-propose": (COMPETITION_RECOGNITIONS_PROPOSE, "competition"),
    "competition-certificates": (COMPETITION_CERTIFICATES, "competition"),
    "competition-delegation": (COMPETITION_CERTIFICATES, "competition"),
    "competition-filing-list": (INSTITUTION_LIST, None),
    "competition-filing-detail": (COMPETITION_DETAIL, "competition_filing"),
    "competition-filing-opinion": (COMPETITION_CERTIFICATES, "competition_filing"),
    "competition-filing-decide": (COMPETITION_CERTIFICATES, "competition_filing"),
    "competition-filing-pdf": (COMPETITION_DETAIL, "competition_filing"),
    "competition-recognition-list": (INSTITUTION_LIST, None),
    "competition-recognition-decide": (COMPETITION_CERTIFICATES, "recognition"),
    "honour-list": (INSTITUTION_LIST, None),
    "honour-create": (HONOUR_CREATE, None),
    "honour-detail": (HONOUR_DETAIL, "honour"),
    "honour-recognise": (HONOUR_RECOGNISE, "honour"),
    "honour-refuse": (HONOUR_REFUSE, "honour"),
    "audit-results": (HOME, None),
    "notice-list": (HOME, None),
    "complaint-create": (HOME, None),
    "complaint-received": (SET_LANGUAGE, None),
    "complaint-status": (HOME, None),
    "complaint-outcomes": (PUBLIC_GET_ONLY, None),
    "inspector-list": (INSPECTOR_LIST, None),
    "inspector-edit": (INSPECTOR_LIST, "inspector"),
    "inspector-active": (INSPECTOR_ACTIVE, "inspector"),
    "spot-check-list": (SPOT_CHECK_LIST, None),
    "spot-check-detail": (INSTITUTION_DETAIL, "spot_check"),
    "spot-check-reproduce": (SPOT_CHECK_REPRODUCE, "spot_check"),
    "spot-check-redraw": (SPOT_CHECK_REDRAW, "spot_check"),
    "spot-check-publish": (SPOT_CHECK_REDRAW, "spot_check"),
    "spot-check-finding": (SPOT_CHECK_REDRAW, "spot_check"),
    "spot-check-response": (INSTITUTION_CATALOG_STATUS, "spot_check"),
    "complaint-list": (COMPLAINT_LIST, None),
    "complaint-detail": (COMPLAINT_DETAIL, "complaint"),
    "complaint-advance": (COMPLAINT_ADVANCE, "complaint"),
    "complaint-publish": (COMPLAINT_PUBLISH, "complaint"),
    "complaint-attachment": (COMPLAINT_ATTACHMENT, "complaint"),
    "audit-actions": (AUDIT_ACTIONS, None),
    "audit-revoke-person": (CERTIFICATE_REVOKE_PERSON, None),
    "audit-revoke-batch": (CERTIFICATE_REVOKE_PERSON, None),
    "audit-credit-flag": (INSPECTOR_ACTIVE, None),
    "audit-suspend": (CERTIFICATE_REVOKE_PERSON, None),
    "audit-notice-create": (INSPECTOR_ACTIVE, None),
    "quality-review-list": (DASHBOARD, None),
    "statistics": (STATISTICS, None),
    "statistics-view": (STATISTICS, None),
    "statistics-chart": (STATISTICS, None),
    "statistics-quarterly": (STATISTICS, None),
    "statistics-quarterly-xlsx": (STATISTICS, None),
    "statistics-quarterly-pdf": (STATISTICS, None),
    "api-statistics": (API_STATISTICS, None),
    "quality-review-run": (INSPECTOR_ACTIVE, None),
    "quality-review-detail": (QUALITY_REVIEW_DETAIL, "review"),
    "quality-review-flag": (QUALITY_REVIEW_DETAIL, "review"),
    "quality-review-chart": (QUALITY_REVIEW_CHART, "review"),
    "quality-review-pdf": (QUALITY_REVIEW_DETAIL, "review"),
    "quality-review-xlsx": (QUALITY_REVIEW_DETAIL, "review"),
    "api-public-lookup": (LOGOUT, None),
    "api-public-captcha": (OCCUPATION_LIST, None),
    "api-public-verify": (OCCUPATION_LIST, "certificate"),
    "api-public-verify-pdf": (LOGOUT, None),
    "api-public-complaint-outcomes": (OCCUPATION_LIST, None),
    "api:region-list": (OCCUPATION_LIST, None),
    "api:region-detail": (REGION_DETAIL, "region"),
    "api:occupation-list": (OCCUPATION_LIST, None),
    "api:occupation-detail": (REGION_DETAIL, None),
    "api:job-list": (JOB_LIST, None),
    "api:job-detail": (JOB_DETAIL_2, "job"),
    "api:job-retry": (JOB_RETRY, "job"),
    "api:rule-list": (OCCUPATION_LIST, None),
    "api:rule-detail": (REGION_DETAIL, None),
    "api:rule-evaluate": (LOGOUT, None),
    "api:rule-parameters": (RULE_PARAMETERS, None),
    "api:auth-token-list": (JOB_LIST, None),
    "api:auth-token-detail": (AUTH_TOKEN_DETAIL, "token"),
    "api:api-institution-list": (JOB_LIST, None),
    "api:api-institution-detail": (API_INSTITUTION_DETAIL, "institution"),
    "api:api-institution-catalog": (API_INSTITUTION_CATALOG, "institution"),
    "api:api-filing-list": (API_FILING_LIST, None),
    "api:api-filing-detail": (API_FILING_DETAIL, "draft_filing"),
    "api:api-filing-add-occupation": (API_INSTITUTION_CATALOG, "draft_filing"),
    "api:api-filing-approve": (API_INSTITUTION_CATALOG, "draft_filing"),
    "api:api-filing-end-early": (API_INSTITUTION_CATALOG, "draft_filing"),
    "api:api-filing-items": (API_FILING_ITEMS, "draft_filing"),
    "api:api-filing-materials": (API_FILING_ITEMS, "draft_filing"),
    "api:api-filing-reject": (API_INSTITUTION_CATALOG, "draft_filing"),
    "api:api-filing-submit": (API_FILING_ITEMS, "draft_filing"),
    "api:api-technical-resource-list": (API_TECHNICAL_RESOURCE_LIST, None),
    "api:api-technical-resource-detail": (API_TECHNICAL_RESOURCE_DETAIL, "technical_resource"),
    "api:api-batch-list": (API_FILING_LIST, None),
    "api:api-batch-detail": (API_BATCH_DETAIL, "batch"),
    "api:api-batch-approve-results": (API_BATCH_APPROVE_RESULTS, "batch"),
    "api:api-batch-arrange-rooms": (API_FILING_ITEMS, "batch"),
    "api:api-batch-cancel": (API_FILING_ITEMS, "batch"),
    "api:api-exit-remedy-list": (API_FILING_LIST, None),
    "api:api-exit-remedy-detail": (API_BATCH_DETAIL, "exit_remedy"),
    "api:api-exit-remedy-confirm-refund": (API_BATCH_APPROVE_RESULTS, "exit_remedy"),
    "api:api-batch-close-roster": (API_FILING_ITEMS, "batch"),
    "api:api-batch-complete-eligibility-review": (API_FILING_ITEMS, "batch"),
    "api:api-batch-decide-eligibility": (API_FILING_ITEMS, "batch"),
    "api:api-batch-generate-tickets": (API_FILING_ITEMS, "batch"),
    "api:api-batch-missing-photos": (API_BATCH_MISSING_PHOTOS, "batch"),
    "api:api-batch-photos": (API_FILING_ITEMS, "batch"),
    "api:api-batch-publicise-results": (API_FILING_ITEMS, "batch"),
    "api:api-batch-publish-plan": (API_FILING_ITEMS, "batch"),
    "api:api-batch-record-examined": (API_FILING_ITEMS, "batch"),
    "api:api-batch-return-results": (API_INSTITUTION_CATALOG, "batch"),
    "api:api-batch-review-eligibility": (API_FILING_ITEMS, "batch"),
    "api:api-batch-rooms": (API_BATCH_ROOMS, "batch"),
    "api:api-batch-roster": (API_FILING_ITEMS, "batch"),
    "api:api-batch-roster-template": (API_BATCH_MISSING_PHOTOS, "batch"),
    "api:api-batch-sign-off": (API_BATCH_SIGN_OFF, "batch"),
    "api:api-candidate-list": (JOB_LIST, None),
    "api:api-candidate-detail": (API_CANDIDATE_DETAIL, "candidate"),
    "api:api-candidate-scores": (API_CANDIDATE_SCORES, "candidate"),
    "api:api-certificate-list": (JOB_LIST, None),
    "api:api-certificate-revoke-batch": (API_CERTIFICATE_REVOKE_BATCH, None),
    "api:api-certificate-revoke-person": (API_CERTIFICATE_REVOKE_BATCH, None),
    "api:api-certificate-detail": (API_CANDIDATE_DETAIL, "certificate"),
    "api:api-certificate-revoke": (API_CERTIFICATE_REVOKE, "certificate"),
    "api:api-certificate-proof": (API_CERTIFICATE_PROOF, "certificate"),
    "api:api-competition-list": (API_COMPETITION_LIST, None),
    "api:api-competition-detail": (API_COMPETITION_DETAIL, "competition"),
    "api:api-competition-certificates": (API_COMPETITION_CERTIFICATES, "competition"),
    "api:api-competition-delegation": (API_COMPETITION_DELEGATION, "competition"),
    "api:api-competition-events": (API_COMPETITION_EVENTS, "competition"),
    "api:api-competition-filings": (API_COMPETITION_EVENTS, "competition"),
    "api:api-competition-propose": (API_COMPETITION_PROPOSE, "competition"),
    "api:api-contestant-list": (API_COMPETITION_LIST, None),
    "api:api-contestant-detail": (API_CONTESTANT_DETAIL, "contestant"),
    "api:api-competition-filing-list": (JOB_LIST, None),
    "api:api-competition-filing-detail": (API_COMPETITION_FILING_DETAIL, "competition_filing"),
    "api:api-competition-filing-decide": (API_COMPETITION_CERTIFICATES, "competition_filing"),
    "api:api-competition-filing-opinion": (API_COMPETITION_CERTIFICATES, "competition_filing"),
    "api:api-recognition-list": (JOB_LIST, None),
    "api:api-recognition-detail": (API_COMPETITION_FILING_DETAIL, "recognition"),
    "api:api-recognition-decide": (API_COMPETITION_CERTIFICATES, "recognition"),
    "api:api-honour-list": (API_HONOUR_LIST, None),
    "api:api-honour-detail": (API_HONOUR_DETAIL, "honour"),
    "api:api-honour-recognise": (API_HONOUR_RECOGNISE, "honour"),
    "api:api-honour-refuse": (API_HONOUR_REFUSE, "honour"),
    "api:api-inspector-list": (API_INSPECTOR_LIST, None),
    "api:api-inspector-detail": (API_INSPECTOR_DETAIL, "inspector"),
    "api:api-spot-check-list": (API_SPOT_CHECK_LIST, None),
    "api:api-spot-check-detail": (API_CANDIDATE_DETAIL, "spot_check"),
    "api:api-spot-check-findings": (API_INSTITUTION_CATALOG, "spot_check"),
    "api:api-spot-check-publish": (API_SPOT_CHECK_PUBLISH, "spot_check"),
    "api:api-spot-check-redraw": (API_INSTITUTION_CATALOG, "spot_check"),
    "api:api-spot-check-reproduce": (API_SPOT_CHECK_REPRODUCE, "spot_check"),
    "api:api-complaint-list": (API_COMPLAINT_LIST, None),
    "api:api-complaint-check-status": (API_COMPLAINT_CHECK_STATUS, None),
    "api:api-complaint-detail": (API_COMPLAINT_DETAIL, "complaint"),
    "api:api-complaint-advance": (API_COMPLAINT_ADVANCE, "complaint"),
    "api:api-complaint-publish": (API_COMPLAINT_PUBLISH, "complaint"),
    "api:api-notice-list": (API_NOTICE_LIST, None),
    "api:api-notice-detail": (API_NOTICE_DETAIL, "notice"),
    "api:api-quality-review-list": (JOB_LIST, None),
    "api:api-quality-review-run": (API_QUALITY_REVIEW_RUN, None),
    "api:api-quality-review-detail": (API_QUALITY_REVIEW_DETAIL, "review"),
    "api:api-root": (JOB_LIST, None),
    "api-token": (LOGOUT, None),
    "api-schema": (OCCUPATION_LIST, None),
    "api-docs": (OCCUPATION_LIST, None),
    "job-result": (JOB_RESULT, "job"),
    "job-retry": (JOB_RETRY_2, "job"),
    "job-print-pdf": (JOB_RESULT, "job"),
}
