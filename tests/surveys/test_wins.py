"""The wins feed: happy answers (ours and Zendesk's ratings), newest first, as they ended."""

from datetime import timedelta

from momentos.derive import derive_pending
from momentos.moments import RuleContext
from momentos.store import Store
from momentos.surveys.answers import record_answer
from momentos.surveys.tokens import Survey
from tests.factories import T0, zendesk_rating, zendesk_ticket, zendesk_user

CONTEXT = RuleContext(zendesk_url="https://acme.zendesk.com", complaint_tags=frozenset())
WINDOW = timedelta(minutes=30)


def survey(ticket: str, key: str) -> Survey:
    return Survey(key, None, ticket, ("zendesk", "user", "501"), "nps", "es")


def test_wins_are_happy_answers_with_who_said_what_about_which_ticket(tmp_path):
    store = Store(tmp_path / "m.db")
    agent = zendesk_user(user_id=9, email="ana@acme.example", name="Ana Agente")
    store.add_events(
        [
            zendesk_user(),
            agent,
            zendesk_ticket(ticket_id=101, status="solved", tags=()),
            zendesk_ticket(ticket_id=102, status="solved", tags=(), subject="Otra"),
            zendesk_rating(
                rating_id=71,
                score="good",
                comment="¡Genial!",
                ticket_id=102,
                created="2026-11-24T09:00:00Z",
            ),
        ],
        source="poll",
        received_at=T0,
    )
    record_answer(store, survey("101", "a"), 10, "  Muy rápidos  ", T0, WINDOW)
    # Happy at first, then changed to unhappy: not a win.
    record_answer(store, survey("101", "b"), 10, "", T0, WINDOW)
    record_answer(store, survey("101", "b"), 2, "Mal", T0 + timedelta(minutes=1), WINDOW)
    record_answer(store, survey("101", "c"), 8, "", T0, WINDOW)  # passive: not a win
    derive_pending(store, CONTEXT)
    wins = store.wins(10)
    customer = wins[0]["customer_id"]
    assert wins == [
        {
            "key": "survey_answered:zendesk:satisfaction_rating:71",
            "answered_at": "2026-11-24T09:00:00.000000+00:00",
            "customer_id": customer,
            "customer": "Carmen Vidal",
            "source": "zendesk",
            "scale": "zendesk_csat",
            "score": "good",
            "quote": "¡Genial!",
            "ticket_id": "102",
            "ticket_subject": "Otra",
            "ticket_url": "https://acme.zendesk.com/agent/tickets/102",
            "agent_id": "9",
            "agent": "Ana Agente",
        },
        {
            "key": f"survey_answered:momentos:survey_answer:{survey('101', 'a').id}",
            "answered_at": "2026-11-23T09:00:00.000000+00:00",
            "customer_id": customer,
            "customer": "Carmen Vidal",
            "source": "momentos",
            "scale": "nps",
            "score": 10,
            "quote": "Muy rápidos",
            "ticket_id": "101",
            "ticket_subject": "La factura está duplicada",
            "ticket_url": "https://acme.zendesk.com/agent/tickets/101",
            "agent_id": None,
            "agent": None,
        },
    ]
    assert store.wins(1) == wins[:1]
