"""Tickets of the fake account: create, import, update, bulk (a mixin of `ZendeskState`)."""

from datetime import datetime
from typing import Any

from connectors.timefmt import format_iso
from sandbox.zendesk import tickets as rules
from sandbox.zendesk.bulk import MAX_ITEMS, fingerprint
from sandbox.zendesk.errors import RecordInvalid, RecordNotFound, TooManyValues, UpdateConflict
from sandbox.zendesk.people import LOCALES_BY_ID, moment
from sandbox.zendesk.shapes import render_ticket, webhook_detail

EVENT_PREFIX = "zen:event-type:ticket."
# Ticket fields whose change Zendesk announces as its own event type.
CHANGE_EVENTS = {"status": "status_changed", "priority": "priority_changed",
                 "subject": "subject_changed", "assignee_id": "agent_assignment_changed",
                 "group_id": "group_assignment_changed", "external_id": "external_id_changed"}
ENUM_FIELDS = ("status", "priority", "type")


def _channel(via: Any) -> str:
    if isinstance(via, dict):
        return str(via.get("channel") or "api")
    return str(via or "api")


def _event_value(field: str, value: Any) -> Any:
    if field in ENUM_FIELDS and isinstance(value, str):
        return value.upper()
    return str(value) if field.endswith("_id") and value is not None else value


