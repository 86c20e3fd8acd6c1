"""Idempotency keys of ticket creation, and the job statuses of bulk endpoints."""

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.zendesk.errors import (
    IdempotentRequestError,
    RecordInvalid,
    RecordNotFound,
    TooManyValues,
    ZendeskApiError,
    invalid,
)

IDEMPOTENCY_SECONDS = 2 * 3600
JOB_KEEP_SECONDS = 24 * 3600
MAX_ITEMS = 100


def fingerprint(raw_body: bytes) -> str:
    return hashlib.sha256(raw_body).hexdigest()


class IdempotencyCache:
    """Responses of creates sent with an `Idempotency-Key`, replayed for two hours."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def lookup(self, key: str, print_: str, now: float) -> dict[str, Any] | None:
        """The cached response, None on a miss; IdempotentRequestError if the body differs."""
        entry = self.entries.get(key)
        if entry is None or entry["expires"] <= now:
            self.entries.pop(key, None)
            return None
        if entry["fingerprint"] != print_:
            raise IdempotentRequestError("Request parameters don't match the given idempotency key")
        return entry

    def remember(
        self, key: str, print_: str, status: int, body: dict[str, Any], now: float
    ) -> None:
        # Only successes are cached: whether Zendesk replays failures is not documented.
        self.entries[key] = {
            "fingerprint": print_,
            "status": status,
            "body": body,
            "expires": now + IDEMPOTENCY_SECONDS,
        }


class JobBoard:
    """Job statuses. Work runs at once, but the creating call still answers `queued`."""

    def __init__(self, base_url: Callable[[], str]) -> None:
        self._base = base_url
        self.jobs: dict[str, dict[str, Any]] = {}

    def _url(self, job_id: str) -> str:
        return f"{self._base().rstrip('/')}/api/v2/job_statuses/{job_id}.json"

    def run(
        self, job_type: str, items: list[Any], work: Callable[[Any], int], now: datetime
    ) -> dict[str, Any]:
        """Run `work` on each item; results are `{index, id}` or `{index, error, details}`."""
        results: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            try:
                results.append({"index": index, "id": work(item)})
            except RecordInvalid as exc:
                results.append(
                    {"index": index, "error": "TicketCreateFailed", "details": exc.summary()}
                )
        failed = bool(results) and all("error" in r for r in results)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S +0000")
        job = {
            "id": uuid.uuid4().hex,
            "job_type": job_type,
            "status": "failed" if failed else "completed",
            "total": len(items),
            "progress": len(items),
            "message": f"{'Failed' if failed else 'Completed'} at {stamp}",
            "results": results,
            "created": now.timestamp(),
        }
        self.jobs[job["id"]] = job
        return self.render(job) | {
            "status": "queued",
            "progress": None,
            "message": None,
            "results": None,
        }

    def render(self, job: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in job.items() if k != "created"}
        return {"id": job["id"], "url": self._url(job["id"]), **shown}

    def _kept(self, job_id: str, now: datetime) -> dict[str, Any] | None:
        job = self.jobs.get(job_id)
        if job is None or job["created"] + JOB_KEEP_SECONDS <= now.timestamp():
            return None
        return job

    def get(self, job_id: str, now: datetime) -> dict[str, Any]:
        job = self._kept(job_id, now)
        if job is None:
            raise RecordNotFound()
        return self.render(job)

    def show_many(self, raw_ids: str | None, now: datetime) -> list[dict[str, Any]]:
        """The jobs named in `ids=a,b`, in that order; unknown or expired ids are left out.

        Leaving them out and capping at 100 ids are what Zendesk's other show_many
        endpoints do; the job-status page says neither (inferred).
        """
        ids = [job_id for job_id in (raw_ids or "").split(",") if job_id.strip()]
        if not ids:
            raise ZendeskApiError("ids: a comma-separated list of job status ids is required")
        if len(ids) > MAX_ITEMS:
            raise TooManyValues(f"You can only show up to {MAX_ITEMS} job statuses at once")
        jobs = (self._kept(job_id.strip(), now) for job_id in dict.fromkeys(ids))
        return [self.render(job) for job in jobs if job is not None]


class Intake:
    """Ticket creation with an idempotency key, and bulk creates (a `ZendeskState` mixin)."""

    def create_ticket_idempotent(
        self, key: str | None, raw_body: bytes, fields: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        """(`miss` | `hit` | None without a key, body); a replay returns the cached body."""
        if not key:
            ticket, audit = self.create_ticket_audited(fields)
            return None, {"ticket": ticket, "audit": audit}
        now = self.now().timestamp()
        print_ = fingerprint(raw_body)
        cached = self.idempotency.lookup(key, print_, now)
        if cached is not None:
            return "hit", cached["body"]
        ticket, audit = self.create_ticket_audited(fields)
        body = {"ticket": ticket, "audit": audit}
        self.idempotency.remember(key, print_, 201, body, now)
        return "miss", body

    def create_many(self, items: Any, imported: bool = False) -> dict[str, Any]:
        """Queue a bulk create or import (at most 100 tickets); returns the job status."""
        if not isinstance(items, list) or not items:
            raise invalid("tickets", "Tickets: cannot be blank", "BlankValue")
        if len(items) > MAX_ITEMS:
            raise TooManyValues(f"You can only create up to {MAX_ITEMS} tickets at once")

        def work(item: Any) -> int:
            fields = item if isinstance(item, dict) else {}
            if imported:
                return self.import_ticket(fields)["id"]
            return self.create_ticket_audited(fields)[0]["id"]

        job_type = "bulk_import_tickets" if imported else "bulk_create_tickets"
        return self.jobs.run(job_type, items, work, self.now())
