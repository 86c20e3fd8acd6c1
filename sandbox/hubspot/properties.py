"""Property definitions (HubSpot-defined and custom) and the checks every write goes through."""

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sandbox.hubspot import schema, values
from sandbox.hubspot.errors import (
    HubSpotError,
    invalid_properties,
    not_found,
    property_problem,
    validation,
)

TYPES = {"string", "number", "date", "datetime", "enumeration", "bool"}
FIELD_TYPES = {
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "radio",
    "checkbox",
    "booleancheckbox",
    "file",
    "html",
    "phonenumber",
    "calculation_equation",
}
REQUIRED_KEYS = ("name", "label", "type", "fieldType", "groupName")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PropertyRegistry:
    """Definitions per object type; custom ones are what `dump()` keeps."""

    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self.custom: dict[str, dict[str, dict[str, Any]]] = {}
        self._defaults = {t: schema.default_definitions(t) for t in schema.OBJECT_TYPES}

    def reset(self) -> None:
        self.custom = {t: {} for t in schema.OBJECT_TYPES}

    def dump(self) -> dict[str, Any]:
        return self.custom

    def load(self, data: Mapping[str, Any]) -> None:
        self.reset()
        for object_type, definitions in data.items():
            self.custom[object_type].update(definitions)

    def all(self, object_type: str) -> dict[str, dict[str, Any]]:
        return {**self._defaults[object_type], **self.custom[object_type]}

    def get(self, object_type: str, name: str) -> dict[str, Any]:
        definition = self.all(object_type).get(name)
        if definition is None:
            raise not_found(
                f"Unable to find property {name} for object type {object_type}",
                sub_category="PropertyReadError.PROPERTY_NOT_FOUND",
            )
        return definition

    def unique_names(self, object_type: str) -> list[str]:
        return [n for n, d in self.all(object_type).items() if d.get("hasUniqueValue")]

    def create(self, object_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Add a custom property; raise HubSpotError 400 if malformed, 409 if it exists."""
        _check_create(body)
        name = body["name"]
        if name in self.all(object_type):
            raise HubSpotError(
                409,
                "OBJECT_ALREADY_EXISTS",
                f"Property named '{name}' already exists.",
                sub_category="PropertyCrudError.PROPERTY_EXISTS",
            )
        if body.get("hasUniqueValue"):
            self._check_unique_allowed(object_type)
        stamp = values.iso_ms(self._now())
        definition = {
            "name": name,
            "label": body["label"],
            "type": body["type"],
            "fieldType": body["fieldType"],
            "description": body.get("description", ""),
            "groupName": body["groupName"],
            "options": [_option(o, i) for i, o in enumerate(body.get("options") or [])],
            "displayOrder": body.get("displayOrder", -1),
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": bool(body.get("hasUniqueValue")),
            "hidden": bool(body.get("hidden", False)),
            "modificationMetadata": {
                "archivable": True,
                "readOnlyDefinition": False,
                "readOnlyValue": False,
            },
            "formField": bool(body.get("formField", False)),
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }
        self.custom[object_type][name] = definition
        return definition

    def _check_unique_allowed(self, object_type: str) -> None:
        if object_type not in schema.UNIQUE_CAPABLE:
            # Documented only for contacts, companies, deals and a few others (HUBSPOT.md §4.4).
            raise validation(f"Unique value properties are not supported for {object_type}")
        if len(self.unique_names(object_type)) >= schema.MAX_UNIQUE_PROPERTIES:
            raise validation(
                f"{object_type} already has {schema.MAX_UNIQUE_PROPERTIES} unique value properties"
            )

    def clean(
        self, object_type: str, given: Mapping[str, Any], owner_ids: Iterable[str]
    ) -> dict[str, str]:
        """Values as stored strings ("" clears); raise one 400 naming every bad property."""
        if not isinstance(given, Mapping):
            raise validation("properties must be an object of property names to values")
        definitions = self.all(object_type)
        owners = set(owner_ids)
        cleaned, problems = {}, []
        for name, raw in given.items():
            text = values.to_text(raw)
            problem = None
            definition = definitions.get(name)
            if definition is None:
                problem = ("PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
            elif definition["modificationMetadata"]["readOnlyValue"]:
                problem = (
                    "READ_ONLY_VALUE",
                    f'"{name}" is a read only property; its value cannot be set.',
                )
            elif text != "":
                text, problem = _check_value(definition, text, owners)
            if problem:
                problems.append(property_problem(name, *problem))
            else:
                cleaned[name] = text
        if problems:
            raise invalid_properties(problems)
        return cleaned


def _check_value(
    definition: dict[str, Any], text: str, owners: set[str]
) -> tuple[str, tuple[str, str] | None]:
    name, type_ = definition["name"], definition["type"]
    stored, code = values.normalize(text, type_)
    if code:
        return text, (code, f"{text} was not a valid {type_}.")
    if name == "hubspot_owner_id" and stored not in owners:
        return text, ("INVALID_OWNER_ID", f"{text} is not a valid owner id")
    allowed = [o["value"] for o in definition["options"]]
    if type_ == "enumeration" and allowed and not definition["externalOptions"]:
        chosen = stored.split(";") if definition["fieldType"] == "checkbox" else [stored]
        wrong = [c for c in chosen if c not in allowed]
        if wrong:
            return text, (
                "INVALID_OPTION",
                f"{wrong[0]} was not one of the allowed options: {allowed}",
            )
    return stored, None


def _check_create(body: Mapping[str, Any]) -> None:
    if not isinstance(body, Mapping):
        raise validation("Invalid input JSON: expected a property definition object")
    missing = [key for key in REQUIRED_KEYS if not body.get(key)]
    if missing:
        raise validation(
            f"Missing required fields: {', '.join(missing)}",
            errors=[{"message": f"{k} is required", "in": k} for k in missing],
        )
    name = str(body["name"])
    if not NAME.match(name) or name.startswith("hs_"):
        raise validation(
            f"Property name '{name}' must be lowercase letters, digits and "
            "underscores, start with a letter and not start with hs_"
        )
    if body["type"] not in TYPES:
        raise validation(f"type must be one of {sorted(TYPES)} (got {body['type']!r})")
    if body["fieldType"] not in FIELD_TYPES:
        raise validation(
            f"fieldType must be one of {sorted(FIELD_TYPES)} (got {body['fieldType']!r})"
        )
    if body["type"] == "enumeration" and not body.get("options"):
        raise validation("enumeration properties need options")


def _option(given: Mapping[str, Any], order: int) -> dict[str, Any]:
    if not isinstance(given, Mapping) or "value" not in given or "label" not in given:
        raise validation("each option needs a label and a value")
    return {
        "label": given["label"],
        "value": str(given["value"]),
        "description": given.get("description", ""),
        "displayOrder": given.get("displayOrder", order),
        "hidden": bool(given.get("hidden", False)),
    }
