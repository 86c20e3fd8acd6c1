"""SQL for the insights rollups, as text: the migrations create the triggers that keep the
rollups (m005 requests, m008 survey answers), and the store reads them with the same
filters. Pure string builders, no database."""

# An agent opening a ticket for a customer is not the customer asking: only requests the
# customer opened count. Values are text, so an id is one value whether a webhook sent it
# as text or the API as a number.
_REQUEST = ("m.type = 'support_request'"
            " AND NOT COALESCE(json_extract(m.data, '$.opened_by_agent'), 0)")  # fmt: skip
# A request's dimensions: top-level fields, and the keys of a mapping or items of a list.
_FIELDS = {"channel": "channel", "form_id": "form", "brand_id": "brand", "segment": "segment"}
_LISTS = {"$.category": "'category.' || j.key", "$.tags": "'tag'"}
_COLUMNS = ("m.id AS moment_id, m.occurred_at, substr(m.occurred_at, 1, 13) AS hour,"
            " COALESCE(CAST(m.customer_id AS TEXT), m.person) AS who")  # fmt: skip
# The rollups the triggers keep: requests per UTC hour (spikes, share over time; hours so
# that a day can be cut in the company's timezone) and per customer and month (repeats).
ROLLUPS = (
    ("request_counts", ("hour", "dimension", "value"), ("hour", "dimension", "value"), "1"),
    ("request_customers", ("dimension", "value", "who", "month"),
     ("dimension", "value", "who", "substr(hour, 1, 7)"), "who IS NOT NULL"),
)  # fmt: skip


def request_dimensions() -> str:
    """A view of (moment, dimension, value): every request under `all`, and under each field
    and each listed value it has. Filters on the view (one moment; a time range) reach the
    moments' indexes in every branch."""
    names = " ".join(f"WHEN '{key}' THEN '{name}'" for key, name in _FIELDS.items())
    keys = ", ".join(f"'{key}'" for key in _FIELDS)
    branches = [
        f"SELECT {_COLUMNS}, 'all' AS dimension, '' AS value FROM moments m WHERE {_REQUEST}",
        f"SELECT {_COLUMNS}, CASE j.key {names} END, CAST(j.atom AS TEXT) FROM moments m,"
        f" json_each(m.data) j WHERE {_REQUEST} AND j.key IN ({keys}) AND j.atom IS NOT NULL",
    ] + [
        f"SELECT {_COLUMNS}, {name}, CAST(j.atom AS TEXT) FROM moments m,"
        f" json_each(m.data, '{path}') j WHERE {_REQUEST} AND j.atom IS NOT NULL"
        for path, name in _LISTS.items()
    ]
    return "CREATE VIEW request_dimensions AS " + " UNION ALL ".join(branches)


def request_filter(dimension: str, value: str) -> tuple[str, list[str]]:
    """SQL on a moment `m` that holds for a request under (dimension, value), as the view
    would list it: one JSON lookup per request, for reading a time range of moments."""
    fields = {name: key for key, name in _FIELDS.items()}
    if dimension == "all":
        return _REQUEST, []
    if dimension in fields:
        return f"{_REQUEST} AND CAST(json_extract(m.data, '$.{fields[dimension]}') AS TEXT) = ?", [
            value
        ]
    if dimension == "tag":
        return (f"{_REQUEST} AND EXISTS (SELECT 1 FROM json_each(m.data, '$.tags') j"
                " WHERE CAST(j.atom AS TEXT) = ?)", [value])  # fmt: skip
    if dimension.startswith("category."):
        return (f"{_REQUEST} AND EXISTS (SELECT 1 FROM json_each(m.data, '$.category') j"
                " WHERE j.key = ? AND CAST(j.atom AS TEXT) = ?)",
                [dimension.partition(".")[2], value])  # fmt: skip
    raise ValueError(f"unknown request dimension {dimension!r}")


