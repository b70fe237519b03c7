from django.urls import path

from openrosa import views

app_name = "openrosa"
urlpatterns = [
    path("formList", views.form_list, name="form-list"),
    path("forms/<str:form_id>/form.xml", views.form_download, name="form"),
    path("forms/<str:form_id>/manifest", views.manifest, name="manifest"),
    path("forms/<str:form_id>/medians.csv", views.medians, name="medians"),
    path("submission", views.submission, name="submission"),
    path("setup/", views.setup, name="setup"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
