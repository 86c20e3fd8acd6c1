"""Turn stored events into records, customer links and moments, once each."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from momentos.clock import SystemClock
from momentos.identity import follow_removal, link_record
from momentos.moments import Known, Moment, RuleContext, normalize
from momentos.moments.links import customer_ref
from momentos.moments.rules import DATED_RECORDS, PREDICTED_TYPES
from momentos.store import Store, StoredEvent

logger = logging.getLogger(__name__)


@dataclass
class DeriveReport:
    events: int = 0
    new_moments: list[str] = field(default_factory=list)
    new_types: set[str] = field(default_factory=set)


def _is_full_record(tool: str, data: dict) -> bool:
    # A HubSpot webhook event only names the record that changed; its new state arrives by
    # the next poll, so it updates nothing by itself.
    return tool != "hubspot" or "properties" in data


def derive_pending(
    store: Store, context: RuleContext, clock=None, batch: int = 500
) -> DeriveReport:
    """Derive every event not derived yet, one transaction per event."""
    clock = clock or SystemClock()
    report = DeriveReport()
    while pending := store.pending_events(batch):
        for stored in pending:
            event = stored.event
            now = clock.now()
            with store.transaction():
                if _is_full_record(event.tool, event.data):
                    link_record(store, event, now)
                elif event.deleted:
                    follow_removal(store, event, now)
                _derive_moments(store, stored, context, now, report)
                store.mark_derived(stored.id)
            report.events += 1
    return report


# What the store knows, for the rules (issue #6) -----------------------------------------


def known_for(store: Store, stored: StoredEvent, now: datetime) -> Known:
    """The read-only facts the rules get with an event: the span its version of the record
    held, the previous version, the customer's timezone and, for an invoice, the company's
    other invoices. Tickets and ratings need none of it (and are most of the events)."""
    event = stored.event
    if (event.tool, event.object_type) not in DATED_RECORDS:
        return Known(now=now, since=now)
    span = store.version_span(stored.id)
    ref = customer_ref(event)
    related: tuple[dict, ...] = ()
    if event.object_type == "invoice" and ref and ref[1] == "company":
        related = tuple(store.company_records(event.tool, "invoice", ref[2]))
    return Known(
        now=now,
        since=span["since"],
        until=span["until"],
        previous=span["previous"],
        time_zone=store.customer_time_zone(*ref) if ref else None,
        related=related,
    )


def _customer(store: Store, moment: Moment) -> int | None:
    ref = moment.customer_ref
    return store.customer_of(*ref) if ref else None


def moments_of(
    store: Store, stored: StoredEvent, context: RuleContext, now: datetime
) -> list[tuple[Moment, int | None]]:
    """(moment, customer id) for each moment the event gives, as of `now`."""
    known = known_for(store, stored, now)
    return [(m, _customer(store, m)) for m in normalize(stored.event, context, known)]


def _derive_moments(
    store: Store, stored: StoredEvent, context: RuleContext, now: datetime, report: DeriveReport
) -> None:
    """Insert the event's moments; for a record's newest version, withdraw the predictions
    (future dated moments) of its earlier versions that it no longer makes."""
    event, known = stored.event, known_for(store, stored, now)
    keys = set()
    for moment in normalize(event, context, known):
        keys.add(moment.key)
        _insert(store, moment, stored.id, _customer(store, moment), now, report)
    # A webhook event naming a change says nothing about the record's state: only a full
    # version (or a removal) can withdraw what an earlier version predicted.
    if not (_is_full_record(event.tool, event.data) or event.deleted):
        return
    if known.until is None and (event.tool, event.object_type) in DATED_RECORDS:
        gone = store.withdraw_moments(event.tool, event.object_type, event.object_id,
                                      PREDICTED_TYPES, now, keys)  # fmt: skip
        if gone:
            logger.info("withdrew %d predicted moments of %s %s", len(gone), event.object_type,
                        event.object_id)  # fmt: skip


def _insert(store, moment: Moment, event_id: int, customer_id, now, report) -> None:
    if store.insert_moment(moment, event_id, customer_id, now):
        report.new_moments.append(moment.key)
        report.new_types.add(moment.type)


def refresh_dated(store: Store, context: RuleContext, clock=None, batch: int = 500) -> DeriveReport:
    """Derive the newest version of every dated record again as of now: as days pass, a
    birthday enters the horizon, an invoice becomes late. Adds only; run it daily."""
    clock = clock or SystemClock()
    report, after = DeriveReport(), ("", "", "")
    while newest := store.newest_events(DATED_RECORDS, after, batch):
        now = clock.now()
        with store.transaction():
            for stored in newest:
                for moment, customer_id in moments_of(store, stored, context, now):
                    _insert(store, moment, stored.id, customer_id, now, report)
                report.events += 1
        last = newest[-1].event
        after = (last.tool, last.object_type, last.object_id)
    return report
