"""Insights over a million tickets (issue #10): time and memory. Prints; asserts nothing.

`python bench/insights.py [--tickets 1000000] [--db PATH]`

The store's moments are written straight in (a million tickets through the sandbox, the
connector and derive would take hours and measure the backfill, not the insights), and
the rollups counted by the migrations that make them (m005, m008): a support request per
ticket over 180 days, 70% of them solved (`service_completed`), a CSAT answer for half of
those (20% unhappy, some with a comment), and the "App" field's Android share doubling 9 days
before the end. Printed: seconds for spikes, quality and frequency (goal under 3 s each),
whether the planted spike was found with its onset, and the peak memory the insights
added. With `--db`, a store filled by an earlier run is reused.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import Row, judged, peak_rss_mb, print_rows, reset_peak_rss  # noqa: E402
from momentos.insights.analysis import detect_spikes  # noqa: E402
from momentos.insights.frequency import frequency  # noqa: E402
from momentos.insights.quality import quality  # noqa: E402
from momentos.store import Store  # noqa: E402
from sandbox.scale import MIX, SHIFTED_MIX  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAYS = 180
SHIFT = NOW - timedelta(days=9)
ZONE = "Europe/Madrid"
CUSTOMERS = 5000
GOAL_S, GOAL_SIZE = 3, 1_000_000  # issue #11
COLUMNS = ("key, type, customer_id, person, occurred_at, tool, object_type, object_id,"
           " event_id, link, data, created_at")  # fmt: skip


def _app(rng: random.Random, when: datetime) -> str:
    mix = SHIFTED_MIX if when >= SHIFT else MIX
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _rows(n: int, seed: int = 1):
    """Each ticket's moments as rows: request, maybe solved, maybe rated."""
    rng, start = random.Random(seed), NOW - timedelta(days=DAYS)
    for i in range(1, n + 1):
        when = start + timedelta(seconds=i * DAYS * 86400 / n)
        app, customer = _app(rng, when), int(CUSTOMERS * rng.random() ** 2) + 1
        link = f"https://acme.zendesk.com/agent/tickets/{i}"
        data = {"subject": f"Ayuda con {app}", "status": "solved", "tags": [app],
                "channel": "web", "form_id": "1", "brand_id": "2", "category": {"app": app},
                "opened_by_agent": False, "custom_fields": {"360000000001": app}}  # fmt: skip
        common = (customer, f"zendesk:user:{customer}")
        yield (f"support_request:zendesk:ticket:{i}", "support_request", *common, when,
               "zendesk", "ticket", str(i), i, link, data)  # fmt: skip
        if rng.random() < 0.7:
            solved = when + timedelta(hours=rng.randrange(1, 72))
            yield (f"service_completed:zendesk:ticket:{i}", "service_completed", *common,
                   solved, "zendesk", "ticket", str(i), i, link, data)  # fmt: skip
            if rng.random() < 0.5:
                happy = rng.random() < 0.8
                answer = {"scale": "zendesk_csat", "score": "good" if happy else "bad",
                          "sentiment": "positive" if happy else "negative",
                          "comment": "" if happy or rng.random() < 0.5 else "Sigue sin funcionar",
                          "ticket_id": str(i), "source": "zendesk"}  # fmt: skip
                yield (f"survey_answered:zendesk:satisfaction_rating:{i}", "survey_answered",
                       *common, solved + timedelta(hours=2), "zendesk", "satisfaction_rating",
                       str(i), i, link, answer)  # fmt: skip


# Dropped while a fresh store is filled, then made again by the migration itself, which
# counts what is there in one pass: the same rollups, in minutes rather than an hour.
ROLLUPS = ("TRIGGER request_added", "TRIGGER request_removed", "TRIGGER request_changing",
           "TRIGGER request_changed", "VIEW request_dimensions", "TABLE request_counts",
           "TABLE request_customers", "TRIGGER answer_facts_added",
           "TRIGGER answer_facts_removed", "TRIGGER answer_facts_changed", "TABLE answer_facts",
           "TABLE answer_types")  # fmt: skip
MIGRATIONS = ("m005_insights_rollups", "m008_answer_facts")


def fill(path: Path, n: int) -> float:
    started = time.perf_counter()
    store = Store(path)
    for thing in ROLLUPS:
        store.db.execute(f"DROP {thing}")
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name IN (?, ?)", MIGRATIONS)
    batch: list[tuple] = []
    for row in _rows(n):
        stamp = row[4].isoformat(timespec="microseconds")
        batch.append((*row[:4], stamp, *row[5:10], json.dumps(row[10]), NOW.isoformat()))
        if len(batch) == 10_000:
            _write(store, batch)
            batch = []
    _write(store, batch)
    store.close()
    Store(path).close()  # applies m005 and m008 again: the rollups, from the moments
    return time.perf_counter() - started


def _write(store: Store, rows: list[tuple]) -> None:
    with store.transaction() as db:
        db.conn.executemany(f"INSERT INTO moments ({COLUMNS}) VALUES ({', '.join('?' * 12)})"
                            " ON CONFLICT (key) DO NOTHING", rows)  # fmt: skip


def timed(label: str, work, tickets: int, rows: list[Row]):
    reset_peak_rss()
    before, started = peak_rss_mb(), time.perf_counter()
    result = work()
    seconds, grown = time.perf_counter() - started, max(0.0, peak_rss_mb() - before)
    print(f"{label:<10} {seconds:6.2f} s   peak memory +{grown:.1f} MB")
    rows.append(Row(f"insights, {label}", f"{tickets:,} tickets",
                    f"{seconds:.2f} s, peak RSS +{grown:.0f} MB",
                    f"< {GOAL_S} s at {GOAL_SIZE:,}",
                    judged(seconds < GOAL_S, tickets, GOAL_SIZE)))  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="a store to fill once and reuse")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "insights.db"
    if not path.exists():
        print(f"filling {path} with {args.tickets:,} tickets...", flush=True)
        print(f"filled in {fill(path, args.tickets):.0f} s, rollups included")
    store = Store(path)
    counts = store.counts("moments", "type")
    print(f"moments: {', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}")
    tickets, rows = counts.get("support_request", 0), []
    spikes = timed("spikes", lambda: detect_spikes(store, ZONE, NOW), tickets, rows)
    timed("quality", lambda: quality(store, ZONE, NOW), tickets, rows)
    timed("frequency", lambda: frequency(store, ZONE, NOW), tickets, rows)
    onset = SHIFT.astimezone(ZoneInfo(ZONE)).date()
    for spike in spikes:
        print(f"found {spike.dimension}={spike.value} since {spike.started_on} (planted {onset}):"
              f" {spike.share:.0%} from {spike.baseline_share:.0%}, {spike.requests:,} requests,"
              f" {spike.customers:,} customers")  # fmt: skip
    print_rows(rows)


if __name__ == "__main__":
    main()
