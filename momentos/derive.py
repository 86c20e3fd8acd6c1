"""Turn stored events into records, customer links and moments, once each."""

import logging
from dataclasses import dataclass, field

from momentos.clock import SystemClock
from momentos.identity import link_record
from momentos.moments import RuleContext, normalize
from momentos.store import Store

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
                for moment in normalize(event, context):
                    ref = moment.customer_ref
                    customer_id = store.customer_of(*ref) if ref else None
                    if store.insert_moment(moment, stored.id, customer_id, now):
                        report.new_moments.append(moment.key)
                        report.new_types.add(moment.type)
                store.mark_derived(stored.id)
            report.events += 1
    return report
