"""Timestamp parsing shared by the connectors: tools send ISO text, epoch seconds or ms."""

from datetime import UTC, datetime


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 UTC timestamp, with `Z`, an offset, or nanoseconds."""
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        # Only the fraction's own digits: an offset (`+01:00`) follows them.
        digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_iso(moment: datetime) -> str:
    """Format as `2026-11-23T10:00:00Z`, the shape Zendesk uses in bodies."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_epoch_ms(value: int | str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def to_epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
