"""Ticket fields, triggers and satisfaction ratings."""

from flask import Blueprint, Response, jsonify, request

from sandbox.zendesk import exports
from sandbox.zendesk.errors import ZendeskApiError
from sandbox.zendesk.paging import cursor_slice, page_size
from sandbox.zendesk.routing import args, big_json, body, both, created, listing
from sandbox.zendesk.shapes import api_url
from sandbox.zendesk.triggers import render_trigger

RATING_FILTERS = ("score", "start_time", "end_time")


def _epoch(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ZendeskApiError(f"{name} must be a Unix timestamp in seconds") from exc


def register(bp: Blueprint, state) -> None:
    @both(bp, "/ticket_fields")
    def list_ticket_fields():
        return listing("ticket_fields", state.ticket_fields())

    @both(bp, "/ticket_fields", methods=("POST",))
    def create_ticket_field():
        fields = body("ticket_field")
        title, kind = fields.get("title") or "", fields.get("type") or ""
        field = state.create_ticket_field(title, kind, fields.get("custom_field_options") or ())
        return created({"ticket_field": field}, field["url"])

    @both(bp, "/ticket_fields/<int:field_id>")
    def show_ticket_field(field_id: int):
        return jsonify({"ticket_field": state.ticket_field(field_id)})

    @both(bp, "/satisfaction_ratings")
    def list_satisfaction_ratings():
        ids = state.satisfaction_rating_ids(
            request.args.get("score"), _epoch("start_time"), _epoch("end_time")
        )
        shown = {k: request.args[k] for k in RATING_FILTERS if k in request.args}
        parts = (state, "satisfaction_ratings", ids, state.satisfaction_rating)
        path = "satisfaction_ratings.json"
        raw_size = request.args.get("page[size]")
        if raw_size is not None:
            page = exports.cursor_listing(*parts, path, args(), page_size(raw_size), **shown)
        else:
            page = exports.offset_listing(*parts, path, args(), **shown)
        return big_json(page)

    @both(bp, "/satisfaction_ratings/<int:rating_id>")
    def show_satisfaction_rating(rating_id: int):
        return jsonify({"satisfaction_rating": state.satisfaction_rating(rating_id)})

    register_triggers(bp, state)


def register_triggers(bp: Blueprint, state) -> None:
    def shown(trigger: dict) -> dict:
        return render_trigger(trigger, state.base)

    @both(bp, "/triggers")
    def list_triggers():
        if request.args.get("page[size]") is None:
            return listing("triggers", [shown(t) for t in state.triggers.ordered()])
        return jsonify(trigger_page(state, request.args))

    @both(bp, "/triggers", methods=("POST",))
    def create_trigger():
        trigger = state.save_trigger(body("trigger"))
        return created({"trigger": trigger}, api_url(state.base, f"triggers/{trigger['id']}"))

    @both(bp, "/triggers/<int:trigger_id>")
    def show_trigger(trigger_id: int):
        return jsonify({"trigger": shown(state.triggers.get(trigger_id))})

    @both(bp, "/triggers/<int:trigger_id>", methods=("PUT",))
    def update_trigger(trigger_id: int):
        return jsonify({"trigger": state.save_trigger(body("trigger"), trigger_id)})

    @both(bp, "/triggers/<int:trigger_id>", methods=("DELETE",))
    def delete_trigger(trigger_id: int):
        state.triggers.delete(trigger_id)
        return Response(status=204)


def trigger_page(state, query) -> dict:
    """One cursor page of triggers, in position order (`page[size]`, `page[after|before]`)."""
    by_key = {(t["position"], t["id"]): t for t in state.triggers.ordered()}
    # Cursors carry [position, id]; lists compare as the tuples they stand for.
    keys = [list(key) for key in by_key]
    size = page_size(query.get("page[size]"))
    page = cursor_slice(keys, size, query.get("page[after]"), query.get("page[before]"))
    link = api_url(state.base, "triggers") + f"?page[size]={size}"
    return {
        "triggers": [render_trigger(by_key[tuple(key)], state.base) for key in page.keys],
        "meta": {
            "has_more": page.has_more,
            "after_cursor": page.after_cursor,
            "before_cursor": page.before_cursor,
        },
        "links": {
            "next": f"{link}&page[after]={page.after_cursor}" if page.has_more else None,
            "prev": f"{link}&page[before]={page.before_cursor}"
            if query.get("page[after]")
            else None,
        },
    }
