"""Run the benchmark suite and print one Markdown table (README.md, "Benchmarks").

`python bench/run_all.py [--full] [--only NAME ...]`, or `make bench [ARGS=--full]`.

The benchmarks run one after another, each in its own process so that none shares memory
or a core with another; their own output streams by as they run, and the rows each prints
last make the table. Default sizes take a few minutes in all; `--full` runs the sizes the
issues name (planning's 100,000 customers, backfill's million tickets...). A benchmark
still running after `--limit` seconds is stopped, and its row says so. Temporary stores
go in one folder, removed at the end.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import ROWS_PREFIX, Row, read_rows  # noqa: E402

# script: (default arguments, full-size arguments)
SUITE = {
    "ingest": (["20000"], ["200000"]),
    "webhooks": (["--deliveries", "300"], ["--deliveries", "3000"]),
    "backfill": (["--sizes", "20000", "100000", "--limited", "10000"],
                 ["--sizes", "100000", "1000000", "--limited", "50000"]),
    "planning": (["--customers", "2000"], ["--customers", "100000"]),
    "dispatch": (["--actions", "1000"], ["--actions", "10000"]),
    "insights": (["--tickets", "100000"], ["--tickets", "1000000"]),
    "sandbox_seed": (["100000"], ["100000", "1000000"]),
    "crash_dispatch": (["200", "12"], ["1000", "100"]),
}  # fmt: skip


def run(name: str, args: list[str], tmp: str, limit: float) -> tuple[list[Row], float]:
    """Run one benchmark, its output passed through, stopped after `limit` seconds;
    (its rows, wall seconds)."""
    print(f"\n### {name} {' '.join(args)}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": tmp}
    started, lines = time.perf_counter(), []
    command = [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args]
    # Its own process group: a stop takes the servers it started along (webhooks' gunicorn).
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as child:  # fmt: skip
        timer = threading.Timer(limit, os.killpg, (child.pid, signal.SIGKILL))
        timer.start()
        for line in child.stdout or ():
            lines.append(line)
            if not line.startswith(ROWS_PREFIX):
                print(line, end="", flush=True)
        child.wait()
        timer.cancel()
    seconds = time.perf_counter() - started
    rows = read_rows("".join(lines))
    if child.returncode == -signal.SIGKILL and seconds >= limit:
        rows.append(Row(name, " ".join(args), f"not finished in {limit:.0f} s (stopped)"))
    elif child.returncode != 0 or not rows:
        rows.append(Row(name, " ".join(args), f"failed (exit {child.returncode})"))
    return rows, seconds


def machine() -> str:
    """The date, cores, CPU model, Python, and how busy the machine was (it may be shared)."""
    models = [line for line in Path("/proc/cpuinfo").open() if line.startswith("model name")]
    cpu = models[0].split(":", 1)[1].strip() if models else platform.processor()
    load = os.getloadavg()[0]
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} × {cpu}, "
        f"Python {platform.python_version()}, load average {load:.1f} at the start"
    )


def table(rows: list[Row]) -> str:
    met = {True: "met", False: "**not met**", None: "—"}
    lines = ["| benchmark | size | figure | goal | |", "|---|---|---|---|---|"]
    lines += [f"| {r.benchmark} | {r.size} | {r.figure} | {r.goal} | {met[r.met]} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the sizes the issues name")
    parser.add_argument("--only", nargs="+", choices=SUITE, help="these benchmarks alone")
    parser.add_argument("--limit", type=float, default=1800, help="seconds per benchmark")
    args = parser.parse_args()
    on, rows, took = machine(), [], []
    with tempfile.TemporaryDirectory(prefix="momentos-bench-") as tmp:
        for name in args.only or SUITE:
            found, seconds = run(name, SUITE[name][args.full], tmp, args.limit)
            rows += found
            took.append(f"{name} {seconds:.0f} s")
    print(f"\n{on}; {'full' if args.full else 'default'} sizes; took {', '.join(took)}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