class Desk:
    def _ticket(self, ticket_id: int) -> dict[str, Any]:
        if ticket_id not in self.tickets:
            raise RecordNotFound()
        return self.tickets[ticket_id]

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        return render_ticket(self._ticket(ticket_id), self.base)

    def tickets_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        ids = self.by_external_id.get(external_id, [])
        return [render_ticket(self.tickets[i], self.base) for i in ids]

    def ticket_audits(self, ticket_id: int) -> list[dict[str, Any]]:
        self._ticket(ticket_id)
        return self.audits[ticket_id]

    def ticket_comments(self, ticket_id: int) -> list[dict[str, Any]]:
        self._ticket(ticket_id)
        return self.comments[ticket_id]

    def _index_external_id(self, ticket_id: int, old: str | None, new: str | None) -> None:
        if old is not None:
            self.by_external_id[old].remove(ticket_id)
        if new is not None:
            self.by_external_id.setdefault(new, []).append(ticket_id)

    def _requester(self, fields: dict[str, Any]) -> int:
        """The requester id; a `requester` object finds or creates the end-user by email."""
        spec = fields.get("requester")
        if isinstance(spec, dict):
            email = str(spec.get("email") or "").strip().lower()
            if "@" not in email:
                raise RecordInvalid({"requester": [{"description": "Requester: Email is invalid",
                                                    "error": "InvalidValue"}]})
            if email in self.by_email:
                return self.by_email[email]
            locale = spec.get("locale") or LOCALES_BY_ID.get(spec.get("locale_id"), "en-US")
            name = spec.get("name") or email.split("@")[0]
            return self.create_user(name, email, locale=locale)["id"]
        requester_id = fields.get("requester_id") or self.agent_id
        if requester_id not in self.users:
            raise RecordInvalid({"requester_id": [{"description": "Requester: is invalid",
                                                   "error": "InvalidValue"}]})
        return requester_id

    def create_ticket(self, fields: dict[str, Any],
                      created_at: datetime | str | None = None) -> dict[str, Any]:
        return self.create_ticket_audited(fields, created_at)[0]

    def create_ticket_audited(self, fields: dict[str, Any], created_at=None, updated_at=None,
                              imported: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create a ticket; imports keep their timestamps and fire no webhooks."""
        history = fields.get("comments") if imported else None
        if history is not None:
            fields = {**fields, "comment": history[0] if history else None}
        rules.validate(fields, creating=True)
        requester_id = self._requester(fields)
        comment_spec = fields["comment"]
        author = (isinstance(comment_spec, dict) and comment_spec.get("author_id")) or None
        submitter = fields.get("submitter_id") or author or self.agent_id
        people = {"requester_id": requester_id, "submitter_id": submitter,
                  "organization_id": self.users[requester_id]["organization_id"]}
        created = moment(created_at, self.now())
        updated = moment(updated_at, created)
        channel = _channel(fields.get("via"))
        ticket = rules.new_ticket(self.next_id("ticket"), fields, people, format_iso(created),
                                  format_iso(updated), int(updated.timestamp()), channel)
        specs = history if history is not None else [comment_spec]
        comments = [rules.make_comment(spec, self.next_id, submitter, True,
                                       ticket["created_at"], channel) for spec in specs]
        if history is None:
            # Non-import creates may not date their comment: it is written now.
            comments[0]["created_at"] = ticket["created_at"]
        ticket["description"] = comments[0]["body"]
        ticket["is_public"] = any(c["public"] for c in comments)
        audit = self._audit(ticket, submitter, fields.get("metadata"), channel,
                            ticket["created_at"])
        audit["events"] = [*self._attach(comments, audit), *rules.create_events(ticket,
                                                                                self.next_id)]
        self._store_new(ticket, comments, audit)
        if not imported:
            self._fire("created", ticket, submitter, {})
        return render_ticket(ticket, self.base), audit

    def _audit(self, ticket, author_id, metadata, channel, when) -> dict[str, Any]:
        # A ticket's `metadata` lands in the audit's `metadata.custom`.
        return {"id": self.next_id("audit"), "ticket_id": ticket["id"], "created_at": when,
                "author_id": author_id,
                "metadata": {"system": {"client": "Momentos sandbox", "ip_address": "127.0.0.1"},
                             "custom": dict(metadata or {})},
                "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
                "events": []}

    def _attach(self, comments: list[dict], audit: dict) -> list[dict[str, Any]]:
        for comment in comments:
            comment["audit_id"] = audit["id"]
        return [{k: v for k, v in c.items() if k not in ("created_at", "audit_id")}
                for c in comments]

    def _store_new(self, ticket: dict, comments: list[dict], audit: dict) -> None:
        ticket_id = ticket["id"]
        self.tickets[ticket_id] = ticket
        self.comments[ticket_id] = comments
        self.audits[ticket_id] = [audit]
        self.ticket_ids.append(ticket_id)
        self._index_external_id(ticket_id, None, ticket["external_id"])
        self.ticket_index.put(ticket_id, ticket["generated_timestamp"])

    def update_ticket(self, ticket_id: int, fields: dict[str, Any],
                      author_id: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply an update body; returns the ticket and the audit describing the change."""
        ticket = self._ticket(ticket_id)
        if ticket["status"] == "closed":
            raise RecordInvalid({"status": [{"description": "Status: closed prevents ticket update",
                                             "error": "ClosedPreventsUpdate"}]})
        rules.validate(fields, creating=False)
        if fields.get("safe_update") and fields.get("updated_stamp") != ticket["updated_at"]:
            raise UpdateConflict("Safe Update prevented the update due to outdated ticket data. "
                                 "Please fetch the latest ticket data and try again.")
        if "requester_id" in fields and fields["requester_id"] not in self.users:
            self._requester(fields)
        author = author_id or self.agent_id
        now = format_iso(self.now())
        changed = rules.changes(ticket, fields)
        audit = self._audit(ticket, author, fields.get("metadata"), "api", now)
        comments = []
        if fields.get("comment"):
            # `public` sticks from the ticket's first comment unless sent again.
            sticky = self.comments[ticket_id][0]["public"]
            comments = [rules.make_comment(fields["comment"], self.next_id, author, sticky, now,
                                           "api")]
        audit["events"] = [*self._attach(comments, audit),
                           *rules.change_events(changed, self.next_id)]
        if audit["events"]:
            self._apply(ticket, changed, comments, audit)
            self._announce(ticket, changed, comments, author)
        return render_ticket(ticket, self.base), audit

    def _apply(self, ticket: dict, changed: dict, comments: list[dict], audit: dict) -> None:
        if "external_id" in changed:
            self._index_external_id(ticket["id"], *changed["external_id"])
        if "satisfaction_rating" in changed:
            rating = changed["satisfaction_rating"][1]
            changed["satisfaction_rating"] = (None, {"id": self.next_id("event"), **rating})
        for name, (_previous, value) in changed.items():
            ticket[name] = value
        self.comments[ticket["id"]].extend(comments)
        ticket["is_public"] = ticket["is_public"] or any(c["public"] for c in comments)
        self.audits[ticket["id"]].append(audit)
        # Every update moves both stamps, so the ticket comes back in the export stream.
        ticket["updated_at"] = audit["created_at"]
        ticket["generated_timestamp"] = int(self.now().timestamp())
        self.ticket_index.put(ticket["id"], ticket["generated_timestamp"])

    def _announce(self, ticket: dict, changed: dict, comments: list[dict], author: int) -> None:
        for name, (previous, value) in changed.items():
            if name in CHANGE_EVENTS:
                event = {"previous": _event_value(name, previous),
                         "current": _event_value(name, value)}
                self._fire(CHANGE_EVENTS[name], ticket, author, event)
        for comment in comments:
            writer = self.users.get(comment["author_id"], {})
            self._fire("comment_added", ticket, author, {"comment": {
                "id": str(comment["id"]), "body": comment["body"], "is_public": comment["public"],
                "author": {"id": str(comment["author_id"]), "name": writer.get("name"),
                           "is_staff": writer.get("role", "agent") != "end-user"}}})

    def _fire(self, what: str, ticket: dict, actor_id: int, event: dict) -> None:
        self.hooks.fire(EVENT_PREFIX + what, f"zen:ticket:{ticket['id']}",
                        webhook_detail(ticket, actor_id), event)

    def create_ticket_idempotent(self, key: str | None, raw_body: bytes,
                                 fields: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
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
        """Queue a bulk create (at most 100 tickets); returns the job status."""
        if not isinstance(items, list) or not items:
            raise RecordInvalid({"tickets": [{"description": "Tickets: cannot be blank",
                                              "error": "BlankValue"}]})
        if len(items) > MAX_ITEMS:
            raise TooManyValues(f"You can only create up to {MAX_ITEMS} tickets at once")

        def work(item: Any) -> int:
            fields = item if isinstance(item, dict) else {}
            if imported:
                return self.import_ticket(fields)["id"]
            return self.create_ticket_audited(fields)[0]["id"]

        job_type = "bulk_import_tickets" if imported else "bulk_create_tickets"
        return self.jobs.run(job_type, items, work, self.now())

    def import_ticket(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Ticket import: keeps `created_at`/`updated_at`, takes `comments`, runs no triggers."""
        return self.create_ticket_audited(fields, fields.get("created_at"),
                                          fields.get("updated_at"), imported=True)[0]
