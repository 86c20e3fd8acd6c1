"""The fake Zendesk account's state: plain dicts, columns and ordered indexes, no Flask.

`ZendeskState` holds the stores and their persistence; ticket behaviour comes from
`desk.Desk` and `bulk.Intake`, users and organizations from `people.People`, ratings from
`csat.Satisfaction`, triggers from `triggers.Triggering`.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connectors.timefmt import format_iso
from sandbox.zendesk.bulk import IdempotencyCache, Intake, JobBoard
from sandbox.zendesk.csat import Satisfaction
from sandbox.zendesk.desk import Desk
from sandbox.zendesk.fields import FieldBook, render_field
from sandbox.zendesk.generated import PER_TICKET, Recipe, TicketBlock
from sandbox.zendesk.hooks import WebhookRegistry
from sandbox.zendesk.index import ChangeIndex
from sandbox.zendesk.limits import Limits
from sandbox.zendesk.people import People
from sandbox.zendesk.table import TicketTable
from sandbox.zendesk.triggers import TriggerBook, Triggering

# Ids look like a real account's: tickets count from 1000, the rest are large numbers.
FIRST_IDS = {
    "ticket": 1000,
    "user": 8447388090000,
    "organization": 8447346620000,
    "audit": 9550000000000,
    "comment": 9560000000000,
    "event": 9570000000000,
    "rating": 9580000000000,
    "ticket_field": 360012000000,
    "field_option": 360013000000,
    "trigger": 360056000000,
}
ACCOUNT_CREATED = "2020-01-06T09:00:00Z"


class ZendeskState(Desk, Intake, People, Satisfaction, Triggering):
    def __init__(self, settings, clock, deliveries):
        self.settings = settings
        self.clock = clock
        self.deliveries = deliveries
        self.hooks = WebhookRegistry(settings, clock, deliveries)
        self.limits = Limits(settings, lambda: self.clock.now().timestamp())
        self.reset()

    @property
    def base(self) -> str:
        """Where clients reach the sandbox; URLs in bodies point there."""
        return self.settings.public_url

    def now(self) -> datetime:
        return self.clock.now()

    def next_id(self, kind: str) -> int:
        value = self.ids[kind]
        self.ids[kind] = value + 1
        return value

    def create_webhook(
        self, name: str, endpoint: str, subscriptions, signing_secret=None, status: str = "active"
    ) -> dict[str, Any]:
        """An event-subscription webhook (POST, JSON), as the seed and tests need them."""
        fields = {
            "name": name,
            "endpoint": endpoint,
            "http_method": "POST",
            "request_format": "json",
            "status": status,
            "subscriptions": list(subscriptions),
        }
        return self.hooks.create(fields, self.agent_id, signing_secret)

    def create_ticket_field(
        self, title: str, type: str, options=(), field_id: int | None = None
    ) -> dict[str, Any]:
        """A custom ticket field; a drop-down (`tagger`) takes options [{name, value}]."""
        when = format_iso(self.now())
        field = self.fields.create(title, type, list(options), field_id, self.next_id, when)
        return render_field(field, self.base)

    def ticket_field(self, field_id: int) -> dict[str, Any]:
        return render_field(self.fields.get(field_id), self.base)

    def ticket_fields(self) -> list[dict[str, Any]]:
        ordered = sorted(self.fields.fields.values(), key=lambda f: (f["position"], f["id"]))
        return [render_field(field, self.base) for field in ordered]

    def generate_tickets(self, **parts: Any) -> TicketBlock:
        """Add `count` generated tickets (see `generated.Recipe`) after the existing ids."""
        bases = {kind: self.ids[kind] for kind in PER_TICKET}
        block = TicketBlock(Recipe(first_id=self.ids["ticket"], bases=bases, **parts))
        self.tickets.attach(block)
        self.ids["ticket"] += block.count
        for kind, per_ticket in PER_TICKET.items():
            self.ids[kind] += per_ticket * block.count
        self.ticket_index.rebuild(self.tickets.stamps())
        self.rating_queries.clear()
        return block

    def reset(self) -> None:
        self.ids = dict(FIRST_IDS)
        self.tickets = TicketTable()
        self.by_external_id: dict[str, list[int]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.by_email: dict[str, int] = {}
        self.orgs: dict[int, dict[str, Any]] = {}
        self.ratings: dict[int, dict[str, Any]] = {}
        self.rating_by_ticket: dict[int, int] = {}
        self.rating_queries: dict[tuple, Sequence[int]] = {}  # see csat.py
        self.fields = FieldBook(ACCOUNT_CREATED)
        self.triggers = TriggerBook()
        self.ticket_index = ChangeIndex(FIRST_IDS["ticket"])
        self.user_index = ChangeIndex(FIRST_IDS["user"])
        self.org_index = ChangeIndex(FIRST_IDS["organization"])
        self.idempotency = IdempotencyCache()
        self.jobs = JobBoard(lambda: self.base)
        self.hooks.reset()
        self.limits.reset()
        # The account owner, whose API token the sandbox accepts; it exists from the start.
        admin = self.create_user(
            "Sandbox Admin",
            self.settings.zendesk_agent_email,
            role="admin",
            created_at=ACCOUNT_CREATED,
        )
        self.agent_id: int = admin["id"]

    def dump(self) -> dict[str, Any]:
        return {
            "ids": self.ids,
            "agent_id": self.agent_id,
            **self.tickets.dump(),
            "users": list(self.users.values()),
            "organizations": list(self.orgs.values()),
            "ratings": list(self.ratings.values()),
            "ticket_fields": list(self.fields.fields.values()),
            "triggers": list(self.triggers.records.values()),
            "jobs": list(self.jobs.jobs.values()),
            "idempotency": self.idempotency.entries,
            "webhooks": self.hooks.dump(),
        }

    def load(self, data: dict[str, Any]) -> None:
        """Restore a dump; a generated block is rebuilt from its recipe (seconds at 1M)."""
        self.reset()
        self.ids = {**FIRST_IDS, **data["ids"]}
        self.agent_id = data["agent_id"]
        self.tickets.load(data)
        for ticket in self.tickets.live.values():
            self._index_external_id(ticket["id"], None, ticket["external_id"])
        self.users = {u["id"]: u for u in data["users"]}
        self.by_email = {u["email"]: u["id"] for u in self.users.values() if u["email"]}
        self.orgs = {o["id"]: o for o in data["organizations"]}
        self.ratings = {r["id"]: r for r in data.get("ratings", [])}
        self.rating_by_ticket = {r["ticket_id"]: r["id"] for r in self.ratings.values()}
        self.fields.fields.update({f["id"]: f for f in data.get("ticket_fields", [])})
        self.triggers.records = {t["id"]: t for t in data.get("triggers", [])}
        self.ticket_index.rebuild(self.tickets.stamps())
        self.user_index.rebuild((u["id"], u["stamp"]) for u in self.users.values())
        self.org_index.rebuild((o["id"], o["stamp"]) for o in self.orgs.values())
        self.jobs.jobs = {job["id"]: job for job in data["jobs"]}
        self.idempotency.entries = dict(data["idempotency"])
        self.hooks.load(data["webhooks"])
