"""Seed the sandbox with generated Zendesk tickets; print seed time, memory, export paging.

`python bench/sandbox_seed.py [SIZE ...]` (default 100000 1000000). Each size runs in a
fresh process so one size's memory does not count against the next. For each it prints
the time `seed size N` takes, the process's resident memory after the seed (and its peak,
which includes the one-off sort of the change index), and the time to page the whole
incremental cursor export at 1,000 tickets a page over HTTP, as Momentos' poller does.
Times are wall clock, with the process's CPU time beside them: on a busy machine the CPU
time is the steadier figure (server and client share the process, so export CPU is both).
"""

import json
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import orjson
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import Row, print_rows  # noqa: E402
from sandbox import seed  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.state import SandboxSettings  # noqa: E402

DEFAULT_SIZES = (100_000, 1_000_000)
PAGE = 1000


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def page_export(server: SandboxServer) -> tuple[int, int, float, float]:
    """(tickets, pages, seconds, CPU seconds) to read the cursor export to its end."""
    settings = server.state.settings
    session = requests.Session()
    session.auth = (f"{settings.zendesk_agent_email}/token", settings.zendesk_api_token)
    url = f"{server.url}/api/v2/incremental/tickets/cursor.json"
    params: dict | None = {"start_time": 0, "per_page": PAGE}
    tickets = pages = 0
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        answer = session.get(url, params=params, timeout=60)
        answer.raise_for_status()
        body = orjson.loads(answer.content)  # as Momentos' poller parses (connectors/http.py)
        tickets, pages = tickets + len(body["tickets"]), pages + 1
        if body["end_of_stream"]:
            return tickets, pages, time.perf_counter() - started, time.process_time() - cpu
        url, params = body["after_url"], None


def run_one(size: int) -> dict:
    settings = SandboxSettings(rate_limits=False)  # the poller's 10/min would dominate
    with SandboxServer(settings) as server:
        state = server.state
        baseline = rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        with state.lock:
            seed.apply(state, "size", size=size)
        seed_seconds, seed_cpu = time.perf_counter() - started, time.process_time() - cpu
        after_seed = rss_mb()
        # Past the minute the export withholds, so every ticket is due.
        state.clock.set(state.clock.now() + timedelta(minutes=2))
        tickets, pages, export_seconds, export_cpu = page_export(server)
        return {
            "size": size,
            "seed_s": round(seed_seconds, 1),
            "seed_cpu_s": round(seed_cpu, 1),
            "rss_baseline_mb": round(baseline),
            "rss_after_seed_mb": round(after_seed),
            "rss_peak_mb": round(peak_mb()),
            "exported": tickets,
            "pages": pages,
            "export_s": round(export_seconds, 1),
            "export_cpu_s": round(export_cpu, 1),
        }


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(int(sys.argv[2]))))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or list(DEFAULT_SIZES)
    print(
        f"{'tickets':>10} {'seed (cpu)':>14} {'RSS':>7} {'peak':>7} "
        f"{'export (cpu)':>16} {'pages':>6}"
    )
    rows = []
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        if r["exported"] != size:
            raise SystemExit(f"the export returned {r['exported']:,} of {size:,} tickets")
        seed_text = f"{r['seed_s']}s ({r['seed_cpu_s']}s)"
        export_text = f"{r['export_s']}s ({r['export_cpu_s']}s)"
        print(
            f"{size:>10,} {seed_text:>14} {r['rss_after_seed_mb']:>5}MB "
            f"{r['rss_peak_mb']:>5}MB {export_text:>16} {r['pages']:>6}"
        )
        rows.append(
            Row(
                "sandbox seed and export",
                f"{size:,} tickets",
                f"seed {r['seed_s']} s, RSS {r['rss_after_seed_mb']} MB (peak "
                f"{r['rss_peak_mb']} MB), export {r['export_s']} s in {r['pages']:,} pages",
            )
        )
    print_rows(rows)


if __name__ == "__main__":
    main()
