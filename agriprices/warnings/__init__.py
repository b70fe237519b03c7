"""The seasonal price warnings, a sub-domain of the prices: the two indicators (pure,
``indicators``), the one table of their bands (``bands``: every reader takes bands from
it), the stored warnings (``models``), their computation (``computation``) and the reads
of them (``queries``, and ``review`` for what they make of a held price)."""
