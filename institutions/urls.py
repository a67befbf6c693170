from django.urls import path

from institutions import views

urlpatterns = [
    path("", views.InstitutionListView.as_view(), name="institution-list"),
    path("<int:pk>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
]
