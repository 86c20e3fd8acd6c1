"""The outbox: every action with its state, filtered and paged; retry or dismiss by hand."""

from math import ceil

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from momentos.commands import OUTBOX_MOVES
from momentos.web import auth
from momentos.web.ui import reads

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
# The states a person decides on; the dispatcher owns every other one.
DECIDABLE = ("needs_review", "failed")


MAX_PAGE = 1_000_000  # far past any outbox; an offset past SQLite's integers is a 500


def _page_number() -> int:
    try:
        return min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


@bp.get("")
def index():
    store, settings = current_app.config["STORE"], current_app.config["SETTINGS"]
    state = request.args.get("state", "")
    states = [state] if state in reads.STATES else []
    size = settings.ui["page_size"]
    page = _page_number()
    rows, total = store.actions_page(states, (page - 1) * size, size)
    return render_template(
        "ui/outbox.html",
        actions=reads.action_rows(store, rows),
        chosen=state if states else "",
        states=reads.STATES,
        page=page,
        pages=max(1, ceil(total / size)),
        total=total,
        decidable=DECIDABLE,
    )


@bp.post("/move")
def move():
    verb, key = request.form.get("verb", ""), request.form.get("key", "")
    back = auth.local_path(request.form.get("next"), url_for("ui.outbox.index"))
    if verb not in OUTBOX_MOVES:
        flash(_("Unknown decision."), "error")
        return redirect(back)
    from_states, to_state = OUTBOX_MOVES[verb]
    now = current_app.config["CLOCK"].now()
    if current_app.config["STORE"].move_action(key, from_states, to_state, now):
        message = _("Sent again: the dispatcher will retry it.") if verb == "retry" else None
        flash(message or _("Dismissed: it will not be sent."), "ok")
    else:
        flash(_("Not changed: only actions that failed or need review can be."), "error")
    return redirect(back)
