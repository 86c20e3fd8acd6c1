"""Every admin page renders in both languages, escapes ticket text and never shows a secret."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from tests.conftest import TEST_SECRETS
from tests.web.conftest import (
    BAD_LINK,
    NOW,
    OWNER,
    UI_SECRETS,
    csrf_token,
    login,
    make_action,
    make_moment,
)

PAGES = [
    "/admin/",
    "/admin/customers",
    "/admin/customers?q=espiga",
    "/admin/customers/1",
    "/admin/customers/2",
    "/admin/workflows",
    "/admin/workflows/complaint_followup",
    "/admin/outbox",
    "/admin/outbox?state=failed",
    "/admin/connectors",
    "/admin/identity",
]


def pages(client, language):
    with client.session_transaction() as session:
        session["lang"] = language
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.text
    token = csrf_token(client, "/admin/")
    for action, form in (("preview", {}), ("backtest", {"from": "2026-11-20", "to": "2026-11-25"})):
        response = client.post(
            f"/admin/workflows/complaint_followup/{action}", data={"csrf_token": token, **form}
        )
        assert response.status_code == 200, action
        yield action, response.text


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_page_escapes_ticket_text_and_names(admin, language):
    for url, html in pages(admin, language):
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert f'href="{BAD_LINK}"' not in html, url
    timeline = admin.get("/admin/customers/1").text
    assert "&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;" in timeline
    assert "&lt;img src=x onerror=alert(&#34;name&#34;)&gt;" in timeline


@pytest.mark.parametrize("language", ["es", "en"])
def test_no_page_shows_a_secret(admin, language):
    secrets = [*TEST_SECRETS.values(), *UI_SECRETS.values()]
    for url, html in pages(admin, language):
        for secret in secrets:
            assert secret not in html, (url, secret[:12])


def test_pages_are_in_the_chosen_language(admin):
    with admin.session_transaction() as session:
        session["lang"] = "es"
    html = admin.get("/admin/").text
    assert '<html lang="es">' in html and "Momentos de esta semana" in html
    token = csrf_token(admin, "/admin/")
    response = admin.post(
        "/admin/language", data={"csrf_token": token, "lang": "en", "next": "/admin/outbox"}
    )
    assert response.location == "/admin/outbox"
    assert "Moments this week" in admin.get("/admin/").text


def text(html: str) -> str:
    """What a person reads: tags dropped, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_dashboard_counts_this_week_and_lists_what_needs_review(admin):
    page = text(admin.get("/admin/").text)
    assert "Complaint 2" in page and "Support request 1" in page
    assert "Done 2" in page and "Needs review 1" in page and "Failed 1" in page
    assert "2 actions failed or need a decision." in page
    assert "(HubSpot refused: " in page  # why it failed, beside what it was
    assert "Zendesk" in page and "5 minutes ago" in page
    assert "HubSpot none received yet" in page
    assert "hubspot:contacts 2 hours ago lagging" in page


def test_customer_search_finds_by_name_email_and_domain(admin):
    for query in ("Espiga", "carmen@", "laespiga.es"):
        page = text(admin.get(f"/admin/customers?q={query}").text)
        assert "Panadería La Espiga" in page and "mallory" not in page, query
    assert "No customer matches." in admin.get("/admin/customers?q=nobody").text
    # "%" is a character to look for, not a wildcard.
    assert "No customer matches." in admin.get("/admin/customers?q=%25").text


def test_a_timeline_lists_moments_with_their_actions_and_links(admin):
    html = admin.get("/admin/customers/2").text
    page = text(html)
    assert "Complaint from Zendesk" in page and "La factura está duplicada" in page
    assert 'href="https://acme.zendesk.com/agent/tickets/2"' in html
    assert 'href="https://app.hubspot.com/contacts/62515/record/0-27/10"' in html
    assert "Done Task in HubSpot: Llamar hoy a Carmen Vidal" in page
    assert "Other actions" in page  # review-me and failed-one came from no moment
    assert admin.get("/admin/customers/99").status_code == 404


def test_connectors_show_webhooks_lag_and_recent_errors(admin):
    page = text(admin.get("/admin/connectors").text)
    assert "installed: deliveries arrive" in page and "unknown: none received yet" in page
    assert "zendesk:tickets" in page and "hubspot:contacts" in page
    assert "HubSpot refused:" in page and "KeyError:" in page


def test_identity_review_lists_the_candidates(admin):
    page = text(admin.get("/admin/identity").text)
    assert "Several customers share this domain" in page
    assert "Panadería La Espiga" in page


def test_the_outbox_filters_by_state_and_pages(make_app):
    app = make_app(ui={"page_size": 5})
    app.config["STORE"].enqueue([make_action(f"extra-{i}", 1) for i in range(3)], NOW)
    client = app.test_client()
    login(client)
    with client.session_transaction() as session:
        session["lang"] = "en"
    first = text(client.get("/admin/outbox").text)
    assert "8 actions · page 1 of 2" in first and "Older" in first and "Newer" not in first
    second = client.get("/admin/outbox?page=2").text
    assert "page 2 of 2" in text(second) and 'href="/admin/outbox?page=1"' in second
    failed = client.get("/admin/outbox?state=failed").text
    assert "1 action" in text(failed) and 'value="failed-one"' in failed
    assert 'value="review-me"' not in failed and 'value="failed" selected' in failed


def test_numbers_past_sqlites_integers_are_pages_and_ids_like_any_other(admin):
    # Found by Schemathesis on the API: an offset or id past 2**63 overflowed into a 500.
    assert admin.get("/admin/outbox?page=99999999999999999999").status_code == 200
    assert admin.get("/admin/customers/99999999999999999999").status_code == 404


def test_workflows_say_what_they_do_their_parameters_and_runs(admin):
    page = text(admin.get("/admin/workflows").text)
    assert "a HubSpot task for the account owner" in page
    assert "due_time 17:00 17:00" in page and "local time the call is due" in page
    assert "every 15 minutes" in page and "Complaint" in page
    assert "on schedule" in page and "KeyError" in page  # the last (failed) scheduled run
    assert OWNER[1] not in page


def test_outbox_shows_the_owner_by_name(admin):
    assert OWNER[1] in admin.get("/admin/outbox").text


def replace_fields(moment: SimpleNamespace, **changes) -> SimpleNamespace:
    return SimpleNamespace(**{**vars(moment), **changes})


def test_a_dated_moment_shows_its_own_day_never_shifted_through_utc(admin, app):
    birthday = make_moment("birthday:hubspot:contact:7:2026", "birthday", 2, 0, None, "")
    # Midnight in Madrid is still the day before in UTC; the birthday is on the 26th.
    moment = replace_fields(birthday, occurred_at=datetime(2026, 11, 25, 23, 0, tzinfo=UTC),
                            data={"date": "2026-11-26"})  # fmt: skip
    app.config["STORE"].insert_moment(moment, 0, 2, NOW)
    page = text(admin.get("/admin/customers/2").text)
    assert "Thursday 26 Nov 2026 Birthday from Zendesk" in page


def test_a_survey_by_mail_says_whom_it_goes_to_and_what_about():
    from momentos.web.ui.reads import summary

    payload = {"to": "carmen@laespiga.es", "service": "La factura está duplicada", "scale": "csat"}
    assert summary(payload) == "carmen@laespiga.es · La factura está duplicada"
