"""The whole loop on real sockets: a solved ticket in the sandbox, the survey by SMTP, the
customer's answer on the page over HTTP, and the follow-up back in the sandbox's Zendesk."""

from datetime import timedelta

import pytest
import requests

from momentos.surveys.tokens import survey_id

pytestmark = pytest.mark.integration
TIMEOUT = 10


def solved_ticket(sandbox, name, email, locale, time_zone, subject) -> dict:
    """A customer whose ticket an agent solved four days ago, in group 3."""
    zendesk, now = sandbox.state.zendesk, sandbox.state.clock.now()
    user = zendesk.create_user(
        name, email, locale=locale, time_zone=time_zone, created_at=now - timedelta(days=90)
    )
    fields = {
        "subject": subject,
        "comment": {"body": "Help", "public": True},
        "requester_id": user["id"],
        "status": "solved",
        "group_id": 3,
    }
    ticket, _audit = zendesk.create_ticket_audited(
        fields, now - timedelta(days=5), now - timedelta(days=4)
    )
    return ticket


def mailbox(sandbox) -> list[dict]:
    response = requests.get(f"{sandbox.url}/_sandbox/mail", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def link_to(mail: list[dict], address: str) -> str:
    message = next(m for m in mail if m["to"] == [address])
    return next(word for word in message["text"].split() if "/survey/" in word)


def test_surveys_answers_and_follow_ups_close_the_loop_once(survey_live):
    engine, sandbox = survey_live
    carmen = solved_ticket(
        sandbox,
        "Carmen Vidal",
        "carmen@laespiga.es",
        "es",
        "Europe/Madrid",
        "La factura está duplicada",
    )
    emily = solved_ticket(
        sandbox,
        "Emily Brooks",
        "emily@northwind.example",
        "en-US",
        "America/New_York",
        "Tracking page is wrong",
    )
    engine.sync("zendesk")
    engine.process()

    mail = mailbox(sandbox)
    assert sorted((m["to"][0], m["subject"]) for m in mail) == [
        ("carmen@laespiga.es", "Carmen, ¿quedó todo bien?"),
        ("emily@northwind.example", "Emily, did everything go well?"),
    ]
    assert all(m["html"] and m["text"] for m in mail)

    # Each customer opens the link from the email and sends the form.
    for address, score, words in (
        ("carmen@laespiga.es", 1, "Nadie me avisó de nada."),
        ("emily@northwind.example", 5, "Fixed in an hour!"),
    ):
        link = link_to(mail, address)
        assert requests.get(link, timeout=TIMEOUT).status_code == 200
        thanks = requests.post(link, data={"score": score, "comment": words}, timeout=TIMEOUT)
        assert thanks.status_code == 200 and thanks.history[0].status_code == 303
    engine.process()

    # Carmen: a recovery ticket, for the original ticket's group, linked to it.
    survey_key = f"post_service_survey:service_completed:zendesk:ticket:{carmen['id']}"
    key = f"survey_followup:survey_answered:momentos:survey_answer:{survey_id(survey_key)}"
    [recovery] = sandbox.state.zendesk.tickets_by_external_id(f"momentos:{key}")
    assert recovery["priority"] == "high" and recovery["group_id"] == 3
    assert set(recovery["tags"]) == {
        "momentos",
        "survey_recovery",
        f"original_ticket_{carmen['id']}",
    }
    assert (
        recovery["subject"]
        == f"Recuperar a Carmen Vidal: valoró el servicio con un 1 de 5 (ticket #{carmen['id']})"
    )
    assert "Sus palabras: «Nadie me avisó de nada.»" in recovery["description"]
    assert f"/agent/tickets/{carmen['id']}" in recovery["description"]

    # Emily: an internal note on her own ticket, findable by its key in the audit.
    survey_key = f"post_service_survey:service_completed:zendesk:ticket:{emily['id']}"
    key = f"survey_followup:survey_answered:momentos:survey_answer:{survey_id(survey_key)}"
    [audit] = [
        a
        for a in sandbox.state.zendesk.ticket_audits(emily["id"])
        if (a.get("metadata") or {}).get("custom", {}).get("momentos_key") == key
    ]
    [note] = [e for e in audit["events"] if e["type"] == "Comment"]
    assert note["public"] is False
    # An internal note: in the staff's language (default_language: es), not Emily's.
    assert note["body"].startswith(
        "¡Enhorabuena! Emily Brooks ha valorado este servicio con 5 de 5 (CSAT)."
    )
    assert "Sus palabras: «Fixed in an hour!»" in note["body"]

    # Again and again: the same answer sent twice, more cycles, nothing new anywhere.
    tickets = len(sandbox.state.zendesk.dump()["tickets"])
    again = requests.post(link_to(mail, "carmen@laespiga.es"), data={"score": 5}, timeout=TIMEOUT)
    assert again.status_code == 409
    engine.sync("zendesk")
    engine.process()
    engine.process()
    assert len(mailbox(sandbox)) == 2
    assert len(sandbox.state.zendesk.dump()["tickets"]) == tickets
    mine = [a for a in engine.store.actions() if a["workflow"] != "complaint_followup"]
    assert sorted((a["workflow"], a["kind"], a["state"]) for a in mine) == [
        ("post_service_survey", "survey", "done"),
        ("post_service_survey", "survey", "done"),
        ("survey_followup", "comment", "done"),
        ("survey_followup", "ticket", "done"),
    ]

    wins = engine.store.wins(10)
    assert [(w["customer"], w["quote"], w["ticket_id"]) for w in wins] == [
        ("Emily Brooks", "Fixed in an hour!", str(emily["id"]))
    ]
