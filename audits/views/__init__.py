"""Pages of audits and quality (54号 五, 实施意见 二十五, 239号 四), by topic: `spot_checks` (the
inspector pool, random spot checks 双随机), `public` (published results 一公开, notices, reporting a
complaint 举报), `complaints` (their handling), `sanctions` (acting on findings: revocation,
credit-check flag, suspension, province-wide notice), `reviews` (the twice-yearly quality review,
with its own URLs) and `statistics` (the statistics pages and API, routed from skilleval/urls.py).

Views stay thin: objects are found through `.visible_to(user)` (outside the scope → 404), the
input goes to the domain (audits/draws.py, the models), and its refusals are shown next to the
form that caused them. Every action is a POST; after success the page redirects. The names below
are what audits/urls.py routes."""

from audits.views.complaints import (
    ComplaintDetailView,
    ComplaintListView,
    complaint_advance,
    complaint_attachment,
    complaint_publish,
)
from audits.views.public import (
    complaint_create,
    complaint_outcomes,
    complaint_received,
    complaint_status,
    notice_list,
    results,
)
from audits.views.sanctions import (
    actions,
    credit_flag,
    notice_create,
    revoke_batch,
    revoke_person,
    suspend,
)
from audits.views.spot_checks import (
    InspectorListView,
    SpotCheckDetailView,
    SpotCheckListView,
    inspector_active,
    inspector_edit,
    spot_check_finding,
    spot_check_publish,
    spot_check_redraw,
    spot_check_reproduce,
    spot_check_response,
)

__all__ = [
    "ComplaintDetailView",
    "ComplaintListView",
    "InspectorListView",
    "SpotCheckDetailView",
    "SpotCheckListView",
    "actions",
    "complaint_advance",
    "complaint_attachment",
    "complaint_create",
    "complaint_outcomes",
    "complaint_publish",
    "complaint_received",
    "complaint_status",
    "credit_flag",
    "inspector_active",
    "inspector_edit",
    "notice_create",
    "notice_list",
    "results",
    "revoke_batch",
    "revoke_person",
    "spot_check_finding",
    "spot_check_publish",
    "spot_check_redraw",
    "spot_check_reproduce",
    "spot_check_response",
    "suspend",
]
