"""HubSpot tasks and notes: key property provisioning, batch create, 207, lookup."""

import json

import pytest
from responses import matchers

from connectors.hubspot.actions import SEARCH_LAG, HubSpotActions
from connectors.hubspot.client import HubSpotClient
from momentos.errors import FatalApiError, RetriableError
from momentos.model import Action, ActionResult

BASE = "https://api.hubapi.com"
APP = "https://app.hubspot.com"
PROPS = f"{BASE}/crm/v3/properties"
TASKS = f"{BASE}/crm/v3/objects/tasks"
NOTES = f"{BASE}/crm/v3/objects/notes"


@pytest.fixture
def actions(clock, rng):
    return HubSpotActions(HubSpotClient(BASE, "pat", clock=clock, rng=rng), APP + "/", 62515)


@pytest.fixture
def provisioned(actions):
    actions._provisioned.update({"tasks", "notes"})
    return actions


def task(key, **payload):
    payload = {
        "subject": "Call Ana",
        "body": "She complained",
        "due_at": "2026-03-03T09:00:00+01:00",
        "owner_id": "64492917",
        "priority": "HIGH",
        "task_type": "CALL",
        "contact_ids": ["101"],
        "company_ids": ["12"],
        "deal_ids": ["5"],
        **payload,
    }
    return Action(key=key, workflow="wf", tool="hubspot", kind="task", payload=payload)


def note(key):
    return Action(key=key, workflow="wf", tool="hubspot", kind="note", payload={
        "body": "Spike in refunds", "timestamp": "2026-03-02T09:00:00Z", "owner_id": None,
        "contact_ids": [], "company_ids": ["12"], "deal_ids": []})  # fmt: skip


