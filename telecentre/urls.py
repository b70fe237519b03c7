from django.contrib.auth import views as auth_views
from django.urls import path

from telecentre import api, views
from telecentre.login import ThrottledAuthenticationForm

app_name = "telecentre"
urlpatterns = [
    path("", views.home, name="home"),
    path("commodities/<str:ref>/", views.commodity_detail, name="commodity"),
    path("markets/<str:ref>/", views.market_detail, name="market"),
    path("warnings/", views.price_warnings, name="warnings"),
    path("grid/", views.price_grid, name="grid"),
    path("map/", views.market_map, name="map"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/new/", views.bulletin_create, name="bulletin-new"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/edit/", views.bulletin_edit, name="bulletin-edit"),
    path("bulletins/<int:pk>/publish/", views.bulletin_publish, name="bulletin-publish"),
    path("bulletins/<int:pk>/expire/", views.bulletin_expire, name="bulletin-expire"),
    path("review/", views.review_queue, name="review"),
    path("report/", views.report_price, name="report"),
    path("sheet/", views.price_sheet, name="sheet"),
    path("sheet.csv", views.price_sheet_csv, name="sheet-csv"),
    path("sheet/radio/", views.radio_script, name="radio"),
    path("simulator/", views.sms_simulator, name="simulator"),
    path("simulator/ussd/", views.ussd_simulator, name="ussd-simulator"),
    # The bulletins' JSON, beside the prices' (agriprices/api/urls.py) under /api/v1/.
    path("api/v1/bulletins/", api.BulletinList.as_view(), name="api-bulletins"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
