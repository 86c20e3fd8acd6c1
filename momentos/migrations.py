"""The store's schema, one versioned migration at a time (never edit an applied one)."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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
