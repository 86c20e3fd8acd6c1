"""HubSpot CRM over HTTP: auth, rate limits, objects, batch and search (HUBSPOT.md §§1-5).

Only translation lives here: query strings and bodies in, `HubSpotState` calls, JSON and
status codes out. The other read APIs are in `meta_routes.py`.
"""

import math
import uuid

from flask import Blueprint, Response, g, jsonify, request

from connectors.hubspot import API_VERSION
from sandbox.hubspot import batch, meta_routes, schema
from sandbox.hubspot.errors import HubSpotError, validation
from sandbox.hubspot.http import error_response, flag, json_body, limit_arg, names, paged
from sandbox.hubspot.models import API_SOURCE

V3 = f"/crm/{API_VERSION}"
OBJECTS = f"{V3}/objects/<object_type>"
DEFAULT_LIMIT, MAX_LIMIT = 10, 100
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 "
    "authentication and you can find more details at "
    "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
SEARCH_ENDPOINT = "hubspot.search"


def too_many_requests(retry_after: int) -> Response:
    """HubSpot's burst 429 (§5.2); Retry-After is the sandbox's courtesy, HubSpot's is optional."""
    return _rate_limited(
        "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING", retry_after
    )


def _rate_limited(message: str, policy: str, retry_after: int | None) -> Response:
    response = jsonify(
        {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
        }
    )
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def blueprint(state) -> Blueprint:
    bp = Blueprint("hubspot", __name__)
    _guard(bp, state)
    _read_routes(bp, state)
    _write_routes(bp, state)
    _batch_routes(bp, state)
    meta_routes.register(bp, state)
    bp.register_error_handler(HubSpotError, error_response)
    return bp


def _guard(bp: Blueprint, state) -> None:
    @bp.before_request
    def authenticate_and_throttle():
        if request.headers.get("Authorization") != f"Bearer {state.settings.hubspot_token}":
            return error_response(HubSpotError(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE))
        if request.endpoint == SEARCH_ENDPOINT:
            # Search has its own per-second budget and sends no rate-limit headers (§3.2).
            if state.throttle.take_search():
                return _rate_limited("You have reached your secondly limit.", "SECONDLY", None)
            return None
        wait, policy = state.throttle.take()
        g.hubspot_budget = True
        if policy == "DAILY":
            return _rate_limited("You have reached your daily limit.", "DAILY", math.ceil(wait))
        if policy:
            return too_many_requests(max(1, math.ceil(wait)))
        return None

    @bp.after_request
    def rate_limit_headers(response: Response) -> Response:
        budget = state.throttle.budget() if g.get("hubspot_budget") else None
        if budget:
            response.headers.update(
                {
                    "X-HubSpot-RateLimit-Daily": str(budget["daily"]),
                    "X-HubSpot-RateLimit-Daily-Remaining": str(budget["daily_remaining"]),
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(budget["interval_ms"]),
                    "X-HubSpot-RateLimit-Max": str(budget["max"]),
                    "X-HubSpot-RateLimit-Remaining": str(budget["remaining"]),
                }
            )
        return response


def _read_routes(bp: Blueprint, state) -> None:
    @bp.get(OBJECTS)
    def list_objects(object_type: str):
        object_type = state.resolve(object_type)
        records, after = state.page(
            object_type,
            limit_arg(DEFAULT_LIMIT, MAX_LIMIT),
            request.args.get("after"),
            flag("archived"),
        )
        wanted, linked = names("properties") or None, _association_types()
        return jsonify(paged([state.view(object_type, r, wanted, linked) for r in records], after))

    @bp.get(f"{OBJECTS}/<record_id>")
    def get_object(object_type: str, record_id: str):
        object_type = state.resolve(object_type)
        record = state.find(
            object_type, record_id, request.args.get("idProperty"), flag("archived")
        )
        return jsonify(
            state.view(object_type, record, names("properties") or None, _association_types())
        )

    # Its endpoint name, `hubspot.search`, is what the guard gives its own budget.
    @bp.post(f"{OBJECTS}/search")
    def search(object_type: str):
        return jsonify(state.search(object_type, json_body()))


def _write_routes(bp: Blueprint, state) -> None:
    @bp.post(OBJECTS)
    def create_object(object_type: str):
        object_type = state.resolve(object_type)
        # A one-input batch without a trace id: same checks, refused as a whole.
        answer = batch.create_many(state, object_type, {"inputs": [json_body()]})
        return jsonify(answer["results"][0]), 201

    @bp.patch(f"{OBJECTS}/<record_id>")
    def update_object(object_type: str, record_id: str):
        object_type = state.resolve(object_type)
        record = state.update_object(
            object_type,
            record_id,
            json_body().get("properties"),
            API_SOURCE,
            request.args.get("idProperty"),
        )
        return jsonify(state.view(object_type, record, full=True))

    @bp.post(f"{OBJECTS}/merge")
    def merge_objects(object_type: str):
        body = json_body()
        primary, merged = body.get("primaryObjectId"), body.get("objectIdToMerge")
        if primary in (None, "") or merged in (None, ""):
            raise validation("Send primaryObjectId and objectIdToMerge")
        record = state.merge(object_type, str(primary), str(merged), API_SOURCE)
        return jsonify(state.view(state.resolve(object_type), record, full=True))

    @bp.delete(f"{OBJECTS}/<record_id>")
    def archive_object(object_type: str, record_id: str):
        object_type = state.resolve(object_type)
        batch.archive_many(state, object_type, {"inputs": [{"id": record_id}]})
        return Response(status=204)


def _association_types() -> list[str]:
    """`?associations=contacts,0-2`: known types by plural name; unknown ones are ignored."""
    found = []
    for name in names("associations"):
        resolved = schema.resolve_type(name)
        if resolved and resolved not in found:
            found.append(resolved)
    return found


def _batch_routes(bp: Blueprint, state) -> None:
    """One rule per operation, so the coverage list names each (an unknown one is a 404)."""
    writes = {
        "create": (batch.create_many, 201),
        "update": (batch.update_many, 200),
        "read": (batch.read_many, 200),
    }

    @bp.post(f"{OBJECTS}/batch/archive")
    def batch_archive(object_type: str):
        batch.archive_many(state, state.resolve(object_type), json_body())
        return Response(status=204)

    def batch_call(object_type: str, operation: str):
        object_type = state.resolve(object_type)
        run, status = writes[operation]
        answer = run(state, object_type, json_body())
        return jsonify(answer), 207 if answer.get("numErrors") else status

    for operation in writes:
        bp.add_url_rule(
            f"{OBJECTS}/batch/{operation}",
            f"batch_{operation}",
            batch_call,
            methods=["POST"],
            defaults={"operation": operation},
        )
