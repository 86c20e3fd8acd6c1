"""The answer facts (migration m008) stay equal to a count from the moments themselves,
through inserts, adoption by a customer, changed data and times (renormalize) and
deletions; the quality counts read from them equal those read from the answers' JSON."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from momentos.rollups import ADD_FACTS, ADD_TYPES
from momentos.store import Store

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TYPES = ("support_request", "service_completed", "deal_won", "invoice_paid")
# The quality counts as they were read before m008: from every answer's JSON, each
# joined to its ticket's moments and its stage looked up.
FROM_SCRATCH = (
    "WITH a AS MATERIALIZED (SELECT id, customer_id, occurred_at,"
    " strftime('%Y-%m', occurred_at, ?) AS month,"
    " strftime('%Y-%m-%dT%H:%M:%f', occurred_at, '-30 days') AS lookback,"
    " json_extract(data, '$.scale') AS scale, json_extract(data, '$.sentiment')"
    " AS sentiment, CAST(json_extract(data, '$.ticket_id') AS TEXT) AS ticket"
    " FROM moments WHERE type = 'survey_answered' AND occurred_at >= ? AND occurred_at < ?)"
    " SELECT 'all' AS by, 'all' AS grp, a.month, a.scale, a.sentiment, COUNT(*) FROM a"
    " GROUP BY 3, 4, 5 UNION ALL SELECT 'type', t.type, a.month, a.scale, a.sentiment,"
    " COUNT(DISTINCT a.id) FROM a JOIN moments t ON t.tool = 'zendesk'"
    " AND t.object_type = 'ticket' AND t.object_id = a.ticket"
    " AND t.type != 'survey_answered' GROUP BY 2, 3, 4, 5"
    " UNION ALL SELECT 'stage', COALESCE((SELECT p.type FROM moments p"
    " WHERE p.customer_id = a.customer_id AND p.occurred_at < a.occurred_at"
    " AND p.occurred_at >= a.lookback AND p.type != 'survey_answered' AND NOT"
    " (p.tool = 'zendesk' AND p.object_type = 'ticket' AND p.object_id IS a.ticket)"
    " ORDER BY p.occurred_at DESC LIMIT 1), 'none'), a.month, a.scale, a.sentiment,"
    " COUNT(*) FROM a GROUP BY 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
)


def moment(key: str, kind: str, at: datetime, tool: str, object_type: str, object_id: str,
           person: str, data: dict) -> SimpleNamespace:  # fmt: skip
    return SimpleNamespace(key=key, type=kind, occurred_at=at, tool=tool,
                           object_type=object_type, object_id=object_id,
                           customer_ref=tuple(person.split(":")), link=None, data=data)  # fmt: skip


def fill(store: Store, rng: random.Random, first: int, last: int) -> None:
    """Tickets, some solved and rated, and other moments, for a few customers."""
    for n in range(first, last):
        at = NOW + timedelta(hours=rng.randrange(0, 24 * 120))
        person, customer = f"zendesk:user:{n % 9}", (n % 6) or None
        ticket = {"tool": "zendesk", "object_type": "ticket", "object_id": str(n)}
        for kind in rng.sample(TYPES[:2], rng.randrange(1, 3)):
            store.insert_moment(moment(f"{kind}:zendesk:ticket:{n}", kind, at, **ticket,
                                       person=person, data={}), 1, customer, NOW)  # fmt: skip
        if rng.random() < 0.3:
            kind = rng.choice(TYPES[2:])
            store.insert_moment(moment(f"{kind}:hubspot:deal:{n}", kind,
                                       at - timedelta(days=rng.randrange(0, 40)), "hubspot",
                                       "deal", str(n), person, {}), 1, customer, NOW)  # fmt: skip
        if rng.random() < 0.6:
            scale, score = rng.choice([("zendesk_csat", "good"), ("nps", 9), ("nps", 3)])
            data = {"scale": scale, "score": score, "ticket_id": rng.choice([n, str(n)]),
                    "sentiment": rng.choice(["positive", "negative", "neutral"])}  # fmt: skip
            store.insert_moment(moment(f"survey_answered:zendesk:satisfaction_rating:{n}",
                                       "survey_answered", at + timedelta(hours=2), "zendesk",
                                       "satisfaction_rating", str(n), person, data), 1,
                                customer, NOW)  # fmt: skip


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    fill(store, random.Random(0), 1, 301)
    return store


def rows(store, sql, params=()):
    return store.db.execute(sql, params).fetchall()


def assert_consistent(store):
    kept = (
        rows(store, "SELECT * FROM answer_facts ORDER BY moment_id"),
        rows(store, "SELECT * FROM answer_types ORDER BY 1, 2"),
    )
    with store.transaction() as db:
        db.execute("DELETE FROM answer_types")
        db.execute("DELETE FROM answer_facts")
        db.execute(ADD_FACTS.format(where="1"))
        db.execute(ADD_TYPES.format(where="1"))
    assert kept == (rows(store, "SELECT * FROM answer_facts ORDER BY moment_id"),
                    rows(store, "SELECT * FROM answer_types ORDER BY 1, 2"))  # fmt: skip
    for offset in ("+0 minutes", "+60 minutes", "-330 minutes"):
        since, until = NOW + timedelta(days=10), NOW + timedelta(days=100)
        read = store.answer_counts(since, until, offset)
        assert sorted(tuple(r.values()) for r in read) == rows(
            store, FROM_SCRATCH, [offset, since.isoformat(timespec="microseconds"),
                                  until.isoformat(timespec="microseconds")])  # fmt: skip


def test_facts_follow_every_change(store):
    assert_consistent(store)
    assert {r[0] for r in rows(store, "SELECT stage FROM answer_facts")} == {"none", *TYPES}
    fill(store, random.Random(1), 301, 401)  # later moments, some before earlier answers
    assert_consistent(store)
    store.adopt_moments("zendesk:user:0", 99)
    assert_consistent(store)
    store.db.execute("UPDATE moments SET data = json_set(data, '$.sentiment', 'positive')"
                     " WHERE id % 4 = 0 AND type = 'survey_answered'")  # fmt: skip
    store.db.execute("UPDATE moments SET occurred_at = strftime('%Y-%m-%dT%H:%M:%f000+00:00',"
                     " occurred_at, '+5 days') WHERE id % 5 = 0")  # fmt: skip
    store.db.execute("UPDATE moments SET type = 'service_completed' WHERE id % 11 = 0"
                     " AND type = 'support_request'")  # fmt: skip
    assert_consistent(store)
    store.db.execute("DELETE FROM moments WHERE id % 3 = 0")
    assert_consistent(store)


def test_a_store_with_answers_before_the_migration_has_their_facts_when_it_runs(store):
    expected = store.answer_counts(NOW, NOW + timedelta(days=200), "+0 minutes")
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_answer_facts'")
    for name in ("added", "removed", "changed"):
        store.db.execute(f"DROP TRIGGER answer_facts_{name}")
    store.db.execute("DROP TABLE answer_facts")
    store.db.execute("DROP TABLE answer_types")
    again = Store(store.path)
    assert again.answer_counts(NOW, NOW + timedelta(days=200), "+0 minutes") == expected
    assert_consistent(again)
