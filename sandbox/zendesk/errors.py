"""Errors the fake Zendesk answers with; each knows its status and its JSON body."""

from typing import Any


class ZendeskApiError(Exception):
    status = 400
    error = "InvalidValue"

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "description": self.description}


class RecordNotFound(ZendeskApiError):
    status = 404
    error = "RecordNotFound"

    def __init__(self, description: str = "Not found"):
        super().__init__(description)


class RecordInvalid(ZendeskApiError):
    """422 with `details`, a map from field name (or `base`) to a list of problems."""

    status = 422
    error = "RecordInvalid"

    def __init__(self, details: dict[str, list[dict[str, Any]]]):
        super().__init__("Record validation errors")
        self.details = details

    def body(self) -> dict[str, Any]:
        return {**super().body(), "details": self.details}

    def summary(self) -> str:
        """The details as one line, the way a failed job result reports them."""
        return "; ".join(p["description"] for problems in self.details.values() for p in problems)


def invalid(field: str, description: str, error: str = "InvalidValue") -> RecordInvalid:
    """A RecordInvalid about one field."""
    return RecordInvalid({field: [{"description": description, "error": error}]})


class IdempotentRequestError(ZendeskApiError):
    status = 400
    error = "IdempotentRequestError"


class UpdateConflict(ZendeskApiError):
    status = 409
    error = "UpdateConflict"


class TooManyValues(ZendeskApiError):
    status = 400
    error = "TooManyValues"


class SearchLimitExceeded(ZendeskApiError):
    # zenpy maps exactly this pair (422 + "invalid") to SearchResponseLimitExceeded.
    status = 422
    error = "invalid"


class WebhookInvalid(ZendeskApiError):
    """The Webhooks API answers in the newer `{"errors": [...]}` shape."""

    status = 400

    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field

    def body(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "code": "InvalidValue",
                    "title": "Invalid value",
                    "detail": self.description,
                    "source": {"pointer": f"/webhook/{self.field}"},
                }
            ]
        }


class WebhookNotFound(ZendeskApiError):
    status = 404

    def body(self) -> dict[str, Any]:
        return {
            "errors": [{"code": "RecordNotFound", "title": "Not Found", "detail": self.description}]
        }
