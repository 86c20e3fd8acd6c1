"""The fake Zendesk's HTTP surface under `/api/v2`: auth, rate limits, errors, routes.

State decisions live in `models.py` and its modules; this layer only translates HTTP.
"""

import base64
import binascii
import hmac
import math

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.zendesk import routes_admin, routes_people, routes_tickets, routes_webhooks
from sandbox.zendesk.errors import ZendeskApiError
from sandbox.zendesk.models import ZendeskState
from sandbox.zendesk.routing import too_many_requests

__all__ = ["blueprint", "too_many_requests"]

PREFIX = "/api/v2"
INVALID_ENDPOINT = {"error": "InvalidEndpoint", "description": "Not found"}
# The incremental endpoints answer JSON, unlike the account-wide limit (plain text).
INCREMENTAL_LIMIT_BODY = {
    "error": "APIRateLimitExceeded",
    "description": "Number of allowed incremental export API requests per minute exceeded",
}


def _incremental_limited(retry_after: float) -> Response:
    response = jsonify(INCREMENTAL_LIMIT_BODY)
    response.status_code = 429
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def authorized(header: str | None, settings) -> bool:
    """HTTP Basic with `{email}/token` and the API token; nothing else is accepted."""
    if not header or not header.startswith("Basic "):
        return False
    try:
        user, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected_user = f"{settings.zendesk_agent_email}/token"
    return hmac.compare_digest(user.lower(), expected_user.lower()) and hmac.compare_digest(
        secret, settings.zendesk_api_token
    )


def blueprint(state: ZendeskState) -> Blueprint:
    bp = Blueprint("zendesk", __name__, url_prefix=PREFIX)

    @bp.before_request
    def guard():
        if not authorized(request.headers.get("Authorization"), state.settings):
            return jsonify({"error": "Couldn't authenticate you"}), 401
        refused = state.limits.request("/incremental/" in request.path)
        if refused is None:
            return None
        kind, wait = refused
        return _incremental_limited(wait) if kind == "incremental" else too_many_requests(wait)

    @bp.after_request
    def rate_headers(response: Response) -> Response:
        response.headers["X-Rate-Limit"] = str(state.settings.zendesk_requests_per_minute)
        response.headers["X-Rate-Limit-Remaining"] = str(state.limits.remaining())
        return response

    @bp.errorhandler(ZendeskApiError)
    def api_error(exc: ZendeskApiError):
        return jsonify(exc.body()), exc.status

    routes_tickets.register(bp, state)
    routes_people.register(bp, state)
    routes_webhooks.register(bp, state)
    routes_admin.register(bp, state)

    # Routing fails before any blueprint is chosen, so only app-wide handlers see it; they
    # answer for `/api/v2` alone and leave other paths to Flask. A route-less answer also
    # keeps the generated COVERAGE.md free of a fake catch-all operation.
    @bp.app_errorhandler(404)
    @bp.app_errorhandler(405)
    def invalid_endpoint(exc: HTTPException):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            # Zendesk answers unknown paths and wrong methods alike, in JSON, not HTML.
            return jsonify(INVALID_ENDPOINT), 404
        return exc

    return bp
