"""The sandbox's Flask app: each tool's routes, the control API, faults and persistence."""

import time

from flask import Flask, jsonify, request

from sandbox import control
from sandbox.hubspot import routes as hubspot_routes
from sandbox.state import SandboxState
from sandbox.zendesk import routes as zendesk_routes

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
TOOL_PREFIXES = (
    ("/api/v2", zendesk_routes),
    ("/crm", hubspot_routes),
    ("/oauth", hubspot_routes),
    ("/webhooks/v3", hubspot_routes),
)


def _tool_routes(path: str):
    for prefix, module in TOOL_PREFIXES:
        if path.startswith(prefix):
            return module
    return None


def create_sandbox_app(state: SandboxState) -> Flask:
    app = Flask("sandbox")
    app.json.sort_keys = False
    app.config["SANDBOX_STATE"] = state
    app.url_map.strict_slashes = False
    app.register_blueprint(zendesk_routes.blueprint(state.zendesk))
    app.register_blueprint(hubspot_routes.blueprint(state.hubspot))
    app.register_blueprint(control.blueprint(state))

    @app.before_request
    def inject_faults():
        routes = _tool_routes(request.path)
        if routes is None:
            return None
        state.stats.count(
            f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
        )
        faults = state.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if faults.storm_429:
            state.stats.rate_limited += 1
            return routes.too_many_requests(retry_after=1)
        if faults.timeout_rate and state.random.random() < faults.timeout_rate:
            # Longer than any client timeout Momentos uses; the request then fails.
            time.sleep(31)
        if faults.error_rate and state.random.random() < faults.error_rate:
            return jsonify({"error": "ServiceUnavailable", "description": "sandbox fault"}), 503
        state.lock.acquire()
        request.environ["sandbox.locked"] = True
        return None

    @app.teardown_request
    def release(_exc):
        if request.environ.pop("sandbox.locked", False):
            state.lock.release()

    @app.after_request
    def persist(response):
        if request.method in MUTATING and response.status_code < 500:
            state.save()
        return response

    return app
