"""Spanish and English for the admin UI: the language choice, labels for stored codes, dates.

Catalogues are compiled (`messages.mo`) and committed next to their `messages.po`, so a
fresh clone and an installed wheel need no build step; tests/web/test_i18n.py fails when a
string lacks a translation or a `.mo` is older than its `.po`.
"""

import re
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, session
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_timedelta,
    get_locale,
    gettext,
    ngettext,
)
from flask_babel import lazy_gettext as _l

from connectors.timefmt import parse_iso
from momentos.config import Settings

LANGUAGES = ("es", "en")
TRANSLATIONS = Path(__file__).parent / "translations"
# Day, month name, year and 24-hour time: unambiguous in both languages.
DATE_FORMAT = "d MMM yyyy, HH:mm"

MOMENT_TYPES = {
    "complaint": _l("Complaint"),
    "support_request": _l("Support request"),
    "service_completed": _l("Service completed"),
    "survey_answered": _l("Survey answered"),
    "renewal_due": _l("Renewal due"),
    "billing_variation": _l("Billing variation"),
    "payment_late": _l("Late payment"),
    "company_anniversary": _l("Company anniversary"),
    "birthday": _l("Birthday"),
    "usage_drop": _l("Usage drop"),
    "deal_delayed": _l("Deal delayed"),
    "price_change": _l("Price change"),
    "repeat_request": _l("Repeat request"),
    "spike": _l("Spike"),
}
ACTION_STATES = {
    "pending": _l("Pending"),
    "in_flight": _l("In flight"),
    "done": _l("Done"),
    "retry": _l("Retrying"),
    "failed": _l("Failed"),
    "needs_review": _l("Needs review"),
    "dismissed": _l("Dismissed"),
    "planned": _l("Planned"),
}
ACTION_KINDS = {
    "task": _l("Task"),
    "note": _l("Note"),
    "ticket": _l("Ticket"),
    "comment": _l("Comment"),
    "internal_note": _l("Internal note"),
    "email": _l("Email"),
}
RUN_TRIGGERS = {
    "manual": _l("by hand"),
    "moment": _l("woken by a moment"),
    "schedule": _l("on schedule"),
    "backtest": _l("backtest"),
    "preview": _l("preview"),
}
OBJECT_TYPES = {
    "ticket": _l("ticket"),
    "user": _l("user"),
    "organization": _l("organization"),
    "contact": _l("contact"),
    "company": _l("company"),
    "deal": _l("deal"),
    "invoice": _l("invoice"),
    "owner": _l("owner"),
    "task": _l("task"),
    "note": _l("note"),
}
TABLES = {
    "object": OBJECT_TYPES,
    "moment": MOMENT_TYPES,
    "state": ACTION_STATES,
    "kind": ACTION_KINDS,
    "trigger": RUN_TRIGGERS,
}
# The identity module and the guards write their reasons in English, as data; these patterns
# translate the ones they write (anything else is shown as it is).
REASONS = (
    (
        re.compile(r"several customers share this (?P<what>email|domain)"),
        _l("Several customers share this %(what)s"),
    ),
    (
        re.compile(r"merged into (?P<what>\S+) in (?P<tool>\w+); customers may be one"),
        _l("Merged into %(what)s in %(tool)s: the customers may be one"),
    ),
    (
        re.compile(r"same reason already open: (?P<what>.+)"),
        _l("The same reason is already open: %(what)s"),
    ),
    (re.compile(r"weekly contact cap reached"), _l("Weekly contact cap reached")),
)
WORDS = {"email": _l("email"), "domain": _l("domain")}
TOOL_NAMES = {"zendesk": "Zendesk", "hubspot": "HubSpot"}


def staff_language(settings: Settings) -> str:
    return settings.ui["language"] or settings.default_language


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return staff_language(current_app.config["SETTINGS"])


def to_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else parse_iso(value)


def when(value: str | datetime | None) -> str:
    """A stored time in the company's timezone, in the page's language; "—" when unknown."""
    moment = to_datetime(value)
    return "—" if moment is None else format_datetime(moment, DATE_FORMAT)


def age(value: str | datetime | None) -> str:
    """How long ago (or how far ahead) a time is, in words: "hace 3 minutos"."""
    moment = to_datetime(value)
    if moment is None:
        return gettext("never")
    now = current_app.config["CLOCK"].now()
    return format_timedelta(moment - now, add_direction=True, threshold=1.1)


def label(code: str | None, table: str) -> str:
    """The translated label of a stored code; an unknown code is shown as it is."""
    if code is None:
        return "—"
    return str(TABLES[table].get(code, code))


def day(value: str) -> str:
    """A date-only value, never shifted through a timezone."""
    return format_date(date.fromisoformat(value), "EEEE d MMM yyyy")


def schedule_text(trigger: dict) -> str:
    """A workflow's TRIGGER in words: "every 15 minutes", or its cron fields."""
    options = dict(trigger)
    kind = options.pop("trigger", "")
    units = {
        "weeks": lambda n: ngettext("every %(num)d week", "every %(num)d weeks", n),
        "days": lambda n: ngettext("every %(num)d day", "every %(num)d days", n),
        "hours": lambda n: ngettext("every %(num)d hour", "every %(num)d hours", n),
        "minutes": lambda n: ngettext("every %(num)d minute", "every %(num)d minutes", n),
        "seconds": lambda n: ngettext("every %(num)d second", "every %(num)d seconds", n),
    }
    if kind == "interval" and len(options) == 1 and next(iter(options)) in units:
        unit, count = next(iter(options.items()))
        return units[unit](count)
    fields = ", ".join(f"{key}={value}" for key, value in options.items())
    return gettext("on a schedule (%(kind)s: %(fields)s)", kind=kind, fields=fields)


def language_name(code: str | None) -> str:
    """A customer's language in the page's language: "en" reads "inglés" in Spanish."""
    if not code:
        return "—"
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def tool_name(code: str | None) -> str:
    return TOOL_NAMES.get(code or "", code or "—")


def reason(text: str | None) -> str:
    """A reason written in English by the core, in the page's language when it is known."""
    for pattern, message in REASONS:
        found = pattern.fullmatch(text or "")
        if found:
            groups = found.groupdict()
            groups["what"] = str(WORDS.get(groups.get("what", ""), groups.get("what", "")))
            groups["tool"] = tool_name(groups.get("tool"))
            return str(message) % groups
    return text or ""


def init(app: Flask, settings: Settings) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_locale=staff_language(settings),
        default_timezone=settings.timezone,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.jinja_env.filters.update(
        when=when,
        age=age,
        label=label,
        reason=reason,
        tool=tool_name,
        day=day,
        language_name=language_name,
    )
    app.jinja_env.globals.update(
        current_language=lambda: str(get_locale()), schedule_text=schedule_text
    )
