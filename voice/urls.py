from django.urls import path

from voice import views

app_name = "voice"

urlpatterns = [
    path("twilio/", views.twilio_voice, name="twilio"),
    path("clips/<str:name>", views.clip_file, name="clip"),
]
