"""Every stream against the sandbox on a real socket (issue #5): deals and invoices with
their companies, owners, CSAT ratings by `start_time`, and a second sync adding nothing."""

from datetime import timedelta

import pytest

from momentos.clock import SystemClock
from momentos.engine import Engine
from momentos.store import Store
from sandbox import seed
from sandbox.zendesk.models import FIRST_IDS
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

    seed.apply(sandbox.state, "demo")
    hubspot, now = sandbox.state.hubspot, sandbox.state.clock.now()
    company = hubspot.objects("companies")[0]
    past = now - timedelta(minutes=5)
    to_company = [("companies", company["id"], DEAL_TO_COMPANY)]
    deal = hubspot.create_object("deals", {"dealname": "Renovación 2027"}, to_company, past)
    to_company = [("companies", company["id"], INVOICE_TO_COMPANY)]
    invoice = hubspot.create_object("invoices", {"hs_currency": "EUR"}, to_company, past)
    ticket_id = FIRST_IDS["ticket"]  # the demo's first ticket
    sandbox.state.zendesk.add_satisfaction_rating(ticket_id, "bad", "Tardaron una semana",
                                                  created_at=now - timedelta(hours=1))  # fmt: skip

    synced = engine.sync()
    assert set(synced) == {s for s in synced if s.startswith(("zendesk:", "hubspot:"))}
    assert synced["hubspot:owners"] == 3 and synced["hubspot:contacts"] == 7
    assert (synced["hubspot:deals"], synced["hubspot:invoices"]) == (1, 1)
    assert synced["zendesk:satisfaction_ratings"] == 1
    [deal_row] = events_of(engine, "deal")
    [invoice_row] = events_of(engine, "invoice")
    assert (deal_row["object_id"], json.loads(deal_row["data"])["company_ids"]) == (
        deal["id"], [company["id"]])  # fmt: skip
    assert json.loads(invoice_row["data"])["company_ids"] == [company["id"]]
    assert invoice_row["object_id"] == invoice["id"]
    carmen = next(r for r in events_of(engine, "contact") if "carmen" in r["data"])
    assert json.loads(carmen["data"])["company_ids"] == [company["id"]]
    [rating] = events_of(engine, "satisfaction_rating")
    rating = json.loads(rating["data"])
    assert (rating["score"], rating["ticket_id"]) == ("bad", str(ticket_id))

    again = engine.sync()
    assert set(again.values()) == {0}
    later = now - timedelta(minutes=30)
    sandbox.state.zendesk.add_satisfaction_rating(ticket_id + 1, "good", created_at=later)
    assert engine.sync("zendesk")["zendesk:satisfaction_ratings"] == 1


def test_sync_of_one_tool_polls_only_its_streams(engine, sandbox):
    seed.apply(sandbox.state, "demo")
    assert all(name.startswith("zendesk:") for name in engine.sync("zendesk"))
    assert engine.store.counts("events", "tool") == {"zendesk": engine.store.total("events")}
