"""The data that flows between connectors, the core and the dispatcher."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One change of one record in a tool, as a connector read it.

    `(tool, object_type, object_id, version)` is the natural key: the same change seen by
    webhook and by poll has the same key, so it is stored once. `data` holds the record in
    the connector's canonical shape (see docs/contracts.md); `raw` is the tool's JSON,
    kept verbatim for audit and replays.
    """

    tool: str
    object_type: str
    object_id: str
    version: str
    occurred_at: datetime
    data: dict[str, Any]
    raw: Any = None
    deleted: bool = False

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.tool, self.object_type, self.object_id, self.version)


@dataclass(frozen=True)
class Action:
    """Work to create in a tool, planned by a workflow, sent only by the dispatcher.

    `key` is deterministic (workflow, customer, moment or period) so that planning again
    yields the same key and the outbox stores it once.
    """

    key: str
    workflow: str
    tool: str
    kind: str
    payload: dict[str, Any]
    customer_id: int | None = None
    moment_key: str | None = None
    not_before: datetime | None = None


@dataclass(frozen=True)
class ActionResult:
    """What a tool answered for one action."""

    key: str
    ok: bool
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    retriable: bool = False
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
