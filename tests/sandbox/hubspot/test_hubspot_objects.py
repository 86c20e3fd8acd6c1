"""Objects API: auth, create, list and paging, get, update, archive, validation, associations."""

import re
import uuid

import requests

from connectors.timefmt import parse_iso, to_epoch_ms

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_missing_or_wrong_token_is_401_with_hubspot_error_body(sandbox):
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = requests.get(
            f"{sandbox.url}/crm/v3/objects/contacts", headers=headers, timeout=10
        )
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == "error"
        assert body["category"] == "INVALID_AUTHENTICATION"
        uuid.UUID(body["correlationId"])


def test_create_answers_201_with_strings_ms_dates_and_numeric_id(api):
    response = api.post(
        "/crm/v3/objects/deals",
        {
            "properties": {
                "dealname": "Renewal 2027",
                "amount": 1200,
                "closedate": "2026-12-31T10:00:00Z",
                "pipeline": "default",
                "dealstage": "contractsent",
            }
        },
    )

    assert response.status_code == 201
    deal = response.json()
    assert deal["id"].isdigit() and deal["archived"] is False
    props = deal["properties"]
    assert all(isinstance(value, str) for value in props.values())
    assert props["amount"] == "1200"
    assert props["closedate"] == "2026-12-31T10:00:00.000Z"
    assert props["hs_object_id"] == deal["id"]
    assert ISO_MS.match(deal["createdAt"]) and ISO_MS.match(props["hs_lastmodifieddate"])
    assert props["createdate"] == props["hs_lastmodifieddate"] == deal["updatedAt"]


def test_contacts_carry_lastmodifieddate_equal_to_hs_lastmodifieddate(api):
    contact = api.post("/crm/v3/objects/contacts", {"properties": {"email": "a@x.com"}}).json()
    assert contact["properties"]["lastmodifieddate"] == contact["properties"]["hs_lastmodifieddate"]


def test_list_pages_with_after_until_no_paging(api, hubspot):
    ids = [hubspot.create_object("companies", {"name": f"Co {i}"})["id"] for i in range(25)]
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 10, **({"after": after} if after else {})}
        body = api.get("/crm/v3/objects/companies", params=params).json()
        seen += [c["id"] for c in body["results"]]
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
    assert seen == ids and pages == 3


def test_list_default_limit_is_10_and_limit_over_100_is_refused(api, hubspot):
    for i in range(12):
        hubspot.create_object("contacts", {"email": f"c{i}@x.com"})
    assert len(api.get("/crm/v3/objects/contacts").json()["results"]) == 10
    assert api.get("/crm/v3/objects/contacts", params={"limit": 101}).status_code == 400


def test_properties_as_repeated_keys_or_commas_and_null_when_unset(api, hubspot):
    contact = hubspot.create_object("contacts", {"email": "ana@x.com", "firstname": "Ana"})
    path = f"/crm/v3/objects/contacts/{contact['id']}"
    for query in (
        "properties=firstname&properties=hs_language&properties=nope",
        "properties=firstname,hs_language,nope",
    ):
        props = api.get(f"{path}?{query}").json()["properties"]
        assert props == {
            "firstname": "Ana",
            "hs_language": None,
            "createdate": contact["properties"]["createdate"],
            "lastmodifieddate": contact["properties"]["lastmodifieddate"],
            "hs_object_id": contact["id"],
        }


def test_get_by_email_with_id_property_and_404_shape(api, hubspot):
    contact = hubspot.create_object("contacts", {"email": "Ana@X.com"})
    found = api.get("/crm/v3/objects/contacts/ana@x.com", params={"idProperty": "email"})
    assert found.json()["id"] == contact["id"]
    missing = api.get("/crm/v3/objects/contacts/999999")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_patch_changes_values_and_modified_date_and_empty_string_clears(api, hubspot, later):
    contact = hubspot.create_object("contacts", {"email": "a@x.com", "firstname": "Ana"})
    later(5)
    response = api.patch(
        f"/crm/v3/objects/contacts/{contact['id']}",
        {"properties": {"firstname": "", "lastname": "Ruiz"}},
    )
    assert response.status_code == 200
    props = response.json()["properties"]
    assert "firstname" not in props and props["lastname"] == "Ruiz"
    before = to_epoch_ms(parse_iso(contact["properties"]["createdate"]))
    assert to_epoch_ms(parse_iso(props["lastmodifieddate"])) >= before + 5000


def test_delete_archives_204_then_only_archived_listing_shows_it(api, hubspot):
    company = hubspot.create_object("companies", {"name": "Gone"})
    assert api.delete(f"/crm/v3/objects/companies/{company['id']}").status_code == 204
    assert api.get(f"/crm/v3/objects/companies/{company['id']}").status_code == 404
    assert api.get("/crm/v3/objects/companies").json()["results"] == []
    archived = api.get("/crm/v3/objects/companies", params={"archived": "true"}).json()
    assert [c["id"] for c in archived["results"]] == [company["id"]]
    assert archived["results"][0]["archived"] is True and archived["results"][0]["archivedAt"]