def count(row: str) -> str:
    """Statements adding the moment `row` (NEW) to each rollup."""
    return " ".join(
        f"INSERT INTO {table} ({', '.join(keys)}, requests) SELECT {', '.join(exprs)}, 1"
        f" FROM request_dimensions WHERE moment_id = {row}.id AND {only}"
        f" ON CONFLICT DO UPDATE SET requests = requests + 1;"
        for table, keys, exprs, only in ROLLUPS
    )


def uncount(row: str) -> str:
    """Statements taking the moment `row` (OLD) out of each rollup; empty rows go."""
    sql = []
    for table, keys, exprs, only in ROLLUPS:
        mine = f"FROM request_dimensions WHERE moment_id = {row}.id AND {only}"
        named = ", ".join(f"{e} AS {k}" for e, k in zip(exprs, keys, strict=True))
        match = " AND ".join(f"{table}.{k} = d.{k}" for k in keys)
        sql.append(
            f"UPDATE {table} SET requests = requests - d.n FROM (SELECT {named}, COUNT(*) AS n"
            f" {mine} GROUP BY {', '.join(keys)}) AS d WHERE {match};"
            f" DELETE FROM {table} WHERE requests <= 0 AND ({', '.join(keys)}) IN"
            f" (SELECT {', '.join(exprs)} {mine});"
        )
    return " ".join(sql)


# The answer `{a}`'s stage: the customer's latest other moment in the 30 days before it.
_STAGE = (
    "COALESCE((SELECT p.type FROM moments p WHERE p.customer_id = {a}.customer_id"
    " AND p.occurred_at < {a}.occurred_at AND p.occurred_at >= {a}.lookback"
    " AND p.type != 'survey_answered' AND NOT (p.tool = 'zendesk' AND"
    " p.object_type = 'ticket' AND p.object_id IS {a}.ticket)"
    " ORDER BY p.occurred_at DESC LIMIT 1), 'none')"
)
ADD_FACTS = (
    "INSERT INTO answer_facts SELECT a.*, {stage} FROM (SELECT id, customer_id, occurred_at,"
    " strftime('%Y-%m-%dT%H:%M:%f', occurred_at, '-30 days') AS lookback,"
    " json_extract(data, '$.scale'), json_extract(data, '$.sentiment'),"
    " CAST(json_extract(data, '$.ticket_id') AS TEXT) AS ticket FROM moments"
    " WHERE type = 'survey_answered' AND {where}) AS a;"
).replace("{stage}", _STAGE.format(a="a"))
# What was rated: the types of the rated ticket's other moments, whoever they belong to.
ADD_TYPES = (
    "INSERT OR IGNORE INTO answer_types SELECT f.moment_id, t.type FROM answer_facts f"
    " JOIN moments t ON t.tool = 'zendesk' AND t.object_type = 'ticket'"
    " AND t.object_id = f.ticket AND t.type != 'survey_answered' WHERE {where};"
)


def forget(r: str) -> str:
    return (f"DELETE FROM answer_types WHERE moment_id = {r}.id;"
            f" DELETE FROM answer_facts WHERE moment_id = {r}.id;")  # fmt: skip


def own(r: str) -> str:
    """Statements making the facts of `r` (OLD or NEW), if an answer, right again."""
    return (forget(r) + ADD_FACTS.format(where=f"id = {r}.id")
            + ADD_TYPES.format(where=f"f.moment_id = {r}.id"))  # fmt: skip


def others(r: str) -> str:
    """Statements making right the answers the moment `r` bears on: those whose stage it
    may be, and those rating its ticket."""
    rated = f"ticket = {r}.object_id AND {r}.tool = 'zendesk' AND {r}.object_type = 'ticket'"
    return (
        f"UPDATE answer_facts SET stage = {_STAGE.format(a='answer_facts')}"
        f" WHERE customer_id = {r}.customer_id AND occurred_at > {r}.occurred_at"
        f" AND lookback <= {r}.occurred_at AND {r}.type != 'survey_answered';"
        f" DELETE FROM answer_types WHERE moment_id IN"
        f" (SELECT moment_id FROM answer_facts WHERE {rated});"
        + ADD_TYPES.format(where=f"f.{rated}")
    )
