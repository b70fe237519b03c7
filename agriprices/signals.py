"""Signals for the apps built on the price data, so agriprices never imports them."""

from django.dispatch import Signal

#: Sent once the transaction that changed a series' latest price has committed, with
#: ``commodity_id``, ``market_id`` and ``price_type``. Receivers run after the commit, so
#: they see the new price and cannot undo it.
latest_price_changed = Signal()

#: A series' newest month rose into an alarming warning band (alert or crisis). Sent
#: inside the transaction that records it, so what a receiver writes (the SMS queued to
#: its followers) commits with it or not at all: no alert lost, none sent twice.
#: Arguments: commodity_id, market_id, price_type, month (a date, the first of the month).
price_warning_raised = Signal()
