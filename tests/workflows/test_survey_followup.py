"""survey_followup: unhappy answers become recovery tickets (and, for valuable customers, a
call from their owner); happy ones an internal note thanking the agent. Once per survey, on
the answer as it ended."""

from datetime import timedelta

import pytest

from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.surveys.answers import record_answer
from momentos.surveys.tokens import Survey
from momentos.view import Defaults, View
from tests.factories import (
    T0,
    hubspot_contact,
    hubspot_invoice,
    hubspot_object,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from workflows import survey_followup

CONTEXT = RuleContext(
    zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset({"queja", "complaint"})
)
PARAMS = survey_followup.Params().load({})
WINDOW = timedelta(minutes=30)
ANSWERED = T0 + timedelta(days=3)  # 2026-11-26 09:00 UTC, 10:00 in Madrid
SURVEY = Survey(
    "post_service_survey:service_completed:zendesk:ticket:101",
    None,
    "101",
    ("zendesk", "user", "501"),
    "csat",
    "es",
)
KEY = f"survey_followup:survey_answered:momentos:survey_answer:{SURVEY.id}"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "m.db")
    load(
        store,
        hubspot_object(
            "company",
            "21",
            {"name": "Panadería La Espiga", "domain": "laespiga.es", "hubspot_owner_id": "77"},
        ),
        hubspot_contact("11", companies=("21",), hs_language="es"),
        zendesk_user(),
        zendesk_ticket(status="solved", tags=(), group_id=3),
    )
    return store


def load(store, *events):
    store.add_events(events, source="poll", received_at=T0)
    derive_pending(store, CONTEXT)


def answer(store, score, comment="", at=ANSWERED, survey=SURVEY):
    record_answer(store, survey, score, comment, at, WINDOW)
    derive_pending(store, CONTEXT)


def plan(store, now, **params):
    view = View(store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id="F"))
    return survey_followup.plan({**PARAMS, **params}, view, now)


SETTLED = ANSWERED + WINDOW


def test_an_unhappy_answer_waits_for_its_window_then_opens_a_recovery_ticket(store):
    answer(store, 2, "Tardasteis tres semanas y nadie me avisó.")
    assert plan(store, SETTLED - timedelta(seconds=1)) == []
    [ticket] = plan(store, SETTLED)
    assert (ticket.key, ticket.tool, ticket.kind) == (KEY, "zendesk", "ticket")
    assert ticket.moment_key == f"survey_answered:momentos:survey_answer:{SURVEY.id}"
    payload = ticket.payload
    assert {k: v for k, v in payload.items() if k != "body"} == {
        "subject": "Recuperar a Carmen Vidal: 2 de 5 (CSAT) sobre el ticket #101",
        "public": False,
        "priority": "high",
        "group_id": 3,
        "tags": ["survey_recovery", "original_ticket_101"],
    }
    body = payload["body"]
    assert body.startswith(
        "Carmen Vidal ha respondido a la encuesta con 2 de 5 (CSAT) el 26 de "
        "noviembre de 2026.\nSus palabras: «Tardasteis tres semanas"
    )
    assert (
        "Ticket original: #101 «La factura está duplicada» "
        "https://acme.zendesk.com/agent/tickets/101" in body
    )
    assert "1. Lee la respuesta completa, comentario incluido" in body  # the playbook
    assert "Valor del cliente" not in body


def test_one_follow_up_per_survey_on_the_last_answer_given(store):
    answer(store, 2, "Mal")
    answer(store, 5, "Perdón, quería poner un 5: todo genial", at=ANSWERED + timedelta(minutes=5))
    [note] = plan(store, SETTLED)
    # Same key whatever the answer was: the outbox can only ever hold one of them.
    assert (note.key, note.tool, note.kind) == (KEY, "zendesk", "comment")
    assert note.payload["ticket_id"] == "101" and note.payload["public"] is False
    assert note.payload["body"].startswith(
        "¡Enhorabuena! Carmen Vidal ha valorado este servicio con 5 de 5 (CSAT).\n"
        "Sus palabras: «Perdón, quería poner un 5: todo genial»"
    )
    assert "Gracias a quien lo atendió" in note.payload["body"]


