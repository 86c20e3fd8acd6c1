"""Rules for HubSpot deals: services won, close dates pushed back, amounts changed.

Changes are found by comparing the deal with its previous version (`Known.previous`),
so each change is one moment keyed by the version that made it.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.timefmt import from_epoch_ms, parse_iso
from momentos.model import Event
from momentos.moments import Known, Moment, RuleContext
from momentos.moments.build import build, is_live, time_zone_of
from momentos.moments.dates import calendar_date


def _props(data: dict[str, Any] | None) -> dict[str, Any]:
    return (data or {}).get("properties") or {}


def amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None


def instant(value: Any) -> datetime | None:
    """A HubSpot datetime property (ISO text or epoch ms), or None."""
    text = str(value or "").strip()
    try:
        return from_epoch_ms(text) if text.isdigit() else parse_iso(text) if text else None
    except ValueError:
        return None


def deal_data(event: Event) -> dict[str, Any]:
    props = _props(event.data)
    return {
        "name": event.data.get("name") or props.get("dealname") or "",
        "pipeline": props.get("pipeline"),
        "dealstage": props.get("dealstage"),
        "amount": props.get("amount"),
        "closedate": props.get("closedate"),
        "owner_id": event.data.get("owner_id"),
    }


def is_closed(event: Event, context: RuleContext) -> bool:
    stage = _props(event.data).get("dealstage")
    return stage in context.policy.won_stages | context.policy.lost_stages


def service_completed(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A deal of a service pipeline reaching a won stage: the service was delivered."""
    props, policy = _props(event.data), context.policy
    if not is_live(event) or props.get("pipeline") not in policy.service_pipelines:
        return []
    if props.get("dealstage") not in policy.won_stages:
        return []
    # HubSpot sets the close date when a deal is won; the change time is the fallback.
    occurred_at = instant(props.get("closedate")) or event.occurred_at
    return [build("service_completed", event, context, occurred_at, deal_data(event))]


def deal_delayed(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """An open deal whose close date moved later than in its previous version."""
    if not is_live(event) or known.previous is None or is_closed(event, context):
        return []
    time_zone = time_zone_of(event, context, known)
    before = calendar_date(_props(known.previous).get("closedate"), time_zone)
    after = calendar_date(_props(event.data).get("closedate"), time_zone)
    if before is None or after is None or after <= before:
        return []
    data = {**deal_data(event), "previous_date": before.isoformat(), "date": after.isoformat(),
            "days_later": (after - before).days, "time_zone": time_zone}  # fmt: skip
    return [build("deal_delayed", event, context, event.occurred_at, data, suffix=event.version)]


def price_change(event: Event, context: RuleContext, known: Known) -> list[Moment]:
    """A deal whose amount differs from its previous version's (both known)."""
    if not is_live(event) or known.previous is None:
        return []
    before = amount(_props(known.previous).get("amount"))
    after = amount(_props(event.data).get("amount"))
    if before is None or after is None or before == after:
        return []
    percent = float((after - before) / before * 100) if before else None
    data = {**deal_data(event), "previous_amount": str(before), "amount": str(after),
            "change": str(after - before),
            "percent": round(percent, 1) if percent is not None else None,
            "currency": _props(event.data).get("deal_currency_code")}  # fmt: skip
    return [build("price_change", event, context, event.occurred_at, data, suffix=event.version)]
