"""survey_followup: unhappy answers become recovery tickets (and, for valuable customers, a
call from their owner); happy ones an internal note thanking the agent. Once per survey, on
the answer as it ended."""

from datetime import timedelta

import pytest

from momentos.derive import derive_pending
from momentos.guards import GuardSettings
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


def plan(store, now, staff="es", **params):
    view = View(store, Defaults(language=staff, time_zone="Europe/Madrid", fallback_owner_id="F",
                                working_hours=GuardSettings()))  # fmt: skip
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
        "subject": "Recuperar a Carmen Vidal: valoró el servicio con un 2 de 5 (ticket #101)",
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
    assert "1. Lee su respuesta y lo que pasó en el servicio" in body  # the playbook
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
    assert "Valor del cliente: 12.000,00\xa0€ en los últimos 365 días" in ticket.payload["body"]
    assert (task.key, task.tool, task.kind) == (KEY + ":owner", "hubspot", "task")
    assert task.payload["owner_id"] == "77" and task.payload["priority"] == "HIGH"
    assert task.payload["subject"] == "Llamar hoy a Carmen Vidal: valoró el servicio con un 1 de 5"
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
        "Pedir una reseña a Carmen Vidal: valoró el servicio con un 5 de 5"
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
    # Support reads the ticket: in the staff's language (es), saying the customer's.
    assert ticket.payload["subject"] == (
        "Recuperar a Emily Brooks: valoró el servicio como «mala» en Zendesk (ticket #102)"
    )
    # The ticket has no group: the rating's (Zendesk copies the ticket's when rated).
    assert ticket.payload["group_id"] == 3
    assert "Sus palabras: «Nobody called back»" in ticket.payload["body"]
    assert "Idioma del cliente: inglés." in ticket.payload["body"]


def test_staff_texts_are_in_the_staff_language_and_the_owners_task_in_the_customers(store):
    """DESIGN.md: customers get their own language, staff the configured one. The recovery
    ticket and the thank-you note are for support; the owner's task keeps Carmen's."""
    load(store, hubspot_invoice("9", amount="12000.00", invoice_date="2026-06-01"))
    answer(store, 1, "Fatal")
    ticket, task = plan(store, SETTLED, staff="en")
    assert ticket.payload["subject"] == (
        "Win back Carmen Vidal: they rated the service 1 out of 5 (ticket #101)"
    )
    assert "Customer value: €12,000.00 in the last 365 days" in ticket.payload["body"]
    assert "Customer's language: Spanish." in ticket.payload["body"]
    assert task.payload["subject"] == "Llamar hoy a Carmen Vidal: valoró el servicio con un 1 de 5"
    other = Survey(**{**SURVEY.__dict__, "key": "another service"})
    answer(store, 5, "Genial", survey=other)
    [note] = [a for a in plan(store, SETTLED, staff="en") if a.kind == "comment"]
    assert note.payload["body"].startswith("Well done! Carmen Vidal rated this service 5 out of 5")


def test_an_unhappy_answer_gets_only_the_unhappy_steps_and_plain_subjects(store):
    """Reviewer: "They left no comment." followed by steps for the happy case too, and
    «buena» (valoración de Zendesk) inside another pair of parentheses."""
    load(store, hubspot_invoice("9", amount="12000.00", invoice_date="2026-06-01"))
    answer(store, 1)
    ticket, task = plan(store, SETTLED)
    for action in (ticket, task):
        body = action.payload["body"]
        assert "No dejó comentario." in body
        assert "comentario incluido" not in body and "Si está contento" not in body
        assert "Llama cuanto antes: agradece la sinceridad" in body
        assert action.payload["subject"].count("(") <= 1


def test_a_valuable_english_customer_reads_the_value_in_their_currency(store):
    load(store,
         zendesk_user(user_id=502, email="liam@bluebird.example", locale="en-GB",
                      time_zone="Europe/London", name="Liam Cooper"),
         hubspot_object("company", "22", {"name": "Bluebird Café", "domain": "bluebird.example",
                                          "hubspot_owner_id": "78"}),
         hubspot_contact("12", email="liam@bluebird.example", companies=("22",),
                         firstname="Liam", lastname="Cooper", hs_language="en-gb"),
         hubspot_invoice("31", amount="15243.39", currency="GBP", invoice_date="2026-06-01",
                         companies=("22",)),
         zendesk_ticket(ticket_id=102, requester_id=502, status="solved", tags=()),
         zendesk_rating(rating_id=72, ticket_id=102, requester_id=502, score="bad", comment="",
                        created="2026-11-26T09:00:00Z"))  # fmt: skip
    ticket, task = plan(store, SETTLED)
    assert task.payload["subject"] == (
        'Call Liam Cooper today: they rated the service "bad" in Zendesk'
    )
    body = task.payload["body"]
    assert "a valuable customer (£15,243.39 in the last 365 days)" in body
    assert "They left no comment." in body and "If they are happy" not in body
    assert "Valor del cliente: 15.243,39\xa0GBP en los últimos 365 días" in ticket.payload["body"]


def test_an_evening_answer_is_a_call_first_thing_tomorrow(store):
    load(store, hubspot_invoice("9", amount="12000.00", invoice_date="2026-06-01"))
    answer(store, 1, at=ANSWERED + timedelta(hours=10))  # 20:00 in Madrid
    _, task = plan(store, SETTLED + timedelta(hours=10))
    assert task.payload["subject"].startswith("Llamar mañana a primera hora a Carmen Vidal: ")
    assert task.payload["due_at"] == "2026-11-27T09:00:00+01:00"
