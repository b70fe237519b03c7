from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Until the dashboard lands, the admin is the operator's UI.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
