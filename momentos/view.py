"""What a workflow may read: moments and customers as plain data, never the store itself."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from momentos.guards import GuardSettings
from momentos.store import Store


@dataclass(frozen=True)
class Person:
    """The person a moment is about, as the tools know them."""

    name: str
    email: str | None
    language: str | None
    time_zone: str | None


# Customers and records one View keeps, most recently read first.
CACHED = 4096
# The records a CustomerView carries: the customer's companies and people in both tools.
PEOPLE = (("hubspot", "contact"), ("hubspot", "company"), ("zendesk", "user"))


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    language: str | None
    time_zone: str | None
    contacts: tuple[dict[str, Any], ...] = ()
    companies: tuple[dict[str, Any], ...] = ()
    zendesk_users: tuple[dict[str, Any], ...] = ()

    def contact_for(self, email: str | None) -> dict[str, Any] | None:
        return next((c for c in self.contacts if email and c.get("email") == email), None)


@dataclass(frozen=True)
class MomentView:
    key: str
    type: str
    customer_id: int | None
    occurred_at: datetime
    link: str | None
    person: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Defaults:
    """Company-wide settings a workflow falls back on."""

    language: str
    time_zone: str
    fallback_owner_id: str
    # The guards' working hours (config `guards`): a call due at night waits for the morning.
    working_hours: GuardSettings = GuardSettings()
    # `moments.category_fields`: (category name, Zendesk ticket field id), for their labels.
    category_fields: tuple[tuple[str, str], ...] = ()


def option_labels(ticket_field: Mapping[str, Any] | None) -> dict[str, str]:
    """A drop-down ticket field's labels by value (`app_movil` -> `App Móvil`)."""
    options = (ticket_field or {}).get("options") or ()
    return {str(option["value"]): option["name"] for option in options}


def category_labels(
    store: Store, category_fields: Iterable[tuple[str, Any]]
) -> dict[str, dict[str, str]]:
    """Each named category's labels by value, from the stored ticket fields (none unread)."""
    return {
        name: option_labels(store.live_record("zendesk", "ticket_field", str(field_id)))
        for name, field_id in category_fields
    }


def _moment(row: dict[str, Any]) -> MomentView:
    return MomentView(
        key=row["key"],
        type=row["type"],
        customer_id=row["customer_id"],
        # The store's own ISO text, with its offset: no tool's variants to tolerate.
        occurred_at=datetime.fromisoformat(row["occurred_at"]),
        link=row["link"],
        person=tuple((row["person"] or "").split(":")) if row["person"] else (),
        data=row["data"] or {},
    )


class View:
    """What a workflow run reads. With `focus` (customer ids), `moments` answers only for
    those customers: a run woken by one customer's new moment plans for that customer, not
    for everyone (the scheduled runs plan for all). With `shard` (k, n), only for the
    k-th of n shards of the customers: one of n processes planning everyone
    (planner.plan_everyone)."""

    def __init__(self, store: Store, defaults: Defaults, focus: frozenset[int] | None = None,
                 shard: tuple[int, int] | None = None):  # fmt: skip
        self._store = store
        self.defaults = defaults
        self.focus = focus
        self.shard = shard
        # A run asks for the same customer and record again and again (for each of a
        # customer's moments; a person, then their activity): kept for the run, and bounded,
        # so a run over every customer stays flat in memory.
        self.customer = lru_cache(maxsize=CACHED)(self._customer)
        self._version = lru_cache(maxsize=CACHED)(store.record_version)

    def moments(
        self, types: tuple[str, ...], since: datetime, until: datetime | None = None
    ) -> list[MomentView]:
        rows = self._store.moments(types=types, since=since, until=until, customers=self.focus,
                                   shard=self.shard)  # fmt: skip
        return [_moment(row) for row in rows]

    def customer_moments(
        self, customer_id: int, types: tuple[str, ...], since: datetime, until: datetime
    ) -> list[MomentView]:
        """One customer's moments of `types` in [since, until), oldest first."""
        rows = self._store.moments(types=types, since=since, until=until, customers=[customer_id])
        return [_moment(row) for row in rows]

    def current(self, tool: str, object_type: str, object_id: str) -> dict[str, Any] | None:
        """The newest version of a tool record (an invoice, a ticket), None once deleted."""
        data, deleted = self._version(tool, object_type, object_id)
        return None if deleted else data

    def owner_name(self, owner_id: str) -> str | None:
        """A HubSpot owner's name (else email), as the owners stream last told it."""
        return self._store.names("hubspot", "owner").get(str(owner_id))

    def category_label(self, name: str, value: Any) -> str:
        """The label staff see for a category's value (`app_movil` -> `App Móvil`): `name`
        is a category of `moments.category_fields` or a ticket field id; else the value."""
        field_id = dict(self.defaults.category_fields).get(name, name if name.isdigit() else None)
        if field_id is None:
            return str(value)
        ticket_field = self._store.live_record("zendesk", "ticket_field", str(field_id))
        return option_labels(ticket_field).get(str(value), str(value))

    def category_labels(self) -> dict[str, dict[str, str]]:
        """Every named category's labels by value (for texts told from moment data)."""
        return category_labels(self._store, self.defaults.category_fields)

    def _customer(self, customer_id: int) -> CustomerView | None:
        row, records = self._store.customer_with_records(customer_id, PEOPLE)
        if row is None:
            return None

        def of(tool: str, object_type: str) -> tuple[dict[str, Any], ...]:
            return tuple(
                r["data"] for r in records if (r["tool"], r["object_type"]) == (tool, object_type)
            )

        return CustomerView(
            id=row["id"],
            name=row["name"] or "",
            language=row["language"],
            time_zone=row["time_zone"],
            contacts=of("hubspot", "contact"),
            companies=of("hubspot", "company"),
            zendesk_users=of("zendesk", "user"),
        )

    def person(self, ref: tuple[str, ...]) -> Person | None:
        if len(ref) != 3:
            return None
        data, _deleted = self._version(*ref)  # a deleted person is still who it was for
        if data is None:
            return None
        language = data.get("language") or (data.get("locale") or "")[:2] or None
        return Person(
            name=data.get("name") or "",
            email=data.get("email"),
            language=language,
            time_zone=data.get("time_zone"),
        )

    def acted_for(self, workflow: str, since: datetime) -> set[int]:
        """Customers `workflow` already has an action for since `since` (still standing)."""
        return self._store.workflow_customers(workflow, since)

    def customer_id_of(self, tool: str, object_type: str, object_id: str) -> int | None:
        """The customer a tool record (a HubSpot company or contact...) is linked to."""
        return self._store.customer_of(tool, object_type, object_id)

    def people_with_email(self, email: str) -> list[tuple[int, tuple[str, str, str]]]:
        """(customer id, record) of each linked record (contact, user) with this email."""
        rows = self._store.records_matching(email=email.strip().lower())
        return [
            (row["customer_id"], (row["tool"], row["object_type"], row["object_id"]))
            for row in rows
            if row["customer_id"] is not None
        ]

    def company_records(self, object_type: str, company_id: str) -> tuple[dict[str, Any], ...]:
        """A HubSpot company's newest invoices or deals (what a customer is worth)."""
        return tuple(self._store.company_records("hubspot", object_type, company_id))
