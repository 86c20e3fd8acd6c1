"""Workflows: what each does, its parameters and schedule, a dry-run preview and a backtest."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from momentos.errors import BadRequest
from momentos.web.ui import workflow_info

bp = Blueprint("workflows", __name__, url_prefix="/workflows")


def _context():
    config = current_app.config
    return config["STORE"], config["SETTINGS"], config["CLOCK"].now()


@bp.get("")
def index():
    store, settings, now = _context()
    return render_template(
        "ui/workflows.html", workflows=workflow_info.describe_all(store, settings, now)
    )


def _one(name: str, **results):
    store, settings, now = _context()
    workflow = workflow_info.workflow_or_404(name)
    info = workflow_info.describe(workflow, store, settings, now)
    return render_template("ui/workflow.html", workflow=info, form=request.form, **results)


@bp.get("/<name>")
def show(name: str):
    return _one(name)


def _as_of(text: str, time_zone: str) -> datetime | None:
    """A `datetime-local` value read in the company's timezone; blank means now."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(time_zone))
    except ValueError as exc:
        raise BadRequest(_("Not a date and time: %(value)s", value=text)) from exc


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(_("Not a date: %(value)s", value=text or "—")) from exc


@bp.post("/<name>/preview")
def preview(name: str):
    store, settings, now = _context()
    workflow_info.workflow_or_404(name)
    try:
        as_of = _as_of(request.form.get("as_of", ""), settings.timezone)
    except BadRequest as exc:
        return _one(name, problem=str(exc)), 400
    result = workflow_info.preview(store, settings, name, now, as_of)
    return _one(name, preview=result)


@bp.post("/<name>/backtest")
def backtest(name: str):
    store, settings, now = _context()
    workflow_info.workflow_or_404(name)
    try:
        start, end = _day(request.form.get("from", "")), _day(request.form.get("to", ""))
    except BadRequest as exc:
        return _one(name, problem=str(exc)), 400
    longest = settings.ui["max_backtest_days"]
    problem = workflow_info.window_problem(start, end, longest)
    if problem:
        messages = {
            "order": _("The end date comes before the start date."),
            "length": _("A backtest covers at most %(days)s days.", days=longest),
        }
        return _one(name, problem=messages[problem]), 400
    return _one(name, backtest=workflow_info.run_backtest(store, settings, name, start, end, now))
