"""Request parsing and answers shared by the HubSpot route modules."""

from flask import Response, jsonify, request

from sandbox.hubspot.errors import HubSpotError, validation


def error_response(exc: HubSpotError) -> tuple[Response, int]:
    return jsonify(exc.body()), exc.status


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise validation("Invalid input JSON: send a JSON object")
    return body


def names(arg: str) -> list[str]:
    """`?properties=a&properties=b` and `?properties=a,b` alike."""
    return [n.strip() for value in request.args.getlist(arg) for n in value.split(",") if n.strip()]


def limit_arg(default: int, maximum: int) -> int:
    raw = request.args.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise validation(f"limit must be an integer between 1 and {maximum} (got {raw!r})")
    return int(raw)


def flag(arg: str) -> bool:
    return request.args.get(arg, "false").lower() == "true"


def paged(results: list, after: str | None) -> dict:
    answer: dict = {"results": results}
    if after is not None:
        answer["paging"] = {"next": {"after": after}}
    return answer
