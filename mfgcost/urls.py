"""URL configuration: admin, REST API (``/api/``), OpenAPI schema and its docs pages.

``/`` leads to the API documentation, which is also the admin's "View site".
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mfgcost.core.auth import TokenObtainView

admin.site.site_header = "mfgcost"
admin.site.site_title = "mfgcost"
admin.site.index_title = "Manufacturing costing"
admin.site.site_url = "/api/docs/"

# Under /api/ an unknown path (or a failure) answers JSON like every other API error.
handler404 = "mfgcost.core.api.page_not_found"
handler500 = "mfgcost.core.api.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="swagger-ui", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("api/auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("mfgcost.api_urls")),
]
