"""Normalization: an event plus what the store knows gives zero or more moments (pure)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from momentos.model import Event

# DESIGN.md's catalogue: every type has an es/en playbook (momentos/texts/playbooks.yaml).
MOMENT_TYPES = (
    "complaint",
    "support_request",
    "service_completed",
    "survey_answered",
    "renewal_due",
    "billing_variation",
    "payment_late",
    "company_anniversary",
    "birthday",
    "usage_drop",
    "deal_delayed",
    "price_change",
    "repeat_request",
    "spike",
)


@dataclass(frozen=True)
class Moment:
    """A typed, dated fact about one customer, with a natural key.

    `customer_ref` names the tool record that identifies the customer (a Zendesk requester,
    a HubSpot contact or company); the deriver turns it into a customer id.
    """

    key: str
    type: str
    occurred_at: datetime
    tool: str
    object_type: str
    object_id: str
    customer_ref: tuple[str, str, str] | None
    link: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """The `moments` section of the configuration, as the rules read it."""

    horizon_days: int = 120
    feb29_policy: str = "feb28"
    day_first: bool = True
    birthday_field: str = "birthday"
    founding_field: str = "founding_date"
    anniversary_round_years: int = 5
    renewal_pipelines: frozenset[str] = frozenset()
    renewal_date_property: str | None = None
    service_pipelines: frozenset[str] = frozenset()
    won_stages: frozenset[str] = frozenset({"closedwon"})
    lost_stages: frozenset[str] = frozenset({"closedlost"})
    usage_object_type: str = "company"
    usage_property: str | None = None
    usage_stale_days: int = 30
    billing_variation_percent: float = 20.0
    billing_history: int = 3
    category_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RuleContext:
    """What the rules may know beyond the event: configuration, never the store itself."""

    zendesk_url: str
    complaint_tags: frozenset[str]
    hubspot_app_url: str = "https://app.hubspot.com"
    hubspot_portal_id: int | str | None = None
    time_zone: str = "UTC"
    policy: Policy = field(default_factory=Policy)


@dataclass(frozen=True)
class Known:
    """What the store knew about the event's record when deriving it (plain, read-only data).

    A version of a record is the record's state from `since` (when Momentos received it)
    until `until` (when a newer version arrived; None while it is the newest). Dated rules
    look no further than that span, plus the horizon for the newest version, so deriving
    as records arrive and deriving everything again later give the same moments.
    """

    now: datetime
    since: datetime | None = None
    until: datetime | None = None
    previous: dict[str, Any] | None = None
    time_zone: str | None = None
    related: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, event: Event) -> "Known":
        """Nothing known but the event itself: it is the newest version, seen when it changed."""
        return cls(now=event.occurred_at, since=event.occurred_at)


def moment_key(moment_type: str, event: Event, suffix: str = "") -> str:
    """One moment per (type, record[, suffix]): deriving again yields the same key."""
    base = f"{moment_type}:{event.tool}:{event.object_type}:{event.object_id}"
    return f"{base}:{suffix}" if suffix else base


def normalize(event: Event, context: RuleContext, known: Known | None = None) -> list[Moment]:
    """Every moment this event gives, by running each rule for its tool and record type."""
    from momentos.moments.echo import is_echo
    from momentos.moments.rules import RULES

    # A HubSpot webhook event only names the record that changed: nothing to read yet.
    if is_echo(event) or (event.tool == "hubspot" and "properties" not in event.data):
        return []
    known = known or Known.of(event)
    moments: list[Moment] = []
    for rule in RULES.get((event.tool, event.object_type), ()):
        moments += rule(event, context, known)
    return moments
