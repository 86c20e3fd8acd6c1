"""Planning for 100,000 customers (issue #11): full and incremental. Prints; asserts nothing.

`python bench/planning.py [--customers 100000] [--db PATH]`

The store holds, for each customer, the records the connectors would have stored (a HubSpot
company with its owner, a contact, a renewal deal and three monthly invoices; the Zendesk
user with the contact's email, two tickets, sometimes a CSAT rating) and the moments the
real rules make of them (see `load`). Then, each timed with the peak RSS it added:
- full: every workflow config/demo.yaml enables, through `run_workflow` (outbox written), on
  `planning.processes` (default: one per CPU) from 10,000 customers on; the CPU-seconds
  printed are those of every process;
- incremental: one new complaint ticket is stored, derived, and the workflows its moments
  wake run (`run_woken`), as the worker does after a webhook.
With `--db`, a store filled by an earlier run (same size) is reused, through a copy.
"""

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import (  # noqa: E402
    Row,
    demo_config,
    judged,
    peak_rss_mb,
    print_rows,
    reset_peak_rss,
)
from connectors.hubspot.records import modified_property, owner_event  # noqa: E402
from connectors.hubspot.records import to_event as hubspot_event  # noqa: E402
from connectors.timefmt import format_iso  # noqa: E402
from connectors.zendesk.records import to_event as zendesk_event  # noqa: E402
from momentos.clock import FrozenClock  # noqa: E402
from momentos.config import load_settings  # noqa: E402
from momentos.derive import derive_pending  # noqa: E402
from momentos.identity import identity_keys  # noqa: E402
from momentos.moments import Known, normalize  # noqa: E402
from momentos.moments.context import rule_context  # noqa: E402
from momentos.planner import enabled_workflows, run_woken, run_workflow  # noqa: E402
from momentos.store import Store  # noqa: E402
from sandbox.demo.people import REGIONS, USAGE_PROPERTY  # noqa: E402
from sandbox.scale import MIX  # noqa: E402
from sandbox.settings_env import use_demo_secrets  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWNERS = ("64492917", "64492918", "64492919", "64492920")
RENEWALS, OPEN_STAGE = "2946640", "2946641"  # config/demo.yaml's renewal pipeline
APP_FIELD = 360000000001  # config/demo.yaml's `category_fields.app`
CHUNK = 10_000
FULL_GOAL_S, INCREMENTAL_GOAL_MS, GOAL_SIZE = 30, 200, 100_000  # issue #11


def _hubspot(kind: str, record_id: int, props: dict, created: datetime, company: int = 0):
    stamp = format_iso(NOW - timedelta(days=1))
    obj = {"id": str(record_id), "properties": {**props, modified_property(kind): stamp},
           "createdAt": format_iso(created), "updatedAt": stamp, "archived": False,
           "associations": {"companies": {"results": [{"id": str(company), "type": "x"}]}}
           if company else {}}  # fmt: skip
    return hubspot_event(kind, obj)


def _day(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).date().isoformat()


def hubspot_events(i: int, rng: random.Random) -> list:
    """Customer i in HubSpot: company, contact, renewal deal, three monthly invoices."""
    language, _locale, zone = list(REGIONS.values())[i % len(REGIONS)]
    owner = OWNERS[i % len(OWNERS)]
    since = NOW - timedelta(days=365 * (1 + i % 10) + rng.randrange(365))
    company = {"name": f"Customer {i}", "domain": f"customer{i}.example", "hs_language":
               language, "hubspot_owner_id": owner, "founded_year": str(since.year - i % 20),
               USAGE_PROPERTY: _day(rng.randrange(120))}  # fmt: skip
    contact = {"email": f"person{i}@customer{i}.example", "firstname": "Ana", "lastname":
               f"Cliente {i}", "hs_language": language, "hubspot_owner_id": owner,
               "date_of_birth": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40}"}  # fmt: skip
    deal = {"dealname": f"Renewal {i}", "pipeline": RENEWALS, "dealstage": OPEN_STAGE,
            "amount": str(1000 + 100 * (i % 50)), "hubspot_owner_id": owner,
            "closedate": format_iso(NOW + timedelta(days=rng.randrange(365)))}  # fmt: skip
    events = [_hubspot("company", i, company, since), _hubspot("contact", i, contact, since, i),
              _hubspot("deal", i, deal, since, i)]  # fmt: skip
    fee = 100 + i % 400
    for k, days_ago in enumerate((75, 45, 15)):
        amount = fee * 1.3 if k == 2 and i % 10 == 0 else fee  # a rise: billing_variation
        late = k == 1 and i % 12 == 0  # unpaid past its due date: payment_late
        props = {"hs_amount_billed": f"{amount:.2f}", "hs_currency": "EUR",
                 "hs_invoice_date": _day(days_ago), "hs_due_date": _day(days_ago - 30),
                 "hs_invoice_status": "open" if late or k == 2 else "paid",
                 "hs_balance_due": f"{amount:.2f}" if late or k == 2 else "0",
                 "hs_number": f"INV-{i}-{k}", "hubspot_owner_id": owner}  # fmt: skip
        events.append(_hubspot("invoice", 3 * i + k, props, NOW - timedelta(days=days_ago), i))
    return events


