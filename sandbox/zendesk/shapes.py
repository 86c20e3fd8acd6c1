"""Stored records to the JSON Zendesk sends: REST shapes and webhook `detail` shapes.

Records are stored without the constant and derived fields, which are added here, so a
million tickets stay small and URLs follow whatever address the sandbox listens on.
"""

import html
from typing import Any

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
DEFAULT_BRAND_ID = 360000000001
DEFAULT_FORM_ID = 360000000002
# One system custom status per status category, as accounts have before adding their own.
CUSTOM_STATUS_IDS = {status: 360000000100 + n for n, status in enumerate(STATUSES)}
# Zendesk's locale ids for the locales the demo uses (inferred beyond en-US = 1).
LOCALE_IDS = {"en-US": 1, "es": 2, "de": 8, "fr": 16}
# Webhook payloads name channels in their own vocabulary (seen: web_service for API tickets).
WEBHOOK_CHANNELS = {"api": "web_service", "web": "web_form"}


def api_url(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/api/v2/{path}"


def render_ticket(ticket: dict[str, Any], base: str) -> dict[str, Any]:
    """The REST ticket, keys in Zendesk's order."""
    custom = [dict(field) for field in ticket["custom_fields"]]
    return {
        "url": api_url(base, f"tickets/{ticket['id']}.json"),
        "id": ticket["id"],
        "external_id": ticket["external_id"],
        "via": {"channel": ticket["via"], "source": _source()},
        "created_at": ticket["created_at"],
        "updated_at": ticket["updated_at"],
        "generated_timestamp": ticket["generated_timestamp"],
        "type": ticket["type"],
        "subject": ticket["subject"],
        "raw_subject": ticket["subject"],
        "description": ticket["description"],
        "priority": ticket["priority"],
        "status": ticket["status"],
        "recipient": None,
        "requester_id": ticket["requester_id"],
        "submitter_id": ticket["submitter_id"],
        "assignee_id": ticket["assignee_id"],
        "organization_id": ticket["organization_id"],
        "group_id": ticket["group_id"],
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": ticket["is_public"],
        "due_at": ticket["due_at"],
        "tags": list(ticket["tags"]),
        "custom_fields": custom,
        "satisfaction_rating": ticket["satisfaction_rating"] or {"score": "unoffered"},
        "sharing_agreement_ids": [],
        "custom_status_id": CUSTOM_STATUS_IDS[ticket["status"]],
        "fields": [dict(field) for field in custom],
        "followup_ids": [],
        "ticket_form_id": ticket["ticket_form_id"],
        "brand_id": ticket["brand_id"],
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def _source() -> dict[str, Any]:
    return {"from": {}, "to": {}, "rel": None}


def render_comment(comment: dict[str, Any]) -> dict[str, Any]:
    """The REST comment; HTML is derived from the plain body unless HTML was sent."""
    body = comment["body"]
    paragraphs = html.escape(body).replace("\n", "<br>")
    generated = f'<div class="zd-comment" dir="auto"><p>{paragraphs}</p></div>'
    return {
        "id": comment["id"],
        "type": "Comment",
        "author_id": comment["author_id"],
        "body": body,
        "html_body": comment.get("html_body") or generated,
        "plain_body": body,
        "public": comment["public"],
        "attachments": [],
        "audit_id": comment.get("audit_id"),
        "via": {"channel": comment["via"], "source": _source()},
        "metadata": {"system": {}, "custom": {}},
        "created_at": comment["created_at"],
    }


def _render_event(event: list[Any]) -> dict[str, Any]:
    shown = {"id": event[0], "type": event[1], "field_name": event[2], "value": event[3]}
    if event[1] == "Change":
        shown["previous_value"] = event[4]
    return shown


def render_audit(audit: dict[str, Any], ticket_id: int, comments: list[dict]) -> dict[str, Any]:
    """The REST audit: its comments as `Comment` events, then its field events."""
    by_id = {comment["id"]: comment for comment in comments}
    hidden = ("created_at", "audit_id")
    written = [render_comment(by_id[cid]) for cid in audit.get("comment_ids", ())]
    return {
        "id": audit["id"],
        "ticket_id": ticket_id,
        "created_at": audit["created_at"],
        "author_id": audit["author_id"],
        "metadata": {
            "system": {"client": "Momentos sandbox", "ip_address": "127.0.0.1"},
            "custom": dict(audit.get("custom") or {}),
        },
        "via": {"channel": audit["via"], "source": _source()},
        "events": [
            *({k: v for k, v in c.items() if k not in hidden} for c in written),
            *(_render_event(event) for event in audit["events"]),
        ],
    }


def _string_id(value: Any) -> str | None:
    return None if value is None else str(value)


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def webhook_detail(ticket: dict[str, Any], actor_id: int) -> dict[str, Any]:
    """The `detail` of a ticket event: string ids, upper-case enums, no custom fields."""
    return {
        "actor_id": _string_id(actor_id),
        "assignee_id": _string_id(ticket["assignee_id"]),
        "brand_id": _string_id(ticket["brand_id"]),
        "created_at": ticket["created_at"],
        "custom_status": _string_id(CUSTOM_STATUS_IDS[ticket["status"]]),
        "description": ticket["description"],
        "external_id": ticket["external_id"],
        "form_id": _string_id(ticket["ticket_form_id"]),
        "group_id": _string_id(ticket["group_id"]),
        "id": str(ticket["id"]),
        "is_public": ticket["is_public"],
        "organization_id": _string_id(ticket["organization_id"]),
        "priority": _upper(ticket["priority"]),
        "requester_id": _string_id(ticket["requester_id"]),
        "status": _upper(ticket["status"]),
        "subject": ticket["subject"],
        "submitter_id": _string_id(ticket["submitter_id"]),
        "tags": list(ticket["tags"]),
        "type": _upper(ticket["type"]),
        "updated_at": ticket["updated_at"],
        "via": {"channel": WEBHOOK_CHANNELS.get(ticket["via"], ticket["via"])},
    }


def render_user(user: dict[str, Any], base: str) -> dict[str, Any]:
    iana = user["iana_time_zone"]
    return {
        "id": user["id"],
        "url": api_url(base, f"users/{user['id']}.json"),
        "name": user["name"],
        "email": user["email"],
        "created_at": user["created_at"],
        "updated_at": user["updated_at"],
        # Zendesk's time_zone is the Rails name ("Madrid"); the IANA name is separate.
        "time_zone": iana.rsplit("/", 1)[-1].replace("_", " "),
        "iana_time_zone": iana,
        "phone": user["phone"],
        "shared_phone_number": None,
        "photo": None,
        "locale_id": LOCALE_IDS.get(user["locale"], 1),
        "locale": user["locale"],
        "organization_id": user["organization_id"],
        "role": user["role"],
        "verified": True,
        "external_id": user["external_id"],
        "tags": list(user["tags"]),
        "alias": None,
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": None,
        "signature": None,
        "details": "",
        "notes": "",
        "role_type": None,
        "custom_role_id": None,
        "moderator": user["role"] != "end-user",
        "ticket_restriction": "requested" if user["role"] == "end-user" else None,
        "only_private_comments": False,
        "restricted_agent": user["role"] == "end-user",
        "suspended": False,
        "default_group_id": None,
        "report_csv": user["role"] == "admin",
        "user_fields": dict(user["user_fields"]),
    }


def render_organization(org: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "url": api_url(base, f"organizations/{org['id']}.json"),
        "id": org["id"],
        "name": org["name"],
        "shared_tickets": False,
        "shared_comments": False,
        "external_id": org["external_id"],
        "created_at": org["created_at"],
        "updated_at": org["updated_at"],
        "domain_names": list(org["domain_names"]),
        "details": "",
        "notes": "",
        "group_id": None,
        "tags": [],
        "organization_fields": dict(org["organization_fields"]),
    }
