"""`/healthz`: says what is wrong, not just that something is.

200 with `problems: []` when fine, 503 with one line per problem otherwise. Every check is
an indexed read, so a load balancer may call it every few seconds:
- the store answers, and has every migration this code knows;
- each polled stream's cursor moved within `polling.max_lag_seconds` (a stream never
  polled yet is listed with no lag and is not a problem: a fresh install is healthy before
  the worker's first poll);
- no pending or retrying action has been due for more than `dispatch.max_backlog_minutes`;
- how long since each tool's last webhook (informational: quiet days are normal).
"""

from datetime import datetime, timedelta

from flask import Blueprint, current_app, jsonify

from connectors.timefmt import parse_iso
from momentos.metrics import poll_lags
from momentos.streams import STREAMS

bp = Blueprint("health", __name__)

TOOLS = ("zendesk", "hubspot")


def _age(now: datetime, stamp: str | None) -> float | None:
    return None if stamp is None else round((now - parse_iso(stamp)).total_seconds(), 3)


def check_schema(store) -> list[str]:
    pending = store.pending_migrations()
    if not pending:
        return []
    return [f"schema: {len(pending)} migration(s) not applied: {', '.join(pending)} "
            "(restart a momentos process to migrate)"]  # fmt: skip


def check_streams(store, now: datetime, max_lag: float) -> tuple[dict, list[str]]:
    lags = dict(poll_lags(store.cursors(), now))
    report = {stream.name: lags.get(stream.name) for stream in STREAMS}
    problems = [
        f"polling: {name} has not moved for {lag:.0f}s (limit {max_lag:.0f}s)"
        for name, lag in sorted(lags.items())
        if lag > max_lag
    ]
    return {name: None if lag is None else round(lag, 3) for name, lag in report.items()}, problems


def check_backlog(store, now: datetime, max_minutes: float) -> tuple[dict, list[str]]:
    count, oldest = store.overdue_actions(now - timedelta(minutes=max_minutes))
    report = {"overdue": count, "oldest_due_at": oldest}
    if not count:
        return report, []
    return report, [f"dispatch: {count} action(s) due for more than {max_minutes:g} minutes "
                    f"(oldest due {oldest}); is the worker running?"]  # fmt: skip


def health(store, settings, now: datetime) -> dict:
    """The whole answer: `ok`, `problems`, and what each check saw."""
    try:
        store.ping()
    except Exception as exc:  # the answer must say what broke, whatever it was
        return {"ok": False, "problems": [f"store: {type(exc).__name__}: {exc}"]}
    problems = check_schema(store)
    streams, lagging = check_streams(store, now, settings.polling["max_lag_seconds"])
    backlog, overdue = check_backlog(store, now, settings.dispatch["max_backlog_minutes"])
    problems += lagging + overdue
    webhooks = {tool: _age(now, store.last_webhook_at(tool)) for tool in TOOLS}
    return {
        "ok": not problems,
        "problems": problems,
        "streams": streams,
        "backlog": backlog,
        "webhook_age_seconds": webhooks,
    }


@bp.get("/healthz")
def healthz():
    app = current_app
    body = health(app.config["STORE"], app.config["SETTINGS"], app.config["CLOCK"].now())
    return jsonify(body), 200 if body["ok"] else 503
