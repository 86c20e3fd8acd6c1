"""Tickets of the fake account: create, import, update (a mixin of `ZendeskState`)."""

from datetime import datetime
from typing import Any

from connectors.timefmt import format_iso
from sandbox.zendesk import tickets as rules
from sandbox.zendesk.errors import RecordNotFound, UpdateConflict, invalid
from sandbox.zendesk.people import moment
from sandbox.zendesk.shapes import render_audit, render_comment, render_ticket, webhook_detail

EVENT_PREFIX = "zen:event-type:ticket."
# Ticket fields whose change Zendesk announces as its own event type.
CHANGE_EVENTS = {
    "status": "status_changed",
    "priority": "priority_changed",
    "subject": "subject_changed",
    "assignee_id": "agent_assignment_changed",
    "group_id": "group_assignment_changed",
    "external_id": "external_id_changed",
}
ENUM_FIELDS = ("status", "priority", "type")


def _channel(via: Any) -> str:
    if isinstance(via, dict):
        return str(via.get("channel") or "api")
    return str(via or "api")


def _event_value(field: str, value: Any) -> Any:
    if field in ENUM_FIELDS and isinstance(value, str):
        return value.upper()
    return str(value) if field.endswith("_id") and value is not None else value


def _check_updatable(ticket: dict[str, Any], fields: dict[str, Any]) -> None:
    if ticket["status"] == "closed":
        raise invalid("status", "Status: closed prevents ticket update", "ClosedPreventsUpdate")
    rules.validate(fields, creating=False)
    if fields.get("safe_update") and fields.get("updated_stamp") != ticket["updated_at"]:
        raise UpdateConflict(
            "Safe Update prevented the update due to outdated ticket data. "
            "Please fetch the latest ticket data and try again."
        )


