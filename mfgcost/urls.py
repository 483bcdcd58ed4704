"""URL configuration: admin (with the report pages), REST API (``/api/``), OpenAPI schema and its
docs pages.

``/`` leads to the API documentation, which is also the admin's "View site".
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mfgcost.core.auth import TokenObtainView
from mfgcost.core.report_views import report_urls

# The report pages join the admin's own URLs, so they are named ``admin:reports`` and
# ``admin:report`` and sit behind the admin login.
admin_urls, admin_app, admin_namespace = admin.site.urls

admin.site.site_header = "mfgcost"
admin.site.site_title = "mfgcost"
admin.site.index_title = "Manufacturing costing"
admin.site.site_url = "/api/docs/"

# Under /api/ an unknown path (or a failure) answers JSON like every other API error.
handler404 = "mfgcost.core.api.page_not_found"
handler500 = "mfgcost.core.api.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="swagger-ui", permanent=False), name="home"),
    path("admin/", (report_urls(admin.site) + admin_urls, admin_app, admin_namespace)),
    path("api/auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("mfgcost.api_urls")),
]
