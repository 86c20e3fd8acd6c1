"""The store's schema, one versioned migration at a time (never edit an applied one)."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from momentos import rollups

migrations = Migrations("momentos")


@migrations()
def m001_initial(db: Database) -> None:
    db["events"].create(
        {
            "id": int,
            "tool": str,
            "object_type": str,
            "object_id": str,
            "version": str,
            "source": str,
            "received_at": str,
            "occurred_at": str,
            "deleted": int,
            "data": str,
            "raw": str,
            "derived": int,
        },
        pk="id",
        not_null={"tool", "object_type", "object_id", "version"},
        defaults={"derived": 0, "deleted": 0},
    )
    db["events"].create_index(["tool", "object_type", "object_id", "version"], unique=True)
    db.execute("CREATE INDEX idx_events_pending ON events (id) WHERE derived = 0")

    db["records"].create(
        {
            "tool": str,
            "object_type": str,
            "object_id": str,
            "version": str,
            "occurred_at": str,
            "email": str,
            "domain": str,
            "deleted": int,
            "data": str,
        },
        pk=("tool", "object_type", "object_id"),
        defaults={"deleted": 0},
    )
    db["records"].create_index(["email"])
    db["records"].create_index(["domain"])

    db["customers"].create(
        {
            "id": int,
            "name": str,
            "email": str,
            "domain": str,
            "language": str,
            "time_zone": str,
            "created_at": str,
        },
        pk="id",
    )
    db["customer_links"].create(
        {
            "tool": str,
            "object_type": str,
            "object_id": str,
            "customer_id": int,
            "matched_by": str,
            "linked_at": str,
        },
        pk=("tool", "object_type", "object_id"),
        foreign_keys=[("customer_id", "customers", "id")],
    )
    db["customer_links"].create_index(["customer_id"])
    db["identity_reviews"].create(
        {
            "id": int,
            "tool": str,
            "object_type": str,
            "object_id": str,
            "reason": str,
            "candidates": str,
            "created_at": str,
            "resolved_at": str,
        },
        pk="id",
    )
    db["identity_reviews"].create_index(["tool", "object_type", "object_id"], unique=True)

    db["moments"].create(
        {
            "id": int,
            "key": str,
            "type": str,
            "customer_id": int,
            "person": str,
            "occurred_at": str,
            "tool": str,
            "object_type": str,
            "object_id": str,
            "event_id": int,
            "link": str,
            "data": str,
            "created_at": str,
        },
        pk="id",
        not_null={"key", "type"},
    )
    db["moments"].create_index(["key"], unique=True)
    db["moments"].create_index(["customer_id", "occurred_at"])
    db["moments"].create_index(["type", "occurred_at"])
    db["moments"].create_index(["person"])

    db["actions"].create(
        {
            "key": str,
            "workflow": str,
            "tool": str,
            "kind": str,
            "customer_id": int,
            "moment_key": str,
            "payload": str,
            "state": str,
            "attempts": int,
            "not_before": str,
            "next_attempt_at": str,
            "lease_until": str,
            "claimed_at": str,
            "remote_id": str,
            "remote_url": str,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="key",
        defaults={"attempts": 0},
        not_null={"state"},
    )
    db["actions"].create_index(["state", "next_attempt_at"])
    db["actions"].create_index(["customer_id"])

    db["cursors"].create({"stream": str, "value": str, "updated_at": str}, pk="stream")
    db["workflow_runs"].create(
        {
            "id": int,
            "workflow": str,
            "trigger": str,
            "as_of": str,
            "dry_run": int,
            "started_at": str,
            "finished_at": str,
            "planned": int,
            "enqueued": int,
            "error": str,
        },
        pk="id",
    )
    db["workflow_runs"].create_index(["workflow", "started_at"])
    db["webhook_deliveries"].create(
        {"id": int, "tool": str, "received_at": str, "status": int, "events": int, "error": str},
        pk="id",
    )


@migrations()
def m002_actions_by_creation(db: Database) -> None:
    # The guards read a customer's recent actions on every planning run.
    db["actions"].create_index(["created_at"])


@migrations()
def m002_secrets(db: Database) -> None:
    """Secrets learnt at run time (webhook signing secrets), as Fernet ciphertext only."""
    db["secrets"].create({"name": str, "token": str, "updated_at": str}, pk="name",
                         not_null={"token"})  # fmt: skip


@migrations()
def m003_deliveries_by_tool(db: Database) -> None:
    # /healthz reads each tool's newest delivery on every call: an index, not a scan.
    db["webhook_deliveries"].create_index(["tool", "received_at"])


@migrations()
def m004_moment_versions_and_outcomes(db: Database) -> None:
    # Deriving a record's moments reads its previous and next versions (issue #6).
    db["events"].create_index(["tool", "object_type", "object_id", "occurred_at"])
    # A timeline shows each moment's actions; a newer record version withdraws predictions.
    db["actions"].create_index(["moment_key"])
    db["moments"].create_index(["tool", "object_type", "object_id"])


# Insights (issue #10): support requests counted by dimension as they are stored ----------


@migrations()
def m005_insights_rollups(db: Database) -> None:
    """Spikes and repeat requests read small rollups, not a million JSON documents: the
    triggers keep them equal to the moments through inserts, renormalizing and adoption."""
    db.execute(rollups.request_dimensions())
    db.execute("CREATE TABLE request_counts (hour TEXT NOT NULL, dimension TEXT NOT NULL,"
               " value TEXT NOT NULL, requests INTEGER NOT NULL,"
               " PRIMARY KEY (hour, dimension, value)) WITHOUT ROWID")  # fmt: skip
    db.execute("CREATE TABLE request_customers (dimension TEXT NOT NULL, value TEXT NOT NULL,"
               " who TEXT NOT NULL, month TEXT NOT NULL, requests INTEGER NOT NULL,"
               " PRIMARY KEY (dimension, value, who, month)) WITHOUT ROWID")  # fmt: skip
    columns = "type, customer_id, person, occurred_at, data"
    for name, when, row, body in (
        ("added", "AFTER INSERT", "NEW", rollups.count("NEW")),
        ("removed", "BEFORE DELETE", "OLD", rollups.uncount("OLD")),
        ("changing", f"BEFORE UPDATE OF {columns}", "OLD", rollups.uncount("OLD")),
        ("changed", f"AFTER UPDATE OF {columns}", "NEW", rollups.count("NEW")),
    ):
        db.execute(f"CREATE TRIGGER request_{name} {when} ON moments"
                   f" WHEN {row}.type = 'support_request' BEGIN {body} END")  # fmt: skip
    for table, keys, exprs, only in rollups.ROLLUPS:
        db.execute(f"INSERT INTO {table} ({', '.join(keys)}, requests)"
                   f" SELECT {', '.join(exprs)}, COUNT(*) FROM request_dimensions WHERE {only}"
                   f" GROUP BY {', '.join(str(n + 1) for n in range(len(keys)))}")  # fmt: skip


@migrations()
def m006_records_by_customer_ref(db: Database) -> None:
    """Each record names the record its customer is known by (as moments' `person`), so the
    deals and invoices of a customer whose time zone arrives are found by index."""
    import json

    from momentos.moments.links import ref_of

    db.execute("ALTER TABLE records ADD COLUMN person TEXT")
    last = 0
    while rows := db.execute(
        "SELECT rowid, tool, object_type, object_id, data FROM records WHERE rowid > ?"
        " ORDER BY rowid LIMIT 1000",
        [last],
    ).fetchall():
        for rowid, tool, object_type, object_id, data in rows:
            ref = ref_of(tool, object_type, object_id, json.loads(data) if data else {})
            if ref:
                db.execute("UPDATE records SET person = ? WHERE rowid = ?", [":".join(ref), rowid])
        last = rows[-1][0]
    db["records"].create_index(["person"])


_RECORD = "tool = {r}.tool AND object_type = {r}.object_type AND object_id = {r}.object_id"
_LINK_COMPANIES = (
    "INSERT OR IGNORE INTO record_companies (tool, object_type, object_id, company_id)"
    " SELECT {r}.tool, {r}.object_type, {r}.object_id, CAST(c.value AS TEXT)"
    " FROM json_each({r}.data, '$.company_ids') c;"
)


@migrations()
def m007_records_by_company(db: Database) -> None:
    """Each record's companies (`company_ids`) in a table of their own, kept by triggers: a
    company's invoices and deals were found by reading every record of the type through
    json_each, once for each invoice derived, so a backfill slowed with its square."""
    db.execute("CREATE TABLE record_companies (tool TEXT NOT NULL, object_type TEXT NOT NULL,"
               " object_id TEXT NOT NULL, company_id TEXT NOT NULL, PRIMARY KEY"
               " (tool, object_type, object_id, company_id)) WITHOUT ROWID")  # fmt: skip
    db.execute("CREATE INDEX idx_record_companies_company"
               " ON record_companies (tool, object_type, company_id)")  # fmt: skip
    db.execute("CREATE TRIGGER record_companies_added AFTER INSERT ON records"
               f" BEGIN {_LINK_COMPANIES.format(r='NEW')} END")  # fmt: skip
    db.execute("CREATE TRIGGER record_companies_changed AFTER UPDATE OF data ON records BEGIN"
               f" DELETE FROM record_companies WHERE {_RECORD.format(r='OLD')};"
               f" {_LINK_COMPANIES.format(r='NEW')} END")  # fmt: skip
    db.execute("INSERT OR IGNORE INTO record_companies (tool, object_type, object_id, company_id)"
               " SELECT r.tool, r.object_type, r.object_id, CAST(c.value AS TEXT)"
               " FROM records r, json_each(r.data, '$.company_ids') c")  # fmt: skip


# Quality (issue #11): each survey answer's facts, its journey stage worked out once -------


@migrations()
def m008_answer_facts(db: Database) -> None:
    """The quality report read every answer's JSON, joined it to its ticket and looked up
    its stage on each run: 9 s at a million tickets. Triggers keep each answer's facts,
    stage and rated types as the moments they come from change."""
    db.execute("CREATE TABLE answer_facts (moment_id INTEGER PRIMARY KEY, customer_id INTEGER,"
               " occurred_at TEXT, lookback TEXT, scale, sentiment, ticket TEXT,"
               " stage TEXT NOT NULL)")  # fmt: skip
    db.execute("CREATE INDEX idx_answer_facts_time"
               " ON answer_facts (occurred_at, scale, sentiment, stage)")  # fmt: skip
    db.execute("CREATE INDEX idx_answer_facts_customer ON answer_facts (customer_id, occurred_at)")
    db.execute("CREATE INDEX idx_answer_facts_ticket ON answer_facts (ticket)")
    db.execute("CREATE TABLE answer_types (moment_id INTEGER NOT NULL, type TEXT NOT NULL,"
               " PRIMARY KEY (moment_id, type)) WITHOUT ROWID")  # fmt: skip
    columns = "id, type, customer_id, occurred_at, tool, object_type, object_id, data"
    forget, own, others = rollups.forget, rollups.own, rollups.others
    for name, when, body in (
        ("added", "INSERT", own("NEW") + others("NEW")),
        ("removed", "DELETE", forget("OLD") + others("OLD")),
        ("changed", f"UPDATE OF {columns}",
         forget("OLD") + own("NEW") + others("OLD") + others("NEW")),
    ):  # fmt: skip
        db.execute(f"CREATE TRIGGER answer_facts_{name} AFTER {when} ON moments BEGIN {body} END")
    db.execute(rollups.ADD_FACTS.format(where="1"))
    db.execute(rollups.ADD_TYPES.format(where="1"))
