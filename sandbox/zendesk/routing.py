"""Small helpers the route modules share: both URL spellings, JSON bodies, 201s."""

import math
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, request

from sandbox.zendesk.errors import ZendeskApiError

ACCOUNT_LIMIT_TEXT = "Number of allowed API requests per minute exceeded"


def too_many_requests(retry_after: float, text: str = ACCOUNT_LIMIT_TEXT) -> Response:
    """A plain-text 429 (account and per-record limits), Retry-After in whole seconds."""
    response = Response(text, status=429, mimetype="text/plain")
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def both(bp: Blueprint, rule: str, methods: tuple[str, ...] = ("GET",)):
    """Register a view at `rule` and at `rule.json`: Zendesk serves every path both ways."""

    def decorate(view):
        for path in (rule, f"{rule}.json"):
            bp.add_url_rule(path, view.__name__, view, methods=list(methods))
        return view

    return decorate


def body(key: str | None = None) -> Any:
    """The JSON body, or its `key` member; Zendesk needs no Content-Type on `.json` paths."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ZendeskApiError("The request body must be a JSON object")
    if key is None:
        return data
    if key not in data:
        raise ZendeskApiError(f"The request body needs a `{key}` member")
    return data[key]


def args() -> dict[str, str]:
    return request.args.to_dict()


def created(payload: dict[str, Any], location: str, status: int = 201) -> Response:
    response = jsonify(payload)
    response.status_code = status
    response.headers["Location"] = location
    return response


def listing(key: str, items: list[Any]) -> Response:
    """A complete list in the offset-pagination envelope (one page)."""
    return jsonify({key: items, "next_page": None, "previous_page": None, "count": len(items)})


def big_json(payload: dict[str, Any]) -> Response:
    """JSON by orjson for the large pages (an export page is ~1 MB): several times faster
    than `jsonify`, which matters when a poller reads a million tickets."""
    return Response(orjson.dumps(payload), mimetype="application/json")
