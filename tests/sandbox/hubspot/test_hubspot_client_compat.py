"""The official `hubspot-api-client` works against the sandbox unchanged (DESIGN.md).

The SDK takes any `Configuration` attribute as a keyword: `host=` points every API at the
sandbox instead of https://api.hubapi.com. Each test does one thing Momentos' connector
does (connectors/hubspot/poll.py, actions.py) through the SDK and through plain HTTP, and
checks both see the same values: the SDK's models would fail on a shape HubSpot does not
send, and plain HTTP shows the sandbox did not bend to the SDK.
"""

import hubspot as hubspot_sdk
import pytest
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import (
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectId,
)
from hubspot.crm.objects.tasks import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
)
from hubspot.crm.objects.tasks import Filter as TaskFilter
from hubspot.crm.objects.tasks import FilterGroup as TaskFilterGroup
from hubspot.crm.objects.tasks import PublicObjectSearchRequest as TaskSearch
from hubspot.crm.properties import ApiException, PropertyCreate
from hubspot.webhooks import (
    SettingsChangeRequest,
    SubscriptionCreateRequest,
    SubscriptionPatchRequest,
    ThrottlingSettings,
)

from connectors.hubspot.actions import KEY_PROPERTY, key_property
from connectors.hubspot.poll import search_body
from connectors.timefmt import parse_iso

DUE = "2026-10-01T09:00:00Z"


@pytest.fixture
def client(sandbox):
    return hubspot_sdk.HubSpot(access_token=sandbox.state.settings.hubspot_token, host=sandbox.url)


@pytest.fixture
def key_on_tasks(api):
    answer = api.post("/crm/v3/properties/tasks", key_property("tasks"))
    assert answer.status_code == 201


def same_record(model, raw: dict) -> None:
    """An SDK SimplePublicObject and the plain JSON of the same record agree."""
    assert model.id == raw["id"]
    assert model.properties == raw["properties"]
    assert model.created_at == parse_iso(raw["createdAt"])
    assert model.updated_at == parse_iso(raw["updatedAt"])
    assert model.archived is raw["archived"]


def next_after(raw: dict) -> str | None:
    return ((raw.get("paging") or {}).get("next") or {}).get("after")


def test_poll_search_with_filters_and_paging(client, api, hubspot, indexed):
    for name in ("Ana", "Bo", "Cy"):
        hubspot.create_object("contacts", {"email": f"{name.lower()}@x.com", "firstname": name})
    indexed()
    # The body the poller sends, with a small page so there is a second one.
    body = {**search_body("lastmodifieddate", 0, None, ["email", "firstname"], None), "limit": 2}
    after = None
    for _ in range(2):
        raw = api.post("/crm/v3/objects/contacts/search", {**body, "after": after}).json()
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=[Filter(**_snake(f)) for f in
                                                body["filterGroups"][0]["filters"]])],
            sorts=body["sorts"], properties=body["properties"], limit=2, after=after,
        )  # fmt: skip
        page = client.crm.contacts.search_api.do_search(public_object_search_request=request)
        assert page.total == raw["total"] == 3
        for model, record in zip(page.results, raw["results"], strict=True):
            same_record(model, record)
        assert (page.paging.next.after if page.paging else None) == next_after(raw)
        after = next_after(raw)
    assert after is None


def test_lookup_search_on_momentos_key(client, api, hubspot, key_on_tasks, indexed):
    for key in ("k-1", "k-2", "k-3"):
        hubspot.create_object("tasks", {"hs_timestamp": DUE, KEY_PROPERTY: key})
    indexed()
    body = {"filterGroups": [{"filters": [{"propertyName": KEY_PROPERTY, "operator": "IN",
                                           "values": ["k-1", "k-3"]}]}],
            "properties": [KEY_PROPERTY], "limit": 100}  # fmt: skip
    raw = api.post("/crm/v3/objects/tasks/search", body).json()
    request = TaskSearch(
        filter_groups=[TaskFilterGroup(filters=[
            TaskFilter(property_name=KEY_PROPERTY, operator="IN", values=["k-1", "k-3"])])],
        properties=[KEY_PROPERTY], limit=100,
    )  # fmt: skip
    page = client.crm.objects.tasks.search_api.do_search(public_object_search_request=request)
    assert [m.properties[KEY_PROPERTY] for m in page.results] == ["k-1", "k-3"]
    for model, record in zip(page.results, raw["results"], strict=True):
        same_record(model, record)


