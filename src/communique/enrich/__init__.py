"""Enrichment: entities, countries, places, times, dated events and references of a statement.

`communique.enrich.core.Enricher` runs them all; models and gazetteers load lazily, once per
process, the first time a text needs them.
"""
