"""Batch calls: at most 100 inputs, and HubSpot's two ways of failing (HUBSPOT.md §4.3).

When every input carries a unique `objectWriteTraceId`, bad inputs are reported one by one
(207, `errors[].context.objectWriteTraceId`) and the rest are written. Otherwise the first
bad input refuses the whole batch and nothing is written.
"""

from collections.abc import Mapping
from typing import Any

from sandbox.hubspot import schema, values
from sandbox.hubspot.errors import HubSpotError, validation

MAX_INPUTS = 100


def _inputs(body: Any) -> list[Mapping[str, Any]]:
    inputs = body.get("inputs") if isinstance(body, Mapping) else None
    if not isinstance(inputs, list) or not all(isinstance(i, Mapping) for i in inputs):
        raise validation("Invalid input JSON: `inputs` must be a list of objects")
    if len(inputs) > MAX_INPUTS:
        raise validation(
            f"Batch input may not contain more than {MAX_INPUTS} inputs (got {len(inputs)})"
        )
    return inputs


def _trace_ids(inputs: list[Mapping[str, Any]]) -> list[str] | None:
    ids = [item.get("objectWriteTraceId") for item in inputs]
    if all(ids) and len(set(ids)) == len(ids):
        return [str(i) for i in ids]
    return None


def envelope(state, started: str, results: list, errors: list) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": values.iso_ms(state.clock.now()),
    }
    if errors:
        answer["numErrors"] = len(errors)
        answer["errors"] = errors
    return answer


def _write_many(state, object_type: str, body: Any, prepare, commit) -> dict[str, Any]:
    """Check every input, then write the good ones; one webhook send for the whole batch.

    A plan is `(something, cleaned values)`; earlier plans' values go to `prepare` so two
    inputs cannot claim one unique value.
    """
    inputs = _inputs(body)
    trace_ids = _trace_ids(inputs)
    started = values.iso_ms(state.clock.now())
    plans, errors = [], []
    for index, item in enumerate(inputs):
        try:
            plans.append((index, prepare(item, [plan[1] for _, plan in plans])))
        except HubSpotError as exc:
            if trace_ids is None:
                raise
            errors.append(exc.item(trace_ids[index]))
    results, events = [], []
    for index, plan in plans:
        record, found = commit(plan)
        events.extend(found)
        shown = state.view(object_type, record, full=True)
        if trace_ids is not None:
            shown["objectWriteTraceId"] = trace_ids[index]
        results.append(shown)
    state.webhooks.send(events)
    return envelope(state, started, results, errors)


def create_many(state, object_type: str, body: Any) -> dict[str, Any]:
    def prepare(item: Mapping[str, Any], pending: list) -> tuple:
        links = state.links_from_specs(object_type, item.get("associations"))
        cleaned = state.prepare_create(object_type, item.get("properties"), links, pending)
        return links, cleaned

    def commit(plan: tuple) -> tuple:
        links, cleaned = plan
        return state.commit_create(object_type, cleaned, links)

    return _write_many(state, object_type, body, prepare, commit)


def update_many(state, object_type: str, body: Any) -> dict[str, Any]:
    def prepare(item: Mapping[str, Any], pending: list) -> tuple:
        return state.prepare_update(
            object_type,
            str(item.get("id", "")),
            item.get("properties"),
            item.get("idProperty"),
            pending,
        )

    def commit(plan: tuple) -> tuple:
        record, cleaned = plan
        return state.commit_update(object_type, record, cleaned)

    return _write_many(state, object_type, body, prepare, commit)


def read_many(state, object_type: str, body: Any) -> dict[str, Any]:
    """Found records; ids not found are named in one OBJECT_NOT_FOUND error (207)."""
    inputs = _inputs(body)
    started = values.iso_ms(state.clock.now())
    wanted = body.get("properties") or None
    id_property = body.get("idProperty")
    archived = bool(body.get("archived", False))
    results, missing = [], []
    for item in inputs:
        key = str(item.get("id", ""))
        try:
            record = state.find(object_type, key, id_property, archived)
        except HubSpotError as exc:
            if exc.status != 404:
                raise
            missing.append(key)
            continue
        results.append(state.view(object_type, record, wanted))
    errors = []
    if missing:
        singular = schema.OBJECT_TYPES[object_type][1].upper()
        errors.append(
            HubSpotError(
                404,
                "OBJECT_NOT_FOUND",
                f"Could not get some {singular} objects, they may be "
                "deleted or not exist. Check that ids are valid.",
                context={"ids": missing},
            ).item()
        )
    return envelope(state, started, results, errors)


def archive_many(state, object_type: str, body: Any) -> None:
    """Archive the ids that exist; unknown ids are passed over, as HubSpot answers 204."""
    for item in _inputs(body):
        key = str(item.get("id", ""))
        if key in state.records[object_type] and not state.records[object_type][key]["archived"]:
            state.archive_object(object_type, key, source="INTEGRATION")


def associations_many(state, from_type: str, to_type: str, body: Any) -> dict[str, Any]:
    """v4 batch read: one result per input with associations, an error per input without."""
    started = values.iso_ms(state.clock.now())
    results, errors = [], []
    for item in _inputs(body):
        key = str(item.get("id", ""))
        entries = state.links.v4_entries(from_type, key, to_type)
        if entries:
            results.append({"from": {"id": key}, "to": entries})
            continue
        errors.append(_no_associations(from_type, key, to_type).item())
    return envelope(state, started, results, errors)


def _no_associations(from_type: str, key: str, to_type: str) -> HubSpotError:
    """HubSpot answers an input without associations with this error, not an empty list."""
    singular_from, singular_to = schema.OBJECT_TYPES[from_type][1], schema.OBJECT_TYPES[to_type][1]
    return HubSpotError(
        404,
        "OBJECT_NOT_FOUND",
        f"No {singular_to} is associated with {singular_from} {key}.",
        context={
            "fromObjectId": [key],
            "fromObjectType": [singular_from],
            "toObjectType": [singular_to],
        },
        sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
    )
