"""`/_sandbox/...`: reset, seed, faults, clock, stats, webhook flushing, captured mail."""

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from connectors.timefmt import format_iso, parse_iso
from sandbox import faults, seed
from sandbox.state import Faults, SandboxState


def _bad(message: str):
    return jsonify({"error": message}), 400


def blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

    @bp.post("/reset")
    def reset():
        state.reset()
        state.save()
        return jsonify({"ok": True})

    @bp.post("/seed")
    def seed_route():
        body = request.get_json(silent=True) or {}
        kind = body.get("kind", "demo")
        if kind not in seed.KINDS:
            return _bad(f"seed kind must be one of {sorted(seed.KINDS)} (got {kind!r})")
        with state.lock:
            counts = seed.apply(state, kind, size=body.get("size"))
        state.save()
        return jsonify({"seeded": kind, "counts": counts})

    @bp.route("/faults", methods=["GET", "POST", "DELETE"])
    def faults_route():
        """POST changes only the knobs it names (and restarts the draws from `seed`);
        DELETE clears them all."""
        if request.method == "DELETE":
            state.set_faults(Faults())
        elif request.method == "POST":
            changed, problems = faults.update(state.faults, request.get_json(silent=True))
            if changed is None:
                return jsonify({"error": "invalid faults", "problems": problems}), 400
            state.set_faults(changed)
        return jsonify(asdict(state.faults))

    @bp.route("/clock", methods=["GET", "POST"])
    def clock():
        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            try:
                state.clock.set(parse_iso(str(body["now"])))
            except (KeyError, ValueError):
                return _bad('send {"now": "2026-11-23T10:00:00Z"}')
        return jsonify({"now": format_iso(state.clock.now())})

    @bp.get("/stats")
    def stats():
        return jsonify(state.describe())

    @bp.post("/webhooks/flush")
    def flush():
        drained = state.deliveries.flush(timeout=float(request.args.get("timeout", 30)))
        return jsonify({"drained": drained, "pending": state.deliveries.pending()})

    _mail_routes(bp, state)
    return bp


def _mail_routes(bp: Blueprint, state: SandboxState) -> None:
    @bp.get("/mail")
    def list_mail():
        """Every message received over SMTP, oldest first."""
        return jsonify(state.mail.messages())

    @bp.delete("/mail")
    def clear_mail():
        state.mail.reset()
        return Response(status=204)
