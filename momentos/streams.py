"""Every stream Momentos polls, declared once: tool, record type, poll, properties read.

`engine.sync`, `momentos backfill` and `momentos install-webhooks` (which subscribes to
changes of the properties read here) all take their streams from `STREAMS`. A stream's
cursor is stored under its name and committed with each page's events.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.poll import poll_objects, poll_owners
from connectors.paging import Page, prefetch
from connectors.zendesk import poll as zendesk_poll
from connectors.zendesk.client import ZendeskClient


@dataclass(frozen=True)
class Sources:
    """What a poll needs besides its cursor: the clients, where history starts, and now."""

    zendesk: ZendeskClient
    hubspot: HubSpotClient
    zendesk_start: int  # epoch seconds of the first poll, when a stream has no cursor yet
    now: datetime
    # Properties the configuration names, by record type (see `configured_properties`).
    configured: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    name: str
    tool: str
    object_type: str
    poll: Callable[["Stream", Sources, str | None], Iterator[Page]]
    properties: tuple[str, ...] = ()
    # Types whose associated ids each record carries (`companies` -> `company_ids`).
    associations: tuple[str, ...] = ()

    def pages(self, sources: Sources, cursor: str | None) -> Iterator[Page]:
        return self.poll(self, sources, cursor)


def _search(stream: Stream, sources: Sources, cursor: str | None) -> Iterator[Page]:
    properties = (*stream.properties, *sources.configured.get(stream.object_type, ()))
    return poll_objects(sources.hubspot, stream.object_type, cursor, properties,
                        now=sources.now, associations=stream.associations)  # fmt: skip


def _owners(stream: Stream, sources: Sources, cursor: str | None) -> Iterator[Page]:
    return poll_owners(sources.hubspot, cursor)


def _ticket_fields(stream: Stream, sources: Sources, cursor: str | None) -> Iterator[Page]:
    return zendesk_poll.poll_ticket_fields(sources.zendesk, cursor)


def _export(poll) -> Callable[[Stream, Sources, str | None], Iterator[Page]]:
    return lambda stream, sources, cursor: poll(sources.zendesk, cursor, sources.zendesk_start)


OWNER = ("hubspot_owner_id",)
DATES = ("createdate", "hs_lastmodifieddate")
COMPANY_PROPERTIES = ("name", "domain", "founded_year", *OWNER, *DATES)
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "hs_language", "date_of_birth", *OWNER,
                      "lastmodifieddate", "createdate")  # fmt: skip
DEAL_PROPERTIES = ("dealname", "amount", "deal_currency_code", "closedate", "dealstage",
                   "pipeline", "dealtype", *OWNER, *DATES)  # fmt: skip
INVOICE_PROPERTIES = ("hs_invoice_status", "hs_amount_billed", "hs_balance_due", "hs_due_date",
                      "hs_invoice_date", "hs_number", "hs_currency", *OWNER, *DATES)  # fmt: skip

STREAMS = (
    Stream("hubspot:owners", "hubspot", "owner", _owners),
    Stream("hubspot:companies", "hubspot", "company", _search, COMPANY_PROPERTIES),
    Stream("hubspot:contacts", "hubspot", "contact", _search, CONTACT_PROPERTIES, ("companies",)),
    Stream("hubspot:deals", "hubspot", "deal", _search, DEAL_PROPERTIES, ("companies",)),
    Stream("hubspot:invoices", "hubspot", "invoice", _search, INVOICE_PROPERTIES, ("companies",)),
    # First: the labels of the drop-down values the tickets after it carry.
    Stream("zendesk:ticket_fields", "zendesk", "ticket_field", _ticket_fields),
    Stream(
        "zendesk:organizations", "zendesk", "organization", _export(zendesk_poll.poll_organizations)
    ),  # fmt: skip
    Stream("zendesk:users", "zendesk", "user", _export(zendesk_poll.poll_users)),
    Stream("zendesk:tickets", "zendesk", "ticket", _export(zendesk_poll.poll_tickets)),
    Stream(
        "zendesk:satisfaction_ratings",
        "zendesk",
        "satisfaction_rating",
        _export(zendesk_poll.poll_satisfaction_ratings),
    ),  # fmt: skip
)


def select(which: str | None = None, off: Iterable[str] = ()) -> tuple[Stream, ...]:
    """All streams, a tool's (`zendesk`), or one by name (`zendesk:tickets`), in order;
    never those turned `off` (`polling.streams_off`)."""
    return tuple(s for s in STREAMS if which in (None, s.tool, s.name) and s.name not in off)


def properties_read(tool: str = "hubspot") -> dict[str, tuple[str, ...]]:
    """Record type -> the properties Momentos reads (what webhooks should announce)."""
    return {s.object_type: s.properties for s in STREAMS if s.tool == tool and s.properties}


def configured_properties(moments: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """HubSpot properties the `moments` configuration names (a last-activity date, a renewal
    date): each portal has its own, so no stream can list them, yet the rules need them."""
    wanted: dict[str, tuple[str, ...]] = {}
    usage = moments.get("usage_property")
    if usage and moments.get("usage_object_type") in ("company", "contact"):
        wanted[moments["usage_object_type"]] = (usage,)
    renewal = moments.get("renewal_date_property")
    if renewal:
        for object_type in ("deal", "company"):
            wanted[object_type] = (*wanted.get(object_type, ()), renewal)
    return wanted


def history_start(poll_start) -> int:
    """Epoch seconds of the configured `poll_start` date (midnight UTC), or 0: everything."""
    if poll_start is None:
        return 0
    return int(datetime(poll_start.year, poll_start.month, poll_start.day, tzinfo=UTC).timestamp())


PageHook = Callable[[Stream, Page, int], None]


def pull(stream: Stream, sources: Sources, store, clock, *, source: str = "poll",
         on_page: PageHook | None = None) -> int:  # fmt: skip
    """Poll one stream from its stored cursor to the end; each page's events and cursor
    commit together, so a crash resumes after the last committed page. Returns how many
    events were new."""
    new = 0
    for page in prefetch(stream.pages(sources, store.cursor(stream.name))):
        new += store.add_events(page.events, source=source, received_at=clock.now(),
                                    cursor=(stream.name, page.cursor))  # fmt: skip
        if on_page is not None:
            on_page(stream, page, new)
    return new
