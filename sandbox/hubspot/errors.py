"""HubSpot's error answers, raised by the state and rendered by the routes (HUBSPOT.md §7)."""

import json
import uuid
from typing import Any


class HubSpotError(Exception):
    """One refusal: HTTP status, HubSpot `category`, message and optional details."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
        sub_category: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.sub_category = sub_category

    def body(self) -> dict[str, Any]:
        """The top-level error body: `{status, message, correlationId, category, ...}`."""
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body

    def item(self, trace_id: str | None = None) -> dict[str, Any]:
        """One entry of a batch `errors[]` (StandardError: the SDK requires every key)."""
        context = dict(self.context or {})
        if trace_id is not None:
            context["objectWriteTraceId"] = [trace_id]
        item: dict[str, Any] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": context,
            "links": {},
            "errors": self.errors or [],
        }
        if self.sub_category:
            item["subCategory"] = self.sub_category
        return item


def validation(message: str, **details: Any) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, **details)


def not_found(message: str, **details: Any) -> HubSpotError:
    return HubSpotError(404, "OBJECT_NOT_FOUND", message, **details)


def invalid_properties(problems: list[dict[str, Any]]) -> HubSpotError:
    """HubSpot's multi-property refusal: the list is JSON inside the message (§7)."""
    text = json.dumps(problems, separators=(",", ":"))
    errors = [
        {"message": p["message"], "code": p["error"], "context": {"propertyName": [p["name"]]}}
        for p in problems
    ]
    return validation(f"Property values were not valid: {text}", errors=errors)


def property_problem(name: str, code: str, message: str) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
    }
