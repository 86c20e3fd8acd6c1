"""The sandbox's Flask app: each tool's routes, the control API, faults, stats, persistence."""

from flask import Flask, Response, request

from sandbox import control, faults
from sandbox.hubspot import routes as hubspot_routes
from sandbox.hubspot import webhook_routes as hubspot_webhook_routes
from sandbox.state import SandboxState
from sandbox.zendesk import routes as zendesk_routes

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
TOOL_PREFIXES = (
    ("/api/v2", "zendesk"),
    ("/crm", "hubspot"),
    ("/oauth", "hubspot"),
    ("/webhooks/v3", "hubspot"),
)
# Each tool's own 429 answer, used by the storm fault.
TOO_MANY_REQUESTS = {
    "zendesk": zendesk_routes.too_many_requests,
    "hubspot": hubspot_routes.too_many_requests,
}


def tool_of(path: str) -> str | None:
    for prefix, tool in TOOL_PREFIXES:
        if path.startswith(prefix):
            return tool
    return None


def create_sandbox_app(state: SandboxState) -> Flask:
    app = Flask("sandbox")
    app.json.sort_keys = False
    app.config["SANDBOX_STATE"] = state
    app.url_map.strict_slashes = False
    app.register_blueprint(zendesk_routes.blueprint(state.zendesk))
    app.register_blueprint(hubspot_routes.blueprint(state.hubspot))
    app.register_blueprint(hubspot_webhook_routes.blueprint(state.hubspot))
    app.register_blueprint(control.blueprint(state))
    _faults_and_locking(app, state)
    return app


def _release(state: SandboxState) -> None:
    if request.environ.pop("sandbox.locked", False):
        state.lock.release()


def _faults_and_locking(app: Flask, state: SandboxState) -> None:
    """Tool requests: counted, maybe faulted, then run one at a time under the state lock."""

    @app.before_request
    def inject_faults():
        tool = tool_of(request.path)
        if tool is None:
            return None
        rule = request.url_rule.rule if request.url_rule else request.path
        state.stats.count_request(f"{request.method} {rule}")
        chosen = faults.plan(state.faults, tool, state.randoms[tool])
        if chosen.latency:
            state.pause(chosen.latency)
        if chosen.storm:
            request.environ["sandbox.storm"] = True
            return TOO_MANY_REQUESTS[tool](faults.STORM_RETRY_AFTER)
        if chosen.error:
            state.stats.count_injected("errors")
            return faults.server_error(tool)
        request.environ["sandbox.hang"] = chosen.hang
        state.lock.acquire()
        request.environ["sandbox.locked"] = True
        return None

    @app.after_request
    def count_persist_and_hang(response: Response) -> Response:
        tool = tool_of(request.path)
        if tool and response.status_code == 429:
            # Storm or the tool's own limiters: both are 429s a client had to handle.
            state.stats.count_429(tool, storm=request.environ.get("sandbox.storm", False))
        if request.method in MUTATING and response.status_code < 500:
            state.save()
        hang = request.environ.pop("sandbox.hang", 0)
        if hang:
            # The request has run; others may go on while this answer is held back.
            _release(state)
            state.stats.count_injected("timeouts")
            state.pause(hang)
        return response

    @app.teardown_request
    def release(_exc):
        _release(state)
