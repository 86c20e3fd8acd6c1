"""Frequency: how often customers ask again, overall and per category, and who asks most.

A repeat requester asked more than once about the same thing (or at all, for `all`) in
the period; the rate is their share of the customers who asked. Periods are whole months,
as the rollup keeps them (momentos/migrations.py m005).
"""

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from momentos.insights.quality import first_month
from momentos.insights.sentences import Labels, labelled
from momentos.store import Store

NOBODY = {"dimension": "all", "value": "", "customers": 0, "repeaters": 0, "requests": 0}


def rate(row: dict[str, Any]) -> dict[str, Any]:
    customers = row["customers"] or 0
    return {
        "dimension": row["dimension"],
        "value": row["value"],
        "customers": customers,
        "repeat_customers": row["repeaters"] or 0,
        "requests": row["requests"] or 0,
        "repeat_rate": round((row["repeaters"] or 0) / customers, 4) if customers else 0.0,
        "requests_per_customer": round((row["requests"] or 0) / customers, 2) if customers else 0.0,
    }


def is_topic(dimension: str) -> bool:
    """Categories and tags say what a request is about; a form or a brand rarely does."""
    return dimension.startswith("category.") or dimension == "tag"


def _top_topics(rows: list[dict[str, Any]], labels: Labels | None,
                per_customer: int = 3) -> dict[str, list[dict]]:  # fmt: skip
    """Each customer's most asked values (rows come ordered by customer, requests). Zendesk
    tags a ticket with its drop-down values: a tag and a category of the same value are one
    topic, told by the category (it has a label)."""
    topics: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if not is_topic(row["dimension"]):
            continue
        listed = topics[row["who"]]
        topic = labelled({key: row[key] for key in ("dimension", "value", "requests")}, labels)
        twin = next((n for n, known in enumerate(listed) if known["value"] == row["value"]), None)
        if twin is None and len(listed) < per_customer:
            listed.append(topic)
        elif twin is not None and listed[twin]["dimension"] == "tag":
            listed[twin] = topic
    return topics


def frequency(store: Store, time_zone: str, now: datetime, months: int = 3, top: int = 10,
              labels: Labels | None = None) -> dict[str, Any]:  # fmt: skip
    """Repeat-request rates over the last `months` months (this one included): overall,
    per dimension value, and the `top` customers who asked most, with what about; each
    value with its `label` (a category's drop-down label from `labels`, else the value)."""
    local = now.astimezone(ZoneInfo(time_zone)).date()
    since = first_month(local, months).strftime("%Y-%m")
    until = first_month(local, 0).strftime("%Y-%m")  # next month: the period ends today
    rates = [rate(row) for row in store.repeat_rates(since, until)]
    overall = next((r for r in rates if r["dimension"] == "all"), rate(NOBODY))
    leaders = store.top_requesters(since, until, top)
    topics = _top_topics(store.requests_by([r["who"] for r in leaders], since, until), labels)
    return {
        "since": since,
        "overall": overall,
        # Topics first (categories, then tags), each by how many asked: the actionable rows.
        "by_value": sorted(
            (labelled(r, labels) for r in rates if r["dimension"] != "all"),
            key=lambda r: (
                not is_topic(r["dimension"]),
                r["dimension"] == "tag",
                r["dimension"],
                -r["customers"],
                -r["requests"],
            ),
        ),
        "top_customers": [{**row, "topics": topics.get(row["who"], [])} for row in leaders],
    }