def test_a_valuable_unhappy_customer_also_gets_a_call_from_their_owner(store):
    load(store, hubspot_invoice("9", amount="12000.00", invoice_date="2026-06-01"))
    answer(store, 1, "Fatal")
    ticket, task = plan(store, SETTLED)
    assert "Valor del cliente: 12.000 en los últimos 365 días" in ticket.payload["body"]
    assert (task.key, task.tool, task.kind) == (KEY + ":owner", "hubspot", "task")
    assert task.payload["owner_id"] == "77" and task.payload["priority"] == "HIGH"
    assert task.payload["subject"] == "Llamar hoy a Carmen Vidal: encuesta negativa (1 de 5 (CSAT))"
    assert task.payload["company_ids"] == ["21"] and task.payload["contact_ids"] == ["11"]
    # Below the threshold, or counted over a period the invoice is not in: no task.
    assert len(plan(store, SETTLED, value_threshold=12000)) == 1
    assert len(plan(store, SETTLED, value_days=30)) == 1


def test_won_deals_count_when_there_are_no_invoices(store):
    load(
        store,
        hubspot_object(
            "deal",
            "7",
            {
                "dealname": "Renovación",
                "amount": "15000",
                "dealstage": "closedwon",
                "closedate": "2026-10-01T00:00:00Z",
            },
            companies=("21",),
        ),
    )
    answer(store, 1)
    assert [a.kind for a in plan(store, SETTLED)] == ["ticket", "task"]
    assert [a.kind for a in plan(store, SETTLED, won_stages=["other"])] == ["ticket"]


def test_a_happy_customer_is_asked_for_a_review_once_a_month(store):
    answer(store, 5)
    answer(store, 4, survey=Survey(**{**SURVEY.__dict__, "key": "another service"}))
    planned = plan(store, SETTLED, ask_review=True)
    assert [a.kind for a in planned] == ["comment", "task", "comment"]
    task = planned[1]
    assert task.key == f"survey_followup:review:{task.customer_id}:2026-11"
    assert task.payload["subject"] == (
        "Pedir una reseña a Carmen Vidal: le encantó el servicio (5 de 5 (CSAT))"
    )
    assert plan(store, SETTLED, celebrate=False) == []


def test_every_answer_gets_its_follow_up_even_from_the_same_customer(store, make_settings):
    """The guards' same-reason rule would skip a second follow-up for one customer within
    `guards.open_days`; a detractor must not be silenced by a colleague's earlier answer."""
    from momentos.planner import run_workflow

    settings = make_settings()
    answer(store, 5)
    first = run_workflow(store, settings, "survey_followup", now=SETTLED)
    other = Survey(**{**SURVEY.__dict__, "key": "another service"})
    answer(store, 1, "Fatal", at=SETTLED, survey=other)
    second = run_workflow(store, settings, "survey_followup", now=SETTLED + WINDOW)
    assert "comment" in [a.kind for a in first.actions] and first.enqueued
    assert second.skipped == [] and "ticket" in [a.kind for a in second.actions]
    assert "ticket" in [a["kind"] for a in store.actions()]


def test_neutral_answers_need_nothing_and_old_ones_create_nothing(store):
    answer(store, 3, "Normal")
    assert plan(store, SETTLED) == []
    answer(store, 1, survey=Survey(**{**SURVEY.__dict__, "key": "other"}))
    assert len(plan(store, SETTLED)) == 1
    assert plan(store, ANSWERED + timedelta(days=8)) == []


def test_an_english_customer_and_a_bad_zendesk_rating(store):
    load(
        store,
        zendesk_user(
            user_id=502,
            email="emily@northwind.example",
            locale="en-US",
            time_zone="America/New_York",
            name="Emily Brooks",
        ),
        zendesk_ticket(ticket_id=102, requester_id=502, status="solved", tags=()),
        zendesk_rating(
            rating_id=72,
            ticket_id=102,
            requester_id=502,
            score="bad",
            comment="Nobody called back",
            created="2026-11-26T09:00:00Z",
        ),
    )
    assert plan(store, ANSWERED + timedelta(minutes=29)) == []  # settle_minutes: 30
    [ticket] = plan(store, SETTLED)
    assert ticket.key == "survey_followup:survey_answered:zendesk:satisfaction_rating:72"
    assert (
        ticket.payload["subject"] == 'Win back Emily Brooks: "bad" (Zendesk rating) on ticket #102'
    )
    # The ticket has no group: the rating's (Zendesk copies the ticket's when rated).
    assert ticket.payload["group_id"] == 3
    assert 'In their words: "Nobody called back"' in ticket.payload["body"]
    assert "Customer's language: English." in ticket.payload["body"]
