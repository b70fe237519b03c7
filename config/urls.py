from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from telecentre.api import BulletinList


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up (for load balancers); touches nothing else."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/bulletins/", BulletinList.as_view(), name="api-bulletins"),
    path("api/v1/", include("agriprices.api.urls")),
    path("sms/", include("sms_gateway.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: no inline script, so a strict CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("telecentre.urls")),
]

handler404 = "agriprices.api.errors.not_found"
handler500 = "agriprices.api.errors.server_error"
