from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ipchain.enforcement.urls import api_urlpatterns as enforcement_api
from ipchain.enforcement.urls import catalogue_urlpatterns
from ipchain.federation.urls import witness_urlpatterns
from ipchain.ledger.urls import api_urlpatterns as ledger_api
from ipchain.ledger.urls import log_urlpatterns
from ipchain.portal.views import home
from verifier.urls import api_urlpatterns as verifier_api

urlpatterns = [
    # First: Django tries the patterns in order and the verify API is the busiest endpoint;
    # the includes tried before it cost 40 us a verification at best (bench/README.md).
    path("api/v1/", include(verifier_api)),
    path("", home, name="home"),
    path("accounts/", include("ipchain.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/applications/", include("ipchain.enforcement.urls")),
    path("verify/catalogue/", include(catalogue_urlpatterns)),
    path("portal/", include("ipchain.portal.urls")),
    path("admin/", admin.site.urls),
    path("", include(log_urlpatterns)),
    path("", include(witness_urlpatterns)),
    path("api/v1/", include(ledger_api)),
    path("api/v1/", include("ipchain.registry.api.urls")),
    path("api/v1/", include(enforcement_api)),
    path("", include("verifier.urls")),
    path("office/dashboard/", include("ipchain.dashboard.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("ipchain.operations.urls")),  # /healthz, /readyz, /metrics, exports
]
# Uploads (MEDIA_ROOT) have no public URL, in DEBUG or not: verifier/file_views.py serves
# each file to those who may see it.

handler400 = "ipchain.error_pages.bad_request"
handler403 = "ipchain.error_pages.permission_denied"
handler404 = "ipchain.error_pages.page_not_found"
handler500 = "ipchain.error_pages.server_error"
