"""Calendar dates for dated moments: parsing, local days, yearly occurrences (pure).

Dates are days in the customer's or the company's IANA timezone. A date-only value (a
birthday, a HubSpot `date` property, which HubSpot sends as midnight UTC) is a calendar
day: it is read as written and never converted through UTC, or a birthday on the 1st
would land on the 31st in New York.
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from momentos.moments import Known

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "enero", "ene"),
            ("february", "feb", "febrero"),
            ("march", "mar", "marzo"),
            ("april", "apr", "abril", "abr"),
            ("may", "mayo"),
            ("june", "jun", "junio"),
            ("july", "jul", "julio"),
            ("august", "aug", "agosto", "ago"),
            ("september", "sep", "sept", "septiembre", "setiembre", "set"),
            ("october", "oct", "octubre"),
            ("november", "nov", "noviembre"),
            ("december", "dec", "diciembre", "dic"),
        ),
        start=1,
    )
    for name in names
}
ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ].*)?$")  # text is lower-cased
NO_YEAR_ISO = re.compile(r"^--(\d{2})-?(\d{2})$")
NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")
WORDS = re.compile(r"[a-záéíóú]+|\d+")


@dataclass(frozen=True)
class Day:
    """A day of the year, with the year when the text gave one (a birth or founding date)."""

    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True)
class Span:
    """Local days a version of a record speaks for: `first`..`last` it held, then predictions
    up to `until` (the horizon for the newest version; nothing more for a superseded one)."""

    first: date
    last: date
    until: date


def iana(*candidates: str | None) -> str | None:
    """The first candidate that is an IANA timezone (Zendesk may also send "Madrid")."""
    for name in candidates:
        if not name:
            continue
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return None


def zone(*candidates: str | None) -> str:
    """The first candidate that is an IANA timezone, else UTC."""
    return iana(*candidates) or "UTC"


def local_date(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def local_midnight(day: date, time_zone: str) -> datetime:
    """The start of a local day, as an aware datetime (how dated moments are stored)."""
    return datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(time_zone))


def span(known: Known, time_zone: str, horizon_days: int) -> Span:
    first = local_date(known.since or known.now, time_zone)
    if known.until is None:
        last = local_date(known.now, time_zone)
        return Span(first, last, last + timedelta(days=horizon_days))
    last = local_date(known.until, time_zone) - timedelta(days=1)
    return Span(first, last, last)


def _valid(year: int | None, month: int, day: int) -> Day | None:
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 February is a day without year
    except ValueError:
        return None
    return Day(month, day, year)


def _year(text: str | None) -> int | None:
    # A two-digit year says nothing reliable about the century; the day is still good.
    return int(text) if text and len(text) == 4 else None


def _numeric(first: int, second: int, year: int | None, day_first: bool) -> Day | None:
    if first > 12 or (day_first and second <= 12):
        return _valid(year, second, first)
    return _valid(year, first, second)


def _worded(text: str) -> Day | None:
    """Worded dates: "14 de marzo de 1985", "March 14, 1985", "14 Mar"."""
    words = WORDS.findall(text)
    months = [MONTHS[w] for w in words if w in MONTHS]
    numbers = [w for w in words if w.isdigit()]
    if len(months) != 1 or not 1 <= len(numbers) <= 2:
        return None
    day = next((int(n) for n in numbers if len(n) <= 2), None)
    year = next((int(n) for n in numbers if len(n) == 4), None)
    return _valid(year, months[0], day) if day else None


def parse_day(value: Any, day_first: bool = True) -> Day | None:
    """A birth or founding date from free text in the formats people type, or None.

    `01/02/1990` is ambiguous: `day_first` (the configured order) decides unless one
    number is over 12. A year-only text is not a day (see `parse_year`).
    """
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text.isdigit() and len(text) >= 10:
        stamp = datetime.fromtimestamp(int(text) / 1000, UTC)  # a HubSpot date: midnight UTC
        return Day(stamp.month, stamp.day, stamp.year)
    if match := ISO.match(text):
        return _valid(int(match[1]), int(match[2]), int(match[3]))
    if match := NO_YEAR_ISO.match(text):
        return _valid(None, int(match[1]), int(match[2]))
    if match := NUMERIC.match(text):
        return _numeric(int(match[1]), int(match[2]), _year(match[3]), day_first)
    return _worded(text)


def parse_year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"\d{4}", text) else None


def calendar_date(value: Any, time_zone: str) -> date | None:
    """A HubSpot date or datetime property as a local day.

    Midnight UTC is how HubSpot sends a date-only value, so it is that calendar day, never
    shifted; any other time is an instant, and its day is the local one in `time_zone`.
    """
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if text.isdigit():
            stamp = datetime.fromtimestamp(int(text) / 1000, UTC)
        elif len(text) == 10:
            return date.fromisoformat(text)
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.date()
    utc = stamp.astimezone(UTC)
    if (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0):
        return utc.date()
    return local_date(stamp, time_zone)


def in_year(day: Day, year: int, feb29_policy: str) -> date:
    """The day in `year`; 29 February in a common year follows the configured policy."""
    if (day.month, day.day) == (2, 29) and not _is_leap(year):
        return date(year, 3, 1) if feb29_policy == "mar1" else date(year, 2, 28)
    return date(year, day.month, day.day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def yearly(day: Day, first: date, until: date, feb29_policy: str) -> list[tuple[int, date]]:
    """(year, local day) of each yearly occurrence of `day` between `first` and `until`."""
    found = []
    for year in range(first.year, until.year + 1):
        occurrence = in_year(day, year, feb29_policy)
        if first <= occurrence <= until:
            found.append((year, occurrence))
    return found
