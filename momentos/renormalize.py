"""`momentos renormalize`: derive every moment again from the stored events.

After a rule changes, the moments it made are stale. This runs every rule over every
event, in the order they were stored (so the first event to yield a key keeps it, as in
`derive_pending`), into a scratch table, then makes the stored moments equal to it and
reports what changed: added, removed (a rule no longer yields them) and changed data.
Natural keys mean no duplicates; a second run reports nothing.

One write transaction: concurrent writers wait, and a crash leaves the moments as they
were. Events stream in batches, so memory does not grow with the store.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from momentos.derive import moments_of
from momentos.moments import RuleContext
from momentos.moments.rules import DERIVED_TYPES
from momentos.store import Store

KINDS = ("added", "removed", "changed")


@dataclass
class RenormalizeReport:
    events: int = 0
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def by_type(self) -> dict[str, dict[str, int]]:
        """{moment type: {"added": n, "removed": n, "changed": n}}, types in order."""
        counts = {kind: Counter(row["type"] for row in getattr(self, kind)) for kind in KINDS}
        types = sorted(set().union(*counts.values()))
        return {t: {kind: counts[kind][t] for kind in KINDS} for t in types}


def renormalize(
    store: Store, context: RuleContext, now: datetime, *, batch: int = 500, dry_run: bool = False
) -> RenormalizeReport:
    """Derive all moments again as of `now`; apply the difference unless `dry_run`."""
    report = RenormalizeReport(dry_run=dry_run)
    with store.transaction():
        store.stage_begin()
        try:
            report.events = _stage_all(store, context, now, batch)
            changes = store.staged_changes(DERIVED_TYPES)
            report.added, report.removed = changes["added"], changes["removed"]
            report.changed = changes["changed"]
            if not dry_run and not report.unchanged:
                store.apply_staged(DERIVED_TYPES, now)
        finally:
            store.stage_end()
    return report


def _stage_all(store: Store, context: RuleContext, now: datetime, batch: int) -> int:
    events, after = 0, 0
    while stored_events := store.events_after(after, batch):
        for stored in stored_events:
            for moment, customer_id in moments_of(store, stored, context, now):
                store.stage_moment(moment, stored.id, customer_id)
        events += len(stored_events)
        after = stored_events[-1].id
    return events


def describe(report: RenormalizeReport, sample: int = 20) -> list[str]:
    """Lines for the command line: per type, then the first keys of each kind of change."""
    verb = "would change" if report.dry_run else "changed"
    if report.unchanged:
        return [f"{report.events} events derived again: no change"]
    lines = [f"{report.events} events derived again; {verb}:"]
    for moment_type, counts in report.by_type().items():
        parts = ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts[kind])
        lines.append(f"  {moment_type}: {parts}")
    for kind in KINDS:
        rows = getattr(report, kind)
        lines += [f"  {kind} {row['key']}" for row in rows[:sample]]
        if len(rows) > sample:
            lines.append(f"  ... and {len(rows) - sample} more {kind}")
    return lines
