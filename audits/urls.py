from django.urls import include, path

from audits import views

urlpatterns = [
    # The public: results of the random spot checks (一公开), notices, complaints (举报).
    path("results/", views.results, name="audit-results"),
    path("notices/", views.notice_list, name="notice-list"),
    path("complaints/new/", views.complaint_create, name="complaint-create"),
    path("complaints/received/", views.complaint_received, name="complaint-received"),
    path("complaints/status/", views.complaint_status, name="complaint-status"),
    path("complaints/outcomes/", views.complaint_outcomes, name="complaint-outcomes"),
    # Staff.
    path("inspectors/", views.InspectorListView.as_view(), name="inspector-list"),
    path("inspectors/<int:pk>/edit/", views.inspector_edit, name="inspector-edit"),
    path("inspectors/<int:pk>/active/", views.inspector_active, name="inspector-active"),
    path("spot-checks/", views.SpotCheckListView.as_view(), name="spot-check-list"),
    path("spot-checks/<int:pk>/", views.SpotCheckDetailView.as_view(), name="spot-check-detail"),
    path(
        "spot-checks/<int:pk>/reproduce/",
        views.spot_check_reproduce,
        name="spot-check-reproduce",
    ),
    path("spot-checks/<int:pk>/redraw/", views.spot_check_redraw, name="spot-check-redraw"),
    path("spot-checks/<int:pk>/publish/", views.spot_check_publish, name="spot-check-publish"),
    path(
        "spot-checks/<int:pk>/entities/<int:entity_pk>/finding/",
        views.spot_check_finding,
        name="spot-check-finding",
    ),
    path(
        "spot-checks/<int:pk>/entities/<int:entity_pk>/response/",
        views.spot_check_response,
        name="spot-check-response",
    ),
    path("complaints/", views.ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", views.ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/advance/", views.complaint_advance, name="complaint-advance"),
    path("complaints/<int:pk>/publish/", views.complaint_publish, name="complaint-publish"),
    path(
        "complaints/<int:pk>/attachment/",
        views.complaint_attachment,
        name="complaint-attachment",
    ),
    path("actions/", views.actions, name="audit-actions"),
    path("actions/revoke-person/", views.revoke_person, name="audit-revoke-person"),
    path("actions/revoke-batch/", views.revoke_batch, name="audit-revoke-batch"),
    path("actions/credit-flag/", views.credit_flag, name="audit-credit-flag"),
    path("actions/suspend/", views.suspend, name="audit-suspend"),
    path("actions/notice/", views.notice_create, name="audit-notice-create"),
    # The twice-yearly quality review (54号 五: 一年两次) has its own module.
    path("", include("audits.views.reviews")),
]
