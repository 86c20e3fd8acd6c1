"""Insights: queries and pure statistics over moments (DESIGN.md §7).

- `spikes` (pure) and `analysis`: which request values rose, since when, for whom.
- `record`: a detected spike becomes a `spike` moment, once, and wakes the workflows.
- `quality`: CSAT and NPS by month, by the moment types before the answer, and why
  detractors said so.
- `frequency`: how often customers ask again, by category, and who asks most.
- `sentences`: a spike told in Spanish or English.

Counts come from rollups kept by triggers (momentos/migrations.py m005), so a million
requests cost a few thousand rows to read.
"""
