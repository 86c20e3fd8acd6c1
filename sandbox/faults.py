"""Failures the sandbox injects (`/_sandbox/faults`) and the choice of one per request.

The choice is pure (faults, tool and a random generator in, a `Plan` out) so it can be
tested apart; `app.py` only acts on it. Each tool draws from its own generator, seeded
from `seed`, so one tool's sequence does not depend on how busy the other tool is.
"""

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from flask import Response, jsonify

from sandbox.hubspot.errors import HubSpotError

TOOLS = ("zendesk", "hubspot")
# Longer than the 30 s read timeout Momentos' clients use, so the call fails there.
DEFAULT_TIMEOUT_SECONDS = 35.0
STORM_RETRY_AFTER = 1


@dataclass
class Faults:
    """The knobs; `tools` scopes all of them (webhooks included) to the named tools."""

    storm_429: bool = False
    error_rate: float = 0.0
    latency_ms: int = 0
    timeout_rate: float = 0.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    drop_webhooks: bool = False
    seed: int = 0
    tools: list[str] = field(default_factory=lambda: list(TOOLS))

    def applies(self, tool: str) -> bool:
        return tool in self.tools


@dataclass(frozen=True)
class Plan:
    """What to do with one tool request: wait, refuse, fail, or answer late."""

    latency: float = 0.0
    storm: bool = False
    error: bool = False
    # Seconds to hold the answer after the request has run: the client times out not
    # knowing whether its write happened, as with a real slow API.
    hang: float = 0.0


def plan(faults: Faults, tool: str, rng: random.Random) -> Plan:
    """The fault for one request. A rate only draws when it is set, so `error_rate`
    alone gives the same sequence whatever the other knobs say."""
    if not faults.applies(tool):
        return Plan()
    latency = faults.latency_ms / 1000
    if faults.storm_429:
        return Plan(latency, storm=True)
    if faults.error_rate and rng.random() < faults.error_rate:
        return Plan(latency, error=True)
    if faults.timeout_rate and rng.random() < faults.timeout_rate:
        return Plan(latency, hang=faults.timeout_seconds)
    return Plan(latency)


def generators(faults: Faults) -> dict[str, random.Random]:
    return {tool: random.Random(f"{faults.seed}:{tool}") for tool in TOOLS}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _rate(value: Any) -> bool:
    return _number(value) and 0 <= value <= 1


def _tools(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(tool in TOOLS for tool in value)


# knob -> (is the value valid, what a valid value is)
CHECKS = {
    "storm_429": (lambda v: isinstance(v, bool), "must be true or false"),
    "drop_webhooks": (lambda v: isinstance(v, bool), "must be true or false"),
    "error_rate": (_rate, "must be a number from 0 to 1"),
    "timeout_rate": (_rate, "must be a number from 0 to 1"),
    "latency_ms": (_count, "must be a whole number, 0 or more"),
    "seed": (_count, "must be a whole number, 0 or more"),
    "timeout_seconds": (lambda v: _number(v) and v > 0, "must be a number of seconds above 0"),
    "tools": (_tools, f"must be a non-empty list drawn from {list(TOOLS)}"),
}


def update(current: Faults, body: Any) -> tuple[Faults | None, list[str]]:
    """`current` with the knobs in `body` changed, or every problem as `key: why (got v)`."""
    if not isinstance(body, Mapping):
        return None, ["send a JSON object of faults"]
    known = [f.name for f in fields(Faults)]
    problems = [f"{key}: unknown fault; known: {known}" for key in body if key not in known]
    for key, value in body.items():
        valid, wanted = CHECKS.get(key, (None, ""))
        if valid is not None and not valid(value):
            problems.append(f"{key}: {wanted} (got {value!r})")
    if problems:
        return None, problems
    return Faults(**{**asdict(current), **body}), []


def server_error(tool: str) -> Response:
    """A 503 in the tool's own error shape (ZENDESK.md §12, HUBSPOT.md §7)."""
    if tool == "hubspot":
        body = HubSpotError(503, "SERVICE_UNAVAILABLE", "Service unavailable (sandbox fault)")
        response = jsonify(body.body())
    else:
        response = jsonify({"error": "ServiceUnavailable", "description": "sandbox fault"})
    response.status_code = 503
    return response
