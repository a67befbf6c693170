from django.urls import path

from competitions import views

urlpatterns = [
    path("", views.CompetitionListView.as_view(), name="competition-list"),
    path("new/", views.competition_create, name="competition-create"),
    path("public/", views.public_list, name="competition-public"),
    path("<int:pk>/", views.competition_detail, name="competition-detail"),
    path("<int:pk>/edit/", views.competition_edit, name="competition-edit"),
    path("<int:pk>/fees/", views.fee_set, name="competition-fee-set"),
    path("<int:pk>/events/", views.event_add, name="competition-event-add"),
    path(
        "<int:pk>/events/<int:event_pk>/delete/",
        views.event_delete,
        name="competition-event-delete",
    ),
    path("<int:pk>/contestants/", views.contestant_add, name="competition-contestant-add"),
    path(
        "<int:pk>/contestants/<int:contestant_pk>/delete/",
        views.contestant_delete,
        name="competition-contestant-delete",
    ),
    path(
        "<int:pk>/contestants/import/",
        views.contestant_import,
        name="competition-contestant-import",
    ),
    path(
        "<int:pk>/contestants/template.xlsx",
        views.contestant_template_download,
        name="competition-contestant-template",
    ),
    path("<int:pk>/filings/", views.filing_submit, name="competition-filing-submit"),
    path("<int:pk>/results/", views.results, name="competition-results"),
    path(
        "<int:pk>/recognitions/",
        views.recognitions_propose,
        name="competition-recognitions-propose",
    ),
    path("<int:pk>/certificates/", views.certificates_issue, name="competition-certificates"),
    path("<int:pk>/delegation/", views.delegate_certificates, name="competition-delegation"),
    path("filings/", views.CompetitionFilingListView.as_view(), name="competition-filing-list"),
    path("filings/<int:pk>/", views.filing_detail, name="competition-filing-detail"),
    path("filings/<int:pk>/opinion/", views.filing_opinion, name="competition-filing-opinion"),
    path("filings/<int:pk>/decide/", views.filing_decide, name="competition-filing-decide"),
    path("filings/<int:pk>/form.pdf", views.filing_form_pdf, name="competition-filing-pdf"),
    path(
        "recognitions/",
        views.RecognitionListView.as_view(),
        name="competition-recognition-list",
    ),
    path(
        "recognitions/<int:pk>/decide/",
        views.recognition_decide,
        name="competition-recognition-decide",
    ),
    path("honours/", views.HonourListView.as_view(), name="honour-list"),
    path("honours/new/", views.honour_create, name="honour-create"),
    path("honours/<int:pk>/", views.honour_detail, name="honour-detail"),
    path("honours/<int:pk>/recognise/", views.honour_recognise, name="honour-recognise"),
    path("honours/<int:pk>/refuse/", views.honour_refuse, name="honour-refuse"),
]
