"""The JSON API: token-authenticated, the same data as the pages, one error shape."""

import pytest

from tests.web.conftest import BAD_LINK, OWNER, UI_SECRETS, XSS_SUBJECT

TOKEN = {"Authorization": f"Bearer {UI_SECRETS['MOMENTOS_API_TOKEN']}"}
WORKFLOW = "/api/workflows/complaint_followup"


@pytest.fixture
def api(client):
    def call(method, url, **kwargs):
        return client.open(url, method=method, headers=TOKEN, **kwargs)

    return call


def test_actions_are_listed_newest_first_with_filters_and_pages(api):
    body = api("GET", "/api/actions?per_page=2").json
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (5, 3, 1, 2)
    assert len(body["actions"]) == 2
    failed = api("GET", "/api/actions?state=failed&state=needs_review").json["actions"]
    assert {a["key"]: a["state"] for a in failed} == {
        "failed-one": "failed",
        "review-me": "needs_review",
    }
    row = next(a for a in failed if a["key"] == "failed-one")
    assert row["owner"] == OWNER[1] and row["customer"] == "Panadería La Espiga"
    assert row["error"] == f"HubSpot refused: {XSS_SUBJECT}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/actions?state=lost", "unknown state 'lost'; known: pending, in_flight, done, "
         "retry, failed, needs_review, dismissed"),
        ("/api/actions?page=0", "page must be a whole number from 1 to 1000000 (got '0')"),
        # Found by Schemathesis: past SQLite's integers these were 500s.
        ("/api/actions?page=9223372036854775808",
         "page must be a whole number from 1 to 1000000 (got '9223372036854775808')"),
        ("/api/actions?per_page=²", "per_page must be a whole number from 1 to 1000000 (got '²')"),
        ("/api/customers/99/timeline", "No customer with id 99"),
        ("/api/customers/99999999999999999999/timeline",
         "No customer with id 99999999999999999999"),
    ],
)  # fmt: skip
def test_bad_requests_answer_in_the_one_error_shape(api, url, message):
    response = api("GET", url)
    status = 404 if "customers" in url else 400
    assert response.status_code == status
    assert response.json == {"error": {"status": status, "message": message}}


def test_a_timeline_has_the_customer_moments_and_linked_actions(api):
    body = api("GET", "/api/customers/1/timeline").json
    assert body["customer"]["email"] == "mallory@evil.example"
    assert [m["type"] for m in body["moments"]] == ["complaint", "support_request"]
    complaint = body["moments"][0]
    assert complaint["subject"] == XSS_SUBJECT and complaint["link"] == BAD_LINK
    assert [a["state"] for a in complaint["actions"]] == ["done"]
    assert [a["key"] for a in body["other_actions"]] == ["pending-one"]


def test_a_preview_is_a_dry_run(api, client):
    store = client.application.config["STORE"]
    before = store.total("actions")
    body = api("POST", f"{WORKFLOW}/preview").json
    assert body["workflow"] == "complaint_followup" and body["error"] is None
    assert body["actions"] == [] and len(body["in_outbox"]) == 2
    assert store.total("actions") == before
    earlier = api("POST", f"{WORKFLOW}/preview", json={"as_of": "2026-11-01T09:00"}).json
    assert earlier["as_of"] == "2026-11-01T09:00:00+01:00" and earlier["in_outbox"] == []


def test_a_backtest_answers_day_by_day(api):
    body = api("POST", f"{WORKFLOW}/backtest", json={"from": "2026-11-23", "to": "2026-11-25"})
    assert body.status_code == 200
    assert [day["date"] for day in body.json["days"]] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert body.json["total"] == sum(len(day["actions"]) for day in body.json["days"])


@pytest.mark.parametrize(
    ("url", "body", "status", "message"),
    [
        (f"{WORKFLOW}/backtest", {"from": "2026-11-23"}, 400,
         "to is required (an ISO date such as 2026-11-01)"),
        (f"{WORKFLOW}/backtest", {"from": "2026-11-25", "to": "2026-11-01"}, 400,
         "the backtest's end comes before its start"),
        (f"{WORKFLOW}/backtest", {"from": "2020-01-01", "to": "2026-11-01"}, 400,
         "a backtest covers at most 92 days"),
        (f"{WORKFLOW}/preview", {"as_of": "soon"}, 400,
         "as_of is not an ISO date-time (got 'soon')"),
        (f"{WORKFLOW}/preview", [1, 2], 400, "the body must be a JSON object"),
        ("/api/workflows/nope/preview", {}, 404, "No workflow named 'nope'"),
    ],
)  # fmt: skip
def test_workflow_calls_explain_what_is_wrong(api, url, body, status, message):
    response = api("POST", url, json=body)
    assert response.status_code == status
    assert response.json == {"error": {"status": status, "message": message}}
