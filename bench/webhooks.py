"""Webhook ingest under HubSpot's worst case (issue #11): events/s and time to acknowledge.

`python bench/webhooks.py [--deliveries 1000] [--connections 10]`

`momentos serve` (gunicorn with its production settings) on a loopback port; 10 client
threads, each on its own keep-alive connection, post signed deliveries back to back:
- HubSpot: arrays of 100 contact property changes (the most HubSpot puts in one request);
- Zendesk: one ticket event per delivery, as Zendesk sends them.
Every event is new, so each delivery commits its events before it is acknowledged.
Printed: events/s, the p50/p95/p99 time from sending a request to reading its answer, and
the peak RSS of the busiest server process. Prints; asserts nothing.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import zendesk_delivery  # noqa: E402
from bench.measure import Row, demo_config, peak_rss_mb, percentile, print_rows  # noqa: E402
from connectors.hubspot import webhooks as hubspot  # noqa: E402
from connectors.timefmt import format_iso  # noqa: E402
from sandbox.settings_env import use_demo_secrets  # noqa: E402

BATCH = 100
EVENTS_GOAL, P99_GOAL_MS = 5000, 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hubspot_delivery(secret: str, uri: str, n: int) -> tuple[bytes, dict[str, str]]:
    """Delivery n: 100 property changes of 100 contacts, signed (v3) for `uri` now."""
    now_ms = int(time.time() * 1000)
    body = json.dumps([{"eventId": n * BATCH + k, "subscriptionId": 1, "portalId": 62515,
                        "appId": 1, "occurredAt": now_ms - 1000, "attemptNumber": 0,
                        "subscriptionType": "contact.propertyChange", "objectId": n * BATCH + k,
                        "propertyName": "lifecyclestage", "propertyValue": "customer",
                        "changeSource": "CRM_UI"} for k in range(BATCH)]).encode()  # fmt: skip
    signature = hubspot.sign(secret, "POST", uri, body, now_ms)
    return body, {hubspot.SIGNATURE_HEADER: signature, hubspot.TIMESTAMP_HEADER: str(now_ms),
                  "Content-Type": "application/json"}  # fmt: skip


class Server:
    """`momentos serve` in a child process, from config/demo.yaml with a fresh store."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        web = {"host": "127.0.0.1", "port": self.port, "public_url": self.url}
        config = demo_config(directory, web=web)
        args = [sys.executable, "-m", "momentos", "--config", str(config), "serve"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"momentos serve exited {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("momentos serve did not listen within a minute")

    def peak_rss_mb(self) -> float:
        """The largest high-water RSS among gunicorn's master and workers."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return max(peak_rss_mb(p) for p in [pid, *children])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def post_all(port: int, path: str, deliveries: list, connections: int) -> tuple[float, list]:
    """(wall seconds, latency of each request) posting every delivery over `connections`."""
    latencies: list[float] = []
    failures: list[str] = []

    def client(share: list) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body, headers in share:
            started = time.perf_counter()
            conn.request("POST", path, body, headers)
            answer = conn.getresponse()
            answer.read()
            latencies.append(time.perf_counter() - started)
            if answer.status != 200:
                failures.append(f"{path} answered {answer.status}")
        conn.close()

    threads = [threading.Thread(target=client, args=(deliveries[k::connections],))
               for k in range(connections)]  # fmt: skip
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} deliveries failed, first: {failures[0]}")
    return time.perf_counter() - started, latencies


def describe(tool: str, events: int, wall: float, latencies: list[float]) -> dict:
    ms = [1000 * s for s in latencies]
    return {"tool": tool, "requests": len(ms), "events": events, "rate": events / wall,
            **{f"p{p}": percentile(ms, p) for p in (50, 95, 99)}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000, help="per tool")
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    use_demo_secrets()
    n, c, results = args.deliveries, args.connections, []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        try:
            hubspot_secret = os.environ["HUBSPOT_APP_SECRET"]
            zendesk_secret = os.environ["ZENDESK_WEBHOOK_SECRET"]
            uri, stamp = f"{server.url}/webhooks/hubspot", format_iso(datetime.now(UTC))
            # Untimed first: each gunicorn worker builds its app on its first request.
            post_all(
                server.port,
                "/webhooks/hubspot",
                [hubspot_delivery(hubspot_secret, uri, 10**7 + i) for i in range(2 * c)],
                c,
            )
            post_all(
                server.port,
                "/webhooks/zendesk",
                [zendesk_delivery(zendesk_secret, 1 + i, stamp) for i in range(2 * c)],
                c,
            )
            batches = [hubspot_delivery(hubspot_secret, uri, i) for i in range(n)]
            wall, latencies = post_all(server.port, "/webhooks/hubspot", batches, c)
            results.append(describe("HubSpot", n * BATCH, wall, latencies))
            singles = [zendesk_delivery(zendesk_secret, 10_000_000 + i, stamp) for i in range(n)]
            wall, latencies = post_all(server.port, "/webhooks/zendesk", singles, c)
            results.append(describe("Zendesk", n, wall, latencies))
            rss = server.peak_rss_mb()
        finally:
            server.stop()
    rows = []
    for r in results:
        print(f"{r['tool']:<8} {r['requests']:,} deliveries, {r['events']:,} events: "
              f"{r['rate']:8,.0f} events/s; acknowledged p50 {r['p50']:.0f} ms, "
              f"p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms")  # fmt: skip
        hubspot_case = r["tool"] == "HubSpot"
        rows.append(Row(
            f"webhook ingest, {r['tool']} ({'arrays of 100' if hubspot_case else 'one event'} "
            f"each, {args.connections} connections)",
            f"{r['requests']:,} deliveries",
            f"{r['rate']:,.0f} events/s; p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, "
            f"p99 {r['p99']:.0f} ms",
            f"≥ {EVENTS_GOAL:,} events/s, p99 < {P99_GOAL_MS} ms" if hubspot_case else "—",
            r["rate"] >= EVENTS_GOAL and r["p99"] < P99_GOAL_MS if hubspot_case else None,
        ))  # fmt: skip
    print(f"server peak RSS (largest process): {rss:.0f} MB")
    rows[0].figure += f"; server peak RSS {rss:.0f} MB"
    print_rows(rows)


if __name__ == "__main__":
    main()
