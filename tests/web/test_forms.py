"""The forms that do something: dry-run preview, backtest, retry and dismiss in the outbox."""

from tests.web.conftest import NOW, OWNER, XSS_NAME, csrf_token, make_moment
from tests.web.test_pages import text

XSS_NAME_TEXT = XSS_NAME.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
PREVIEW = "/admin/workflows/complaint_followup/preview"
BACKTEST = "/admin/workflows/complaint_followup/backtest"


def post(client, url, **form):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/"), **form})


def test_a_dry_run_tells_new_actions_from_those_already_in_the_outbox(admin, app):
    store = app.config["STORE"]
    before = store.total("actions")
    response = post(admin, PREVIEW)
    assert response.status_code == 200
    page = text(response.text)
    assert "It would create 0 actions; nothing was sent." in page
    assert "Already in the outbox (planning again changes nothing)" in page
    assert "Llamar hoy a Panadería La Espiga" in page and "Done" in page
    assert store.total("actions") == before


def test_a_dry_run_lists_who_what_when_and_where_and_what_it_skips(admin, app):
    store = app.config["STORE"]
    for number, customer in ((3, 2), (4, 1)):
        moment = make_moment(
            f"complaint:zendesk:ticket:{number}",
            "complaint",
            customer,
            1,
            "https://acme.zendesk.com/agent/tickets/3",
            f"Queja {number}",
        )
        store.insert_moment(moment, 0, customer, NOW)
    for key in ("complaint_followup:complaint:zendesk:ticket:1", "pending-one"):
        store.settle(key, "dismissed", NOW)  # a dismissed action holds nothing open
    page = text(post(admin, PREVIEW).text)
    assert "It would create 1 action; nothing was sent." in page
    who_what_when_where = (
        f"{XSS_NAME_TEXT} for {OWNER[1]} Task Call {XSS_NAME_TEXT} today: complaint"
        " &#34;Queja 4&#34; due 25 Nov 2026, 18:00 HubSpot"
    )
    assert who_what_when_where in page
    assert "What it would skip, and why" in page
    assert "The same reason is already open: complaint_followup:complaint:zendesk:ticket:2" in page
    assert store.total("actions") == 5


def test_a_dry_run_as_of_an_earlier_date(admin):
    page = text(post(admin, PREVIEW, as_of="2026-11-01T09:00").text)
    assert "Dry run as of 1 Nov 2026, 09:00" in page
    assert "It would create 0 actions" in page and "What it would skip" not in page


def test_a_bad_date_is_explained_on_the_page(admin):
    response = post(admin, PREVIEW, as_of="yesterday")
    assert response.status_code == 400 and "Not a date and time: yesterday" in response.text
    response = post(admin, BACKTEST, **{"from": "2026-11-25", "to": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date comes before the start date." in response.text
    response = post(admin, BACKTEST, **{"from": "2025-01-01", "to": "2026-11-01"})
    assert response.status_code == 400 and "at most 92 days" in response.text


def test_a_backtest_shows_each_day_it_would_have_acted(admin, app):
    app.config["STORE"].settle(
        "complaint_followup:complaint:zendesk:ticket:2",
        "failed",
        app.config["CLOCK"].now(),
        error="gone",
    )
    page = text(post(admin, BACKTEST, **{"from": "2026-11-23", "to": "2026-11-25"}).text)
    assert "Backtest from 2026-11-23 to 2026-11-25" in page
    assert "It would have created" in page and "nothing was sent" in page


def test_retry_and_dismiss_move_only_what_failed_or_needs_review(admin, app):
    store = app.config["STORE"]
    next_page = "/admin/outbox?state=failed"
    response = post(admin, "/admin/outbox/move", key="failed-one", verb="retry", next=next_page)
    assert response.location == next_page
    assert store.actions(keys=["failed-one"])[0]["state"] == "pending"
    post(admin, "/admin/outbox/move", key="review-me", verb="dismiss")
    assert store.actions(keys=["review-me"])[0]["state"] == "dismissed"
    page = admin.get("/admin/outbox").text
    assert "Dismissed: it will not be sent." in page

    done = "complaint_followup:complaint:zendesk:ticket:2"
    post(admin, "/admin/outbox/move", key=done, verb="retry")
    assert store.actions(keys=[done])[0]["state"] == "done"
    assert "Not changed" in admin.get("/admin/outbox").text
    post(admin, "/admin/outbox/move", key="pending-one", verb="delete")
    assert "Unknown decision." in admin.get("/admin/outbox").text


def test_switching_language_on_a_dry_run_returns_to_the_workflow_page(admin):
    page = "/admin/workflows/complaint_followup"
    answer = admin.post(PREVIEW, data={"csrf_token": csrf_token(admin, page)},
                        headers={"Referer": f"http://localhost{page}"})  # fmt: skip
    assert f'name="next" value="{page}"' in answer.text
