"""Quality: CSAT and NPS by month, by the moment types before the answer, and why
detractors said so.

CSAT is the share of happy answers (Zendesk's good/bad, or 4-5 on a 1-5 survey); NPS is
promoters (9-10) minus detractors (0-6), in points. Both come with their answer counts: a
score from three answers is shown as such, never as a trend.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from momentos.store import Store

FAMILIES = {"zendesk_csat": "csat", "csat": "csat", "nps": "nps"}
# The breakdowns: what was rated (the types of the rated ticket's moments) and the stage of
# the customer's journey (their latest other moment in the 30 days before answering).
BREAKDOWNS = ("type", "stage")


def score(family: str, sentiments: dict[str, int]) -> float | None:
    """CSAT in percent of answers, or NPS in points; None without answers."""
    answers = sum(sentiments.values())
    if not answers:
        return None
    happy, unhappy = sentiments.get("positive", 0), sentiments.get("negative", 0)
    value = happy / answers if family == "csat" else (happy - unhappy) / answers
    return round(100 * value, 1)


def _scored(family: str, sentiments: dict[str, int]) -> dict[str, Any]:
    return {"score": score(family, sentiments), "answers": sum(sentiments.values()),
            "detractors": sentiments.get("negative", 0)}  # fmt: skip


def summarise(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows of (grp, month, scale, sentiment, answers) as {group: {family: {score, answers,
    by_month: [...]}}}, months in order."""
    totals: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    monthly: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        family = FAMILIES.get(row["scale"])
        if family is None:
            continue
        totals[row["grp"]][family][row["sentiment"]] += row["answers"]
        monthly[row["grp"], family, row["month"]][row["sentiment"]] += row["answers"]
    result: dict[str, dict[str, Any]] = {}
    for group, families in sorted(totals.items()):
        result[group] = {}
        for family, sentiments in sorted(families.items()):
            months = sorted(m for g, f, m in monthly if (g, f) == (group, family))
            result[group][family] = {
                **_scored(family, sentiments),
                "by_month": [{"month": m, **_scored(family, monthly[group, family, m])}
                             for m in months],
            }  # fmt: skip
    return result


def first_month(today: date, months: int) -> date:
    """The first day of the month `months - 1` before today's."""
    year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    return date(year, month + 1, 1)


def utc_offset(now: datetime, time_zone: str) -> str:
    """The company's offset from UTC now, as an SQLite modifier: months are cut at the
    company's midnight (a daylight-saving hour at a month's edge is not worth a per-row
    timezone conversion)."""
    offset = now.astimezone(ZoneInfo(time_zone)).utcoffset() or timedelta(0)
    return f"{int(offset.total_seconds() // 60):+d} minutes"


def quality(store: Store, time_zone: str, now: datetime, months: int = 6,
            comments: int = 20) -> dict[str, Any]:  # fmt: skip
    """CSAT and NPS over the last `months` months (this one included), overall, by type and
    by stage, and the newest detractor comments."""
    zone = ZoneInfo(time_zone)
    since = datetime.combine(first_month(now.astimezone(zone).date(), months), time(0), zone)
    offset = utc_offset(now, time_zone)
    rows = store.answer_counts(since, now, offset)
    overall = summarise(r for r in rows if r["by"] == "all").get("all", {})
    report: dict[str, Any] = {"since": since.date().isoformat(), "overall": overall}
    for by in BREAKDOWNS:
        report[f"by_{by}"] = summarise(r for r in rows if r["by"] == by)
    report["detractors"] = store.detractor_comments(since, now, comments)
    return report
