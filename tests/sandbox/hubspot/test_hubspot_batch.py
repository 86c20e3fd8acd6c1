"""Batch create, update and read: limits, 201, and 207 only with objectWriteTraceId (§4.3)."""

TASK = {"hs_timestamp": "2026-10-01T09:00:00Z", "hs_task_subject": "Call"}


def test_batch_create_answers_201_complete_with_every_record(api):
    inputs = [{"properties": {**TASK, "hs_task_subject": f"Call {i}"}} for i in range(3)]
    response = api.post("/crm/v3/objects/tasks/batch/create", {"inputs": inputs})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "COMPLETE" and body["startedAt"] and body["completedAt"]
    assert sorted(r["properties"]["hs_task_subject"] for r in body["results"]) == [
        "Call 0",
        "Call 1",
        "Call 2",
    ]
    assert "numErrors" not in body


def test_batch_create_with_trace_ids_writes_good_inputs_and_names_bad_ones(api, hubspot):
    inputs = [
        {"properties": TASK, "objectWriteTraceId": "k-1"},
        {"properties": {"hs_task_subject": "no due date"}, "objectWriteTraceId": "k-2"},
        {"properties": {**TASK, "missing": "x"}, "objectWriteTraceId": "k-3"},
    ]
    response = api.post("/crm/v3/objects/tasks/batch/create", {"inputs": inputs})

    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == 2
    assert [e["context"]["objectWriteTraceId"] for e in body["errors"]] == [["k-2"], ["k-3"]]
    assert all(
        e["status"] == "error" and e["category"] == "VALIDATION_ERROR" for e in body["errors"]
    )
    assert "PROPERTY_DOESNT_EXIST" in body["errors"][1]["message"]
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["k-1"]
    assert len(hubspot.objects("tasks")) == 1


def test_batch_create_without_trace_ids_fails_whole_batch(api, hubspot):
    inputs = [{"properties": TASK}, {"properties": {"hs_task_subject": "no due date"}}]
    response = api.post("/crm/v3/objects/tasks/batch/create", {"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert hubspot.objects("tasks") == []


def test_repeated_trace_ids_count_as_none(api, hubspot):
    inputs = [
        {"properties": TASK, "objectWriteTraceId": "same"},
        {"properties": {}, "objectWriteTraceId": "same"},
    ]
    assert api.post("/crm/v3/objects/tasks/batch/create", {"inputs": inputs}).status_code == 400
    assert hubspot.objects("tasks") == []


def test_batch_of_more_than_100_is_refused(api):
    inputs = [{"properties": TASK}] * 101
    response = api.post("/crm/v3/objects/tasks/batch/create", {"inputs": inputs})
    assert response.status_code == 400


def test_no_implicit_deduplication_of_identical_creates(api, hubspot):
    for _ in range(2):
        api.post("/crm/v3/objects/tasks/batch/create", {"inputs": [{"properties": TASK}]})
    assert len(hubspot.objects("tasks")) == 2


def test_unique_value_twice_in_one_batch_is_a_conflict(api):
    inputs = [
        {"properties": {"email": "a@x.com"}, "objectWriteTraceId": "1"},
        {"properties": {"email": "A@x.com"}, "objectWriteTraceId": "2"},
    ]
    body = api.post("/crm/v3/objects/contacts/batch/create", {"inputs": inputs}).json()
    assert [e["category"] for e in body["errors"]] == ["CONFLICT"]
    assert len(body["results"]) == 1


def test_batch_update_and_read(api, hubspot):
    deals = [hubspot.create_object("deals", {"dealname": f"D{i}"}) for i in range(2)]
    update = api.post(
        "/crm/v3/objects/deals/batch/update",
        {"inputs": [{"id": d["id"], "properties": {"amount": "10"}} for d in deals]},
    )
    assert update.status_code == 200
    assert {r["properties"]["amount"] for r in update.json()["results"]} == {"10"}

    read = api.post(
        "/crm/v3/objects/deals/batch/read",
        {
            "inputs": [{"id": deals[0]["id"]}, {"id": "424242"}],
            "properties": ["amount", "dealname"],
        },
    )
    assert read.status_code == 207
    body = read.json()
    assert body["results"][0]["properties"]["amount"] == "10"
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"]["ids"] == ["424242"]


def test_batch_update_of_missing_id_without_trace_ids_is_404_and_changes_nothing(api, hubspot):
    deal = hubspot.create_object("deals", {"dealname": "D"})
    response = api.post(
        "/crm/v3/objects/deals/batch/update",
        {
            "inputs": [
                {"id": deal["id"], "properties": {"amount": "5"}},
                {"id": "999999", "properties": {"amount": "5"}},
            ]
        },
    )
    assert response.status_code == 404
    assert "amount" not in hubspot.objects("deals")[0]["properties"]


def test_batch_archive_answers_204(api, hubspot):
    note = hubspot.create_object("notes", {"hs_timestamp": "2026-10-01T09:00:00Z"})
    response = api.post("/crm/v3/objects/notes/batch/archive", {"inputs": [{"id": note["id"]}]})
    assert response.status_code == 204
    assert hubspot.objects("notes") == []
