"""The Momentos trigger in Zendesk: its shape, what differs, the Triggers API calls."""

import json

import pytest
from responses import matchers

from connectors.zendesk import triggers
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.webhooks import TRIGGER_BODY
from momentos.errors import RetriableError

BASE = "https://acme.zendesk.com"
URL = f"{BASE}/api/v2/triggers"


@pytest.fixture
def client(clock, rng):
    return ZendeskClient(BASE, "agent@acme.example", "tok", clock=clock, rng=rng)


def as_zendesk_shows_it(trigger_id=41, **fields):
    """A trigger as the API answers: ids, timestamps, and the JSON body re-spaced."""
    desired = triggers.desired_trigger("01HOOK")
    [action] = desired["actions"]
    respaced = json.dumps(json.loads(TRIGGER_BODY), indent=2)
    return {
        "id": trigger_id,
        "url": f"{URL}/{trigger_id}.json",
        **desired,
        "actions": [{**action, "value": ["01HOOK", respaced]}],
        "position": 3,
        "default": False,
        "created_at": "2026-01-01T00:00:00Z",
        **fields,
    }


def test_the_trigger_fires_on_every_create_and_change_and_calls_the_webhook_with_the_body():
    desired = triggers.desired_trigger("01HOOK")
    assert desired == {
        "title": "Momentos: ticket changes",
        "active": True,
        "conditions": {
            "all": [],
            "any": [
                {"field": "update_type", "operator": "is", "value": "Create"},
                {"field": "update_type", "operator": "is", "value": "Change"},
            ],
        },
        "actions": [{"field": "notification_webhook", "value": ["01HOOK", TRIGGER_BODY]}],
    }


def test_no_difference_for_condition_order_json_spacing_and_read_only_fields():
    desired = triggers.desired_trigger("01HOOK")
    shown = as_zendesk_shows_it()
    shown["conditions"] = {"any": list(reversed(desired["conditions"]["any"]))}
    assert triggers.differences(shown, desired) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": "Momentos"}, ["title"]),
        ({"active": False}, ["active"]),
        (
            {
                "conditions": {
                    "all": [{"field": "update_type", "operator": "is", "value": "Create"}]
                }
            },
            ["conditions"],
        ),
        (
            {"actions": [{"field": "notification_webhook", "value": ["01OLD", TRIGGER_BODY]}]},
            ["actions"],
        ),
        (
            {"actions": [{"field": "notification_webhook", "value": ["01HOOK", '{"id": 1}']}]},
            ["actions"],
        ),
        (
            {
                "actions": [
                    {"field": "notification_webhook", "value": ["01HOOK", TRIGGER_BODY]},
                    {"field": "status", "value": "solved"},
                ]
            },
            ["actions"],
        ),
    ],
)
def test_differences_name_what_changed(change, expected):
    desired = triggers.desired_trigger("01HOOK")
    assert triggers.differences(as_zendesk_shows_it(**change), desired) == expected


def test_conditions_and_actions_are_sent_together_since_zendesk_replaces_both():
    desired = triggers.desired_trigger("01HOOK")
    assert triggers.update_fields(desired, ["active"]) == {"active": True}
    assert triggers.update_fields(desired, ["actions"]) == {
        "conditions": desired["conditions"],
        "actions": desired["actions"],
    }


def test_find_triggers_pages_and_keeps_exact_titles_oldest_first(ordered, client):
    first = matchers.query_param_matcher({"page[size]": "100"})
    ordered.get(
        URL,
        match=[first],
        json={
            "triggers": [as_zendesk_shows_it(90), as_zendesk_shows_it(5, title="Momentos: old")],
            "meta": {"has_more": True, "after_cursor": "a1"},
        },
    )
    ordered.get(
        URL,
        match=[matchers.query_param_matcher({"page[size]": "100", "page[after]": "a1"})],
        json={"triggers": [as_zendesk_shows_it(12)], "meta": {"has_more": False}},
    )
    assert [t["id"] for t in triggers.find_triggers(client)] == [12, 90]


def test_an_offset_page_without_meta_is_the_last(rsps, client):
    rsps.get(URL, json={"triggers": [as_zendesk_shows_it(7)], "next_page": None, "count": 1})
    assert [t["id"] for t in triggers.find_triggers(client)] == [7]


def test_create_posts_the_trigger_once(ordered, client):
    desired = triggers.desired_trigger("01HOOK")
    ordered.post(URL, status=503)
    with pytest.raises(RetriableError, match="POST /api/v2/triggers answered 503"):
        triggers.create_trigger(client, desired)
    assert len(ordered.calls) == 1  # it may have been made: the next run looks first
    ordered.post(
        URL,
        status=201,
        match=[matchers.json_params_matcher({"trigger": desired})],
        json={"trigger": as_zendesk_shows_it(41)},
    )
    assert triggers.create_trigger(client, desired)["id"] == 41


def test_update_puts_the_fields_and_delete_deletes(rsps, client):
    rsps.put(
        f"{URL}/41",
        match=[matchers.json_params_matcher({"trigger": {"active": True}})],
        json={"trigger": as_zendesk_shows_it(41)},
    )
    rsps.delete(f"{URL}/41", status=204)
    triggers.update_trigger(client, 41, {"active": True})
    triggers.delete_trigger(client, 41)