def assoc(record_id, type_id):
    return {
        "to": {"id": record_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def task_input(key):
    return {
        "properties": {"hs_timestamp": "1772524800000", "hs_task_subject": "Call Ana",
                       "hs_task_body": "<p>She complained</p>", "hs_task_status": "NOT_STARTED",
                       "hs_task_priority": "HIGH", "hs_task_type": "CALL",
                       "hubspot_owner_id": "64492917", "momentos_key": key},
        "associations": [assoc("101", 204), assoc("12", 192), assoc("5", 216)],
        "objectWriteTraceId": key,
    }  # fmt: skip


def created(remote_id, key):
    return {"id": remote_id, "properties": {"momentos_key": key}, "archived": False}


def done(key, remote_id, type_id="0-27"):
    return ActionResult(
        key,
        True,
        remote_id=remote_id,
        remote_url=f"{APP}/contacts/62515/record/{type_id}/{remote_id}",
    )


def test_key_property_is_created_once_when_missing(ordered, actions):
    for objects, group in (("tasks", "task_information"), ("notes", "note_information")):
        ordered.get(
            f"{PROPS}/{objects}/momentos_key",
            status=404,
            json={"category": "OBJECT_NOT_FOUND", "message": "not found"},
        )
        ordered.post(
            f"{PROPS}/{objects}",
            status=201,
            json={"name": "momentos_key"},
            match=[
                matchers.json_params_matcher(
                    {
                        "name": "momentos_key",
                        "label": "Momentos key",
                        "type": "string",
                        "fieldType": "text",
                        "groupName": group,
                        "hasUniqueValue": False,
                        "description": "Written by Momentos to find its own tasks and notes again.",
                    }
                )
            ],
        )
    actions.ensure_key_property()
    actions.ensure_key_property()
    assert len(ordered.calls) == 4


def test_an_existing_key_property_is_left_alone(rsps, actions):
    rsps.get(f"{PROPS}/tasks/momentos_key", json={"name": "momentos_key"})
    rsps.get(f"{PROPS}/notes/momentos_key", json={"name": "momentos_key"})
    actions.ensure_key_property()
    assert [c.request.method for c in rsps.calls] == ["GET", "GET"]


def test_a_property_created_meanwhile_by_another_worker_is_fine(ordered, actions):
    ordered.get(f"{PROPS}/tasks/momentos_key", status=404)
    ordered.post(f"{PROPS}/tasks", status=409, json={"category": "CONFLICT"})
    ordered.get(f"{PROPS}/notes/momentos_key", json={})
    actions.ensure_key_property()


def test_provisioning_refused_for_lack_of_scopes_is_raised(rsps, actions):
    rsps.get(f"{PROPS}/tasks/momentos_key", status=403, json={"category": "MISSING_SCOPES"})
    with pytest.raises(FatalApiError, match="403: MISSING_SCOPES"):
        actions.ensure_key_property()


def test_tasks_are_created_in_one_batch_with_key_trace_id_and_associations(rsps, actions):
    rsps.get(f"{PROPS}/tasks/momentos_key", json={})
    rsps.get(f"{PROPS}/notes/momentos_key", json={})
    rsps.post(f"{TASKS}/batch/create", status=201, match=[matchers.json_params_matcher(
        {"inputs": [task_input("k1"), task_input("k2")]})], json={"status": "COMPLETE",
        "results": [created("902", "k2"), created("901", "k1")]})  # fmt: skip
    assert actions.create([task("k1"), task("k2")]) == [done("k1", "901"), done("k2", "902")]


def test_notes_use_their_own_association_types(rsps, provisioned):
    rsps.post(f"{NOTES}/batch/create", status=201, match=[matchers.json_params_matcher({
        "inputs": [{"properties": {"hs_timestamp": "1772442000000",
                                   "hs_note_body": "<p>Spike in refunds</p>", "momentos_key": "n1"},
                    "associations": [assoc("12", 190)], "objectWriteTraceId": "n1"}]})],
        json={"results": [created("77", "n1")]})  # fmt: skip
    assert provisioned.create([note("n1")]) == [done("n1", "77", "0-46")]


def test_a_207_maps_failures_by_trace_id_and_results_by_key(rsps, provisioned):
    rsps.post(
        f"{TASKS}/batch/create",
        status=207,
        json={
            "status": "COMPLETE",
            "numErrors": 2,
            "results": [created("901", "k1")],
            "errors": [
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": "Property values were not valid",
                    "context": {"objectWriteTraceId": ["k2"]},
                },
                {
                    "status": "error",
                    "category": "RATE_LIMITS",
                    "message": "secondly limit",
                    "context": {"objectWriteTraceId": ["k3"]},
                },
            ],
        },
    )
    results = provisioned.create([task("k1"), task("k2"), task("k3")])
    assert results == [
        done("k1", "901"),
        ActionResult("k2", False, error="VALIDATION_ERROR: Property values were not valid"),
        ActionResult("k3", False, error="RATE_LIMITS: secondly limit", retriable=True),
    ]


def test_more_than_100_go_in_several_batches(rsps, provisioned):
    keys = [f"k{i:03}" for i in range(150)]

    def answer(request):
        inputs = json.loads(request.body)["inputs"]
        results = [created(str(1000 + i), x["objectWriteTraceId"]) for i, x in enumerate(inputs)]
        return 201, {}, json.dumps({"results": results})

    rsps.add_callback("POST", f"{TASKS}/batch/create", callback=answer)
    results = provisioned.create([task(k) for k in keys])
    assert [len(json_inputs(c)) for c in rsps.calls] == [100, 50]
    assert all(r.ok for r in results) and [r.key for r in results] == keys


def json_inputs(call):
    return json.loads(call.request.body)["inputs"]


def test_a_503_on_batch_create_is_never_repeated(rsps, provisioned):
    rsps.post(f"{TASKS}/batch/create", status=503)
    with pytest.raises(RetriableError, match="batch/create answered 503"):
        provisioned.create([task("k1")])
    assert len(rsps.calls) == 1


def test_bad_payloads_fail_without_any_call(actions):
    bad = [task("k1", due_at=None), Action("k2", "wf", "hubspot", "email", {})]
    results = actions.create(bad)
    assert [(r.key, r.ok, r.retriable) for r in results] == [
        ("k1", False, False),
        ("k2", False, False),
    ]
    assert "needs an ISO due_at" in results[0].error


def test_lookup_searches_momentos_key_in_batches_of_100(ordered, provisioned):
    actions = provisioned  # lookup makes the key property first (issue #12)
    keys = [f"k{i:03}" for i in range(120)]

    def lookup_query(values, after=None):
        body = {"filterGroups": [{"filters": [
                    {"propertyName": "momentos_key", "operator": "IN", "values": values}]}],
                "properties": ["momentos_key"], "limit": 100}  # fmt: skip
        return [matchers.json_params_matcher(body | ({"after": after} if after else {}))]

    ordered.post(
        f"{TASKS}/search",
        match=lookup_query(keys[:100]),
        json={
            "results": [{"id": "9", "properties": {"momentos_key": "k001"}}],
            "paging": {"next": {"after": "100"}},
        },
    )
    ordered.post(
        f"{TASKS}/search",
        match=lookup_query(keys[:100], after="100"),
        json={"results": [{"id": "8", "properties": {"momentos_key": "k001"}}]},
    )
    ordered.post(
        f"{TASKS}/search",
        match=lookup_query(keys[100:]),
        json={"results": [{"id": "10", "properties": {"momentos_key": "k110"}}]},
    )
    ordered.post(f"{NOTES}/search", match=lookup_query(["n1"]), json={"results": []})
    found = actions.lookup([task(k) for k in keys] + [note("n1")])
    assert found == {
        "k001": ("8", f"{APP}/contacts/62515/record/0-27/8"),
        "k110": ("10", f"{APP}/contacts/62515/record/0-27/10"),
    }


def test_lookups_wait_for_the_search_lag():
    assert HubSpotActions.LOOKUP_LAG == SEARCH_LAG
    assert SEARCH_LAG.total_seconds() >= 30


def test_bodies_become_escaped_html_paragraphs():
    from connectors.hubspot.actions import rich_text

    text = "Carmen <carmen@x.es> said:\n“Nunca más”\n\n1. Call\n2. Fix"
    assert rich_text(text) == (
        "<p>Carmen &lt;carmen@x.es&gt; said:<br>“Nunca más”</p><p>1. Call<br>2. Fix</p>"
    )
