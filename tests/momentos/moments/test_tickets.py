"""Ticket rules: complaints, support requests and services completed, never Momentos' own."""

from momentos.moments import RuleContext, normalize
from tests.factories import hubspot_object, rule_context, zendesk_ticket

CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset({"queja"}))


def types(event, context=CONTEXT):
    return sorted(m.type for m in normalize(event, context))


def test_tagged_ticket_is_a_complaint_and_a_support_request():
    moments = {m.type: m for m in normalize(zendesk_ticket(tags=("QUEJA", "billing")), CONTEXT)}
    complaint = moments["complaint"]
    assert complaint.key == "complaint:zendesk:ticket:101"
    assert complaint.customer_ref == ("zendesk", "user", "501")
    assert complaint.link == "https://acme.zendesk.com/agent/tickets/101"
    assert complaint.data["custom_fields"] == {"360000000001": "app_movil"}
    assert moments["support_request"].key == "support_request:zendesk:ticket:101"


def test_untagged_ticket_is_only_a_support_request():
    assert types(zendesk_ticket(tags=("web",))) == ["support_request"]


def test_later_versions_give_the_same_keys():
    first = {m.key for m in normalize(zendesk_ticket(), CONTEXT)}
    later = {m.key for m in normalize(zendesk_ticket(updated="2026-11-24T10:00:00Z"), CONTEXT)}
    assert first == later


def test_momentos_own_tickets_are_echoes():
    assert types(zendesk_ticket(external_id="momentos:complaint_followup:x")) == []
    assert types(zendesk_ticket(tags=("queja", "momentos"))) == []
    solved = zendesk_ticket(external_id="momentos:recovery:x", status="solved")
    assert types(solved) == []


def test_momentos_own_hubspot_tasks_and_notes_are_echoes():
    # Even were a rule to read tasks or deals, what carries momentos_key is Momentos' own.
    deal = hubspot_object("deal", "7", {"pipeline": "services", "dealstage": "closedwon",
                                        "momentos_key": "x"}, companies=("21",))  # fmt: skip
    assert types(deal, rule_context(service_pipelines=frozenset({"services"}))) == []
    task = hubspot_object("task", "55", {"hs_task_subject": "Llamar", "momentos_key": "k"})
    assert types(task) == []


def test_agent_opened_ticket_is_marked_and_the_customers_own_is_not():
    moment = normalize(zendesk_ticket(submitter_id=9), CONTEXT)[0]
    assert moment.data["opened_by_agent"] is True
    assert normalize(zendesk_ticket(), CONTEXT)[0].data["opened_by_agent"] is False


def test_category_fields_are_kept_for_insights():
    context = rule_context(category_fields=(("app", "360000000001"),))
    event = zendesk_ticket(tags=("web",), brand_id=3, ticket_form_id=12,
                           via={"channel": "mobile"})  # fmt: skip
    [moment] = [m for m in normalize(event, context) if m.type == "support_request"]
    assert moment.data["category"] == {"app": "app_movil"}
    assert (moment.data["brand_id"], moment.data["form_id"], moment.data["channel"]) == (
        "3", "12", "mobile"
    )  # fmt: skip
    assert moment.data["tags"] == ["web"]


def test_solved_ticket_is_a_service_completed_dated_when_seen_solved():
    solved = zendesk_ticket(tags=("web",), status="solved", updated="2026-11-25T16:00:00Z")
    moments = {m.type: m for m in normalize(solved, CONTEXT)}
    assert set(moments) == {"support_request", "service_completed"}
    service = moments["service_completed"]
    assert service.key == "service_completed:zendesk:ticket:101"
    assert service.occurred_at.isoformat() == "2026-11-25T16:00:00+00:00"
    assert types(zendesk_ticket(tags=("web",), status="pending")) == ["support_request"]
    assert "service_completed" in types(zendesk_ticket(tags=("web",), status="closed"))


def test_deleted_ticket_gives_nothing():
    assert types(zendesk_ticket(status="deleted")) == []
