from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/ask/", include("sms_gateway.api")),
    path("api/v1/", include("agriprices.api.urls")),
    path("sms/", include("sms_gateway.urls")),
    path("ussd/", include("sms_gateway.ussd.urls")),
    path("", include("sms_gateway.channels.urls")),  # each channel's own webhooks
    path("voice/", include("voice.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: no inline script, so a strict CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("openrosa/", include("openrosa.urls")),
    path("", include("telecentre.urls")),
]

handler400 = "agriprices.api.errors.bad_request"
handler404 = "agriprices.api.errors.not_found"
handler500 = "agriprices.api.errors.server_error"
