"""A fake Zendesk Support account: tickets, users, organizations, exports and webhooks.

State lives in `models.py` (and the small modules it uses); `routes.py` only speaks HTTP.
What differs from the real API is listed in `sandbox/COVERAGE.md`.
"""