def zendesk_events(i: int, rng: random.Random) -> list:
    """Customer i in Zendesk: the user, an open ticket (a complaint in 5%), a solved one,
    and for a third of the solved ones a CSAT rating (a fifth of those bad)."""
    _language, locale, zone = list(REGIONS.values())[i % len(REGIONS)]
    joined = format_iso(NOW - timedelta(days=400))
    user = {"id": i, "name": f"Ana Cliente {i}", "email": f"person{i}@customer{i}.example",
            "locale": locale, "iana_time_zone": zone, "role": "end-user",
            "created_at": joined, "updated_at": joined}  # fmt: skip
    events = [zendesk_event("user", user)]
    for n, status in enumerate(("open", "solved")):
        created = NOW - timedelta(minutes=rng.randrange(30 * 24 * 60))
        updated = min(NOW, created + timedelta(hours=rng.randrange(1, 48)))
        app = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        tags = ["queja"] if status == "open" and i % 20 == 0 else [app]
        ticket = {"id": 2 * i + n, "subject": f"Ayuda con {app}", "status": status,
                  "tags": tags, "requester_id": i, "submitter_id": i, "via": {"channel": "web"},
                  "created_at": format_iso(created), "updated_at": format_iso(updated),
                  "custom_fields": [{"id": APP_FIELD, "value": app}]}  # fmt: skip
        events.append(zendesk_event("ticket", ticket))
    if i % 3 == 0:
        stamp = format_iso(min(NOW, updated + timedelta(hours=2)))
        bad = i % 15 == 0
        rating = {"id": i, "score": "bad" if bad else "good", "ticket_id": 2 * i + 1,
                  "comment": "Sigue sin funcionar" if bad else "", "requester_id": i,
                  "created_at": stamp, "updated_at": stamp}  # fmt: skip
        events.append(zendesk_event("satisfaction_rating", rating))
    return events


def load(store: Store, context, customers: int) -> float:
    """Store each customer's records, links and moments: the real rules (`normalize`) with
    what a deriver would know, but written a chunk per transaction, and linked by the bench,
    which knows whose records they are. Not `derive_pending`: it took 39 s for 1,000
    customers (a transaction per event), and grows with the square of the size, since
    `company_records` reads every invoice for each invoice (README, Benchmarks)."""
    started, rng = time.perf_counter(), random.Random(1)
    for first in range(1, customers + 1, CHUNK):
        with store.transaction():
            for owner in OWNERS if first == 1 else ():
                rep = {"id": owner, "firstName": "Rep", "lastName": owner,
                       "updatedAt": "2026-01-01T00:00:00Z"}  # fmt: skip
                store.upsert_record(owner_event(rep), None, None)
            for i in range(first, min(customers, first + CHUNK - 1) + 1):
                _load_customer(store, context, i, hubspot_events(i, rng) + zendesk_events(i, rng))
    return time.perf_counter() - started


