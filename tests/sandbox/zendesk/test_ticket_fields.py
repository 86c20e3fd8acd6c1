"""The demo's App drop-down, served as Zendesk serves ticket fields and read by our poll."""

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.poll import poll_ticket_fields
from momentos.clock import SystemClock
from sandbox.demo.background import APPS
from sandbox.demo.tickets import APP_FIELD_ID, create_app_field


def test_the_demo_app_field_lists_its_options_with_labels(sandbox, zd):
    create_app_field(sandbox.state)
    listed = zd.get("/ticket_fields.json").json()["ticket_fields"]
    [app] = [f for f in listed if f["id"] == APP_FIELD_ID]
    assert (app["title"], app["type"]) == ("App", "tagger")
    assert [(o["name"], o["value"]) for o in app["custom_field_options"]] == list(APPS)
    assert ("Facturación", "facturacion") in APPS and ("App Móvil", "app_movil") in APPS


def test_the_ticket_fields_poll_reads_the_labels_from_the_sandbox(sandbox):
    create_app_field(sandbox.state)
    settings = sandbox.state.settings
    client = ZendeskClient(sandbox.url, settings.zendesk_agent_email,
                           settings.zendesk_api_token, clock=SystemClock())  # fmt: skip
    [page] = list(poll_ticket_fields(client, None))
    [app] = [e for e in page.events if e.object_id == str(APP_FIELD_ID)]
    assert {o["value"]: o["name"] for o in app.data["options"]} == {v: n for n, v in APPS}
    assert page.done and page.cursor == max(e.version for e in page.events)
