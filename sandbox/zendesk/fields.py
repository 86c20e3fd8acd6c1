"""Ticket fields: the system fields every account has, and custom ones (drop-downs etc.)."""

from typing import Any

from sandbox.zendesk.errors import RecordInvalid, RecordNotFound

# type, title, system options (None: none); ids and positions follow this order.
SYSTEM_FIELDS = (
    ("subject", "Subject", None),
    ("description", "Description", None),
    ("status", "Status", ("new", "open", "pending", "hold", "solved", "closed")),
    ("tickettype", "Type", ("question", "incident", "problem", "task")),
    ("priority", "Priority", ("low", "normal", "high", "urgent")),
    ("group", "Group", None),
    ("assignee", "Assignee", None),
)
FIRST_SYSTEM_ID = 360000000010
CUSTOM_TYPES = (
    "text",
    "textarea",
    "checkbox",
    "date",
    "integer",
    "decimal",
    "regexp",
    "partialcreditcard",
    "multiselect",
    "tagger",
    "lookup",
)
# The admin UI says "drop-down"; the API calls it `tagger`.
TYPE_ALIASES = {"dropdown": "tagger"}
WITH_OPTIONS = ("tagger", "multiselect")


def _problem(field: str, description: str) -> RecordInvalid:
    return RecordInvalid({field: [{"description": description, "error": "InvalidValue"}]})


def _options(kind: str, options: Any, next_id) -> list[dict[str, Any]]:
    """`custom_field_options` with ids; drop-downs need at least one {name, value}."""
    if kind not in WITH_OPTIONS:
        return []
    if not isinstance(options, list | tuple) or not options:
        raise _problem("custom_field_options", "Field options: cannot be blank")
    made = []
    for position, option in enumerate(options):
        if not isinstance(option, dict) or not option.get("name") or not option.get("value"):
            raise _problem("custom_field_options", "Field options: need a name and a value")
        made.append(
            {
                "id": next_id("field_option"),
                "name": str(option["name"]),
                "raw_name": str(option["name"]),
                "value": str(option["value"]),
                "default": bool(option.get("default", False)),
                "position": position,
            }
        )
    return made


class FieldBook:
    """Ticket fields by id, in position order."""

    def __init__(self, created_at: str) -> None:
        self.fields: dict[int, dict[str, Any]] = {}
        for position, (kind, title, options) in enumerate(SYSTEM_FIELDS):
            field = self._record(FIRST_SYSTEM_ID + position, kind, title, created_at)
            field.update(position=position, removable=kind not in ("subject", "description"))
            if options:
                field["system_field_options"] = [
                    {"name": value.capitalize(), "value": value} for value in options
                ]
            self.fields[field["id"]] = field

    def _record(self, field_id: int, kind: str, title: str, when: str) -> dict[str, Any]:
        return {
            "id": field_id,
            "type": kind,
            "title": title,
            "description": "",
            "position": len(self.fields),
            "active": True,
            "required": False,
            "created_at": when,
            "updated_at": when,
            "removable": True,
        }

    def create(
        self, title: str, kind: str, options: Any, field_id: int | None, next_id, when: str
    ) -> dict[str, Any]:
        kind = TYPE_ALIASES.get(kind, kind)
        if not title:
            raise _problem("title", "Title: cannot be blank")
        if kind not in CUSTOM_TYPES:
            raise _problem("type", f"Type: must be one of {', '.join(CUSTOM_TYPES)}")
        if field_id is not None and field_id in self.fields:
            raise _problem("id", "Id: has already been taken")
        field = self._record(field_id or next_id("ticket_field"), kind, title, when)
        if kind in WITH_OPTIONS:
            field["custom_field_options"] = _options(kind, options, next_id)
        self.fields[field["id"]] = field
        return field

    def get(self, field_id: int) -> dict[str, Any]:
        if field_id not in self.fields:
            raise RecordNotFound()
        return self.fields[field_id]


def render_field(field: dict[str, Any], base: str) -> dict[str, Any]:
    """The REST ticket field, with the portal and display keys Zendesk adds."""
    title, description = field["title"], field["description"]
    shown = {
        "url": f"{base.rstrip('/')}/api/v2/ticket_fields/{field['id']}.json",
        "id": field["id"],
        "type": field["type"],
        "title": title,
        "raw_title": title,
        "description": description,
        "raw_description": description,
        "position": field["position"],
        "active": field["active"],
        "required": field["required"],
        "collapsed_for_agents": False,
        "regexp_for_validation": None,
        "title_in_portal": title,
        "raw_title_in_portal": title,
        "visible_in_portal": field["type"] in ("subject", "description", "priority"),
        "editable_in_portal": field["type"] in ("subject", "description"),
        "required_in_portal": field["type"] in ("subject", "description"),
        "tag": None,
        "created_at": field["created_at"],
        "updated_at": field["updated_at"],
        "removable": field["removable"],
        "agent_description": None,
    }
    for name in ("system_field_options", "custom_field_options"):
        if name in field:
            shown[name] = [dict(option) for option in field[name]]
    return shown