def _load_customer(store: Store, context, i: int, events: list) -> None:
    company, contact = events[0].data, events[1].data
    zone = list(REGIONS.values())[i % len(REGIONS)][2]
    customer = store.create_customer(name=company["name"], email=contact["email"],
                                     domain=company["domain"], language=contact["language"],
                                     time_zone=zone, now=NOW)  # fmt: skip
    invoices: list[dict] = []
    for event in events:
        store.upsert_record(event, *identity_keys(event))
        store.link(event.tool, event.object_type, event.object_id, customer, "id", NOW)
        if event.object_type == "invoice":
            invoices.insert(0, event.data)  # newest first, itself included, as derive sees them
        known = Known(now=NOW, since=event.occurred_at, time_zone=zone, related=tuple(invoices))
        for moment in normalize(event, context, known):
            store.insert_moment(moment, None, customer, NOW)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a live process has used (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(work):
    """(result, wall seconds, CPU seconds, peak RSS added in MB) of `work()`."""
    reset_peak_rss()
    before, started, cpu = peak_rss_mb(), time.perf_counter(), time.process_time()
    result = work()
    return (
        result,
        time.perf_counter() - started,
        time.process_time() - cpu,
        max(0.0, peak_rss_mb() - before),
    )


def plan_all(store: Store, settings) -> dict[str, float]:
    """Seconds per enabled workflow, run as its schedule runs it."""
    seconds = {}
    for workflow in enabled_workflows(settings):
        started = time.perf_counter()
        result = run_workflow(store, settings, workflow.NAME, now=NOW, trigger="schedule")
        if result.error:
            raise SystemExit(f"{workflow.NAME} failed: {result.error}")
        seconds[workflow.NAME] = time.perf_counter() - started
    return seconds


def one_new_complaint(store: Store, settings, customer: int) -> list:
    """A complaint ticket arrives for a known customer: store, derive, run what it wakes."""
    opened = format_iso(NOW - timedelta(minutes=1))
    ticket = {"id": 10**9, "subject": "Queja: sigue sin funcionar", "status": "new",
              "tags": ["queja"], "requester_id": customer, "submitter_id": customer,
              "via": {"channel": "email"}, "created_at": opened, "updated_at": opened}  # fmt: skip
    store.add_events([zendesk_event("ticket", ticket)], source="webhook", received_at=NOW)
    derived = derive_pending(store, rule_context(settings), FrozenClock(NOW))
    return run_woken(store, settings, derived.new_types, NOW, derived.new_customers)


def measure(store: Store, settings, n: int) -> list[Row]:
    """Full planning, then one new moment's; printed, and as the suite's rows."""
    counts = store.counts("moments", "type")
    print(f"customers: {store.total('customers'):,}; moments: "
          f"{', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}")  # fmt: skip
    seconds, full_s, full_cpu, full_mb = measured(partial(plan_all, store, settings))
    for name, s in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"  {name:<24} {s:7.2f} s")
    shards = multiprocessing.active_children()  # the shards' processes, kept for later runs
    full_cpu += sum(cpu_seconds(shard.pid) for shard in shards)
    shard_mb = max((peak_rss_mb(shard.pid) for shard in shards), default=0.0)
    print(f"full planning:        {full_s:7.2f} s ({full_cpu:.2f} CPU-s in {1 + len(shards)} "
          f"processes), peak RSS +{full_mb:.0f} MB (each other process {shard_mb:.0f} MB), "
          f"{store.total('actions'):,} actions in the outbox")  # fmt: skip
    runs, incr_s, incr_cpu, incr_mb = measured(partial(one_new_complaint, store, settings, 21))
    woken = ", ".join(f"{r.workflow} ({len(r.enqueued)} new)" for r in runs)
    print(f"incremental planning: {incr_s * 1000:7.0f} ms ({incr_cpu * 1000:.0f} CPU-ms), "
          f"peak RSS +{incr_mb:.0f} MB; woke {woken}")  # fmt: skip
    size = f"{n:,} customers"
    return [
        Row("planning, full (all workflows)", size,
            f"{full_s:.1f} s ({full_cpu:.1f} CPU-s, {1 + len(shards)} processes), peak RSS "
            f"+{full_mb:.0f} MB",
            f"< {FULL_GOAL_S} s at {GOAL_SIZE:,}", judged(full_s < FULL_GOAL_S, n, GOAL_SIZE)),
        Row("planning, incremental (one new moment)", size,
            f"{incr_s * 1000:,.0f} ms ({incr_cpu * 1000:,.0f} CPU-ms), peak RSS +{incr_mb:.0f} MB",
            f"< {INCREMENTAL_GOAL_MS} ms at {GOAL_SIZE:,}",
            judged(incr_s * 1000 < INCREMENTAL_GOAL_MS, n, GOAL_SIZE)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="a store to fill once and reuse")
    args = parser.parse_args()
    use_demo_secrets()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(demo_config(Path(tmp)))
        work = Path(settings.store["path"])
        filled = args.db or work.with_name("filled.db")
        if not filled.exists():
            print(f"filling {filled} with {args.customers:,} customers...", flush=True)
            with closing(Store(filled)) as store:
                seconds = load(store, rule_context(settings), args.customers)
            print(f"filled in {seconds:.0f} s", flush=True)
        shutil.copyfile(filled, work)  # planning writes the outbox: a reused store stays filled
        with closing(Store(work)) as store:
            rows = measure(store, settings, args.customers)
    print_rows(rows)


if __name__ == "__main__":
    main()
