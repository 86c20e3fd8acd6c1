"""Ticket rules: complaints and support requests, never Momentos' own tickets."""

from momentos.moments import RuleContext, normalize
from tests.factories import zendesk_ticket

CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset({"queja"}))


def types(event):
    return sorted(m.type for m in normalize(event, CONTEXT))


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


def test_agent_opened_ticket_is_marked():
    moment = normalize(zendesk_ticket(submitter_id=9), CONTEXT)[0]
    assert moment.data["opened_by_agent"] is True
