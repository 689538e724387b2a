from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import health, ready
from merchants.views.accounts import set_language

# JSON under /api/, the site's page elsewhere.
handler404 = "common.api.api_not_found"

urlpatterns = [
    path("healthz/", health, name="health"),
    path("readyz/", ready, name="ready"),
    path("admin/", admin.site.urls),
    # Django's language switch, which also keeps a signed-in person's choice on their account.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/review/", include("review.api_urls")),
    path("api/v1/complaints/", include("complaints.api_urls")),
    path("api/v1/ratings/", include("ratings.api_urls")),
    path("api/v1/public/", include("storefront.api_urls")),
    path("api/v1/statistics/", include("supervision.api_urls")),
    path("api/v1/", include("merchants.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file: the CSP forbids inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("review/", include("review.urls")),
    path("", include("supervision.urls")),
    path("", include("ratings.urls")),
    path("", include("complaints.urls")),
    path("", include("merchants.urls")),
    path("", include("storefront.urls")),
]
