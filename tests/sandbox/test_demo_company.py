"""The demo company (issue #4): deterministic, and every moment of the catalogue happens.

The last test goes the real way: the sandbox on a socket, Momentos polling it and
receiving its webhooks, then deriving; "later that day" changes deals between two syncs.
"""

import calendar
import json
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from connectors.timefmt import parse_iso
from momentos.moments import MOMENT_TYPES
from sandbox import seed
from sandbox.demo.background import SURGE_DAYS_AGO, UPDATE_DAYS_AGO
from sandbox.demo.people import ONE_TIME
from sandbox.demo.tickets import APP_FIELD_ID
from sandbox.state import SandboxSettings, SandboxState
from tests.integration.conftest import live  # noqa: F401
from workflows import repeat_request

# Moments insights write from many moments (momentos/insights/), not derived from one record.
FROM_INSIGHTS = {"spike", "repeat_request"}
DEMO_CONFIG = Path(__file__).parents[2] / "config" / "demo.yaml"
NOW = datetime(2026, 11, 23, 21, 24, 8, tzinfo=UTC)


def seeded(now: datetime = NOW) -> SandboxState:
    state = SandboxState(SandboxSettings())
    state.clock.now = lambda: now  # every record's dates come from this clock
    seed.apply(state, "demo")
    return state


def app_of(ticket: dict) -> str | None:
    return next((f["value"] for f in ticket["custom_fields"] if f["id"] == APP_FIELD_ID), None)


def customer_opened(ticket: dict) -> bool:
    return ticket["submitter_id"] == ticket["requester_id"]


def share(tickets: list[dict], app: str) -> tuple[int, int]:
    return sum(app_of(t) == app for t in tickets), len(tickets)


def test_the_same_clock_gives_the_same_records_afternoon_included():
    first, second = seeded(), seeded()
    for state in (first, second):
        seed.after_first_sync(state)
    assert json.dumps(first.snapshot(), sort_keys=True) == json.dumps(
        second.snapshot(), sort_keys=True
    )


def test_the_mobile_app_share_jumps_from_a_tenth_to_two_fifths_after_its_update():
    state = seeded()
    periods: dict[str, Counter] = {"before": Counter(), "after": Counter()}
    for ticket in state.zendesk.tickets.live.values():
        age = (NOW - parse_iso(ticket["created_at"])).days
        if age >= 1:  # history: today's tickets are the named complaints
            period = "after" if age < UPDATE_DAYS_AGO else "before"
            periods[period][app_of(ticket) == "app_movil"] += 1
    (b_app, b_all), (a_app, a_all) = [(c[True], c.total()) for c in periods.values()]
    assert 0.07 < b_app / b_all < 0.13 and 0.35 < a_app / a_all < 0.45
    assert b_all > 400 and a_all > 200  # months of volume on each side
    # Two-proportion z-test: far beyond any reasonable significance level.
    pooled = (b_app + a_app) / (b_all + a_all)
    z = (a_app / a_all - b_app / b_all) / math.sqrt(pooled * (1 - pooled) * (1 / b_all + 1 / a_all))
    assert z > 8
    # One page of Zendesk's incremental export (1,000): a sync spends one request on tickets.
    assert len(state.zendesk.tickets.live) < 1000


def test_customers_open_most_tickets_themselves_and_agents_log_their_calls():
    tickets = list(seeded().zendesk.tickets.live.values())
    own = [t for t in tickets if customer_opened(t)]
    logged = [t for t in tickets if not customer_opened(t)]
    assert {t["via"] for t in own} == {"email", "web"}
    assert {t["via"] for t in logged} == {"voice"}
    assert 0.6 < len(own) / len(tickets) < 0.8


def test_a_customer_asks_about_billing_again_and_again_as_repeat_request_counts_it():
    """Issue: the seed had no customer-opened tickets, so no repeat request ever happened."""
    state = seeded()
    raw = yaml.safe_load(DEMO_CONFIG.read_text())["workflows"]["repeat_request"]
    params = repeat_request.Params().load(raw)
    window, horizon = timedelta(days=params["window_days"]), timedelta(days=params["horizon_days"])
    asked: dict[tuple, list[datetime]] = {}
    for ticket in state.zendesk.tickets.live.values():
        if customer_opened(ticket):
            customer = ticket["organization_id"] or ticket["requester_id"]
            key = (customer, app_of(ticket))
            asked.setdefault(key, []).append(parse_iso(ticket["created_at"]))
    repeated = set()
    for key, times in asked.items():
        times.sort()
        count = params["count"]
        for first, last in zip(times, times[count - 1 :], strict=False):
            if last - first < window and last >= NOW - horizon:
                repeated.add(key)
    [bajio] = [o["id"] for o in state.zendesk.orgs.values()
               if o["name"] == "Farmacias del Bajío"]  # fmt: skip
    assert (bajio, "facturacion") in repeated


