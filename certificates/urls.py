from django.urls import path

from certificates import views

urlpatterns = [
    # Public: the lookup, the holder's own download, and the QR verification target.
    path("lookup/", views.lookup_page, name="lookup"),
    path("lookup/download/<str:signed>/", views.holder_download, name="lookup-download"),
    path("v/<str:token>/", views.verify, name="verify"),
    # Proof PDFs print this form of the address; tokens share one space, so it is the same page.
    path("v/proof/<str:token>/", views.verify, name="verify-proof"),
    # Staff.
    path("certificates/", views.CertificateListView.as_view(), name="certificate-list"),
    path("certificates/export.xlsx", views.certificate_export, name="certificate-export"),
    path(
        "certificates/revoke-person/",
        views.certificate_revoke_person,
        name="certificate-revoke-person",
    ),
    path(
        "certificates/revoke-batch/",
        views.certificate_revoke_batch,
        name="certificate-revoke-batch",
    ),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("certificates/<int:pk>/correct/", views.certificate_correct, name="certificate-correct"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/<int:pk>/proof/", views.certificate_proof, name="certificate-proof"),
    path("certificates/proofs/<int:pk>/pdf/", views.proof_pdf, name="proof-pdf"),
]
