"""Tickets and comments created in Zendesk, each findable again by its outbox key.

A ticket carries `external_id = "momentos:<key>"` (and, sent alone, `Idempotency-Key`);
a comment carries the key in its audit metadata. Both lookups read lists, not the search
index, so they are trustworthy at once (ZENDESK.md §7.6).
"""

from datetime import timedelta
from typing import Any

from connectors.batches import chunks, failed, send_batches
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.jobs import wait_for_jobs
from momentos.model import Action, ActionResult
from momentos.moments.echo import EXTERNAL_ID_PREFIX, MOMENTOS_TAG

CREATE_MANY_LIMIT = 100
JOB_POLL_SECONDS = 2.0
JOB_POLL_ATTEMPTS = 30
# create_many jobs sent before reading them: well under the account's 30 queued (§4.2).
JOBS_AT_ONCE = 10
TICKET_FIELDS = ("requester_id", "requester", "priority", "type", "group_id", "assignee_id")
KEY_FIELD = "momentos_key"


def ticket_body(action: Action) -> dict[str, Any]:
    """The `ticket` object for a `ticket` action (docs/contracts.md payload)."""
    payload = action.payload
    ticket: dict[str, Any] = {
        "subject": payload.get("subject") or "",
        "comment": {"body": payload["body"], "public": bool(payload.get("public", False))},
        "external_id": EXTERNAL_ID_PREFIX + action.key,
        "tags": list(dict.fromkeys([*(payload.get("tags") or []), MOMENTOS_TAG])),
    }
    ticket.update({name: payload[name] for name in TICKET_FIELDS if payload.get(name) is not None})
    return ticket


def payload_problem(action: Action) -> str | None:
    """Why an action cannot be sent at all, checked before any call."""
    payload = action.payload
    if action.kind not in ("ticket", "comment"):
        return f"Zendesk cannot create a {action.kind!r}"
    if not payload.get("body"):
        return f"a Zendesk {action.kind} needs a body"
    if action.kind == "comment" and not str(payload.get("ticket_id") or "").isdigit():
        return f"a Zendesk comment needs a numeric ticket_id (got {payload.get('ticket_id')!r})"
    return None


def comment_body(action: Action) -> dict[str, Any]:
    payload = action.payload
    return {"ticket": {
        "comment": {"body": payload["body"], "public": bool(payload.get("public", False))},
        # Zendesk stores what is sent as `metadata` under the audit's `metadata.custom`.
        "metadata": {KEY_FIELD: action.key},
    }}  # fmt: skip


