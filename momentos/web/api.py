"""The admin JSON API under /api, for scripts: bearer-token authenticated, one error shape.

GET  /api/actions?state=&page=              the outbox, newest first
GET  /api/customers/<id>/timeline           a customer's moments and the actions they led to
POST /api/workflows/<name>/preview          a dry run now, or {"as_of": "2026-11-23T09:00"}
POST /api/workflows/<name>/backtest         {"from": "2026-11-01", "to": "2026-11-23"}
GET  /api/insights/spikes?window_days=&baseline_days=   rising request shares, largest first
GET  /api/insights/quality?months=          CSAT and NPS by month, moment type and stage
GET  /api/insights/frequency?months=&top=   repeat-request rates and who asks most

Insights name each value twice: `value` as Zendesk keeps it (`app_movil`, for views and
config) and `label` as staff read it (a drop-down option's `App Móvil`, else the value).
"""

from datetime import date, datetime
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, request

from momentos.errors import BadRequest, NotFound
from momentos.insights import analysis, frequency, quality
from momentos.insights.spikes import Thresholds
from momentos.web import auth
from momentos.web.errors import error_body
from momentos.web.ui import reads, workflow_info

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def require_token():
    auth.require_token()


@bp.errorhandler(auth.Unauthorized)
def unauthorized(exc: auth.Unauthorized):
    body, status = error_body(exc.status, str(exc))
    body.headers["WWW-Authenticate"] = 'Bearer realm="momentos"'
    return body, status


def _context():
    config = current_app.config
    return config["STORE"], config["SETTINGS"], config["CLOCK"].now()


def _body() -> dict[str, Any]:
    """The JSON object sent, or {} when nothing was; anything else is a 400."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


MAX_NUMBER = 1_000_000  # far past any page; a larger offset overflows SQLite's integers


def _positive(name: str, default: int) -> int:
    text = request.args.get(name, str(default))
    # isdigit() alone takes "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_NUMBER:
        raise BadRequest(f"{name} must be a whole number from 1 to {MAX_NUMBER} (got {text!r})")
    return int(text)


@bp.get("/actions")
def actions():
    store, settings, _ = _context()
    states = request.args.getlist("state")
    unknown = sorted(set(states) - set(reads.STATES))
    if unknown:
        raise BadRequest(f"unknown state {unknown[0]!r}; known: {', '.join(reads.STATES)}")
    page = _positive("page", 1)
    size = min(_positive("per_page", settings.ui["page_size"]), 500)
    rows, total = store.actions_page(states, (page - 1) * size, size)
    return jsonify(
        {
            "actions": reads.action_rows(store, rows),
            "page": page,
            "per_page": size,
            "pages": max(1, ceil(total / size)),
            "total": total,
        }
    )


@bp.get("/customers/<int:customer_id>/timeline")
def timeline(customer_id: int):
    store, settings, _ = _context()
    data = reads.timeline(store, settings, customer_id)
    if data is None:
        raise NotFound(f"No customer with id {customer_id}")
    return jsonify(data)


def _as_of(value: Any, time_zone: str) -> datetime | None:
    """An ISO date-time; without an offset it is read in the company's timezone."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRequest(f"as_of is not an ISO date-time (got {value!r})") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(time_zone))


def _date(body: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(str(body[key]))
    except KeyError as exc:
        raise BadRequest(f"{key} is required (an ISO date such as 2026-11-01)") from exc
    except ValueError as exc:
        raise BadRequest(f"{key} is not an ISO date (got {body[key]!r})") from exc


@bp.post("/workflows/<name>/preview")
def preview(name: str):
    store, settings, now = _context()
    workflow_info.workflow_or_404(name)
    as_of = _as_of(_body().get("as_of"), settings.timezone)
    return jsonify(workflow_info.preview(store, settings, name, now, as_of))


@bp.post("/workflows/<name>/backtest")
def backtest(name: str):
    store, settings, now = _context()
    workflow_info.workflow_or_404(name)
    body = _body()
    start, end = _date(body, "from"), _date(body, "to")
    return jsonify(workflow_info.run_backtest(store, settings, name, start, end, now))


def _at_most(name: str, default: int, most: int) -> int:
    value = _positive(name, default)
    if value > most:
        raise BadRequest(f"{name} must be at most {most} (got {value})")
    return value


@bp.get("/insights/spikes")
def spikes():
    store, settings, now = _context()
    thresholds = Thresholds(window_days=_at_most("window_days", Thresholds.window_days, 90),
                            baseline_days=_at_most("baseline_days", Thresholds.baseline_days,
                                                   365))  # fmt: skip
    found = analysis.detect_spikes(store, settings.timezone, now, thresholds)
    labels = reads.labels(store, settings)
    return jsonify([analysis.told(analysis.as_json(spike), labels) for spike in found])


@bp.get("/insights/quality")
def quality_report():
    store, settings, now = _context()
    months = _at_most("months", 6, 24)
    return jsonify(quality.quality(store, settings.timezone, now, months))


@bp.get("/insights/frequency")
def frequency_report():
    store, settings, now = _context()
    months, top = _at_most("months", 3, 24), _at_most("top", 10, 100)
    labels = reads.labels(store, settings)
    return jsonify(frequency.frequency(store, settings.timezone, now, months, top, labels))
