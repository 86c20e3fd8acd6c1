"""CRM search over indexed records: filters, one sort, free text, offset paging (HUBSPOT.md §3).

Pure: takes the request body, the records search can see and the property definitions,
returns the matches; the state decides which records are visible (index lag, archive).
"""

import re
from collections.abc import Mapping
from typing import Any

from sandbox.hubspot import schema, values
from sandbox.hubspot.errors import validation

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
# One query can page through this many results; `after` at or past it is refused (§3.2).
MAX_RESULTS = 10_000
# The Aug-2024 changelog's limits, the newest of the three HUBSPOT.md §3.1 cites.
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
VALUE_OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
OPERATORS = VALUE_OPERATORS | {"BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"}
TOKEN = re.compile(r"\w+")

Definitions = Mapping[str, Mapping[str, Any]]


def run(
    object_type: str, body: Any, records: list[dict[str, Any]], definitions: Definitions
) -> tuple[int, list[dict[str, Any]], str | None]:
    """(total, this page's records, next `after` or None); raise HubSpotError on a bad body."""
    if not isinstance(body, Mapping):
        raise validation("Invalid input JSON: send a search request object")
    limit = _integer(body.get("limit"), DEFAULT_LIMIT, "limit")
    if not 0 <= limit <= MAX_LIMIT:
        raise validation(f"limit must be between 0 and {MAX_LIMIT} (got {limit})")
    after = _integer(body.get("after"), 0, "after")
    if after >= MAX_RESULTS:
        raise validation(
            f"Paging past {MAX_RESULTS} results is not allowed (after={after}); "
            "narrow the query instead"
        )
    groups = _check_groups(body.get("filterGroups") or [], definitions)
    words = TOKEN.findall(str(body.get("query") or "").lower())
    found = [
        r
        for r in records
        if _matches_groups(r, groups, definitions)
        and _matches_query(r, words, schema.SEARCH_TEXT[object_type])
    ]
    _sort(found, body.get("sorts") or [], object_type, definitions)
    end = min(after + limit, len(found), MAX_RESULTS)
    page = found[after:end]
    return len(found), page, str(end) if end < len(found) else None


def _integer(raw: Any, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise validation(f"{name} must be an integer (got {raw!r})") from None


def _check_groups(groups: Any, definitions: Definitions) -> list[list[Mapping[str, Any]]]:
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise validation(f"filterGroups must be a list of at most {MAX_GROUPS} groups")
    checked = []
    for group in groups:
        filters = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation(f"each filter group needs at most {MAX_FILTERS_PER_GROUP} filters")
        for flt in filters:
            _check_filter(flt, definitions)
        checked.append(filters)
    if sum(len(filters) for filters in checked) > MAX_FILTERS:
        raise validation(f"at most {MAX_FILTERS} filters in all groups together")
    return checked


def _check_filter(flt: Any, definitions: Definitions) -> None:
    if not isinstance(flt, Mapping):
        raise validation("each filter must be an object")
    operator, name = flt.get("operator"), flt.get("propertyName")
    if operator not in OPERATORS:
        raise validation(f"operator must be one of {sorted(OPERATORS)} (got {operator!r})")
    if name not in definitions:
        raise validation(f"Property {name!r} does not exist and cannot be used in a filter")
    if operator in VALUE_OPERATORS and flt.get("value") is None:
        raise validation(f"operator {operator} needs a value")
    if operator == "BETWEEN" and (flt.get("value") is None or flt.get("highValue") is None):
        raise validation("operator BETWEEN needs value and highValue")
    if operator in ("IN", "NOT_IN") and not isinstance(flt.get("values"), list):
        raise validation(f"operator {operator} needs a list of values")


def _matches_groups(record: dict[str, Any], groups: list, definitions: Definitions) -> bool:
    """Filters in a group are ANDed, groups ORed; no groups matches everything."""
    if not groups:
        return True
    return any(all(_matches(record, f, definitions) for f in group) for group in groups)


def _matches(record: dict[str, Any], flt: Mapping[str, Any], definitions: Definitions) -> bool:
    name, operator = flt["propertyName"], flt["operator"]
    type_ = definitions[name]["type"]
    stored = record["properties"].get(name)
    actual = values.comparable(stored, type_)
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (actual is not None) == (operator == "HAS_PROPERTY")
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _has_token(stored or "", str(flt["value"])) == (operator == "CONTAINS_TOKEN")
    if operator in ("IN", "NOT_IN"):
        wanted = {values.comparable(values.to_text(v), type_) for v in flt["values"]}
        return (actual is not None and actual in wanted) == (operator == "IN")
    target = values.comparable(values.to_text(flt["value"]), type_)
    if operator == "NEQ":
        return actual != target
    if actual is None or target is None:
        return False
    if operator == "BETWEEN":
        high = values.comparable(values.to_text(flt["highValue"]), type_)
        return high is not None and target <= actual <= high
    return {
        "EQ": actual == target,
        "LT": actual < target,
        "LTE": actual <= target,
        "GT": actual > target,
        "GTE": actual >= target,
    }[operator]


def _has_token(stored: str, wanted: str) -> bool:
    """Whole-token match; `*` is a wildcard, as in HubSpot's CONTAINS_TOKEN."""
    wanted = wanted.lower()
    tokens = TOKEN.findall(stored.lower())
    if "*" in wanted:
        pattern = re.compile("^" + ".*".join(map(re.escape, wanted.split("*"))) + "$")
        return any(pattern.match(t) for t in tokens) or bool(pattern.match(stored.lower()))
    return wanted in tokens or wanted == stored.lower()


def _matches_query(record: dict[str, Any], words: list[str], fields: tuple[str, ...]) -> bool:
    """Every query word starts some word of the type's default text properties."""
    if not words:
        return True
    text = " ".join(record["properties"].get(name) or "" for name in fields)
    tokens = TOKEN.findall(text.lower())
    return all(any(t.startswith(w) for t in tokens) for w in words)


def _sort(
    found: list[dict[str, Any]], sorts: Any, object_type: str, definitions: Definitions
) -> None:
    """Only the first sort rule applies; without one, oldest-created first (§3.1)."""
    found.sort(key=lambda record: int(record["id"]))
    if not isinstance(sorts, list):
        raise validation("sorts must be a list")
    name, descending = schema.created_property(object_type), False
    if sorts:
        name, descending = _sort_rule(sorts[0])
        if name not in definitions:
            raise validation(f"Property {name!r} does not exist and cannot be used to sort")
    type_ = definitions[name]["type"]

    def key(record: dict[str, Any]) -> tuple[bool, Any]:
        value = values.comparable(record["properties"].get(name), type_)
        missing = value is None
        # Records without a value come last in both directions.
        return (not missing if descending else missing, 0 if missing else value)

    # Stable sorts keep the id order among equal values, also with reverse=True.
    found.sort(key=key, reverse=descending)


def _sort_rule(rule: Any) -> tuple[str, bool]:
    """`{propertyName, direction}`, or the SDK's string form `name` / `-name`."""
    if isinstance(rule, str):
        return rule.lstrip("-"), rule.startswith("-")
    if not isinstance(rule, Mapping) or not rule.get("propertyName"):
        raise validation("each sort needs a propertyName")
    direction = rule.get("direction", "ASCENDING")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise validation(f"direction must be ASCENDING or DESCENDING (got {direction!r})")
    return rule["propertyName"], direction == "DESCENDING"