class ZendeskActions:
    # Lookups read lists, not the search index: an absent action is absent at once.
    LOOKUP_LAG = timedelta(0)

    def __init__(self, client: ZendeskClient, base_url: str,
                 job_poll_seconds: float = JOB_POLL_SECONDS,
                 job_poll_attempts: int = JOB_POLL_ATTEMPTS):  # fmt: skip
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.job_poll_seconds = job_poll_seconds
        self.job_poll_attempts = job_poll_attempts

    def ticket_url(self, ticket_id: Any) -> str:
        return f"{self.base_url}/agent/tickets/{ticket_id}"

    def _ok(self, action: Action, remote_id: Any, ticket_id: Any) -> ActionResult:
        return ActionResult(key=action.key, ok=True, remote_id=str(remote_id),
                            remote_url=self.ticket_url(ticket_id))  # fmt: skip

    def create(self, actions: list[Action]) -> list[ActionResult]:
        """Send tickets (alone or through `create_many`) and comments; one result each.

        The `create_many` jobs are read together, one show_many call per poll, after the
        other batches have gone out (and before more than `JOBS_AT_ONCE` pile up).
        """
        problems = {a.key: problem for a in actions if (problem := payload_problem(a))}
        results = [failed(a, problems[a.key]) for a in actions if a.key in problems]
        valid = [a for a in actions if a.key not in problems]
        tickets = [a for a in valid if a.kind == "ticket"]
        batches = list(chunks(tickets, CREATE_MANY_LIMIT))
        batches += [[a] for a in valid if a.kind == "comment"]
        jobs: dict[str, list[Action]] = {}  # create_many jobs not read yet -> their batch
        read: list[ActionResult] = []

        def send(batch: list[Action]) -> list[ActionResult]:
            if len(jobs) >= JOBS_AT_ONCE and len(batch) > 1:
                read.extend(self._read_jobs(jobs))
            return self._send(batch, jobs)

        results += send_batches(batches, send)
        results += read + self._read_jobs(jobs)
        order = {a.key: index for index, a in enumerate(actions)}
        return sorted(results, key=lambda r: order[r.key])

    def _send(self, batch: list[Action], jobs: dict[str, list[Action]]) -> list[ActionResult]:
        if batch[0].kind == "comment":
            return [self._comment(batch[0])]
        if len(batch) == 1:
            return [self._ticket(batch[0])]
        body = self.client.request_json(
            "POST", "/api/v2/tickets/create_many.json",
            json={"tickets": [ticket_body(a) for a in batch]}, idempotent=False)  # fmt: skip
        jobs[body["job_status"]["id"]] = batch
        return []

    def _ticket(self, action: Action) -> ActionResult:
        # With the Idempotency-Key, a repeat within two hours returns the first ticket.
        body = self.client.request_json(
            "POST", "/api/v2/tickets.json", json={"ticket": ticket_body(action)},
            headers={"Idempotency-Key": action.key}, idempotent=True)  # fmt: skip
        ticket_id = body["ticket"]["id"]
        return self._ok(action, ticket_id, ticket_id)

    def _comment(self, action: Action) -> ActionResult:
        ticket_id = int(action.payload["ticket_id"])
        # Each PUT adds a comment: never repeated blindly, the audit lookup decides.
        body = self.client.request_json("PUT", f"/api/v2/tickets/{ticket_id}.json",
                                        json=comment_body(action), idempotent=False)  # fmt: skip
        audit_id = (body.get("audit") or {}).get("id", ticket_id)
        return self._ok(action, audit_id, ticket_id)

    def _read_jobs(self, jobs: dict[str, list[Action]]) -> list[ActionResult]:
        """Wait for the jobs, together, then read each batch's results; forgets the jobs."""
        if not jobs:
            return []
        done = wait_for_jobs(self.client, list(jobs), self.job_poll_seconds,
                             self.job_poll_attempts)  # fmt: skip
        results = [
            r for job_id, batch in jobs.items() for r in self._job_results(batch, done[job_id])
        ]
        jobs.clear()
        return results

    def _job_results(self, batch: list[Action], job: dict[str, Any]) -> list[ActionResult]:
        by_index = {item.get("index"): item for item in job.get("results") or []}
        results, missing = [], []
        for index, action in enumerate(batch):
            item = by_index.get(index)
            if item is None:
                missing.append(action)
            elif item.get("id") is not None and not item.get("error"):
                results.append(self._ok(action, item["id"], item["id"]))
            else:
                error = ": ".join(str(item[k]) for k in ("error", "details") if item.get(k))
                results.append(failed(action, error or "Zendesk could not create the ticket"))
        return results + self._settle_missing(missing)

    def _settle_missing(self, actions: list[Action]) -> list[ActionResult]:
        """Actions the job did not report on: look them up rather than guess."""
        found = self.lookup(actions) if actions else {}
        results = []
        for action in actions:
            if action.key in found:
                remote_id, url = found[action.key]
                results.append(ActionResult(action.key, True, remote_id=remote_id, remote_url=url))
            else:
                results.append(failed(action, "Zendesk's job said nothing of it", retriable=True))
        return results

    def lookup(self, actions: list[Action]) -> dict[str, tuple[str, str]]:
        """Where each action already exists in Zendesk: key -> (remote id, agent URL)."""
        found: dict[str, tuple[str, str]] = {}
        for action in (a for a in actions if a.kind == "ticket"):
            params = {"external_id": EXTERNAL_ID_PREFIX + action.key}
            body = self.client.request_json("GET", "/api/v2/tickets.json", params=params)
            ids = sorted(int(t["id"]) for t in body.get("tickets") or [])
            if ids:
                found[action.key] = (str(ids[0]), self.ticket_url(ids[0]))
        by_ticket: dict[int, set[str]] = {}
        for action in (a for a in actions if a.kind == "comment"):
            by_ticket.setdefault(int(action.payload["ticket_id"]), set()).add(action.key)
        for ticket_id, keys in by_ticket.items():
            for key, audit_id in self._audit_keys(ticket_id, keys):
                found[key] = (str(audit_id), self.ticket_url(ticket_id))
        return found

    def _audit_keys(self, ticket_id: int, keys: set[str]) -> list[tuple[str, Any]]:
        """(key, audit id) of the ticket's audits whose metadata carries one of `keys`."""
        path, params = f"/api/v2/tickets/{ticket_id}/audits.json", {"page[size]": 100}
        matches = []
        while True:
            body = self.client.request_json("GET", path, params=params)
            for audit in body.get("audits") or []:
                key = ((audit.get("metadata") or {}).get("custom") or {}).get(KEY_FIELD)
                if key in keys:
                    matches.append((key, audit["id"]))
            meta = body.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return matches
            params = {"page[size]": 100, "page[after]": meta["after_cursor"]}

    def created(self) -> list[dict[str, Any]]:
        """Every ticket Momentos created (`external_id` starting `momentos:`).

        Zendesk cannot list by external id prefix, so this pages through every ticket:
        meant for the demo and checks, not a hot path.
        """
        found, params = [], {"page[size]": 100}
        while True:
            body = self.client.request_json("GET", "/api/v2/tickets.json", params=params)
            for ticket in body.get("tickets") or []:
                external_id = ticket.get("external_id") or ""
                if external_id.startswith(EXTERNAL_ID_PREFIX):
                    found.append({"kind": "ticket", "id": str(ticket["id"]),
                                  "key": external_id.removeprefix(EXTERNAL_ID_PREFIX),
                                  "subject": ticket.get("subject") or "",
                                  "owner_id": ticket.get("assignee_id")})  # fmt: skip
            meta = body.get("meta") or {}
            if not meta.get("has_more"):
                return found
            params = {"page[size]": 100, "page[after]": meta["after_cursor"]}
