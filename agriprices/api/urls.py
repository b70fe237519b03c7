from django.urls import path

from agriprices.api import views
from agriprices.api.collection import Collection, CollectionHistory

app_name = "api"

urlpatterns = [
    path("commodities/", views.CommodityList.as_view(), name="commodities"),
    path("commodities/<str:ref>/", views.CommodityDetail.as_view(), name="commodity"),
    path("markets/", views.MarketList.as_view(), name="markets"),
    path("markets/<str:ref>/", views.MarketDetail.as_view(), name="market"),
    path("regions/", views.RegionList.as_view(), name="regions"),
    path("quotes/", views.QuoteList.as_view(), name="quotes"),
    path("quotes/<int:pk>/review/", views.QuoteReview.as_view(), name="quote-review"),
    path("prices/latest/", views.LatestPrices.as_view(), name="latest"),
    path("prices/series/", views.PriceSeries.as_view(), name="series"),
    path("prices/warnings/", views.PriceWarnings.as_view(), name="warnings"),
    path("collection/", Collection.as_view(), name="collection"),
    path("collection/history/", CollectionHistory.as_view(), name="collection-history"),
]
