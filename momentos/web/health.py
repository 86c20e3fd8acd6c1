"""`/healthz`: says what is wrong, not just that something is."""

from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = current_app.config["STORE"]
    problems = []
    try:
        store.ping()
    except Exception as exc:  # the answer must say what broke, whatever it was
        problems.append(f"store: {type(exc).__name__}: {exc}")
    status = 200 if not problems else 503
    return jsonify({"ok": not problems, "problems": problems}), status