def test_create_task_in_batch_with_association(client, api, hubspot, key_on_tasks):
    contact = hubspot.create_object("contacts", {"email": "ana@x.com"})
    task = SimplePublicObjectBatchInputForCreate(
        properties={"hs_timestamp": DUE, "hs_task_subject": "Call Ana", KEY_PROPERTY: "k-1"},
        associations=[
            PublicAssociationsForObject(
                to=PublicObjectId(id=contact["id"]),
                types=[
                    AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=204)
                ],
            )
        ],
        object_write_trace_id="k-1",
    )
    answer = client.crm.objects.tasks.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=[task])
    )
    assert answer.status == "COMPLETE"
    [created] = answer.results
    assert created.properties[KEY_PROPERTY] == "k-1"
    names = ",".join(created.properties)
    raw = api.get(f"/crm/v3/objects/tasks/{created.id}", params={"properties": names}).json()
    same_record(created, raw)
    assert hubspot.links.of("tasks", created.id, "contacts") == {contact["id"]: [204]}


def test_key_property_is_missing_then_created_then_read(client, api):
    with pytest.raises(ApiException) as missing:
        client.crm.properties.core_api.get_by_name("tasks", KEY_PROPERTY)
    assert missing.value.status == api.get(f"/crm/v3/properties/tasks/{KEY_PROPERTY}").status_code
    assert missing.value.status == 404

    definition = key_property("tasks")
    created = client.crm.properties.core_api.create(
        object_type="tasks",
        property_create=PropertyCreate(**{_snake_key(k): v for k, v in definition.items()}),
    )
    raw = api.get(f"/crm/v3/properties/tasks/{KEY_PROPERTY}").json()
    read = client.crm.properties.core_api.get_by_name("tasks", KEY_PROPERTY)
    for model in (created, read):
        assert (model.name, model.type, model.field_type) == (
            raw["name"],
            raw["type"],
            raw["fieldType"],
        )
        assert (model.group_name, model.has_unique_value) == (raw["groupName"], False)
    with pytest.raises(ApiException) as conflict:
        client.crm.properties.core_api.create(
            object_type="tasks",
            property_create=PropertyCreate(**{_snake_key(k): v for k, v in definition.items()}),
        )
    assert conflict.value.status == 409


def test_owners_paging(client, api, hubspot):
    for email, first in (("sofia@x.com", "Sofía"), ("leo@x.com", "Leo"), ("eva@x.com", "Eva")):
        hubspot.create_owner(email, first, "Ruiz", teams=["Sales"])
    after, seen = None, []
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        raw = api.get("/crm/v3/owners", params=params).json()
        page = client.crm.owners.owners_api.get_page(limit=2, after=after)
        for model, owner in zip(page.results, raw["results"], strict=True):
            assert (model.id, model.email, model.first_name, model.last_name) == (
                owner["id"], owner["email"], owner["firstName"], owner["lastName"])  # fmt: skip
            assert model.teams[0].name == owner["teams"][0]["name"] == "Sales"
        seen += [model.email for model in page.results]
        assert (page.paging.next.after if page.paging else None) == next_after(raw)
        after = next_after(raw)
        if after is None:
            break
    assert sorted(seen) == ["eva@x.com", "leo@x.com", "sofia@x.com"]


def test_batch_read(client, api, hubspot):
    ids = [hubspot.create_object("contacts", {"email": f"c{i}@x.com"})["id"] for i in range(3)]
    wanted = ["email", "lastmodifieddate"]
    raw = api.post("/crm/v3/objects/contacts/batch/read",
                   {"inputs": [{"id": i} for i in ids], "properties": wanted}).json()  # fmt: skip
    answer = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in ids],
            properties=wanted,
            properties_with_history=[],
        )
    )
    assert len(answer.results) == len(raw["results"]) == 3
    by_id = {record["id"]: record for record in raw["results"]}
    for model in answer.results:
        same_record(model, by_id[model.id])


