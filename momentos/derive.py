"""Turn stored events into records, customer links and moments, once each."""

import logging
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from momentos.clock import SystemClock
from momentos.identity import (
    ZoneChanges,
    follow_removal,
    gives_zone,
    link_record,
    settle_zones,
    touched_records,
    zones_before,
)
from momentos.moments import Known, Moment, RuleContext, normalize
from momentos.moments.links import Ref, customer_ref
from momentos.moments.rules import DATED_RECORDS, DERIVED_TYPES, PREDICTED_TYPES
from momentos.store import Store, StoredEvent

logger = logging.getLogger(__name__)


@dataclass
class DeriveReport:
    events: int = 0
    new_moments: list[str] = field(default_factory=list)
    new_types: set[str] = field(default_factory=set)
    # Whose the new moments are (None: a moment no customer is known for).
    new_customers: set[int | None] = field(default_factory=set)
    changed_moments: list[str] = field(default_factory=list)

    def added(self, moment, customer_id: int | None) -> None:
        self.new_moments.append(moment.key)
        self.new_types.add(moment.type)
        self.new_customers.add(customer_id)


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
                changes, unlinked = _link(store, event, now)
                follow_zones(store, context, changes, now, report, skip=unlinked)
                _derive_moments(store, stored, context, now, report)
                store.mark_derived(stored.id)
            report.events += 1
    return report


def _link(store: Store, event, now: datetime) -> tuple[ZoneChanges, set[Ref]]:
    """Link the event's record (or follow its removal); returns whose time zone moved, and
    the records that had no customer before: a record is linked before its first moments
    are derived, so those have none to derive again."""
    full = _is_full_record(event.tool, event.data)
    if not (full or event.deleted):
        return ZoneChanges(), set()
    before = zones_before(store, touched_records(event))
    if full:
        link_record(store, event, now)
    else:
        follow_removal(store, event, now)
    unlinked = {ref for ref, (customer_id, _) in before.items() if customer_id is None}
    return settle_zones(store, before, settle=gives_zone(event)), unlinked


# What the store knows, for the rules (issue #6) -----------------------------------------


def known_for(store: Store, stored: StoredEvent, now: datetime) -> Known:
    """The read-only facts the rules get with an event: the span its version of the record
    held, the previous version, the customer's timezone (as settled now: `follow_zones`
    derives again when it moves) and, for an invoice, the company's other invoices.
    Tickets and ratings need none of it (and are most of the events)."""
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
    newest = known.until is None and (event.tool, event.object_type) in DATED_RECORDS
    keys = set()
    for moment in normalize(event, context, known):
        keys.add(moment.key)
        _keep(store, moment, stored.id, _customer(store, moment), now, report, newest)
    # A webhook event naming a change says nothing about the record's state: only a full
    # version (or a removal) can withdraw what an earlier version predicted.
    if not (_is_full_record(event.tool, event.data) or event.deleted):
        return
    if newest:
        gone = store.withdraw_moments(event.tool, event.object_type, event.object_id,
                                      PREDICTED_TYPES, now, keys)  # fmt: skip
        if gone:
            logger.info("withdrew %d predicted moments of %s %s", len(gone), event.object_type,
                        event.object_id)  # fmt: skip


def _insert(store, moment: Moment, event_id: int, customer_id, now, report) -> None:
    if store.insert_moment(moment, event_id, customer_id, now):
        report.added(moment, customer_id)


def _put(store, moment: Moment, event_id: int, customer_id, now, report) -> None:
    """Insert the moment, or update its stored row in place."""
    done = store.put_moment(moment, event_id, customer_id, now)
    if done == "added":
        report.added(moment, customer_id)
    elif done == "changed":
        report.changed_moments.append(moment.key)


def _keep(store, moment: Moment, event_id: int, customer_id, now, report, newest: bool) -> None:
    """A fact keeps the first event that told it. A prediction belongs to the newest version
    of its record (an earlier version speaks only for the days it held), so that version's
    data replace an earlier one's: a repriced deal's renewal shows the new amount, as
    `momentos renormalize` would derive it."""
    if newest and moment.type in PREDICTED_TYPES:
        _put(store, moment, event_id, customer_id, now, report)
    else:
        _insert(store, moment, event_id, customer_id, now, report)


# Time zones that arrive late (issue 6) ------------------------------------------------------
#
# A moment of a HubSpot record is dated in its customer's time zone, which usually comes
# from a Zendesk user; HubSpot is often synced (or its webhooks arrive) before that user is
# linked. Two halves, both needed:
# - Which zone: settled from all of the customer's live records (identity.settle_zones),
#   not first-come, so the same records give the same zone whatever order they arrived in,
#   and a user's changed zone is followed. It is kept on the customer row, so workflows
#   and moments read one answer, and `known_for` stays one indexed read per event.
# - When it arrives: resolving it at derivation alone cannot help the moments already
#   stored, so when a customer's zone changes, or a record joins a customer in another
#   zone, the records whose dates follow it (its linked records, and the deals and invoices
#   that name them: `records.person`) are derived again here, in place. Only those, once
#   per change: the log converges without `momentos renormalize`.


def follow_zones(
    store: Store, context: RuleContext, changes: ZoneChanges, now: datetime,
    report: DeriveReport, skip: AbstractSet[Ref] = frozenset(),
) -> None:  # fmt: skip
    """Derive again the dated records whose customer's time zone moved."""
    records: set[Ref] = set()
    for customer_id in changes.customers:
        records.update(store.records_about(DATED_RECORDS, customer_id=customer_id))
    for ref in changes.records:
        records.update(store.records_about(DATED_RECORDS, person=ref))
    for record in sorted(records - skip):
        rederive_record(store, context, record, now, report)


def rederive_record(
    store: Store, context: RuleContext, record: Ref, now: datetime, report: DeriveReport
) -> None:
    """Derive a record's moments again as of `now`, from its newest version and the versions
    that own its moments (the first to yield a key keeps it, as in renormalize): changed
    ones are updated in place, new ones added, and the ones no version yields any more
    (a date that moved a day) withdrawn, with the work still waiting for them."""
    fresh: dict[str, tuple[Moment, int, int | None]] = {}
    for stored in store.refreshed_events(*record):
        for moment, customer_id in moments_of(store, stored, context, now):
            fresh.setdefault(moment.key, (moment, stored.id, customer_id))
    for moment, event_id, customer_id in fresh.values():
        _put(store, moment, event_id, customer_id, now, report)
    gone = [key for key in store.moment_keys(*record, DERIVED_TYPES) if key not in fresh]
    store.withdraw(gone, now)
    if gone:
        logger.info("withdrew %d moments of %s %s: its time zone moved", len(gone), record[1],
                    record[2])  # fmt: skip


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
                    _keep(store, moment, stored.id, customer_id, now, report, newest=True)
                report.events += 1
        last = newest[-1].event
        after = (last.tool, last.object_type, last.object_id)
    return report
