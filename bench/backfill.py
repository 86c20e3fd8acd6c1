"""Backfill speed, memory and manners against the sandbox (issue #5). Prints; asserts nothing.

`python bench/backfill.py [--sizes 100000 1000000] [--limited 50000]`

- Unlimited (sandbox rate limits off, Momentos' budgets wide open): for each size, a seeded
  account of N tickets is backfilled by a real `momentos backfill zendesk:tickets` process.
  Printed: tickets/s end to end (the process's wall time, start-up included), the process's
  peak RSS, and export requests made against the minimum ceil(N/1000).
- Limited (sandbox limits on, Momentos' default budgets but High Volume's 30 exports a
  minute, so it takes a minute or two rather than ten): 429s served (goal 0) and the share
  of the export budget used in the busiest minute.
The sandbox runs in this process; Momentos in a child, so its RSS is its own.
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import Row, demo_config, judged, peak_rss_mb, print_rows  # noqa: E402
from sandbox.scale import seed_size  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.state import SandboxSettings  # noqa: E402

SECRETS = {"ZENDESK_API_TOKEN": "bench-zendesk", "ZENDESK_WEBHOOK_SECRET": "bench-hook",
           "HUBSPOT_TOKEN": "bench-hubspot", "HUBSPOT_APP_SECRET": "bench-app"}  # fmt: skip
EXPORT_PATH = "/api/v2/incremental/tickets/cursor"
HIGH_VOLUME_EXPORTS = 30
TICKETS_GOAL, RSS_GROWTH_GOAL, GOAL_SIZES = 10_000, 0.20, (100_000, 1_000_000)  # issue #5


class Recorder:
    """WSGI middleware: when each request under `prefix` came, what it was answered, and
    its path, as (monotonic time, status, path)."""

    def __init__(self, app, prefix: str = ""):
        self.app, self.prefix, self.calls, self._lock = app, prefix, [], threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix):
            return self.app(environ, start_response)
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        with self._lock:
            self.calls.append((time.monotonic(), seen.get("status"), path))
        return body


def sandbox(n: int, limited: bool) -> tuple[SandboxServer, Recorder]:
    settings = SandboxSettings(rate_limits=limited, zendesk_api_token=SECRETS["ZENDESK_API_TOKEN"],
                               hubspot_token=SECRETS["HUBSPOT_TOKEN"],
                               zendesk_incremental_per_minute=HIGH_VOLUME_EXPORTS)  # fmt: skip
    server = SandboxServer(settings).start()
    now = server.state.clock.now()
    # Ending an hour ago: none of the tickets is in the export's withheld last minute.
    seed_size(server.state, n, start=now - timedelta(days=365), end=now - timedelta(hours=1))
    recorder = Recorder(server.app.wsgi_app, EXPORT_PATH)
    server.app.wsgi_app = recorder
    return server, recorder


def write_config(directory: Path, url: str, limited: bool) -> Path:
    wide = {"requests_per_minute": 1_000_000, "incremental_per_minute": 1_000_000}
    narrow = {"incremental_per_minute": HIGH_VOLUME_EXPORTS}
    return demo_config(directory, zendesk={"base_url": url, **(narrow if limited else wide)},
                       hubspot={"base_url": url})  # fmt: skip


def follow_peak_rss(pid: int, done: threading.Event, peak: list[float]) -> None:
    """Follow the child's VmHWM (its own high-water RSS since exec) until it exits.

    Not `ru_maxrss`: Linux carries the pre-exec high-water mark over, and a child forked
    from this process (which holds the sandbox's million tickets) would report ours.
    """
    while not done.wait(0.05):
        try:
            peak[0] = max(peak[0], peak_rss_mb(pid))
        except (FileNotFoundError, ProcessLookupError):
            continue


def run_backfill(config: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, last progress line) of one backfill."""
    args = [sys.executable, "-m", "momentos", "--config", str(config), "backfill",
            "zendesk:tickets"]  # fmt: skip
    env = {**os.environ, **SECRETS, "PYTHONPATH": str(ROOT)}
    started, done, peak = time.monotonic(), threading.Event(), [0.0]
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        watcher = threading.Thread(target=follow_peak_rss, args=(child.pid, done, peak))
        watcher.start()
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        done.set()
        watcher.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode().splitlines()
    if child.returncode != 0:
        raise SystemExit(f"backfill exited {child.returncode}: {lines[-1:]}")
    return wall, usage.ru_utime + usage.ru_stime, peak[0], lines[-1] if lines else ""


def busiest_minute(calls: list[tuple[float, int, str]]) -> int:
    times = sorted(t for t, _, _ in calls)
    return max((sum(1 for u in times if t <= u < t + 60) for t in times), default=0)


def bench(n: int, limited: bool) -> dict:
    server, recorder = sandbox(n, limited)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu, rss, line = run_backfill(write_config(Path(tmp), server.url, limited))
    finally:
        server.stop()
    served = [status for _, status, _ in recorder.calls]
    return {"n": n, "wall": wall, "cpu": cpu, "rss": rss, "line": line, "requests": len(served),
            "429s": served.count(429), "busiest": busiest_minute(recorder.calls)}  # fmt: skip


def describe(r: dict) -> list[str]:
    minimum = math.ceil(r["n"] / 1000)
    return [
        f"{r['n']:>9,} tickets: {r['n'] / r['wall']:8,.0f} tickets/s end to end "
        f"({r['wall']:.1f}s), peak RSS {r['rss']:.1f} MB, export requests {r['requests']:,} "
        f"(minimum {minimum:,}), 429s {r['429s']}",
        f"{'':>19}{r['line']}; Momentos used {r['cpu']:.1f} CPU-s, "
        f"{r['n'] / r['cpu']:,.0f} tickets per CPU-second",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--limited", type=int, default=50_000, help="tickets (0: skip)")
    args = parser.parse_args()
    results, rows = [bench(n, limited=False) for n in args.sizes], []
    for r in results:
        print("\n".join(describe(r)), flush=True)
        rate, minimum = r["n"] / r["wall"], math.ceil(r["n"] / 1000)
        rows.append(Row("backfill, rate limits off", f"{r['n']:,} tickets",
                        f"{rate:,.0f} tickets/s ({r['n'] / r['cpu']:,.0f} per CPU-s), "
                        f"peak RSS {r['rss']:.0f} MB, {r['requests']:,} export requests",
                        f"≥ {TICKETS_GOAL:,} tickets/s at {GOAL_SIZES[0]:,}+, {minimum:,} requests",
                        judged(rate >= TICKETS_GOAL and r["requests"] <= minimum, r["n"],
                               GOAL_SIZES[0])))  # fmt: skip
    if len(results) > 1:
        growth = results[-1]["rss"] / results[0]["rss"] - 1
        print(f"peak RSS at {results[-1]['n']:,} vs {results[0]['n']:,}: {growth:+.0%}")
        rows.append(Row("backfill, peak RSS growth", f"{results[0]['n']:,} → {results[-1]['n']:,}",
                        f"{growth:+.0%}", f"≤ +{RSS_GROWTH_GOAL:.0%} from {GOAL_SIZES[0]:,} to "
                        f"{GOAL_SIZES[1]:,}", judged(growth <= RSS_GROWTH_GOAL,
                                                     results[-1]["n"], GOAL_SIZES[1])))  # fmt: skip
    if args.limited:
        r = bench(args.limited, limited=True)
        share = r["busiest"] / HIGH_VOLUME_EXPORTS
        print(f"rate limits on, {r['n']:,} tickets, {HIGH_VOLUME_EXPORTS} exports/min: "
              f"{r['429s']} 429s served, {r['requests']} export requests in {r['wall']:.0f}s, "
              f"busiest minute {r['busiest']} = {share:.0%} of the budget")  # fmt: skip
        rows.append(Row("backfill, rate limits on", f"{r['n']:,} tickets",
                        f"{r['429s']} 429s, busiest minute {share:.0%} of the export budget",
                        "0 429s", r["429s"] == 0))  # fmt: skip
    print_rows(rows)


if __name__ == "__main__":
    main()
