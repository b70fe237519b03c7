from django.urls import include, path

from openrosa import views

app_name = "openrosa"
#: What ODK Collect asks for, under Basic authentication at /openrosa/ and under a key
#: at /openrosa/key/<token>/ (namespace ``openrosa:key``), the same views.
collect = [
    path("formList", views.form_list, name="form-list"),
    path("forms/<str:form_id>/form.xml", views.form_download, name="form"),
    path("forms/<str:form_id>/manifest", views.manifest, name="manifest"),
    path("forms/<str:form_id>/medians.csv", views.medians, name="medians"),
    path("submission", views.submission, name="submission"),
]
urlpatterns = [
    *collect,
    path("key/<str:token>/", include((collect, "key"))),
    path("setup/", views.setup, name="setup"),
    path("keys/", views.key_list, name="keys"),
    path("keys/new/", views.key_issue, name="key-new"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key-revoke"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
