"""Ticket, job-status and ticket-import routes."""

from flask import Blueprint, jsonify, request

from sandbox.zendesk import exports
from sandbox.zendesk.paging import page_size
from sandbox.zendesk.routing import (
    args,
    big_json,
    body,
    both,
    created,
    listing,
    too_many_requests,
)

UPDATE_LIMIT_TEXT = "Number of allowed ticket updates per 10 minutes exceeded"


def register(bp: Blueprint, state) -> None:
    @both(bp, "/tickets", methods=("POST",))
    def create_ticket():
        fields = body("ticket")
        key = request.headers.get("Idempotency-Key")
        lookup, payload = state.create_ticket_idempotent(key, request.get_data(), fields)
        response = created(payload, payload["ticket"]["url"])
        if lookup:
            response.headers["x-idempotency-lookup"] = lookup
        return response

    @both(bp, "/tickets")
    def list_tickets():
        if "external_id" in request.args:
            return listing("tickets", state.tickets_by_external_id(request.args["external_id"]))
        raw_size = request.args.get("page[size]")
        size = page_size(raw_size) if raw_size is not None else None
        return big_json(exports.list_tickets(state, args(), size))

    @both(bp, "/tickets/<int:ticket_id>")
    def show_ticket(ticket_id: int):
        return jsonify({"ticket": state.ticket(ticket_id)})

    @both(bp, "/tickets/<int:ticket_id>", methods=("PUT",))
    def update_ticket(ticket_id: int):
        fields = dict(body("ticket"))
        # Ratings come from requesters through their own endpoint; only the seed sets them.
        fields.pop("satisfaction_rating", None)
        wait = state.limits.ticket_update(ticket_id)
        if wait:
            return too_many_requests(wait, UPDATE_LIMIT_TEXT)
        ticket, audit = state.update_ticket(ticket_id, fields)
        return jsonify({"ticket": ticket, "audit": audit})

    register_related(bp, state)


def register_related(bp: Blueprint, state) -> None:
    """A ticket's audits and comments, bulk creates, job statuses and imports."""

    def records(key: str, items: list[dict], path: str):
        """The whole list, or a cursor page of it when `page[size]` is sent."""
        raw_size = request.args.get("page[size]")
        if raw_size is None:
            return listing(key, items)
        by_id = {item["id"]: item for item in items}
        page = exports.cursor_listing(
            state, key, list(by_id), by_id.__getitem__, path, args(), page_size(raw_size)
        )
        return jsonify(page)

    @both(bp, "/tickets/<int:ticket_id>/audits")
    def ticket_audits(ticket_id: int):
        path = f"tickets/{ticket_id}/audits.json"
        return records("audits", state.ticket_audits(ticket_id), path)

    @both(bp, "/tickets/<int:ticket_id>/comments")
    def ticket_comments(ticket_id: int):
        path = f"tickets/{ticket_id}/comments.json"
        return records("comments", state.ticket_comments(ticket_id), path)

    @both(bp, "/tickets/create_many", methods=("POST",))
    def create_many():
        return jsonify({"job_status": state.create_many(body().get("tickets"))})

    # A static rule outranks `<job_id>`, so `show_many` is never read as a job id.
    @both(bp, "/job_statuses/show_many")
    def job_statuses_show_many():
        return jsonify({"job_statuses": state.jobs.show_many(request.args.get("ids"), state.now())})

    @both(bp, "/job_statuses/<job_id>")
    def job_status(job_id: str):
        return jsonify({"job_status": state.jobs.get(job_id, state.now())})

    @both(bp, "/imports/tickets", methods=("POST",))
    def import_ticket():
        ticket = state.import_ticket(body("ticket"))
        return created({"ticket": ticket}, ticket["url"])

    @both(bp, "/imports/tickets/create_many", methods=("POST",))
    def import_many():
        return jsonify({"job_status": state.create_many(body().get("tickets"), imported=True)})
