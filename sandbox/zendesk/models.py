"""The fake Zendesk account's state: plain dicts and ordered indexes, no Flask.

`ZendeskState` holds the stores and their persistence; ticket behaviour comes from
`desk.Desk` and `bulk.Intake`, users and organizations from `people.People`.
"""

from datetime import datetime
from typing import Any

from sandbox.zendesk.bulk import IdempotencyCache, Intake, JobBoard
from sandbox.zendesk.desk import Desk
from sandbox.zendesk.hooks import WebhookRegistry
from sandbox.zendesk.index import ChangeIndex
from sandbox.zendesk.limits import Limits
from sandbox.zendesk.people import People

# Ids look like a real account's: tickets count from 1000, the rest are large numbers.
FIRST_IDS = {
    "ticket": 1000,
    "user": 8447388090000,
    "organization": 8447346620000,
    "audit": 9550000000000,
    "comment": 9560000000000,
    "event": 9570000000000,
}
ACCOUNT_CREATED = "2020-01-06T09:00:00Z"


class ZendeskState(Desk, Intake, People):
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

    def reset(self) -> None:
        self.ids = dict(FIRST_IDS)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self.ticket_ids: list[int] = []  # ascending, for list pagination
        self.by_external_id: dict[str, list[int]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.by_email: dict[str, int] = {}
        self.orgs: dict[int, dict[str, Any]] = {}
        self.ticket_index = ChangeIndex()
        self.user_index = ChangeIndex()
        self.org_index = ChangeIndex()
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
            "tickets": list(self.tickets.values()),
            "comments": {str(k): v for k, v in self.comments.items()},
            "audits": {str(k): v for k, v in self.audits.items()},
            "users": list(self.users.values()),
            "organizations": list(self.orgs.values()),
            "jobs": list(self.jobs.jobs.values()),
            "idempotency": self.idempotency.entries,
            "webhooks": self.hooks.dump(),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.reset()
        self.ids = dict(data["ids"])
        self.agent_id = data["agent_id"]
        self.tickets = {t["id"]: t for t in data["tickets"]}
        self.comments = {int(k): v for k, v in data["comments"].items()}
        self.audits = {int(k): v for k, v in data["audits"].items()}
        self.ticket_ids = sorted(self.tickets)
        for ticket in self.tickets.values():
            self._index_external_id(ticket["id"], None, ticket["external_id"])
        self.users = {u["id"]: u for u in data["users"]}
        self.by_email = {u["email"]: u["id"] for u in self.users.values() if u["email"]}
        self.orgs = {o["id"]: o for o in data["organizations"]}
        self.ticket_index.rebuild(
            {t["id"]: t["generated_timestamp"] for t in self.tickets.values()}
        )
        self.user_index.rebuild({u["id"]: u["stamp"] for u in self.users.values()})
        self.org_index.rebuild({o["id"]: o["stamp"] for o in self.orgs.values()})
        self.jobs.jobs = {job["id"]: job for job in data["jobs"]}
        self.idempotency.entries = dict(data["idempotency"])
        self.hooks.load(data["webhooks"])
