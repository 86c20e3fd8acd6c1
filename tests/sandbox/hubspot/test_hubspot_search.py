"""CRM search: filters, sort, paging and its 10,000 cap, index lag, its own throttle (§3)."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.timefmt import to_epoch_ms
from sandbox.hubspot import search
from sandbox.state import SandboxSettings

SEARCH = "/crm/v3/objects/contacts/search"
DAY = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def sandbox_settings():
    """These tests search more than five times a second; the throttle test sets it back."""
    return SandboxSettings(hubspot_search_per_second=1000)


@pytest.fixture
def people(hubspot, indexed):
    """Four contacts created a day apart, already indexed."""
    rows = [
        ({"email": "ana@acme.com", "firstname": "Ana", "lifecyclestage": "customer"}, 0),
        ({"email": "bo@acme.com", "firstname": "Bo", "lifecyclestage": "lead"}, 1),
        ({"email": "cy@other.org", "firstname": "Cy", "date_of_birth": "1990-02-29"}, 2),
        ({"email": "di@other.org", "lifecyclestage": "customer"}, 3),
    ]
    made = [
        hubspot.create_object("contacts", props, created_at=DAY + timedelta(days=d))
        for props, d in rows
    ]
    indexed()
    return made


def ids(response):
    return [r["id"] for r in response.json()["results"]]


def find(api, *filters, **extra):
    groups = [{"filters": list(filters)}] if filters else []
    return api.post(SEARCH, {"filterGroups": groups, **extra})


def test_operators(api, people):
    a, b, c, d = (p["id"] for p in people)
    eq = {"propertyName": "lifecyclestage", "operator": "EQ", "value": "CUSTOMER"}
    assert ids(find(api, eq)) == [a, d]
    assert ids(find(api, {**eq, "operator": "NEQ"})) == [b, c]
    assert ids(
        find(
            api,
            {"propertyName": "email", "operator": "IN", "values": ["bo@acme.com", "cy@other.org"]},
        )
    ) == [b, c]
    assert ids(find(api, {"propertyName": "firstname", "operator": "NOT_HAS_PROPERTY"})) == [d]
    assert ids(find(api, {"propertyName": "date_of_birth", "operator": "HAS_PROPERTY"})) == [c]
    assert ids(
        find(api, {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "other"})
    ) == [c, d]
    assert ids(
        find(api, {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@acme.com"})
    ) == [a, b]


def test_date_filters_take_epoch_ms_and_groups_are_ored(api, people):
    a, b, c, d = (p["id"] for p in people)
    second_day = str(to_epoch_ms(DAY + timedelta(days=1)))
    assert ids(
        find(api, {"propertyName": "createdate", "operator": "GT", "value": second_day})
    ) == [c, d]
    between = {
        "propertyName": "lastmodifieddate",
        "operator": "BETWEEN",
        "value": second_day,
        "highValue": str(to_epoch_ms(DAY + timedelta(days=2))),
    }
    assert ids(find(api, between)) == [b, c]
    either = api.post(
        SEARCH,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "ana"}]},
                {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "cy"}]},
            ]
        },
    )
    assert ids(either) == [a, c]


def test_one_sort_default_oldest_first_and_default_properties(api, people):
    newest_first = find(api, sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}])
    assert ids(newest_first) == [p["id"] for p in reversed(people)]
    plain = find(api)
    assert ids(plain) == [p["id"] for p in people]
    assert set(plain.json()["results"][0]["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    asked = find(api, properties=["lifecyclestage"]).json()["results"][0]["properties"]
    assert set(asked) == {"lifecyclestage", "createdate", "lastmodifieddate", "hs_object_id"}


def test_free_text_query_searches_default_text_properties(api, people):
    assert ids(find(api, query="acme")) == [people[0]["id"], people[1]["id"]]
    assert ids(find(api, query="an")) == [people[0]["id"]]


def test_paging_total_and_no_rate_limit_headers(api, people):
    first = find(api, limit=3)
    body = first.json()
    assert body["total"] == 4 and body["paging"]["next"]["after"] == "3"
    assert not [h for h in first.headers if h.lower().startswith("x-hubspot-ratelimit")]
    last = find(api, limit=3, after=body["paging"]["next"]["after"]).json()
    assert ids_of(last) == [people[3]["id"]] and "paging" not in last


def ids_of(body):
    return [r["id"] for r in body["results"]]


def test_paging_past_the_cap_is_400(api, people, monkeypatch):
    monkeypatch.setattr(search, "MAX_RESULTS", 2)
    body = find(api, limit=2).json()
    assert body["paging"]["next"]["after"] == "2" and body["total"] == 4
    refused = find(api, limit=2, after="2")
    assert refused.status_code == 400 and refused.json()["category"] == "VALIDATION_ERROR"


def test_bad_requests_are_400(api, people):
    assert find(api, limit=201).status_code == 400
    assert find(api, {"propertyName": "nope", "operator": "EQ", "value": "x"}).status_code == 400
    assert find(api, {"propertyName": "email", "operator": "LIKE", "value": "x"}).status_code == 400


def test_index_lag_hides_new_and_changed_records_until_indexed(api, sandbox, later):
    sandbox.state.settings.hubspot_search_lag_seconds = 60
    by_name = {"propertyName": "firstname", "operator": "EQ", "value": "Ana"}
    contact = api.post("/crm/v3/objects/contacts", {"properties": {"firstname": "Ana"}}).json()
    assert ids(find(api, by_name)) == []
    later(61)
    assert ids(find(api, by_name)) == [contact["id"]]

    api.patch(f"/crm/v3/objects/contacts/{contact['id']}", {"properties": {"firstname": "Eva"}})
    assert ids(find(api, by_name)) == [contact["id"]]
    assert ids(find(api, {**by_name, "value": "Eva"})) == []
    later(61)
    assert ids(find(api, by_name)) == []
    assert ids(find(api, {**by_name, "value": "Eva"})) == [contact["id"]]


def test_archived_records_leave_search_once_indexed(api, people, later, sandbox):
    api.delete(f"/crm/v3/objects/contacts/{people[0]['id']}")
    assert people[0]["id"] in ids(find(api))
    later(sandbox.state.settings.hubspot_search_lag_seconds + 1)
    assert people[0]["id"] not in ids(find(api))


def test_sixth_search_in_one_second_is_429_secondly(api, sandbox, monkeypatch):
    sandbox.state.settings.hubspot_search_per_second = 5
    frozen = sandbox.state.clock.now()
    monkeypatch.setattr(sandbox.state.clock, "now", lambda: frozen)
    answers = [find(api) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    body = answers[-1].json()
    assert body["message"] == "You have reached your secondly limit."
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY"
    # Other calls have their own budget.
    assert api.get("/crm/v3/objects/contacts").status_code == 200
    monkeypatch.setattr(sandbox.state.clock, "now", lambda: frozen + timedelta(seconds=1))
    assert find(api).status_code == 200
