"""Webhook deliveries the sandbox sends, with the sending tool's retry rules.

A delivery is queued with a `build` function that makes fresh headers and body for each
attempt (HubSpot signs every retry with a new timestamp) and a `retry_policy` that says,
from the answer, whether and when to try again. One thread sends; `flush()` lets tests
and the demo wait until the queue is drained instead of sleeping.
"""

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

logger = logging.getLogger(__name__)

# status (None = timeout or connection error), attempt number (0-based) -> seconds or None
RetryPolicy = Callable[[int | None, dict[str, str], int], float | None]
# What became of each attempt: `dropped` ones were never sent (the drop_webhooks fault).
OUTCOMES = ("sent", "retried", "failed", "dropped")


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    tool: str = field(compare=False)
    url: str = field(compare=False)
    build: Callable[[int], tuple[dict[str, str], bytes]] = field(compare=False)
    retry_policy: RetryPolicy = field(compare=False)
    timeout: float = field(compare=False, default=10.0)
    attempt: int = field(compare=False, default=0)


class DeliveryQueue:
    def __init__(self, clock_seconds: Callable[[], float], dropped: Callable[[str], bool]):
        self._now = clock_seconds
        self._dropped = dropped
        self._heap: list[Delivery] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._busy = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._cond:
            self.stats = dict.fromkeys(OUTCOMES, 0)
            self._by_tool: dict[str, dict[str, int]] = {}

    def _count(self, tool: str, outcome: str) -> None:
        with self._cond:
            self.stats[outcome] += 1
            per_tool = self._by_tool.setdefault(tool, dict.fromkeys(OUTCOMES, 0))
            per_tool[outcome] += 1

    def counts(self) -> dict:
        """Totals of each outcome, and the same per tool."""
        with self._cond:
            return {**self.stats, "by_tool": {t: dict(c) for t, c in self._by_tool.items()}}

    def enqueue(
        self, tool: str, url: str, build, retry_policy: RetryPolicy, timeout: float = 10.0
    ) -> None:
        with self._cond:
            heapq.heappush(
                self._heap,
                Delivery(self._now(), next(self._seq), tool, url, build, retry_policy, timeout),
            )
            self._cond.notify_all()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._busy

    def flush(self, timeout: float = 30.0, include_delayed: bool = False) -> bool:
        """Wait until nothing is due (or nothing at all); True if drained in time."""

        def drained() -> bool:
            if self._busy:
                return False
            if include_delayed:
                return not self._heap
            return not self._heap or self._heap[0].due > self._now() + 0.001

        with self._cond:
            return self._cond.wait_for(drained, timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0].due > self._now()):
                    wait = None if not self._heap else max(0.0, self._heap[0].due - self._now())
                    self._cond.wait(timeout=wait)
                if self._stopping:
                    return
                delivery = heapq.heappop(self._heap)
                self._busy += 1
            try:
                self._attempt(delivery)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, delivery: Delivery) -> None:
        if self._dropped(delivery.tool):
            self._count(delivery.tool, "dropped")
            return
        headers, body = delivery.build(delivery.attempt)
        status, answer_headers = None, {}
        try:
            answer = self._session.post(
                delivery.url, data=body, headers=headers, timeout=delivery.timeout
            )
            status, answer_headers = answer.status_code, dict(answer.headers)
        except requests.RequestException as exc:
            logger.info("webhook to %s failed: %s", delivery.url, type(exc).__name__)
        if status is not None and 200 <= status < 300:
            self._count(delivery.tool, "sent")
            return
        delay = delivery.retry_policy(status, answer_headers, delivery.attempt)
        if delay is None:
            self._count(delivery.tool, "failed")
            return
        self._count(delivery.tool, "retried")
        delivery.attempt += 1
        delivery.due = self._now() + delay
        delivery.seq = next(self._seq)
        with self._cond:
            heapq.heappush(self._heap, delivery)
            self._cond.notify_all()