def test_v4_associations_batch_read(client, api, hubspot):
    companies = [hubspot.create_object("companies", {"name": n})["id"] for n in ("Acme", "Globex")]
    contact = hubspot.create_object("contacts", {"email": "ana@x.com"},
                                    associations=[("companies", companies[0], 1),
                                                  ("companies", companies[1], 279)])  # fmt: skip
    alone = hubspot.create_object("contacts", {"email": "bo@x.com"})
    inputs = [{"id": contact["id"]}, {"id": alone["id"]}]
    raw = api.post("/crm/v4/associations/contacts/companies/batch/read", {"inputs": inputs})
    answer = client.crm.associations.v4.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i["id"]) for i in inputs]
        ),
    )
    [result], [raw_result] = answer.results, raw.json()["results"]
    assert raw.status_code == 207 and answer.num_errors == 1
    assert result._from.id == raw_result["from"]["id"] == contact["id"]
    assert [(t.to_object_id, [a.type_id for a in t.association_types]) for t in result.to] == [
        (str(t["toObjectId"]), [a["typeId"] for a in t["associationTypes"]])
        for t in raw_result["to"]
    ]
    assert [t.to_object_id for t in result.to] == companies


def test_list_tasks_with_properties_and_paging(client, api, hubspot, key_on_tasks):
    for key in ("k-1", "k-2"):
        hubspot.create_object("tasks", {"hs_timestamp": DUE, KEY_PROPERTY: key})
    properties = [KEY_PROPERTY, "hs_task_subject", "hubspot_owner_id"]
    page = client.crm.objects.tasks.basic_api.get_page(limit=1, properties=properties)
    raw = api.get("/crm/v3/objects/tasks",
                  params={"limit": 1, "properties": ",".join(properties)}).json()  # fmt: skip
    same_record(page.results[0], raw["results"][0])
    assert page.results[0].properties["hs_task_subject"] is None
    following = client.crm.objects.tasks.basic_api.get_page(
        limit=1, properties=properties, after=page.paging.next.after
    )
    assert following.results[0].properties[KEY_PROPERTY] == "k-2" and following.paging is None


def test_webhook_settings_and_subscriptions_with_the_developer_key(sandbox, api):
    settings = sandbox.state.settings
    developer = hubspot_sdk.HubSpot(api_key=settings.hubspot_developer_api_key, host=sandbox.url)
    app_id = settings.hubspot_app_id
    configured = developer.webhooks.settings_api.configure(
        app_id,
        SettingsChangeRequest(
            target_url="https://momentos.example/webhooks/hubspot",
            throttling=ThrottlingSettings(max_concurrent_requests=10),
        ),
    )
    assert configured.target_url == "https://momentos.example/webhooks/hubspot"
    assert developer.webhooks.settings_api.get_all(app_id).throttling.max_concurrent_requests == 10

    created = developer.webhooks.subscriptions_api.create(
        app_id,
        SubscriptionCreateRequest(
            event_type="contact.propertyChange", property_name="email"
        ),  # fmt: skip
    )
    assert created.active is False and created.property_name == "email"
    updated = developer.webhooks.subscriptions_api.update(
        int(created.id), app_id, SubscriptionPatchRequest(active=True)
    )
    assert updated.active is True
    listed = developer.webhooks.subscriptions_api.get_all(app_id).results
    assert [(s.id, s.event_type, s.active) for s in listed] == [
        (created.id, "contact.propertyChange", True)
    ]
    developer.webhooks.subscriptions_api.archive(int(created.id), app_id)
    assert developer.webhooks.subscriptions_api.get_all(app_id).results == []


def _snake_key(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _snake(item: dict) -> dict:
    return {_snake_key(k): v for k, v in item.items()}