def test_the_api_share_jumps_since_last_weeks_webhook_change():
    """Recent enough for spike detection, whose weeks the app's update (three months ago)
    is long out of: customer-opened requests only, as insights count them."""
    own = [t for t in seeded().zendesk.tickets.live.values() if customer_opened(t)]
    since = NOW - timedelta(days=SURGE_DAYS_AGO)
    baseline = [t for t in own if since - timedelta(days=56) <= parse_iso(t["created_at"]) < since]
    recent = [t for t in own if since <= parse_iso(t["created_at"]) < NOW - timedelta(hours=1)]
    (b_api, b_all), (r_api, r_all) = share(baseline, "api"), share(recent, "api")
    assert b_api / b_all < 0.2 and r_api / r_all > 0.45
    assert r_api >= 20  # what spike detection needs since the onset


def test_history_has_one_time_customers_ratings_in_both_languages_and_five_complaints_today():
    state = seeded()
    zendesk = state.zendesk
    by_email = {u["email"]: u["id"] for u in zendesk.users.values()}
    tickets = list(zendesk.tickets.live.values())
    for key in ONE_TIME:
        user_id = next(i for e, i in by_email.items() if e.startswith(key))
        [ticket] = [t for t in tickets if t["requester_id"] == user_id]
        assert 170 <= (NOW - parse_iso(ticket["created_at"])).days <= 190
        assert ticket["status"] == "closed"
    today = [t for t in tickets if parse_iso(t["created_at"]) > NOW - timedelta(hours=1)]
    complaints = [t for t in today if {"queja", "complaint"} & set(t["tags"])]
    assert len(today) == 6 and len(complaints) == 5
    commented = {(r["score"], r["comment"]) for r in zendesk.ratings.values() if r.get("comment")}
    assert ("bad", "Took a week to fix and the times are still wrong.") in commented
    assert ("bad", "Tardasteis tres semanas en corregir una factura y nadie avisó.") in commented
    assert ("good", "¡Excelente servicio, muy puntuales!") in commented
    assert ("good", "Sorted in ten minutes, cheers!") in commented


def test_hubspot_has_renewals_invoices_birthdays_and_a_custom_activity_property():
    hubspot = seeded().hubspot
    births = {c["properties"].get("date_of_birth") for c in hubspot.objects("contacts")}
    assert "29 de febrero de 1996" in births and "November 28, 1985" in births
    renewals = [d for d in hubspot.objects("deals") if d["properties"]["pipeline"] == "2946640"]
    assert len(renewals) == 7 and all(d["properties"].get("hubspot_owner_id") for d in renewals)
    invoices = hubspot.objects("invoices")
    assert len(invoices) == 12 * 12
    assert {i["properties"]["hs_currency"] for i in invoices} == {"EUR", "USD", "GBP"}
    assert "last_app_activity" in hubspot.properties.all("companies")


@pytest.mark.integration
def test_every_moment_of_the_catalogue_but_the_insights_ones_is_derived(live):  # noqa: F811
    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    engine.sync()
    assert sandbox.state.deliveries.flush(timeout=30)
    engine.derive()
    before = engine.store.counts("moments", "type")
    assert "deal_delayed" not in before and "price_change" not in before

    afternoon = sandbox.state.clock.now()
    changed = seed.after_first_sync(sandbox.state)
    assert changed == {"deals changed": 4}
    engine.sync("hubspot")
    engine.derive()

    counts = engine.store.counts("moments", "type")
    assert set(MOMENT_TYPES) - set(counts) == FROM_INSIGHTS
    assert counts["deal_delayed"] == counts["price_change"] == 2
    assert counts["billing_variation"] == 3 and counts["usage_drop"] == 2
    assert counts["payment_late"] == 4
    assert counts["complaint"] > 5 and counts["survey_answered"] > 100
    moments = {t: engine.store.moments(types=[t]) for t in ("renewal_due", "company_anniversary")}
    # The hotel's renewal moved a month: its old date was withdrawn, the new one is due.
    hotel = [m for m in moments["renewal_due"] if "Mirador" in m["data"]["name"]]
    assert [m["data"]["date"] for m in hotel] == [
        (afternoon + timedelta(days=52)).date().isoformat()
    ]
    assert {m["data"]["precision"] for m in moments["company_anniversary"]} == {"day", "year"}
    # Rosa was born on 29 February: in a common year `feb28` greets her on the 28th, once
    # within the 120-day horizon (a day either side is left alone: timezones).
    rosa = [m["data"]["date"] for m in engine.store.moments(types=["birthday"])
            if m["data"]["born"] == "02-29"]  # fmt: skip
    today = afternoon.date()
    day = next_feb29(today)
    if (day - today).days < 119:
        assert rosa == [day.isoformat()]
    elif (day - today).days > 121:
        assert rosa == []


def next_feb29(today: date) -> date:
    """The next 29 February birthday as `moments.feb29_policy: feb28` places it."""
    years = (today.year, today.year + 1)
    days = [date(y, 2, 29) if calendar.isleap(y) else date(y, 2, 28) for y in years]
    return next(day for day in days if day > today)
