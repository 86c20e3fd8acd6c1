"""The only package that speaks SQL: sqlite-utils over SQLite in WAL mode.

Writes run in `transaction()` (BEGIN IMMEDIATE), so that a writer waits for the lock up
front instead of failing half-way; every statement is safe to repeat (natural keys with ON
CONFLICT DO NOTHING), so a crash at any line and a re-run converge. One module per part of
the data; `Store` is all of them over one connection.
"""

from momentos.store.actions import Outbox
from momentos.store.customers import Customers
from momentos.store.events import Events, StoredEvent
from momentos.store.insights import InsightReads
from momentos.store.moments import Moments


class Store(Events, Customers, Moments, Outbox, InsightReads):
    """One SQLite file: events, records and customers, moments, the outbox and runs."""


__all__ = ["Store", "StoredEvent"]
