"""Demo data for the Kyrgyz pilot region: markets, commodities with their names in
English, Russian, Kyrgyz and French (and the Latin spellings farmers type), and four
years of prices with seasons, regional spread, a few slipped decimal points, and in the
last weeks one spike (potatoes at Osh) and one crash (onions at Naryn), so every band of
the price warnings shows. The two older years have retail prices only, one a week: the
warnings need years of monthly medians, not every market day, and ``make demo`` stays
quick.

The demo's markets and regions are in ``places``, its commodities in ``crops``, its
prices in ``prices``; ``catalogue`` and ``users`` store them and its logins;
``collection`` sets the markets' collection plans, and leaves out a missed and a
partial round so the collection page shows every state.

Every price is a pure function of (market, commodity, price type, day, and the day the
demo is seeded, for the spike and the crash), so running the seed again adds the new
days and leaves the stored ones unchanged. The prices
enter through ``importers.import_price_rows``, so the outlier rule flags the slips.
"""
