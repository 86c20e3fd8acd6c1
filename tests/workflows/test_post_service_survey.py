"""post_service_survey: one survey, delay_days after a service, in the customer's language,
at most once per period, never to a customer with an open complaint."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from momentos.derive import derive_pending
from momentos.model import Action
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import (
    T0,
    hubspot_contact,
    hubspot_object,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from workflows import post_service_survey as survey
from workflows.post_service_survey import send_at

CONTEXT = RuleContext(
    zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset({"queja", "complaint"})
)
PARAMS = survey.Params().load({"enabled": True})
SOLVED = "2026-11-20T15:00:00Z"  # a Friday, 16:00 in Madrid
DUE = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # three days later, 16:00 in Madrid


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events):
    store.add_events(events, source="poll", received_at=T0)
    derive_pending(store, CONTEXT)


def plan(store, now, **params):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id="F"))
    return survey.plan({**PARAMS, **params}, view, now)


def carmen(store, *tickets):
    load(
        store,
        hubspot_object("company", "21", {"name": "Panadería La Espiga", "domain": "laespiga.es"}),
        hubspot_contact("11", companies=("21",), hs_language="es"),
        zendesk_user(),
        *tickets,
    )


def solved(ticket_id=101, updated=SOLVED, requester_id=501, tags=(), **extra):
    return zendesk_ticket(
        ticket_id=ticket_id,
        tags=tags,
        status="solved",
        updated=updated,
        requester_id=requester_id,
        **extra,
    )


def test_a_survey_goes_out_delay_days_after_the_service_in_spanish(store):
    carmen(store, solved())
    assert plan(store, DUE - timedelta(hours=1)) == []  # not due yet
    [action] = plan(store, DUE - timedelta(minutes=10))  # due before the next run
    customer = action.customer_id
    assert action == Action(
        key="post_service_survey:service_completed:zendesk:ticket:101",
        workflow="post_service_survey",
        tool="mail",
        kind="survey",
        payload={
            "to": "carmen@laespiga.es",
            "name": "Carmen Vidal",
            "first_name": "Carmen",
            "language": "es",
            "scale": "csat",
            "ticket_id": "101",
            "service": "La factura está duplicada",
            "respondent": ["zendesk", "user", "501"],
        },
        customer_id=customer,
        moment_key="service_completed:zendesk:ticket:101",
        not_before=datetime(2026, 11, 23, 16, 0, tzinfo=ZoneInfo("Europe/Madrid")),
    )
    # Planning again gives the same action: the outbox stores it once.
    assert plan(store, DUE) == [action]


def test_an_english_customer_gets_an_nps_survey_in_english(store):
    load(
        store,
        hubspot_contact(
            "12",
            email="emily@northwind.example",
            firstname="Emily",
            lastname="Brooks",
            hs_language="en",
        ),
        zendesk_user(
            user_id=502,
            email="emily@northwind.example",
            locale="en-US",
            time_zone="America/New_York",
            name="Emily Brooks",
        ),
        solved(ticket_id=102, requester_id=502),
    )
    [action] = plan(store, DUE + timedelta(days=1), scale="nps")
    assert action.payload["language"] == "en" and action.payload["scale"] == "nps"
    assert action.payload["to"] == "emily@northwind.example"
    assert action.not_before.isoformat() == "2026-11-23T10:00:00-05:00"


@pytest.mark.parametrize(
    ("served", "sent"),
    [
        ("2026-11-20T20:30:00Z", "2026-11-24T09:00:00+01:00"),  # 21:30: next morning
        ("2026-11-20T05:00:00Z", "2026-11-23T09:00:00+01:00"),  # 06:00: that morning
        ("2026-11-20T18:59:00Z", "2026-11-23T19:59:00+01:00"),
    ],  # 19:59: still that evening
)
def test_surveys_go_out_within_the_customer_sending_hours(served, sent):
    served_at = datetime.fromisoformat(served.replace("Z", "+00:00"))
    assert send_at(served_at, "Europe/Madrid", PARAMS).isoformat() == sent


def test_one_survey_per_customer_per_period(store):
    carmen(store, solved(), solved(ticket_id=103, updated="2026-11-20T16:00:00Z"))
    [action] = plan(store, DUE + timedelta(hours=2))
    # Two services due: one survey, about the latest.
    assert action.moment_key == "service_completed:zendesk:ticket:103"
    store.enqueue([action], DUE)
    load(store, solved(ticket_id=104, updated="2026-12-01T10:00:00Z"))
    assert plan(store, datetime(2026, 12, 5, 10, tzinfo=UTC)) == []
    # Past the period (90 days from the first survey), the next service is surveyed.
    load(store, solved(ticket_id=105, updated="2027-02-20T10:00:00Z"))
    [later] = plan(store, datetime(2027, 2, 24, 10, tzinfo=UTC))
    assert later.moment_key == "service_completed:zendesk:ticket:105"


def test_an_open_complaint_blocks_the_survey_until_its_ticket_is_solved(store):
    complaint = zendesk_ticket(ticket_id=201, tags=("queja",), updated="2026-11-21T09:00:00Z")
    carmen(store, solved(), complaint)
    assert plan(store, DUE) == []
    assert len(plan(store, DUE, complaint_days=0)) == 1  # complaints ignored
    load(store, solved(ticket_id=201, tags=("queja",), updated="2026-11-22T09:00:00Z"))
    [action] = plan(store, DUE)
    # Solved, the complaint blocks nothing; its own survey is not due for three more days.
    assert action.moment_key == "service_completed:zendesk:ticket:101"


def test_a_ticket_the_customer_rated_in_zendesk_is_not_asked_about_again(store):
    carmen(store, solved(), zendesk_rating(score="good", created="2026-11-21T09:00:00Z"))
    assert plan(store, DUE) == []


def test_services_for_agents_and_strangers_are_not_surveyed(store):
    agent = zendesk_user(user_id=900, email="agent@acme.example", name="Ana Agente")
    agent = agent.__class__(**{**agent.__dict__, "data": {**agent.data, "role": "agent"}})
    load(store, agent, solved(ticket_id=301, requester_id=900))
    assert plan(store, DUE) == []
    # Someone no tool knows (the ticket's requester was never synced) is no customer yet.
    load(store, solved(ticket_id=302, requester_id=999))
    assert plan(store, DUE) == []


def test_services_older_than_the_horizon_are_left_alone(store):
    carmen(store, solved())
    assert len(plan(store, DUE + timedelta(days=11))) == 1  # the service is 14 days old
    assert plan(store, DUE + timedelta(days=11, minutes=1)) == []


def test_params_must_make_sense():
    with pytest.raises(ValidationError, match="send_until"):
        survey.Params().load({"send_from": "20:00", "send_until": "09:00"})
    with pytest.raises(ValidationError, match="delay_days"):
        survey.Params().load({"delay_days": 14, "horizon_days": 14})
    assert survey.Params().load({})["send_from"] == time(9, 0)
