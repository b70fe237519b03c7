from django.contrib.auth import views as auth_views
from django.urls import path

from telecentre import api
from telecentre.login import ThrottledAuthenticationForm
from telecentre.views import (
    audit,
    broadcasts,
    bulletins,
    collection,
    prices,
    quotes,
    sheets,
    simulators,
    voice,
)
from telecentre.views import two_factor as two_factor_views

app_name = "telecentre"
urlpatterns = [
    path("", prices.home, name="home"),
    path("commodities/<str:ref>/", prices.commodity_detail, name="commodity"),
    path("markets/<str:ref>/", prices.market_detail, name="market"),
    path("warnings/", prices.price_warnings, name="warnings"),
    path("grid/", prices.price_grid, name="grid"),
    path("map/", prices.market_map, name="map"),
    path("bulletins/", bulletins.bulletin_list, name="bulletins"),
    path("bulletins/new/", bulletins.bulletin_create, name="bulletin-new"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/edit/", bulletins.bulletin_edit, name="bulletin-edit"),
    path("bulletins/<int:pk>/publish/", bulletins.bulletin_publish, name="bulletin-publish"),
    path("bulletins/<int:pk>/expire/", bulletins.bulletin_expire, name="bulletin-expire"),
    path("review/", quotes.review_queue, name="review"),
    path("report/", quotes.report_price, name="report"),
    path("collection/", collection.collection, name="collection"),
    path("collection/plans/<str:ref>/", collection.plan_edit, name="collection-plan"),
    path("sheet/", sheets.price_sheet, name="sheet"),
    path("sheet.csv", sheets.price_sheet_csv, name="sheet-csv"),
    path("sheet/radio/", sheets.radio_script, name="radio"),
    path("simulator/", simulators.sms_simulator, name="simulator"),
    path("simulator/ussd/", simulators.ussd_simulator, name="ussd-simulator"),
    path("simulator/voice/", voice.voice_simulator, name="voice-simulator"),
    path("voice-clips/", voice.voice_clips, name="voice-clips"),
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
    path("accounts/two-factor/", two_factor_views.verify, name="two-factor"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path("accounts/two-factor/codes/", two_factor_views.renew_codes, name="two-factor-codes"),
    path("broadcasts/", broadcasts.broadcast_list, name="broadcasts"),
    path("broadcasts/<int:pk>/", broadcasts.broadcast_detail, name="broadcast"),
    path("broadcasts/<int:pk>/decide/", broadcasts.broadcast_decide, name="broadcast-decide"),
    path("audit/", audit.audit_trail, name="audit"),
    path("audit.csv", audit.audit_csv, name="audit-csv"),
]
