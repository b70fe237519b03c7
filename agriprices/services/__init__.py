"""Every write to price data, by purpose: ``recording`` (a price, validated, from any
channel), ``reviewing`` (an operator's decision) and ``series`` (everything derived from
a series' approved prices, kept current in the transaction that changes them). The
warnings' computation is in ``agriprices.warnings.computation``. Each public function is
one transaction.

Web form, SMS, API, ODK Collect and file import all arrive here, so every rule is
checked in one place.
"""
