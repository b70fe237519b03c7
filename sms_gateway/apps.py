from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from agriprices.models import (
            Commodity,
            CommodityAlias,
            LatestPrice,
            Market,
            MarketAlias,
            Unit,
        )
        from agriprices.signals import latest_price_changed
        from sms_gateway import memo, senders, subscriptions
        from sms_gateway.models import Subscriber

        latest_price_changed.connect(subscriptions.price_changed, dispatch_uid="sms-alerts")
        # Remembered replies go when what they were made of changes in this process;
        # other processes see the shared version move (see memo.py).
        latest_price_changed.connect(memo.forget, dispatch_uid="sms-memo-prices")
        post_save.connect(memo.forget, sender=LatestPrice, dispatch_uid="sms-memo-latest")
        for model in (Commodity, CommodityAlias, Market, MarketAlias, Unit):
            post_save.connect(memo.forget, sender=model, dispatch_uid=f"sms-memo-{model.__name__}")
            post_delete.connect(
                memo.forget, sender=model, dispatch_uid=f"sms-memo-d-{model.__name__}"
            )
        # The copy of sender settings the fast lane reads (see senders.py).
        post_save.connect(senders.saved, sender=Subscriber, dispatch_uid="sms-senders-saved")
        post_delete.connect(senders.deleted, sender=Subscriber, dispatch_uid="sms-senders-deleted")
        post_delete.connect(senders.market_deleted, sender=Market, dispatch_uid="sms-senders-m")
