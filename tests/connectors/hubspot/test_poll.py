"""HubSpot search polling: ascending high-water mark, lag, the 10,000 restart; reads."""

import pytest
from responses import matchers

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.poll import (
    batch_read,
    get_associations,
    get_owners,
    poll_objects,
    poll_owners,
)
from connectors.timefmt import to_epoch_ms
from momentos.errors import FatalApiError
from tests.connectors.conftest import START

BASE = "https://api.hubapi.com"
SEARCH = f"{BASE}/crm/v3/objects/companies/search"
NOW_MS = to_epoch_ms(START)


@pytest.fixture
def client(clock, rng):
    return HubSpotClient(BASE, "pat-token", clock=clock, rng=rng)


def company(company_id, modified_ms):
    return {
        "id": str(company_id),
        "archived": False,
        "properties": {"name": f"C{company_id}", "hs_lastmodifieddate": str(modified_ms)},
    }


def search(lower, after=None, prop="hs_lastmodifieddate", properties=("name", "domain")):
    body = {
        "filterGroups": [{"filters": [
            {"propertyName": prop, "operator": "GTE", "value": str(lower)},
            {"propertyName": prop, "operator": "LTE", "value": str(NOW_MS)}]}],
        "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
        "properties": [*properties, prop], "limit": 200,
    }  # fmt: skip
    if after is not None:
        body["after"] = after
    return [
        matchers.json_params_matcher(body),
        matchers.header_matcher({"Authorization": "Bearer pat-token"}),
    ]


def poll(client, cursor, kind="companies", properties=("name", "domain")):
    return list(poll_objects(client, kind, cursor, list(properties), now=START))


def summary(pages):
    return [([e.object_id for e in p.events], p.cursor, p.done) for p in pages]


def test_first_poll_pages_ascending_from_zero(ordered, client):
    ordered.post(
        SEARCH,
        match=search(0),
        json={
            "total": 3,
            "results": [company(1, 1000), company(2, 2000)],
            "paging": {"next": {"after": "2"}},
        },
    )
    ordered.post(SEARCH, match=search(0, after="2"), json={
        "total": 3, "results": [company(3, 3000)]})  # fmt: skip
    assert summary(poll(client, None)) == [(["1", "2"], "2000", False), (["3"], "3000", True)]


def test_next_poll_starts_a_lag_before_the_high_water_mark(rsps, client):
    rsps.post(SEARCH, match=search(1_700_000_000_000 - 60_000), json={"results": []})
    assert summary(poll(client, "1700000000000")) == [([], "1700000000000", True)]


def test_contacts_sort_and_filter_on_lastmodifieddate(rsps, client):
    url = f"{BASE}/crm/v3/objects/contacts/search"
    rsps.post(
        url,
        match=search(0, prop="lastmodifieddate", properties=("email",)),
        json={
            "results": [
                {
                    "id": "7",
                    "properties": {
                        "email": "a@b.example",
                        "lastmodifieddate": "2026-03-01T10:00:00Z",
                    },
                }
            ]
        },
    )
    [page] = poll(client, None, kind="contacts", properties=("email", "lastmodifieddate"))
    assert page.events[0].object_type == "contact"
    assert page.cursor == "1772359200000"


def test_before_after_reaches_10000_a_new_query_starts_from_the_last_date_seen(ordered, client):
    ordered.post(
        SEARCH,
        match=search(0),
        json={"results": [company(1, 1000)], "paging": {"next": {"after": "9800"}}},
    )
    ordered.post(
        SEARCH,
        match=search(0, after="9800"),
        json={
            "results": [company(2, 2000), company(3, 2000)],
            "paging": {"next": {"after": "10000"}},
        },
    )
    ordered.post(SEARCH, match=search(2000), json={
        "results": [company(2, 2000), company(3, 2000), company(4, 3000)]})  # fmt: skip
    assert summary(poll(client, None)) == [
        (["1"], "1000", False),
        (["2", "3"], "2000", False),
        (["4"], "3000", True),
    ]


def test_more_than_10000_records_on_one_millisecond_stop_the_poll(ordered, client):
    ordered.post(
        SEARCH,
        match=search(0),
        json={"results": [company(1, 0)], "paging": {"next": {"after": "10000"}}},
    )
    pages = poll_objects(client, "companies", None, ["name", "domain"], now=START)
    next(pages)
    with pytest.raises(FatalApiError, match="share modified date 0"):
        next(pages)


def test_search_calls_stay_within_five_a_second(rsps, clock, client):
    for n in range(6):
        rsps.post(
            SEARCH,
            match=search(0, after=str(n) if n else None),
            json={"results": [], "paging": {"next": {"after": str(n + 1)}} if n < 5 else None},
        )
    assert len(poll(client, None)) == 6
    assert clock.slept == [pytest.approx(1.2)]


def test_batch_read_returns_events_100_ids_per_call(ordered, client):
    url = f"{BASE}/crm/v3/objects/contacts/batch/read"
    ids = [str(i) for i in range(150)]
    for part in (ids[:100], ids[100:]):
        ordered.post(url, match=[matchers.json_params_matcher({
            "inputs": [{"id": i} for i in part], "properties": ["email", "lastmodifieddate"]})],
            json={"status": "COMPLETE", "results": [
                {"id": part[0], "properties": {"lastmodifieddate": "5"}}]})  # fmt: skip
    events = batch_read(client, "contacts", ids, ["email"])
    assert [(e.object_id, e.version) for e in events] == [("0", "5"), ("100", "5")]


