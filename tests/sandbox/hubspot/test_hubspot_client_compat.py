"""The official `hubspot-api-client` works against the sandbox unchanged (DESIGN.md).

The SDK takes any `Configuration` attribute as a keyword: `host=` points every API at the
sandbox instead of https://api.hubapi.com.
"""

import hubspot
import pytest
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.tasks import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
)
from hubspot.crm.properties import PropertyCreate


@pytest.fixture
def client(sandbox):
    return hubspot.HubSpot(access_token=sandbox.state.settings.hubspot_token, host=sandbox.url)


def test_create_task_in_batch_with_association(client, hubspot):
    contact = hubspot.create_object("contacts", {"email": "ana@x.com"})
    task = SimplePublicObjectBatchInputForCreate(
        properties={"hs_timestamp": "2026-10-01T09:00:00Z", "hs_task_subject": "Call Ana"},
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
    assert answer.results[0].properties["hs_task_subject"] == "Call Ana"
    assert hubspot.links.of("tasks", answer.results[0].id, "contacts") == {contact["id"]: [204]}


def test_search_contacts(client, hubspot, indexed):
    ana = hubspot.create_object("contacts", {"email": "ana@x.com", "firstname": "Ana"})
    hubspot.create_object("contacts", {"email": "bo@x.com"})
    indexed()
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(filters=[Filter(property_name="firstname", operator="EQ", value="Ana")])
        ],
        sorts=["-createdate"],
        properties=["email"],
        limit=10,
        after="0",
    )
    page = client.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert page.total == 1 and page.results[0].id == ana["id"]
    assert page.results[0].properties["email"] == "ana@x.com"


def test_owners_page(client, hubspot):
    owner = hubspot.create_owner("sofia@x.com", "Sofía", "Ruiz", teams=["Sales"])
    page = client.crm.owners.owners_api.get_page(limit=100)
    assert [o.id for o in page.results] == [owner["id"]]
    assert page.results[0].teams[0].name == "Sales"


def test_create_property(client):
    created = client.crm.properties.core_api.create(
        object_type="tasks",
        property_create=PropertyCreate(
            name="momentos_key",
            label="Momentos key",
            type="string",
            field_type="text",
            group_name="task_information",
        ),
    )
    assert created.name == "momentos_key" and created.type == "string"
    with pytest.raises(hubspot.crm.properties.ApiException) as conflict:
        client.crm.properties.core_api.create(
            object_type="tasks",
            property_create=PropertyCreate(
                name="momentos_key",
                label="Momentos key",
                type="string",
                field_type="text",
                group_name="task_information",
            ),
        )
    assert conflict.value.status == 409


def test_companies_page(client, hubspot):
    for name in ("Acme", "Globex"):
        hubspot.create_object("companies", {"name": name, "domain": f"{name.lower()}.com"})
    page = client.crm.companies.basic_api.get_page(limit=1, properties=["name", "domain"])
    assert page.results[0].properties["name"] == "Acme"
    following = client.crm.companies.basic_api.get_page(limit=1, after=page.paging.next.after)
    assert following.results[0].properties["name"] == "Globex" and following.paging is None
