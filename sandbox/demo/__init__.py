"""The demo company: customers in Spanish and English (Spain, Mexico, the UK, the US) who
live every moment of truth in DESIGN.md's catalogue.

Deterministic: the same clock gives the same records, so a demo run can be compared with
the last one. Order matters. People and a year of history come first, with past dates
and before any webhook exists; then the deals and invoices; then the webhook to Momentos;
today's tickets come last, so they reach Momentos both by webhook and by the incremental
export. `later_that_day` is the afternoon, after Momentos' first sync (deals.py).
"""

from typing import Any

from sandbox.demo.deals import later_that_day, seed_deals
from sandbox.demo.invoices import seed_invoices
from sandbox.demo.people import CONTACTS, OWNERS, seed_people
from sandbox.demo.tickets import (
    APP_FIELD_ID,
    TICKETS,
    create_app_field,
    load_history,
    open_today,
)
from sandbox.state import SandboxState

__all__ = ["APP_FIELD_ID", "TICKETS", "later_that_day", "seed_demo"]


def seed_demo(state: SandboxState) -> dict[str, int]:
    now = state.clock.now()
    people = seed_people(state, now)
    create_app_field(state)
    history = load_history(state, people, now)
    deals = seed_deals(state, people, now)
    invoices = seed_invoices(state, people, now)
    settings = state.settings
    if settings.momentos_url:
        state.zendesk.create_webhook(
            "Momentos",
            settings.momentos_url.rstrip("/") + "/webhooks/zendesk",
            ["zen:event-type:ticket.created"],
            signing_secret=settings.zendesk_webhook_secret,
        )
    today = open_today(state, people, now)
    return {
        "owners": len(OWNERS),
        "companies": len(people.companies),
        "contacts": len(CONTACTS),
        "users": len(people.users) + len(people.staff),
        "tickets": history + today,
        "ratings": len(state.zendesk.ratings),
        "deals": deals,
        "invoices": invoices,
    }


def after_first_sync(state: SandboxState) -> dict[str, Any]:
    """The demo's afternoon: deals pushed back and repriced (see deals.py)."""
    return {"deals changed": len(later_that_day(state))}