def test_unknown_read_only_and_invalid_values_are_one_400(api):
    response = api.post(
        "/crm/v3/objects/contacts",
        {
            "properties": {
                "email": "a@x.com",
                "favourite_colour": "red",
                "hs_object_id": "5",
                "lifecyclestage": "royalty",
            }
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    assert [e["code"] for e in body["errors"]] == [
        "PROPERTY_DOESNT_EXIST",
        "READ_ONLY_VALUE",
        "INVALID_OPTION",
    ]
    assert api.get("/crm/v3/objects/contacts").json()["results"] == []


def test_owner_id_must_name_an_owner(api, hubspot):
    owner = hubspot.create_owner("sofia@x.com", "Sofía", "Ruiz")
    ok = api.post("/crm/v3/objects/companies", {"properties": {"hubspot_owner_id": owner["id"]}})
    assert ok.status_code == 201
    bad = api.post("/crm/v3/objects/companies", {"properties": {"hubspot_owner_id": "1"}})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "INVALID_OWNER_ID"


def test_task_without_hs_timestamp_is_refused(api):
    response = api.post("/crm/v3/objects/tasks", {"properties": {"hs_task_subject": "Call"}})
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["context"] == {"properties": ["hs_timestamp"]}


def test_duplicate_contact_email_is_409(api, hubspot):
    first = hubspot.create_object("contacts", {"email": "ana@x.com"})
    response = api.post("/crm/v3/objects/contacts", {"properties": {"email": "ANA@x.com"}})
    assert response.status_code == 409
    assert response.json()["message"] == f"Contact already exists. Existing ID: {first['id']}"


def test_task_associations_are_stored_both_ways_and_shown_on_read(api, hubspot):
    company = hubspot.create_object("companies", {"name": "Acme"})
    contact = hubspot.create_object(
        "contacts", {"email": "a@acme.com"}, [("companies", company["id"], 1)]
    )
    task = api.post(
        "/crm/v3/objects/tasks",
        {
            "properties": {"hs_timestamp": "1759305600000", "hs_task_subject": "Call Ana"},
            "associations": [
                {
                    "to": {"id": contact["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
                },
                {
                    "to": {"id": company["id"]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 192}],
                },
            ],
        },
    ).json()
    assert task["properties"]["hs_timestamp"] == "2025-10-01T08:00:00.000Z"

    read = api.get(
        f"/crm/v3/objects/tasks/{task['id']}", params={"associations": "contacts,companies"}
    ).json()
    assert read["associations"] == {
        "contacts": {"results": [{"id": contact["id"], "type": "task_to_contact"}]},
        "companies": {"results": [{"id": company["id"], "type": "task_to_company"}]},
    }
    back = api.get(f"/crm/v4/objects/contacts/{contact['id']}/associations/tasks").json()
    assert back == {
        "results": [
            {
                "toObjectId": int(task["id"]),
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 203, "label": None}],
            }
        ]
    }
    primary = api.get(f"/crm/v4/objects/0-1/{contact['id']}/associations/0-2").json()
    assert primary["results"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
    ]


def test_association_to_missing_record_or_wrong_type_is_400(api, hubspot):
    contact = hubspot.create_object("contacts", {"email": "a@x.com"})
    for type_id, to_id in ((204, "999999"), (202, contact["id"])):
        response = api.post(
            "/crm/v3/objects/tasks",
            {
                "properties": {"hs_timestamp": "2026-10-01T09:00:00Z"},
                "associations": [
                    {
                        "to": {"id": to_id},
                        "types": [
                            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
                        ],
                    }
                ],
            },
        )
        assert response.status_code == 400
    assert hubspot.objects("tasks") == []


def test_v4_batch_read_reports_inputs_without_associations_as_errors(api, hubspot):
    company = hubspot.create_object("companies", {"name": "Acme"})
    linked = hubspot.create_object(
        "contacts", {"email": "a@acme.com"}, [("companies", company["id"], 279)]
    )
    alone = hubspot.create_object("contacts", {"email": "b@x.com"})
    response = api.post(
        "/crm/v4/associations/contacts/companies/batch/read",
        {"inputs": [{"id": linked["id"]}, {"id": alone["id"]}]},
    )
    assert response.status_code == 207
    body = response.json()
    assert body["results"] == [
        {
            "from": {"id": linked["id"]},
            "to": [
                {
                    "toObjectId": int(company["id"]),
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}
                    ],
                }
            ],
        }
    ]
    assert body["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert body["errors"][0]["context"]["fromObjectId"] == [alone["id"]]


def test_object_type_ids_work_in_paths(api, hubspot):
    hubspot.create_object("0-53", {"hs_currency": "EUR", "hs_invoice_status": "open"})
    invoices = api.get("/crm/v3/objects/0-53", params={"properties": "hs_invoice_status"})
    assert invoices.json()["results"][0]["properties"]["hs_invoice_status"] == "open"
    assert api.get("/crm/v3/objects/tickets").status_code == 400
