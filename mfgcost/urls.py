"""URL configuration: admin (with the report pages), REST API (``/api/``), OpenAPI schema and its
docs pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mfgcost.core.report_views import report_urls

# The report pages join the admin's own URLs, so they are named ``admin:reports`` and
# ``admin:report`` and sit behind the admin login.
admin_urls, admin_app, admin_namespace = admin.site.urls

urlpatterns = [
    path("admin/", (report_urls(admin.site) + admin_urls, admin_app, admin_namespace)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("mfgcost.api_urls")),
]
