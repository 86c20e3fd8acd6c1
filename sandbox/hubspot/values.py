"""Property values: HubSpot stores and returns every value as a string (HUBSPOT.md §2.1).

Writes may send numbers, booleans, ISO text or epoch milliseconds; these helpers turn them
into the strings HubSpot answers with, or say why they are invalid.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.timefmt import parse_iso

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch, by integer arithmetic (no float rounding)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso_ms(moment: datetime) -> str:
    """`2024-09-11T13:27:39.356Z`, the shape of HubSpot's envelopes and datetime values."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_text(value: Any) -> str:
    """The string HubSpot keeps for a JSON value; null clears like an empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_moment(text: str) -> datetime | None:
    """Epoch milliseconds or ISO 8601 (date or datetime), as HubSpot accepts in writes."""
    text = text.strip()
    try:
        if text.lstrip("-").isdigit():
            return from_ms(int(text))
        if DATE_ONLY.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        return parse_iso(text)
    except (ValueError, OverflowError):
        return None


def normalize(text: str, type_: str) -> tuple[str, str | None]:
    """(stored value, error code or None) for a non-empty value of a property type."""
    if type_ == "number":
        try:
            float(text)
        except ValueError:
            return text, "INVALID_FLOAT"
        return text.strip(), None
    if type_ == "bool":
        lowered = text.strip().lower()
        return lowered, None if lowered in ("true", "false") else "INVALID_BOOLEAN"
    if type_ in ("datetime", "date"):
        moment = parse_moment(text)
        if moment is None:
            return text, "INVALID_DATE"
        if type_ == "datetime":
            return iso_ms(moment), None
        # Date properties hold midnight UTC; anything else is refused, not shifted (§2.1).
        if moment != moment.replace(hour=0, minute=0, second=0, microsecond=0):
            return text, "INVALID_DATE"
        return moment.date().isoformat(), None
    return text, None


def comparable(text: str | None, type_: str) -> Any:
    """A sortable, comparable form of a stored or filter value, or None if it has none."""
    if text is None or text == "":
        return None
    if type_ == "number":
        try:
            return float(text)
        except ValueError:
            return None
    if type_ in ("datetime", "date"):
        moment = parse_moment(text)
        return None if moment is None else epoch_ms(moment)
    return text.lower()
