"""Reads for insights, kept in SQL over the tables that triggers maintain (m005, m008)."""

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from momentos.rollups import request_filter
from momentos.store.base import Connection, _hour, _ts


class InsightReads(Connection):
    def request_counts(self, since: datetime, until: datetime) -> Iterator[tuple]:
        """(UTC hour 'YYYY-MM-DDTHH', dimension, value, requests) for [since, until), streamed."""
        return self.db.execute(
            "SELECT hour, dimension, value, requests FROM request_counts"
            " WHERE hour >= ? AND hour < ?",
            [_hour(since), _hour(until + timedelta(minutes=59, seconds=59))],
        )

    def requests_with(self, dimension: str, value: str, since: datetime, until: datetime,
                      examples: int) -> dict[str, Any]:  # fmt: skip
        """Requests carrying a dimension's value in [since, until): how many, from how many
        customers (a person when the customer is not known yet), and the newest few."""
        matches, params = request_filter(dimension, value)
        where = (f"m.type = 'support_request' AND m.occurred_at >= ? AND m.occurred_at < ?"
                 f" AND {matches}")  # fmt: skip
        params = [_ts(since), _ts(until), *params]
        counts = self._rows(
            "SELECT COUNT(*) AS requests, COUNT(DISTINCT COALESCE(CAST(m.customer_id AS TEXT),"
            f" m.person)) AS customers FROM moments m WHERE {where}",
            params,
        )[0]
        newest = self._rows(
            f"SELECT m.key, m.link, m.occurred_at, json_extract(m.data, '$.subject') AS subject"
            f" FROM moments m WHERE {where} ORDER BY m.occurred_at DESC, m.id DESC LIMIT ?",
            [*params, examples],
        )
        return {**counts, "examples": newest}

    def answer_counts(self, since: datetime, until: datetime, offset: str) -> list[dict]:
        """Survey answers in [since, until) counted by local month (`offset` from UTC, such
        as '+60 minutes'), scale and sentiment, three ways (`by`): `all`; `type`, under each
        type of the rated ticket's moments; `stage`, under the customer's latest other
        moment type. From the facts the triggers keep (m008), not the answers' JSON."""
        group = "a.month, a.scale, a.sentiment"
        return self._rows(
            "WITH a AS MATERIALIZED (SELECT moment_id, strftime('%Y-%m', occurred_at, ?)"
            " AS month, scale, sentiment, stage FROM answer_facts WHERE occurred_at >= ?"
            " AND occurred_at < ?)"
            f" SELECT 'all' AS by, 'all' AS grp, {group}, COUNT(*) AS answers FROM a"
            f" GROUP BY {group}"
            f" UNION ALL SELECT 'type', t.type, {group}, COUNT(*) FROM a"
            f" JOIN answer_types t ON t.moment_id = a.moment_id GROUP BY 2, {group}"
            f" UNION ALL SELECT 'stage', a.stage, {group}, COUNT(*) FROM a GROUP BY 2, {group}",
            [offset, _ts(since), _ts(until)],
        )

    def detractor_comments(self, since: datetime, until: datetime, limit: int) -> list[dict]:
        """Unhappy answers with a comment in [since, until), newest first, with the customer."""
        return self._rows(
            "SELECT m.key, m.occurred_at, m.link, m.customer_id, c.name AS customer,"
            " json_extract(m.data, '$.scale') AS scale, json_extract(m.data, '$.score') AS score,"
            " json_extract(m.data, '$.comment') AS comment, json_extract(m.data, '$.reason')"
            " AS reason FROM moments m LEFT JOIN customers c ON c.id = m.customer_id"
            " WHERE m.type = 'survey_answered' AND m.occurred_at >= ? AND m.occurred_at < ?"
            " AND json_extract(m.data, '$.sentiment') = 'negative'"
            " AND COALESCE(json_extract(m.data, '$.comment'), '') != ''"
            " ORDER BY m.occurred_at DESC, m.id DESC LIMIT ?",
            [_ts(since), _ts(until), limit],
        )

    def repeat_rates(self, since_month: str, until_month: str) -> list[dict[str, Any]]:
        """Per (dimension, value), months in [since_month, until_month): customers who asked,
        those who asked more than once, and their requests."""
        return self._rows(
            "SELECT dimension, value, COUNT(*) AS customers, SUM(n > 1) AS repeaters,"
            " SUM(n) AS requests FROM (SELECT dimension, value, who, SUM(requests) AS n"
            " FROM request_customers WHERE month >= ? AND month < ? GROUP BY 1, 2, 3)"
            " GROUP BY 1, 2 ORDER BY dimension, requests DESC, value",
            [since_month, until_month],
        )

    def top_requesters(self, since_month: str, until_month: str, limit: int) -> list[dict]:
        """The customers (or persons) who asked most in the months, with their names."""
        return self._rows(
            "SELECT r.who, SUM(r.requests) AS requests, c.id AS customer_id, c.name"
            " FROM request_customers r LEFT JOIN customers c ON r.who NOT LIKE '%:%'"
            " AND c.id = CAST(r.who AS INTEGER) WHERE r.dimension = 'all' AND r.value = ''"
            " AND r.month >= ? AND r.month < ? GROUP BY r.who ORDER BY requests DESC, r.who"
            " LIMIT ?",
            [since_month, until_month, limit],
        )

    def requests_by(self, whos: Iterable[str], since_month: str, until_month: str) -> list[dict]:
        """What each of these customers asked about, per (dimension, value), in the months."""
        whos = list(whos)
        return self._rows(
            f"SELECT who, dimension, value, SUM(requests) AS requests FROM request_customers"
            f" WHERE who IN ({','.join('?' * len(whos))}) AND dimension != 'all'"
            f" AND month >= ? AND month < ? GROUP BY 1, 2, 3 ORDER BY who, requests DESC",
            [*whos, since_month, until_month],
        )