class Desk:
    def _ticket(self, ticket_id: int) -> dict[str, Any]:
        """The stored ticket, read-only (generated ones are built afresh on each read)."""
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
        comments = self.tickets.comments_of(ticket_id)
        audits = self.tickets.audits_of(ticket_id)
        return [render_audit(audit, ticket_id, comments) for audit in audits]

    def ticket_comments(self, ticket_id: int) -> list[dict[str, Any]]:
        self._ticket(ticket_id)
        return [render_comment(comment) for comment in self.tickets.comments_of(ticket_id)]

    def _index_external_id(self, ticket_id: int, old: str | None, new: str | None) -> None:
        if old is not None:
            self.by_external_id[old].remove(ticket_id)
        if new is not None:
            self.by_external_id.setdefault(new, []).append(ticket_id)

    def create_ticket(
        self, fields: dict[str, Any], created_at: datetime | str | None = None
    ) -> dict[str, Any]:
        return self.create_ticket_audited(fields, created_at)[0]

    def import_ticket(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Ticket import: keeps `created_at`/`updated_at`, takes `comments`, runs no triggers."""
        created, updated = fields.get("created_at"), fields.get("updated_at")
        return self.create_ticket_audited(fields, created, updated, imported=True)[0]

    def create_ticket_audited(
        self, fields: dict[str, Any], created_at=None, updated_at=None, imported: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create a ticket; imports keep their timestamps and fire no webhooks."""
        history = fields.get("comments") if imported else None
        if history is not None:
            fields = {**fields, "comment": history[0] if history else None}
        rules.validate(fields, creating=True)
        people = self._people(fields)
        created = moment(created_at, self.now())
        updated = moment(updated_at, created)
        channel = _channel(fields.get("via"))
        stamps = (format_iso(created), format_iso(updated), int(updated.timestamp()))
        ticket = rules.new_ticket(self.next_id("ticket"), fields, people, *stamps, channel)
        comments = self._first_comments(ticket, history or [fields["comment"]], history is None)
        submitter = people["submitter_id"]
        audit = self._audit(submitter, fields.get("metadata"), channel, stamps[0])
        self._attach(comments, audit)
        audit["events"] = rules.create_events(ticket, self.next_id)
        self._store_new(ticket, comments, audit)
        if not imported:
            self._fire("created", ticket, submitter, {})
            self.run_triggers("Create", ticket)
        return render_ticket(ticket, self.base), render_audit(audit, ticket["id"], comments)

    def _people(self, fields: dict[str, Any]) -> dict[str, int | None]:
        requester_id = self.requester_for(fields)
        comment = fields["comment"]
        author = comment.get("author_id") if isinstance(comment, dict) else None
        return {
            "requester_id": requester_id,
            "submitter_id": fields.get("submitter_id") or author or self.agent_id,
            "organization_id": self.users[requester_id]["organization_id"],
        }

    def _first_comments(self, ticket: dict, specs: list, written_now: bool) -> list[dict]:
        when, channel = ticket["created_at"], ticket["via"]
        comments = [
            rules.make_comment(spec, self.next_id, ticket["submitter_id"], True, when, channel)
            for spec in specs
        ]
        if written_now:
            # Only imports may date their comments; a create writes its comment now.
            comments[0]["created_at"] = when
        ticket["description"] = comments[0]["body"]
        ticket["is_public"] = any(c["public"] for c in comments)
        return comments

    def _audit(self, author_id: int, metadata: Any, channel: str, when: str) -> dict[str, Any]:
        """A stored audit (compact; `shapes.render_audit` expands it)."""
        audit = {
            "id": self.next_id("audit"),
            "created_at": when,
            "author_id": author_id,
            "via": channel,
            "events": [],
        }
        if isinstance(metadata, dict) and metadata:
            # A ticket's `metadata` lands in the audit's `metadata.custom`.
            audit["custom"] = dict(metadata)
        return audit

    def _attach(self, comments: list[dict], audit: dict) -> None:
        for comment in comments:
            comment["audit_id"] = audit["id"]
        if comments:
            audit["comment_ids"] = [comment["id"] for comment in comments]

    def _store_new(self, ticket: dict, comments: list[dict], audit: dict) -> None:
        ticket_id = ticket["id"]
        self.tickets.add(ticket, comments, [audit])
        self._index_external_id(ticket_id, None, ticket["external_id"])
        self.ticket_index.put(ticket_id, ticket["generated_timestamp"])

    def update_ticket(
        self, ticket_id: int, fields: dict[str, Any], author_id: int | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply an update body; returns the ticket and the audit describing the change."""
        ticket = self._ticket(ticket_id)
        _check_updatable(ticket, fields)
        if "requester_id" in fields:
            self.requester_for({"requester_id": fields["requester_id"]})
        changed = rules.changes(ticket, fields)
        author = author_id or self.agent_id
        return self.change_ticket(
            ticket_id, changed, author, fields.get("comment"), fields.get("metadata")
        )

    def change_ticket(
        self,
        ticket_id: int,
        changed: dict[str, tuple[Any, Any]],
        author: int,
        comment: Any = None,
        metadata: Any = None,
        when: datetime | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Record `changed` (field -> (previous, value)) and a comment as one audit at `when`.

        A backdated change (seeding history) never moves the ticket's stamps backwards:
        in Zendesk they only grow, and a poller past them would miss the change.
        """
        at = when or self.now()
        stamp = format_iso(at)
        audit = self._audit(author, metadata, "api", stamp)
        comments = []
        if comment:
            # `public` sticks from the ticket's first comment unless sent again.
            sticky = self.tickets.comments_of(ticket_id)[0]["public"]
            comments = [rules.make_comment(comment, self.next_id, author, sticky, stamp, "api")]
        self._attach(comments, audit)
        audit["events"] = rules.change_events(changed, self.next_id)
        if comments or changed:
            ticket = self.tickets.edit(ticket_id)
            moved = (stamp, int(at.timestamp()))
            if when is not None:
                old = (ticket["updated_at"], ticket["generated_timestamp"])
                moved = (max(moved[0], old[0]), max(moved[1], old[1]))
            self._apply(ticket, changed, comments, audit, moved)
            self._announce(ticket, changed, comments, author)
            self.run_triggers("Change", ticket)
        else:
            ticket = self._ticket(ticket_id)
        return render_ticket(ticket, self.base), render_audit(audit, ticket_id, comments)

    def _apply(
        self, ticket: dict, changed: dict, comments: list[dict], audit: dict, moved: tuple
    ) -> None:
        if "external_id" in changed:
            self._index_external_id(ticket["id"], *changed["external_id"])
        for name, (_previous, value) in changed.items():
            ticket[name] = value
        self.tickets.comments[ticket["id"]].extend(comments)
        ticket["is_public"] = ticket["is_public"] or any(c["public"] for c in comments)
        self.tickets.audits[ticket["id"]].append(audit)
        # Every update moves both stamps, so the ticket comes back in the export stream.
        ticket["updated_at"], ticket["generated_timestamp"] = moved
        self.ticket_index.put(ticket["id"], ticket["generated_timestamp"])

    def _announce(self, ticket: dict, changed: dict, comments: list[dict], author: int) -> None:
        for name, (previous, value) in changed.items():
            if name in CHANGE_EVENTS:
                event = {"previous": _event_value(name, previous)}
                event["current"] = _event_value(name, value)
                self._fire(CHANGE_EVENTS[name], ticket, author, event)
        for comment in comments:
            writer = self.users.get(comment["author_id"], {})
            shown = {
                "id": str(comment["id"]),
                "body": comment["body"],
                "is_public": comment["public"],
                "author": {
                    "id": str(comment["author_id"]),
                    "name": writer.get("name"),
                    "is_staff": writer.get("role", "agent") != "end-user",
                },
            }
            self._fire("comment_added", ticket, author, {"comment": shown})

    def _fire(self, what: str, ticket: dict, actor_id: int, event: dict) -> None:
        detail = webhook_detail(ticket, actor_id)
        self.hooks.fire(EVENT_PREFIX + what, f"zen:ticket:{ticket['id']}", detail, event)
