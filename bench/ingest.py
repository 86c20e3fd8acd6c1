"""Ingest speed: events stored per second, by the poller's path and the webhook path.

Prints numbers; asserts nothing. `python bench/ingest.py [N]` (default 20,000 events).
- poll path: pages of 1,000 events and their cursor, one transaction per page;
- webhook path: signed Zendesk deliveries verified, parsed and committed one by one
  through the Flask app (in-process, no sockets: this measures Momentos, not the network).
"""

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import Row, demo_config, print_rows  # noqa: E402
from connectors.timefmt import format_iso  # noqa: E402
from connectors.zendesk import webhooks  # noqa: E402
from connectors.zendesk.records import to_event  # noqa: E402
from momentos.clock import FrozenClock  # noqa: E402
from momentos.config import load_settings  # noqa: E402
from momentos.store import Store  # noqa: E402
from sandbox.settings_env import use_demo_secrets  # noqa: E402
from server import create_app  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def ticket(n: int) -> dict:
    return {"id": n, "subject": f"Ticket {n}", "status": "open", "tags": ["web"],
            "requester_id": 1000 + n % 500, "via": {"channel": "web"},
            "created_at": "2026-11-01T00:00:00Z", "updated_at": format_iso(NOW),
            "custom_fields": [{"id": 1, "value": "app"}]}  # fmt: skip


def bench_poll(store: Store, n: int) -> float:
    started = time.perf_counter()
    for page in range(0, n, 1000):
        events = [to_event("ticket", ticket(i)) for i in range(page + 1, min(n, page + 1000) + 1)]
        store.add_events(
            events, source="poll", received_at=NOW, cursor=("zendesk:tickets", str(page))
        )
    return n / (time.perf_counter() - started)


def zendesk_delivery(secret: str, n: int, stamp: str) -> tuple[bytes, dict[str, str]]:
    """A signed event-type delivery (`ticket.created`) for ticket n: body and headers."""
    detail = {**ticket(n), "id": str(n), "status": "OPEN"}
    body = json.dumps({"type": "zen:event-type:ticket.created", "account_id": 1, "id": f"e{n}",
                       "time": stamp, "subject": f"zen:ticket:{n}", "detail": detail,
                       "zendesk_event_version": "2022-11-06", "event": {}}).encode()  # fmt: skip
    return body, {webhooks.SIGNATURE_HEADER: webhooks.sign(secret, stamp, body),
                  webhooks.TIMESTAMP_HEADER: stamp, "Content-Type": "application/json"}  # fmt: skip


def bench_webhooks(app, n: int) -> float:
    secret = os.environ["ZENDESK_WEBHOOK_SECRET"]
    client = app.test_client()
    deliveries = [zendesk_delivery(secret, 10_000_000 + i, format_iso(NOW)) for i in range(n)]
    started = time.perf_counter()
    for body, headers in deliveries:
        response = client.post("/webhooks/zendesk", data=body, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"webhook answered {response.status_code}: {response.data!r}")
    return n / (time.perf_counter() - started)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    use_demo_secrets()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(demo_config(Path(tmp)))
        store = Store(settings.store["path"])
        poll_rate = bench_poll(store, n)
        app = create_app(settings, store, FrozenClock(NOW))
        hook_rate = bench_webhooks(app, n // 10)
    print(f"poll path:    {poll_rate:10,.0f} events/s  ({n:,} events, pages of 1,000)")
    print(f"webhook path: {hook_rate:10,.0f} events/s  ({n // 10:,} deliveries, one at a time)")
    print_rows([
        Row("ingest, poll path (pages of 1,000)", f"{n:,} events", f"{poll_rate:,.0f} events/s"),
        Row("ingest, webhook path (in-process, one at a time)", f"{n // 10:,} deliveries",
            f"{hook_rate:,.0f} events/s"),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
