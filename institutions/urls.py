from django.urls import path

from institutions import views

urlpatterns = [
    path("", views.InstitutionListView.as_view(), name="institution-list"),
    path("register/", views.register, name="institution-register"),
    path("<int:pk>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    path("<int:pk>/filings/", views.institution_new_filing, name="institution-filing-create"),
    path("<int:pk>/contacts/", views.institution_contacts, name="institution-contacts"),
    path("<int:pk>/branches/", views.institution_branch_create, name="institution-branch-create"),
    path("<int:pk>/catalog/", views.institution_catalog_status, name="institution-catalog-status"),
    path("filings/", views.FilingListView.as_view(), name="filing-list"),
    path("filings/<int:pk>/", views.FilingDetailView.as_view(), name="filing-detail"),
    path("filings/<int:pk>/regions/", views.filing_regions, name="filing-regions"),
    path("filings/<int:pk>/items/", views.filing_item_add, name="filing-item-add"),
    path(
        "filings/<int:pk>/items/<int:item_pk>/delete/",
        views.filing_item_delete,
        name="filing-item-delete",
    ),
    path("filings/<int:pk>/materials/", views.filing_materials, name="filing-materials"),
    path("filings/<int:pk>/materials/<str:kind>/", views.filing_material, name="filing-material"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing-submit"),
    path("filings/<int:pk>/approve/", views.filing_approve, name="filing-approve"),
    path("filings/<int:pk>/reject/", views.filing_reject, name="filing-reject"),
    path("filings/<int:pk>/additions/", views.filing_addition, name="filing-addition"),
    path(
        "technical-resources/",
        views.TechnicalResourceListView.as_view(),
        name="technical-resource-list",
    ),
    path(
        "technical-resources/<int:pk>/edit/",
        views.technical_resource_edit,
        name="technical-resource-edit",
    ),
]
