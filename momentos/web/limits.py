"""Rate limits on the public endpoints the survey page and the login form do not cover
(those have their own: `surveys.rate_limit`, `ui.login_rate_limit`). Issue #12.

- Webhooks: refused deliveries per client (a bad signature, a malformed or oversized
  body). Good deliveries are never counted, so a tool's bursts and retries are never held
  up; a client sending garbage gets 429 before its body is read.
- The JSON API: refused calls per client (no token, a wrong one), so a token cannot be
  guessed at speed.
- `/healthz` and `/metrics`: every call per client, generously: a load balancer or
  Prometheus polls every few seconds.

The limits live in `app.config["RATE_LIMITS"]`, read on each request.
"""

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULTS = {"refused": "30 per minute", "probes": "120 per minute"}
# What counts as a refusal: for a webhook, anything a tool never sends (a bad signature, a
# malformed or oversized body); for the API, a missing or wrong token only, so a script
# with the token is never held up by its own 400s and 404s.
REFUSALS = {"webhooks": frozenset({400, 401, 405, 413}), "api": frozenset({401, 403})}


def _refused(blueprint: str):
    return lambda response: response.status_code in REFUSALS[blueprint]


def _limit(name: str):
    return lambda: current_app.config["RATE_LIMITS"][name]


def register(app: Flask) -> None:
    """Limit the blueprints already registered on `app` (webhooks, api, health, metrics)."""
    app.config.setdefault("RATE_LIMITS", dict(DEFAULTS))
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True)
    # Shared across a blueprint's routes: refusals at one webhook count for the other too.
    for name in ("webhooks", "api"):
        refused = limiter.shared_limit(_limit("refused"), scope=name, deduct_when=_refused(name))
        refused(app.blueprints[name])
    for name in ("health", "metrics"):
        limiter.limit(_limit("probes"))(app.blueprints[name])
