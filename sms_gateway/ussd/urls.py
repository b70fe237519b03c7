from django.urls import path

from sms_gateway import views

app_name = "ussd"

urlpatterns = [path("<str:gateway>/", views.ussd_callback, name="callback")]
