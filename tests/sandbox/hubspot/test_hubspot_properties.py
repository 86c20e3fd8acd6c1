"""Properties, owners and pipelines APIs."""

KEY_PROPERTY = {
    "name": "momentos_key",
    "label": "Momentos key",
    "type": "string",
    "fieldType": "text",
    "groupName": "task_information",
}


def test_default_definitions_include_the_properties_momentos_reads(api):
    contacts = {p["name"]: p for p in api.get("/crm/v3/properties/contacts").json()["results"]}
    assert {
        "email",
        "firstname",
        "lastname",
        "hs_language",
        "date_of_birth",
        "hubspot_owner_id",
        "lifecyclestage",
        "lastmodifieddate",
        "createdate",
    } <= set(contacts)
    assert (contacts["date_of_birth"]["type"], contacts["date_of_birth"]["fieldType"]) == (
        "string",
        "text",
    )
    founded = api.get("/crm/v3/properties/companies/founded_year").json()
    assert founded["type"] == "string" and founded["hubspotDefined"] is True
    status = api.get("/crm/v3/properties/tasks/hs_task_status").json()
    assert "NOT_STARTED" in [o["value"] for o in status["options"]]


def test_unknown_property_is_404(api):
    response = api.get("/crm/v3/properties/tasks/momentos_key")
    assert response.status_code == 404 and response.json()["category"] == "OBJECT_NOT_FOUND"


def test_create_property_201_then_409_and_usable_in_writes(api):
    created = api.post("/crm/v3/properties/tasks", KEY_PROPERTY)
    assert created.status_code == 201
    definition = created.json()
    assert definition["name"] == "momentos_key" and definition["hasUniqueValue"] is False
    assert definition["modificationMetadata"]["readOnlyValue"] is False
    assert api.get("/crm/v3/properties/tasks/momentos_key").json() == definition

    again = api.post("/crm/v3/properties/tasks", KEY_PROPERTY)
    assert again.status_code == 409 and again.json()["category"] == "OBJECT_ALREADY_EXISTS"

    task = api.post(
        "/crm/v3/objects/tasks",
        {"properties": {"hs_timestamp": "2026-10-01T09:00:00Z", "momentos_key": "wf:c-17:2026-11"}},
    )
    assert task.json()["properties"]["momentos_key"] == "wf:c-17:2026-11"


def test_create_property_validates_the_definition(api):
    assert api.post("/crm/v3/properties/tasks", {"name": "x"}).status_code == 400
    bad_type = api.post("/crm/v3/properties/tasks", {**KEY_PROPERTY, "type": "text"})
    assert bad_type.status_code == 400
    reserved = api.post("/crm/v3/properties/tasks", {**KEY_PROPERTY, "name": "hs_mine"})
    assert reserved.status_code == 400


def test_unique_properties_are_enforced_where_hubspot_documents_them(api, hubspot):
    unique = {**KEY_PROPERTY, "groupName": "dealinformation", "hasUniqueValue": True}
    assert api.post("/crm/v3/properties/deals", unique).status_code == 201
    hubspot.create_object("deals", {"momentos_key": "k1"})
    clash = api.post("/crm/v3/objects/deals", {"properties": {"momentos_key": "k1"}})
    assert clash.status_code == 409
    by_key = api.get("/crm/v3/objects/deals/k1", params={"idProperty": "momentos_key"})
    assert by_key.status_code == 200
    # Tasks and notes are not on HubSpot's list of objects with unique identifiers (§4.4).
    assert (
        api.post("/crm/v3/properties/tasks", {**KEY_PROPERTY, "hasUniqueValue": True}).status_code
        == 400
    )


def test_owners_list_filter_and_get(api, hubspot):
    sofia = hubspot.create_owner("sofia@x.com", "Sofía", "Ruiz", teams=["Sales"])
    queue = hubspot.create_owner("queue@x.com", "Support", "Queue", type="QUEUE")
    body = api.get("/crm/v3/owners").json()
    assert [o["id"] for o in body["results"]] == [sofia["id"], queue["id"]]
    assert "paging" not in body
    assert sofia["userId"] != int(sofia["id"]) and "userId" not in queue
    assert sofia["teams"][0]["name"] == "Sales" and sofia["teams"][0]["primary"] is True

    by_email = api.get("/crm/v3/owners/", params={"email": "SOFIA@x.com"}).json()
    assert [o["id"] for o in by_email["results"]] == [sofia["id"]]
    assert api.get(f"/crm/v3/owners/{sofia['id']}").json() == sofia
    by_user = api.get(f"/crm/v3/owners/{sofia['userId']}", params={"idProperty": "userId"})
    assert by_user.json()["id"] == sofia["id"]
    assert api.get("/crm/v3/owners/1").status_code == 404


def test_owner_pages(api, hubspot):
    for i in range(3):
        hubspot.create_owner(f"o{i}@x.com", "O", str(i))
    first = api.get("/crm/v3/owners", params={"limit": 2}).json()
    second = api.get(
        "/crm/v3/owners", params={"limit": 2, "after": first["paging"]["next"]["after"]}
    ).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1 and "paging" not in second


def test_deal_pipelines_have_stages_with_ids(api):
    pipelines = api.get("/crm/v3/pipelines/deals").json()["results"]
    assert [p["label"] for p in pipelines] == ["Sales Pipeline", "Renewals"]
    stages = {s["id"]: s for s in pipelines[0]["stages"]}
    assert stages["closedwon"]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    renewals = api.get(f"/crm/v3/pipelines/deals/{pipelines[1]['id']}").json()
    assert renewals["stages"][0]["label"] == "Renewal due"