def test_get_associations_reads_v4_batches(rsps, client):
    url = f"{BASE}/crm/v4/associations/contacts/companies/batch/read"
    rsps.post(url, match=[matchers.json_params_matcher({"inputs": [{"id": "1"}, {"id": "2"}]})],
              json={"status": "COMPLETE", "results": [
                  {"from": {"id": "1"}, "to": [
                      {"toObjectId": 12, "associationTypes": [{"typeId": 1}]},
                      {"toObjectId": 12, "associationTypes": [{"typeId": 279}]},
                      {"toObjectId": 13, "associationTypes": [{"typeId": 279}]}]}]})  # fmt: skip
    assert get_associations(client, "contact", [1, 2], "company") == {"1": ["12", "13"]}


def test_get_owners_follows_paging(ordered, client):
    url = f"{BASE}/crm/v3/owners"
    ordered.get(
        url,
        match=[matchers.query_param_matcher({"limit": "100"})],
        json={
            "results": [
                {
                    "id": "64492917",
                    "userId": 9,
                    "email": "Eva@acme.example",
                    "firstName": "Eva",
                    "lastName": "Ruiz",
                    "type": "PERSON",
                }
            ],
            "paging": {"next": {"after": "x1"}},
        },
    )
    ordered.get(url, match=[matchers.query_param_matcher({"limit": "100", "after": "x1"})],
                json={"results": [{"id": "5", "type": "QUEUE", "archived": True}]})  # fmt: skip
    assert get_owners(client) == [
        {"id": "64492917", "email": "eva@acme.example", "name": "Eva Ruiz", "type": "PERSON",
         "archived": False},
        {"id": "5", "email": "", "name": "", "type": "QUEUE", "archived": True},
    ]  # fmt: skip


def deal(deal_id, modified_ms):
    return {
        "id": str(deal_id),
        "archived": False,
        "properties": {"dealname": f"D{deal_id}", "hs_lastmodifieddate": str(modified_ms)},
    }


def test_deals_carry_their_company_ids_read_in_a_v4_batch_per_page(ordered, client):
    url = f"{BASE}/crm/v3/objects/deals/search"
    ordered.post(url, match=search(0, properties=("dealname",)), json={
        "total": 2, "results": [deal(1, 1000), deal(2, 2000)]})  # fmt: skip
    ordered.post(
        f"{BASE}/crm/v4/associations/deals/companies/batch/read",
        match=[matchers.json_params_matcher({"inputs": [{"id": "1"}, {"id": "2"}]})],
        json={"status": "COMPLETE", "results": [
            {"from": {"id": "1"}, "to": [{"toObjectId": 12, "associationTypes": []}]}]},
    )  # fmt: skip
    [page] = list(poll_objects(client, "deals", None, ["dealname"], now=START,
                               associations=("companies",)))  # fmt: skip
    assert [(e.object_type, e.object_id, e.data["company_ids"]) for e in page.events] == [
        ("deal", "1", ["12"]),
        ("deal", "2", []),
    ]
    assert page.events[0].data["associations"] == {"companies": ["12"]}
    assert page.total == 2


def test_an_empty_page_reads_no_associations(rsps, client):
    rsps.post(SEARCH, match=search(0), json={"total": 0, "results": []})
    pages = list(poll_objects(client, "companies", None, ["name", "domain"], now=START,
                              associations=("contacts",)))  # fmt: skip
    assert summary(pages) == [([], "0", True)]


def test_the_total_adds_up_across_the_10000_restart(ordered, client):
    ordered.post(
        SEARCH,
        match=search(0),
        json={
            "total": 10_050,
            "results": [company(1, 1000)],
            "paging": {"next": {"after": "9900"}},
        },
    )
    ordered.post(SEARCH, match=search(1000), json={"total": 160, "results": [company(2, 2000)]})
    pages = list(poll_objects(client, "companies", None, ["name", "domain"], now=START))
    assert [p.total for p in pages] == [10_050, 10_060]


def test_owners_poll_as_events_versioned_by_their_update_time(ordered, client):
    url = f"{BASE}/crm/v3/owners"
    ordered.get(url, match=[matchers.query_param_matcher({"limit": "100"})], json={
        "results": [{"id": "64492917", "userId": 9, "email": "Eva@acme.example",
                     "firstName": "Eva", "lastName": "Ruiz", "type": "PERSON",
                     "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-02-01T00:00:00Z",
                     "archived": False}],
        "paging": {"next": {"after": "x1"}}})  # fmt: skip
    ordered.get(url, match=[matchers.query_param_matcher({"limit": "100", "after": "x1"})],
                json={"results": [{"id": "5", "type": "QUEUE", "archived": True,
                                   "updatedAt": "2026-01-15T00:00:00Z"}]})  # fmt: skip
    pages = list(poll_owners(client, None))
    assert summary(pages) == [(["64492917"], "1769904000000", False),
                              (["5"], "1769904000000", True)]  # fmt: skip
    eva = pages[0].events[0]
    assert (eva.object_type, eva.version, eva.deleted) == ("owner", "1769904000000", False)
    assert eva.data == {"id": "64492917", "email": "eva@acme.example", "name": "Eva Ruiz",
                        "type": "PERSON", "user_id": 9, "archived": False}  # fmt: skip
    assert pages[1].events[0].deleted is True
