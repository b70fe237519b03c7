"""Every read of price data that SMS replies, the API and the dashboard use, by
sub-domain: ``agents`` (who may record where), ``catalogue`` (commodities, markets,
regions, units and the names callers use for them), ``quotes`` (quotes themselves, the
outlier rule's inputs, export), ``latest`` (latest prices and their neighbours) and
``series`` (weekly and monthly summaries). The warnings' reads are in
``agriprices.warnings.queries``.

Each function makes a known, small number of queries whatever the number of rows it
returns (tests hold them to it).
"""
