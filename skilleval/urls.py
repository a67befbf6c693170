from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from audits.api import views as audit_api
from audits.api.views import routes as audit_routes
from audits.views import statistics as statistics_views
from certificates.api import views as certificate_api
from competitions.api.views import routes as competition_routes
from institutions import catalog
from institutions.api.views import routes as institution_routes
from skilleval import accounts, calendar_pages, two_factor, views
from skilleval.api.views import ObtainApiTokenView
from skilleval.api.views import routes as reference_routes
from skilleval.changelog import views as changelog

# The Django admin is for superusers only; everybody else works in the portal's pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = "江苏省技能人才评价管理平台"

# Swagger UI under the site's CSP: its start-up script is a file (the split view), its page has no
# inline style, and only this page allows data: images (the icons in Swagger UI's stylesheet).
api_docs = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html")
)

api = DefaultRouter()
for prefix, viewset, basename in [
    *reference_routes,
    *institution_routes,
    *certificate_api.routes,
    *competition_routes,
    *audit_routes,
]:
    api.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path("account/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("account/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("account/two-factor/reset/<int:pk>/", two_factor.reset, name="two-factor-reset"),
    path("account/users/", accounts.account_list, name="account-list"),
    path("account/users/<int:pk>/unlock/", accounts.unlock, name="account-unlock"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/calendar/", calendar_pages.calendar, name="working-day-calendar"),
    path(
        "rules/calendar/<int:pk>/delete/",
        calendar_pages.calendar_delete,
        name="working-day-calendar-delete",
    ),
    path("rules/<str:rule_id>/", views.rule_detail, name="rule-detail"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("occupations/", views.OccupationListView.as_view(), name="occupation-list"),
    path("occupations/import/", views.occupation_import, name="occupation-import"),
    path("institutions/", include("institutions.urls")),
    path("catalog/", catalog.catalog_page, name="catalog"),
    path("catalog/export.xlsx", catalog.catalog_export, name="catalog-export"),
    path("", include("certificates.urls")),
    path("competitions/", include("competitions.urls")),
    # The audit administrator reads the change log beside the auditors' pages.
    path("audits/log/", changelog.audit_log, name="audit-log"),
    path("audits/log/verify/", changelog.audit_log_verify, name="audit-log-verify"),
    path("audits/", include("audits.urls")),
    path("statistics/", include(statistics_views.urlpatterns)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(certificate_api.urlpatterns)),
    path("api/v1/", include(audit_api.urlpatterns)),
    path("api/v1/", include(statistics_views.api_urlpatterns)),
    path("api/v1/", include((api.urls, "api"))),
    path("api/v1/auth/token/", ObtainApiTokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    # Uploaded and generated files are never served as plain media: always through a scoped view.
    path("jobs/<int:pk>/result/", views.job_result, name="job-result"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job-retry"),
    path("jobs/<int:pk>/print.pdf", views.job_print_pdf, name="job-print-pdf"),
]
