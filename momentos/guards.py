"""Guards between a workflow's plan and the outbox (pure): not the same thing twice, not too
often, not at night.

- Same reason: no new action while the customer has one from the same workflow within
  `open_days` (the task or ticket is probably still open), unless the workflow acts on each
  moment on its own (`per_moment`: every survey answer deserves its follow-up).
- Cap: one customer gets at most `max_proactive_per_week` proactive contacts; only courtesy
  contacts (greetings, offers: `capped`) are dropped by it, because a warning of a price
  change, a renewal or an unpaid invoice dropped for a birthday greeting is never sent
  later (the cap's week outlasts those workflows' horizons).
- Quiet hours and business days: proactive actions wait for the customer's working hours.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from momentos.model import Action


@dataclass(frozen=True)
class GuardSettings:
    open_days: int = 7
    max_proactive_per_week: int = 2
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    business_days: frozenset[int] = frozenset(range(5))  # Monday = 0


@dataclass(frozen=True)
class Recent:
    """An action already in the outbox, as the guards need to see it."""

    key: str
    workflow: str
    customer_id: int
    created_at: datetime
    proactive: bool


@dataclass
class Verdict:
    kept: list[Action] = field(default_factory=list)
    skipped: list[tuple[Action, str]] = field(default_factory=list)


def _in_quiet_hours(local: datetime, settings: GuardSettings) -> bool:
    start, end, now = settings.quiet_start, settings.quiet_end, local.time()
    return (start <= now or now < end) if start > end else (start <= now < end)


def next_working_time(now: datetime, time_zone: str, settings: GuardSettings) -> datetime:
    """`now` if it is working time in `time_zone`, else the start of the next working day."""
    local = now.astimezone(ZoneInfo(time_zone))
    if local.weekday() in settings.business_days and not _in_quiet_hours(local, settings):
        return now
    day = local.date() if local.time() < settings.quiet_end else local.date() + timedelta(1)
    while day.weekday() not in settings.business_days:
        day += timedelta(days=1)
    return datetime.combine(day, settings.quiet_end, tzinfo=local.tzinfo)


def _same_reason(action: Action, recent: list[Recent], since: datetime) -> Recent | None:
    return next((r for r in recent if r.workflow == action.workflow and r.key != action.key
                 and r.created_at >= since), None)  # fmt: skip


def apply(
    actions: list[Action],
    *,
    proactive: bool,
    recent: dict[int, list[Recent]],
    time_zones: dict[int, str],
    now: datetime,
    settings: GuardSettings,
    per_moment: bool = False,
    capped: bool = True,
) -> Verdict:
    """Keep, delay or skip each planned action; the reasons are shown in previews."""
    verdict = Verdict()
    week_ago = now - timedelta(days=7)
    contacts = {cid: sum(r.proactive and r.created_at >= week_ago for r in rows)
                for cid, rows in recent.items()}  # fmt: skip
    for action in actions:
        customer = action.customer_id
        earlier = recent.get(customer, []) if customer is not None else []
        if any(r.key == action.key for r in earlier):
            verdict.kept.append(action)  # already in the outbox: enqueueing it is a no-op
            continue
        same = None
        if not per_moment:
            same = _same_reason(action, earlier, now - timedelta(days=settings.open_days))
        if same is not None:
            verdict.skipped.append((action, f"same reason already open: {same.key}"))
            continue
        if proactive and customer is not None:
            if capped and contacts.get(customer, 0) >= settings.max_proactive_per_week:
                verdict.skipped.append((action, "weekly contact cap reached"))
                continue
            contacts[customer] = contacts.get(customer, 0) + 1
            when = next_working_time(now, time_zones.get(customer, "UTC"), settings)
            if when != now:
                action = replace(action, not_before=when)
        verdict.kept.append(action)
    return verdict
