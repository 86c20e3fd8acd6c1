"""Human-readable descriptions of plans and runs (CLI, demo summary)."""

from momentos.model import Action


def describe_action(action: Action) -> str:
    """One line: when, in which tool, what, for whom."""
    payload = action.payload
    when = payload.get("due_at") or "now"
    if action.not_before is not None:
        when = f"{when}, not before {action.not_before.isoformat(timespec='minutes')}"
    who = payload.get("owner_id") or payload.get("assignee_id") or "-"
    return (
        f"[{action.tool} {action.kind}] due {when} owner {who} customer "
        f"{action.customer_id}: {payload.get('subject', '')}"
    )
