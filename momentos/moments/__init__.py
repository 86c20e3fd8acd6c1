"""Normalization: an event plus what the store knows gives zero or more moments (pure)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from momentos.model import Event


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
class RuleContext:
    """What the rules may know beyond the event: configuration, never the store itself."""

    zendesk_url: str
    complaint_tags: frozenset[str]


def moment_key(moment_type: str, event: Event, suffix: str = "") -> str:
    """One moment per (type, record[, suffix]): deriving again yields the same key."""
    base = f"{moment_type}:{event.tool}:{event.object_type}:{event.object_id}"
    return f"{base}:{suffix}" if suffix else base


def normalize(event: Event, context: RuleContext) -> list[Moment]:
    """Every moment this event gives, by running each rule for its tool and record type."""
    from momentos.moments.rules import RULES

    moments: list[Moment] = []
    for rule in RULES.get((event.tool, event.object_type), ()):
        moments += rule(event, context)
    return moments
