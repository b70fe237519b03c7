"""The collection plan and what comes of it: which prices each market should have on
which days (``models``, ``schedule``), how complete each round is per market, agent,
region and overall with the streak of missed rounds (``completeness``, which has the
database match prices to rounds: ``received``), who is reminded of what (``reminders``),
the operators' daily digest (``digest``), and how old a price may be before a farmer is
told so (``freshness``).

The sending of reminders is the channels' business (``sms_gateway.reminders``): this
package says who is missing what, and imports no other app."""
