"""Ticket rules, without storage: validation, comments, and what an update changes."""

import html
import re
from collections.abc import Callable
from typing import Any

from sandbox.zendesk.errors import RecordInvalid
from sandbox.zendesk.shapes import (
    DEFAULT_BRAND_ID,
    DEFAULT_FORM_ID,
    PRIORITIES,
    STATUSES,
    TYPES,
)

ENUMS = {"status": STATUSES, "priority": PRIORITIES, "type": TYPES}
# Plain fields an update may set; each becomes one Change event in the audit.
SCALARS = (
    "subject",
    "status",
    "priority",
    "type",
    "assignee_id",
    "group_id",
    "external_id",
    "due_at",
    "requester_id",
    "organization_id",
    "ticket_form_id",
    "brand_id",
)
TAG_RE = re.compile(r"<[^>]+>")
NextId = Callable[[str], int]


def _problem(description: str, error: str = "InvalidValue") -> dict[str, Any]:
    return {"description": description, "error": error}


def _comment_text(comment: Any) -> str:
    if isinstance(comment, str):
        return comment
    if isinstance(comment, dict):
        # Ticket imports name the text `value`.
        return str(comment.get("html_body") or comment.get("body") or comment.get("value") or "")
    return ""


def validate(fields: dict[str, Any], creating: bool) -> None:
    """Raise RecordInvalid with Zendesk's field → problems map."""
    details: dict[str, list[dict[str, Any]]] = {}
    if creating and not _comment_text(fields.get("comment")).strip():
        # The exact body Zendesk returns for a create without a comment.
        details["base"] = [{"description": "Description: cannot be blank"}]
    for name, allowed in ENUMS.items():
        value = fields.get(name)
        if value is not None and value not in allowed:
            details[name] = [_problem(f"{name.capitalize()}: is not valid")]
    for name in ("tags", "additional_tags", "remove_tags", "custom_fields"):
        if name in fields and not isinstance(fields[name], list | str):
            details[name] = [_problem(f"{name}: must be a list")]
    for field in fields.get("custom_fields") or []:
        if not isinstance(field, dict) or not isinstance(field.get("id"), int):
            details.setdefault("base", []).append(
                _problem("Custom field: needs an integer id and a value")
            )
            break
    if details:
        raise RecordInvalid(details)


def normalize_tags(tags: list[str] | str) -> list[str]:
    """Zendesk tags are lower-case words; a value with spaces becomes several tags."""
    words = tags.split() if isinstance(tags, str) else [w for t in tags for w in str(t).split()]
    out: list[str] = []
    for word in words:
        if word.lower() not in out:
            out.append(word.lower())
    return out


def strip_html(text: str) -> str:
    return html.unescape(TAG_RE.sub("", text)).strip()


def make_comment(
    spec: Any, ids: NextId, author_id: int, public_default: bool, now: str, channel: str
) -> dict[str, Any]:
    """A stored comment (compact; `shapes.render_comment` adds the constant fields).

    `body` is plain text even when HTML was sent: Zendesk strips it.
    """
    spec = {"body": spec} if isinstance(spec, str) else spec
    given_html = spec.get("html_body")
    body = strip_html(given_html if given_html else str(spec.get("body", spec.get("value", ""))))
    comment = {
        "id": ids("comment"),
        "author_id": spec.get("author_id") or author_id,
        "body": body,
        "public": bool(spec.get("public", public_default)),
        "created_at": spec.get("created_at") or now,
        "via": channel,
    }
    if given_html:
        comment["html_body"] = given_html
    return comment


def new_ticket(
    ticket_id: int,
    fields: dict[str, Any],
    people: dict[str, int | None],
    created: str,
    updated: str,
    stamp: int,
    channel: str,
) -> dict[str, Any]:
    """The stored ticket for a create body; `people` holds the resolved user ids."""
    assignee = fields.get("assignee_id")
    status = fields.get("status") or ("open" if assignee else "new")
    if status == "new" and assignee:
        status = "open"  # an assigned ticket cannot stay new (seen with create_many too)
    return {
        "id": ticket_id,
        "external_id": fields.get("external_id"),
        "via": channel,
        "created_at": created,
        "updated_at": updated,
        "generated_timestamp": stamp,
        "type": fields.get("type"),
        "subject": fields.get("subject"),
        "description": "",
        "priority": fields.get("priority"),
        "status": status,
        "requester_id": people["requester_id"],
        "submitter_id": people["submitter_id"],
        "assignee_id": assignee,
        "organization_id": fields.get("organization_id", people["organization_id"]),
        "group_id": fields.get("group_id"),
        "is_public": False,
        "due_at": fields.get("due_at"),
        "tags": normalize_tags(fields.get("tags") or []),
        "custom_fields": merge_custom_fields([], fields.get("custom_fields") or []),
        "satisfaction_rating": None,  # rendered as unoffered
        "ticket_form_id": fields.get("ticket_form_id", DEFAULT_FORM_ID),
        "brand_id": fields.get("brand_id", DEFAULT_BRAND_ID),
    }


def merge_custom_fields(current: list[dict], given: list[dict]) -> list[dict[str, Any]]:
    """Custom field values are merged by field id; unnamed fields keep their value."""
    merged = {field["id"]: field.get("value") for field in current}
    for field in given:
        merged[field["id"]] = field.get("value")
    return [{"id": fid, "value": value} for fid, value in merged.items()]


def next_tags(ticket: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """`tags` replaces the whole set; `additional_tags`/`remove_tags` edit it."""
    tags = normalize_tags(fields["tags"]) if "tags" in fields else list(ticket["tags"])
    for tag in normalize_tags(fields.get("additional_tags") or []):
        if tag not in tags:
            tags.append(tag)
    removed = set(normalize_tags(fields.get("remove_tags") or []))
    return [tag for tag in tags if tag not in removed]


def changes(ticket: dict[str, Any], fields: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field → (previous, value) for every field the update really changes."""
    out = {
        name: (ticket[name], fields[name])
        for name in SCALARS
        if name in fields and fields[name] != ticket[name]
    }
    tags = next_tags(ticket, fields)
    if tags != ticket["tags"]:
        out["tags"] = (ticket["tags"], tags)
    if fields.get("custom_fields"):
        merged = merge_custom_fields(ticket["custom_fields"], fields["custom_fields"])
        if merged != ticket["custom_fields"]:
            out["custom_fields"] = (ticket["custom_fields"], merged)
    return out


def create_events(ticket: dict[str, Any], ids: NextId) -> list[list[Any]]:
    """Stored `Create` events of a new ticket's audit: [id, "Create", field, value]."""
    names = (
        "subject",
        "status",
        "priority",
        "type",
        "requester_id",
        "assignee_id",
        "group_id",
        "organization_id",
        "tags",
    )
    return [
        [ids("event"), "Create", name, ticket[name]]
        for name in names
        if ticket[name] not in (None, [])
    ]


def change_events(changed: dict[str, tuple[Any, Any]], ids: NextId) -> list[list[Any]]:
    """Stored `Change` events: [id, "Change", field, value, previous]."""
    return [
        [ids("event"), "Change", name, value, previous]
        for name, (previous, value) in changed.items()
    ]
