"""Users, organizations, search and the incremental exports."""

from flask import Blueprint, jsonify, request

from sandbox.zendesk import exports
from sandbox.zendesk.routing import (
    args,
    big_json,
    body,
    both,
    created,
    listing,
    too_many_requests,
)

USER_LIMIT_TEXT = "You have exceeded the rate limit for updating a single unique user"


def register(bp: Blueprint, state) -> None:
    @both(bp, "/users/<int:user_id>")
    def show_user(user_id: int):
        return jsonify({"user": state.user(user_id)})

    @both(bp, "/users/search")
    def search_users():
        users = state.find_users(request.args.get("query"), request.args.get("external_id"))
        return listing("users", users)

    @both(bp, "/users/create_or_update", methods=("POST",))
    def create_or_update_user():
        fields = body("user")
        wait = state.limits.user_write(state.match_user(fields))
        if wait:
            return too_many_requests(wait, USER_LIMIT_TEXT)
        user, was_created = state.create_or_update_user(fields)
        location = f"/api/v2/users/{user['id']}.json"
        return created({"user": user}, location, status=201 if was_created else 200)

    @both(bp, "/organizations/<int:org_id>")
    def show_organization(org_id: int):
        return jsonify({"organization": state.organization(org_id)})

    @both(bp, "/search")
    def search():
        return jsonify(exports.search_page(state, args()))

    @both(bp, "/incremental/tickets/cursor")
    def export_tickets():
        return big_json(exports.tickets_cursor(state, args()))

    @both(bp, "/incremental/users/cursor")
    def export_users():
        return big_json(exports.users_cursor(state, args()))

    @both(bp, "/incremental/organizations")
    def export_organizations():
        return jsonify(exports.organizations_by_time(state, args()))
