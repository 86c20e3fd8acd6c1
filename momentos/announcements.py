"""Admin announcements (`momentos announce`): a price change or a delay, told by each
customer's owner to everyone affected, with the admin's message in the customer's language.

Recipients come from a CSV whose header names one or more of `email`, `company_id` and
`contact_id` (HubSpot ids). Each customer gets one task, once: its key is the announcement
id (a hash of the CSV, the kind and the messages, unless one is given) and the customer, so
running the same announcement again creates nothing new. Planning is pure (`plan`).

An explicit announcement is not Momentos guessing: it skips the guards' weekly cap and
same-reason window, which would leave some of the affected customers untold.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from momentos.errors import MomentosError
from momentos.model import Action
from momentos.texts import LANGUAGES, playbook
from momentos.view import View
from workflows import change_announcement
from workflows.common import audience, due_on, hubspot_task, local_today

# Announcement kind -> the moment type whose playbook says what to do.
KINDS = {"price_change": "price_change", "delay": "deal_delayed"}
COLUMNS = {"email": None, "company_id": "company", "contact_id": "contact"}
WORKFLOW = change_announcement.NAME


@dataclass(frozen=True)
class Announcement:
    id: str
    kind: str
    messages: dict[str, str]


@dataclass(frozen=True)
class Recipient:
    line: int
    column: str
    value: str


@dataclass
class AnnouncementPlan:
    actions: list[Action] = field(default_factory=list)
    unmatched: list[Recipient] = field(default_factory=list)


def announcement_id(csv_text: str, kind: str, messages: dict[str, str]) -> str:
    """The same CSV, kind and messages are the same announcement."""
    parts = [csv_text, kind, *(messages[language] for language in LANGUAGES)]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]


def read_recipients(csv_text: str) -> list[Recipient]:
    """Every non-empty email, company_id or contact_id cell, with its line in the file."""
    reader = csv.DictReader(io.StringIO(csv_text))
    columns = {name: name.strip().lower() for name in reader.fieldnames or []}
    known = {raw: name for raw, name in columns.items() if name in COLUMNS}
    if not known:
        raise MomentosError(
            "the CSV needs a header with email, company_id or contact_id "
            f"(got {', '.join(columns) or 'nothing'})"
        )
    return [
        Recipient(reader.line_num, name, value)
        for row in reader
        for raw, name in known.items()
        if (value := (row.get(raw) or "").strip())
    ]


def resolve(view: View, recipient: Recipient) -> list[tuple[int, tuple[str, ...]]]:
    """(customer id, person record) the row names; none when no known customer matches."""
    if recipient.column == "email":
        return [(cid, ref) for cid, ref in view.people_with_email(recipient.value)]
    ref = ("hubspot", COLUMNS[recipient.column], recipient.value)
    customer_id = view.customer_id_of(*ref)
    person = ref if recipient.column == "contact_id" else ()
    return [(customer_id, person)] if customer_id is not None else []


def _task(announcement: Announcement, params: dict, view: View, customer_id: int,
          person: tuple[str, ...], now: datetime) -> Action | None:  # fmt: skip
    who = audience(view, customer_id, person)
    if who is None:
        return None
    lead = timedelta(minutes=params["min_lead_minutes"])
    day = local_today(now, who.time_zone) + timedelta(days=params["due_days"])
    return hubspot_task(
        WORKFLOW,
        f"{WORKFLOW}:announcement:{announcement.id}:{customer_id}",
        who,
        "announcement",
        due_on(day, who.time_zone, params["due_time"], now, lead),
        priority=params["priority"],
        task_type="EMAIL",
        customer=who.customer.name or who.name,
        delay=announcement.kind == "delay",
        announcement_id=announcement.id,
        message=announcement.messages[who.language],
        playbook=playbook(KINDS[announcement.kind], who.language),
    )


def plan(announcement: Announcement, recipients: list[Recipient], view: View, params: dict,
         now: datetime) -> AnnouncementPlan:  # fmt: skip
    """One task per customer named by the rows (a customer named twice gets one)."""
    result, customers = AnnouncementPlan(), {}
    for recipient in recipients:
        found = resolve(view, recipient)
        if not found:
            result.unmatched.append(recipient)
        for customer_id, person in found:
            customers.setdefault(customer_id, person)
    for customer_id, person in customers.items():
        action = _task(announcement, params, view, customer_id, person, now)
        if action is not None:
            result.actions.append(action)
    return result


def load(path: str, kind: str, messages: dict[str, str], explicit_id: str | None = None):
    """(announcement, recipients) from the CSV file and the command's options."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            csv_text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MomentosError(f"cannot read the CSV {path!r}: {exc}") from exc
    announcement_key = explicit_id or announcement_id(csv_text, kind, messages)
    return Announcement(announcement_key, kind, messages), read_recipients(csv_text)


def announce(
    store, settings, announcement: Announcement, recipients: list[Recipient], now: datetime,
    dry_run: bool = False,
) -> tuple[AnnouncementPlan, list[str]]:  # fmt: skip
    """Plan the announcement and, unless `dry_run`, enqueue it: (plan, keys newly enqueued)."""
    from momentos.planner import view_for

    params = settings.workflows[WORKFLOW]
    result = plan(announcement, recipients, view_for(store, settings), params, now)
    if recipients and not result.actions:
        raise MomentosError(f"no row of the CSV matches a known customer ({len(recipients)} rows)")
    enqueued = [] if dry_run else store.enqueue(result.actions, now)
    return result, enqueued
