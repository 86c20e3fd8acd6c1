"""The only sender: claims due actions from the outbox and sends them in batches.

Protocol (DESIGN.md): a claim commits `in_flight` with a lease before any call. A row
still `in_flight` after its lease is looked up in the tool by its key and only re-sent when
the lookup proves it absent; a tool that cannot look it up leaves it `needs_review`.
"""

import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from connectors.timefmt import parse_iso
from momentos import metrics
from momentos.config.schema import BATCH_SIZE, LEASE_SECONDS
from momentos.errors import FatalApiError, RateLimited, RetriableError
from momentos.model import Action, ActionResult
from momentos.store import Store

logger = logging.getLogger(__name__)

# The defaults are the configuration's (dispatch.lease_seconds, dispatch.batch_size).
LEASE = timedelta(seconds=LEASE_SECONDS)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# While a lookup waits out the tool's search lag, check again this often.
MIN_WAIT = timedelta(milliseconds=200)


class Sender(Protocol):
    LOOKUP_LAG: timedelta

    def create(self, actions: list[Action]) -> list[ActionResult]: ...

    def lookup(self, actions: list[Action]) -> dict[str, tuple[str, str]]: ...


@dataclass
class DispatchReport:
    sent: int = 0
    done: int = 0
    retry: int = 0
    failed: int = 0
    recovered: int = 0
    resent: int = 0
    needs_review: int = 0
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter, so that many retries do not land together."""
    delay = min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)
    return delay * rng.uniform(0.5, 1.5)


def to_action(row: dict[str, Any]) -> Action:
    return Action(
        key=row["key"],
        workflow=row["workflow"],
        tool=row["tool"],
        kind=row["kind"],
        payload=row["payload"],
        customer_id=row["customer_id"],
        moment_key=row["moment_key"],
    )


class Dispatcher:
    def __init__(
        self,
        store: Store,
        senders: dict[str, Sender],
        clock,
        rng: random.Random | None = None,
        lease: timedelta = LEASE,
        batch_size: int = BATCH_SIZE,
    ):
        self.store = store
        self.senders = senders
        self.clock = clock
        self.rng = rng or random.Random()
        self.lease = lease
        self.batch_size = batch_size

    def run_once(self) -> DispatchReport:
        """Resolve expired leases, then send everything due, batch by batch."""
        report = DispatchReport()
        self._recover(report)
        while rows := self.store.claim(self.clock.now(), self.lease, self.batch_size):
            groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
            for row in rows:
                groups[(row["tool"], row["kind"])].append(row)
            for (tool, _kind), group in groups.items():
                self._send(tool, group, report)
        return report

    def drain(self, deadline: datetime | None = None) -> DispatchReport:
        """Send until nothing is left to send or to resolve, waiting (on the clock) for
        retries and leases that come due; failed and needs_review rows are left alone."""
        total = DispatchReport()
        while True:
            report = self.run_once()
            for name in ("sent", "done", "retry", "failed", "recovered", "resent", "needs_review"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            next_due = self.store.next_due()
            now = self.clock.now()
            if next_due is None or (deadline is not None and now >= deadline):
                return total
            self.clock.sleep(max((next_due - now).total_seconds(), MIN_WAIT.total_seconds()))

    def _send(self, tool: str, rows: list[dict], report: DispatchReport) -> None:
        now = self.clock.now()
        report.sent += len(rows)
        report.calls[tool] += 1
        try:
            with metrics.DISPATCH_SECONDS.labels(tool).time():
                results = self.senders[tool].create([to_action(r) for r in rows])
        except RateLimited as exc:
            # A 429 proves nothing was created: retry after the tool's wait.
            wait = timedelta(seconds=exc.retry_after or BACKOFF_BASE.total_seconds())
            for row in rows:
                self.store.settle(
                    row["key"], "retry", now, error=str(exc), next_attempt_at=now + wait
                )
            report.retry += len(rows)
            return
        except RetriableError as exc:
            # The outcome is unknown (a timeout after sending, a 5xx): the rows stay in flight,
            # and the lease expiry looks them up before anything is sent again.
            logger.warning("dispatch to %s has an unknown outcome: %s", tool, exc)
            return
        except FatalApiError as exc:
            for row in rows:
                self.store.settle(row["key"], "failed", now, error=str(exc))
            report.failed += len(rows)
            return
        by_key = {row["key"]: row for row in rows}
        for result in results:
            self._settle(by_key[result.key], result, now, report)

    def _settle(
        self, row: dict, result: ActionResult, now: datetime, report: DispatchReport
    ) -> None:
        if result.ok:
            self.store.settle(
                row["key"], "done", now, remote_id=result.remote_id, remote_url=result.remote_url
            )
            report.done += 1
        elif result.retriable and row["attempts"] < MAX_ATTEMPTS:
            wait = (
                timedelta(seconds=result.retry_after)
                if result.retry_after
                else backoff(row["attempts"], self.rng)
            )
            self.store.settle(
                row["key"], "retry", now, error=result.error, next_attempt_at=now + wait
            )
            report.retry += 1
        else:
            self.store.settle(row["key"], "failed", now, error=result.error)
            report.failed += 1

    def _recover(self, report: DispatchReport) -> None:
        now = self.clock.now()
        expired = self.store.expired_leases(now)
        by_tool: dict[str, list[dict]] = defaultdict(list)
        for row in expired:
            by_tool[row["tool"]].append(row)
        for tool, rows in by_tool.items():
            sender = self.senders[tool]
            try:
                found = sender.lookup([to_action(r) for r in rows])
            except (RetriableError, FatalApiError) as exc:
                logger.warning("lookup in %s failed, will try again: %s", tool, exc)
                continue
            for row in rows:
                self._resolve(row, found.get(row["key"]), sender.LOOKUP_LAG, now, report)

    def _resolve(
        self,
        row: dict,
        found: tuple[str, str] | None,
        lag: timedelta | None,
        now: datetime,
        report: DispatchReport,
    ) -> None:
        if found is not None:
            self.store.settle(row["key"], "done", now, remote_id=found[0], remote_url=found[1])
            report.recovered += 1
        elif lag is None:
            self.store.settle(
                row["key"],
                "needs_review",
                now,
                error="the tool cannot tell whether this action happened",
            )
            report.needs_review += 1
        elif now - parse_iso(row["claimed_at"]) >= lag:
            self.store.settle(row["key"], "pending", now, next_attempt_at=now)
            report.resent += 1
