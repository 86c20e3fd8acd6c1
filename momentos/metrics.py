"""What `/metrics` exposes, in Prometheus' text format.

prometheus-client because its exposition format is the one every scraper reads
(Prometheus, VictoriaMetrics, the Grafana agent, Datadog's OpenMetrics check), and its
multiprocess mode is the documented way to count across gunicorn's forked workers.

Two kinds of numbers:
- **From the store, at scrape time** (moments by type, actions by state, polling lag per
  stream): the same answer whichever process is scraped, from indexed queries.
- **Counters and the dispatch histogram**, counted where things happen: webhooks in the
  web processes, polls, 429s and dispatch in the worker. With `PROMETHEUS_MULTIPROC_DIR`
  set (`momentos serve` and `momentos worker` set it to `metrics/` beside the store, which
  they already share), every process writes its own files there and `/metrics` adds them
  up, so one scrape of the web sees the worker's counts too. Without it (the demo, tests),
  they are process-local. Totals survive restarts; delete the directory while everything
  is stopped to reset them.
"""

import os
import socket
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from connectors.timefmt import parse_iso

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Where prometheus_client counts, fixed when it was imported (just above): setting the
# variable later changes nothing, so a scrape must not start reading files then.
SHARED_DIR = os.environ.get(MULTIPROC_ENV)
if SHARED_DIR:
    # Containers sharing the directory each number their processes from 1, and two
    # processes must never write one file: name the files by host and pid. (Before any
    # metric value exists: ours are all labelled, so made at first use.)
    values.ValueClass = values.MultiProcessValue(
        process_identifier=lambda: f"{socket.gethostname()}-{os.getpid()}"
    )
# Process-local metrics live in their own registry, so that tests and the demo, which
# build many apps in one process, never register twice in the global one.
LOCAL = CollectorRegistry(auto_describe=True)

EVENTS_STORED = Counter(
    "momentos_events_stored",
    "New events stored (a change seen again, by webhook or poll, is not counted twice).",
    ["tool", "source"],
    registry=LOCAL,
)
WEBHOOK_REJECTIONS = Counter(
    "momentos_webhook_rejections",
    "Webhook deliveries refused with 401, by why their signature failed.",
    ["tool", "reason"],
    registry=LOCAL,
)
RATE_LIMITED = Counter(
    "momentos_rate_limited",
    "429 answers met, by tool and endpoint family (each family has its own budget).",
    ["tool", "family"],
    registry=LOCAL,
)
DISPATCH_SECONDS = Histogram(
    "momentos_dispatch_duration_seconds",
    "How long one batch of actions took to send to a tool.",
    ["tool"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=LOCAL,
)

# Why a signature failed, from the connectors' SignatureError messages; first match wins,
# so the label set stays small whatever a message says.
REJECTION_REASONS = (
    ("missing", "missing"),
    ("does not match", "mismatch"),
    ("outside", "stale"),
    ("timestamp", "bad_timestamp"),
)


def rejection_reason(message: str) -> str:
    """A short, bounded label for a signature failure."""
    text = message.lower()
    return next((reason for needle, reason in REJECTION_REASONS if needle in text), "other")


def count_events(tool: str, source: str, new: int) -> None:
    EVENTS_STORED.labels(tool, source).inc(new)


def count_rejection(tool: str, message: str) -> None:
    WEBHOOK_REJECTIONS.labels(tool, rejection_reason(message)).inc()


def rate_limit_counter(tool: str) -> Callable[[str], None]:
    """The callback a connector's client calls with the family of each 429 it meets."""
    return lambda family: RATE_LIMITED.labels(tool, family).inc()


class StoreCollector:
    """Gauges read from the store when scraped: cheap, indexed queries only."""

    def __init__(self, store, now: datetime):
        self.store, self.now = store, now

    def collect(self) -> Iterator[Metric]:
        moments = GaugeMetricFamily("momentos_moments", "Moments stored, by type.", labels=["type"])
        for kind, count in sorted(self.store.counts("moments", "type").items()):
            moments.add_metric([kind], count)
        actions = GaugeMetricFamily("momentos_actions", "Outbox actions, by state.",
                                    labels=["state"])  # fmt: skip
        for state, count in sorted(self.store.counts("actions", "state").items()):
            actions.add_metric([state], count)
        lag = GaugeMetricFamily(
            "momentos_poll_lag_seconds",
            "Seconds since each stream's cursor last moved (its last committed poll page).",
            labels=["stream"],
        )
        for stream, seconds in poll_lags(self.store.cursors(), self.now):
            lag.add_metric([stream], seconds)
        return iter((moments, actions, lag))


def poll_lags(cursors: Iterable[dict], now: datetime) -> list[tuple[str, float]]:
    """(stream, seconds since its cursor was written) for each polled stream."""
    return [
        (row["stream"], max(0.0, (now - parse_iso(row["updated_at"])).total_seconds()))
        for row in cursors
        if row.get("updated_at")
    ]


class _Counted:
    """The process-local registry, or every process's files in multiprocess mode."""

    def collect(self) -> Iterable[Metric]:
        if SHARED_DIR:
            return multiprocess.MultiProcessCollector(None, path=SHARED_DIR).collect()
        return LOCAL.collect()


def exposition(store, now: datetime) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Counted())
    registry.register(StoreCollector(store, now))
    return generate_latest(registry), CONTENT_TYPE_LATEST
