"""The streams registry and `pull`: each page's events and cursor commit together."""

import json
from datetime import date

import pytest

from connectors.paging import Page
from momentos import streams
from momentos.clock import FrozenClock
from momentos.store import Store
from momentos.streams import Stream, history_start, properties_read, pull
from tests.factories import T0, zendesk_ticket


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def test_every_stream_is_declared_once_in_polling_order():
    names = [s.name for s in streams.STREAMS]
    assert len(names) == len(set(names))
    assert [s.name for s in streams.select("zendesk")] == [
        "zendesk:ticket_fields",
        "zendesk:organizations",
        "zendesk:users",
        "zendesk:tickets",
        "zendesk:satisfaction_ratings",
    ]
    assert [s.object_type for s in streams.select("hubspot")] == [
        "owner",
        "company",
        "contact",
        "deal",
        "invoice",
    ]
    assert streams.select() == streams.STREAMS


def test_deals_invoices_and_contacts_read_their_companies():
    by_type = {s.object_type: s for s in streams.select("hubspot")}
    assert {t for t, s in by_type.items() if s.associations == ("companies",)} == {
        "contact",
        "deal",
        "invoice",
    }
    read = properties_read("hubspot")
    assert set(read) == {"company", "contact", "deal", "invoice"}
    assert "hubspot_owner_id" in read["deal"] and "hs_balance_due" in read["invoice"]


def test_history_starts_at_the_configured_date_or_at_the_beginning():
    assert history_start(None) == 0
    assert history_start(date(2026, 1, 1)) == 1767225600


def fake_stream(pages_for):
    return Stream("zendesk:tickets", "zendesk", "ticket", lambda s, src, cur: pages_for(cur))


def test_pull_commits_each_page_with_its_cursor_and_counts_new_events(store):
    def pages(cursor):
        assert cursor is None
        yield Page([zendesk_ticket(1), zendesk_ticket(2)], "c1")
        yield Page([zendesk_ticket(2), zendesk_ticket(3)], "c2", done=True)

    seen = []
    new = pull(fake_stream(pages), None, store, FrozenClock(T0),
               on_page=lambda stream, page, n: seen.append((page.cursor, n)))  # fmt: skip
    assert (new, seen) == (3, [("c1", 2), ("c2", 3)])
    assert store.cursor("zendesk:tickets") == "c2"
    rows = store.db.query("SELECT object_id, source FROM events ORDER BY object_id")
    assert [(r["object_id"], r["source"]) for r in rows] == [("1", "poll"), ("2", "poll"),
                                                            ("3", "poll")]  # fmt: skip


def test_a_failure_keeps_the_cursor_of_the_last_committed_page(store):
    def pages(cursor):
        yield Page([zendesk_ticket(1)], "c1")
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        pull(fake_stream(pages), None, store, FrozenClock(T0))
    assert store.cursor("zendesk:tickets") == "c1"
    assert store.total("events") == 1

    def resumed(cursor):
        assert cursor == "c1"
        yield Page([zendesk_ticket(1), zendesk_ticket(2)], "c2", done=True)

    assert pull(fake_stream(resumed), None, store, FrozenClock(T0), source="backfill") == 1


def test_a_page_of_events_keeps_unicode_and_counts_only_new_ones(store):
    events = [zendesk_ticket(1), zendesk_ticket(2, tags=("ñandú",))]
    assert store.add_events(events, source="poll", received_at=T0, cursor=("s", "c")) == 2
    assert store.add_events(events, source="poll", received_at=T0, cursor=("s", "d")) == 0
    [row] = store.db.query("SELECT data FROM events WHERE object_id = '2'")
    assert json.loads(row["data"])["tags"] == ["ñandú"]
    assert store.cursor("s") == "d"
