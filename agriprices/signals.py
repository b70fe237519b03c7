"""Signals for the apps built on the price data, so agriprices never imports them."""

from django.dispatch import Signal

#: Sent once the transaction that changed a series' latest price has committed, with
#: ``commodity_id``, ``market_id`` and ``price_type``. Receivers run after the commit, so
#: they see the new price and cannot undo it.
latest_price_changed = Signal()
