"""Every stream against the sandbox on a real socket (issue #5): deals and invoices with
their companies, owners, CSAT ratings by `start_time`, and a second sync adding nothing."""

from datetime import timedelta

import pytest

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.store import Store
from sandbox import seed
from tests.conftest import TEST_SECRETS

DEAL_TO_COMPANY, INVOICE_TO_COMPANY = 5, 179


@pytest.fixture
def sandbox_settings():
    from sandbox.state import SandboxSettings

    return SandboxSettings(
        zendesk_api_token=TEST_SECRETS["ZENDESK_API_TOKEN"],
        hubspot_token=TEST_SECRETS["HUBSPOT_TOKEN"],
        hubspot_search_lag_seconds=0.0,
    )


@pytest.fixture
def engine(sandbox, make_settings):
    settings = make_settings(zendesk_url=sandbox.url, hubspot_url=sandbox.url)
    return Engine(settings, Store(settings.store["path"]), SystemClock())


def events_of(engine, object_type):
    rows = engine.store.db.query(
        "SELECT object_id, data FROM events WHERE object_type = ? ORDER BY id", [object_type]
    )
    return list(rows)


def test_sync_reads_every_stream_and_a_second_sync_adds_nothing(engine, sandbox):
    import json

    seeded = seed.apply(sandbox.state, "demo")
    hubspot, now = sandbox.state.hubspot, sandbox.state.clock.now()
    company = hubspot.objects("companies")[0]
    past = now - timedelta(minutes=5)
    to_company = [("companies", company["id"], DEAL_TO_COMPANY)]
    deal = hubspot.create_object("deals", {"dealname": "Renovación 2027"}, to_company, past)
    to_company = [("companies", company["id"], INVOICE_TO_COMPANY)]
    invoice = hubspot.create_object("invoices", {"hs_currency": "EUR"}, to_company, past)
    zendesk = sandbox.state.zendesk
    # The demo's first tickets nobody has rated yet.
    unrated = [t for t in sorted(zendesk.tickets.live) if t not in zendesk.rating_by_ticket]
    ticket_id, next_id = unrated[:2]
    sandbox.state.zendesk.add_satisfaction_rating(ticket_id, "bad", "Tardaron una semana",
                                                  created_at=now - timedelta(hours=1))  # fmt: skip

    synced = engine.sync()
    assert set(synced) == {s for s in synced if s.startswith(("zendesk:", "hubspot:"))}
    assert synced["hubspot:owners"] == seeded["owners"]
    assert synced["hubspot:contacts"] == seeded["contacts"]
    assert (synced["hubspot:deals"], synced["hubspot:invoices"]) == (
        seeded["deals"] + 1, seeded["invoices"] + 1)  # fmt: skip
    assert synced["zendesk:satisfaction_ratings"] == seeded["ratings"] + 1
    [deal_row] = [r for r in events_of(engine, "deal") if r["object_id"] == deal["id"]]
    [invoice_row] = [r for r in events_of(engine, "invoice") if r["object_id"] == invoice["id"]]
    assert (deal_row["object_id"], json.loads(deal_row["data"])["company_ids"]) == (
        deal["id"], [company["id"]])  # fmt: skip
    assert json.loads(invoice_row["data"])["company_ids"] == [company["id"]]
    assert invoice_row["object_id"] == invoice["id"]
    carmen = next(r for r in events_of(engine, "contact") if "carmen" in r["data"])
    assert json.loads(carmen["data"])["company_ids"] == [company["id"]]
    ratings = [json.loads(r["data"]) for r in events_of(engine, "satisfaction_rating")]
    [rating] = [r for r in ratings if r["ticket_id"] == str(ticket_id)]
    assert (rating["score"], rating["ticket_id"]) == ("bad", str(ticket_id))

    again = engine.sync()
    assert set(again.values()) == {0}
    later = now - timedelta(minutes=30)
    sandbox.state.zendesk.add_satisfaction_rating(next_id, "good", created_at=later)
    assert engine.sync("zendesk")["zendesk:satisfaction_ratings"] == 1


def test_sync_of_one_tool_polls_only_its_streams(engine, sandbox):
    seed.apply(sandbox.state, "demo")
    assert all(name.startswith("zendesk:") for name in engine.sync("zendesk"))
    assert engine.store.counts("events", "tool") == {"zendesk": engine.store.total("events")}


def test_a_stream_turned_off_is_never_asked_for(sandbox, make_settings):
    seed.apply(sandbox.state, "demo")
    settings = make_settings(zendesk_url=sandbox.url, hubspot_url=sandbox.url,
                             polling={"streams_off": ["hubspot:invoices"]})  # fmt: skip
    engine = Engine(settings, Store(settings.store["path"]), SystemClock())
    assert "hubspot:invoices" not in engine.sync("hubspot")
    assert events_of(engine, "invoice") == [] and events_of(engine, "deal") != []
    asked = sandbox.state.describe()["requests"]
    assert not [path for path in asked if "invoices" in path]
