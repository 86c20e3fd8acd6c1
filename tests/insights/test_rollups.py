"""The request rollups (migration m005) stay equal to the moments they count, through
inserts, adoption by a customer, changed data (renormalize) and deletions."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from momentos.store import Store

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    rng = random.Random(0)
    for n in range(1, 201):
        store.insert_moment(SimpleNamespace(
            key=f"support_request:zendesk:ticket:{n}", type="support_request",
            occurred_at=NOW + timedelta(hours=n), tool="zendesk", object_type="ticket",
            object_id=str(n), customer_ref=("zendesk", "user", str(n % 7)), link=None,
            data={"tags": ["a", rng.choice("xyz")], "channel": "web", "form_id": 3,
                  "category": {"app": rng.choice(["ios", "web", None])},
                  "opened_by_agent": n % 10 == 0},
        ), 1, (n % 5) or None, NOW)  # fmt: skip
    return store


def rows(store, sql):
    return store.db.execute(sql).fetchall()


def assert_consistent(store):
    assert rows(store, "SELECT hour, dimension, value, requests FROM request_counts"
                " ORDER BY 1, 2, 3") == rows(store, "SELECT hour, dimension, value, COUNT(*)"
                " FROM request_dimensions GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")  # fmt: skip
    assert rows(store, "SELECT dimension, value, who, month, requests FROM request_customers"
                " ORDER BY 1, 2, 3, 4") == rows(store, "SELECT dimension, value, who,"
                " substr(hour, 1, 7), COUNT(*) FROM request_dimensions WHERE who IS NOT NULL"
                " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")  # fmt: skip


def test_counts_follow_every_change(store):
    assert_consistent(store)
    # Agent-opened requests (every tenth) are not the customer asking: not counted.
    assert rows(store, "SELECT SUM(requests) FROM request_counts WHERE dimension = 'all'") == [
        (180,)]  # fmt: skip
    assert rows(store, "SELECT value, COUNT(*) FROM request_counts WHERE dimension = 'form'"
                " GROUP BY 1") == [("3", 180)]  # fmt: skip
    store.adopt_moments("zendesk:user:0", 99)
    assert_consistent(store)
    store.db.execute("UPDATE moments SET data = json_set(data, '$.channel', 'email')"
                     " WHERE id % 4 = 0")  # fmt: skip
    assert_consistent(store)
    store.db.execute("DELETE FROM moments WHERE id % 3 = 0")
    assert_consistent(store)
    assert rows(store, "SELECT COUNT(*) FROM request_customers WHERE requests <= 0") == [(0,)]


def test_a_store_with_moments_before_the_migration_is_counted_when_it_runs(store, tmp_path):
    store.db.execute("DELETE FROM request_counts")
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_insights_rollups'")
    for name in ("request_added", "request_removed", "request_changing", "request_changed"):
        store.db.execute(f"DROP TRIGGER {name}")
    store.db.execute("DROP VIEW request_dimensions")
    store.db.execute("DROP TABLE request_counts")
    store.db.execute("DROP TABLE request_customers")
    assert_consistent(Store(store.path))
