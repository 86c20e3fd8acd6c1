"""A real Zendesk client library (zenpy) works against the sandbox unchanged.

zenpy always builds `https://{subdomain}.{domain}`; its own ZENPY_FORCE_SCHEME and
ZENPY_FORCE_NETLOC variables redirect it, which is how it is pointed at the sandbox.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User
from zenpy.lib.exception import RecordNotFoundException


@pytest.fixture
def zenpy(sandbox, monkeypatch):
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", urlsplit(sandbox.url).netloc)
    settings = sandbox.state.settings
    return Zenpy(
        subdomain=settings.zendesk_subdomain,
        email=settings.zendesk_agent_email,
        token=settings.zendesk_api_token,
        disable_cache=True,
    )


def test_zenpy_creates_and_shows_a_ticket(zenpy):
    ticket = Ticket(
        subject="From zenpy",
        comment=Comment(body="Hello", public=False),
        requester=User(name="Ana", email="ana@example.com"),
        tags=["momentos"],
        external_id="momentos:z1",
    )
    audit = zenpy.tickets.create(ticket)
    assert audit.ticket.id >= 1000 and audit.audit.ticket_id == audit.ticket.id
    shown = zenpy.tickets(id=audit.ticket.id)
    assert (shown.subject, shown.description, shown.tags) == ("From zenpy", "Hello", ["momentos"])
    assert shown.requester.email == "ana@example.com"
    with pytest.raises(RecordNotFoundException):
        zenpy.tickets(id=1)


def test_zenpy_reads_the_cursor_export(sandbox, zenpy):
    for n in range(3):
        zenpy.tickets.create(Ticket(subject=f"t{n}", comment=Comment(body="x")))
    sandbox.state.clock.offset += timedelta(seconds=61)
    exported = zenpy.tickets.incremental(start_time=0, paginate_by_time=False)
    assert [t.subject for t in exported] == ["t0", "t1", "t2"]
    assert exported.end_of_stream is True and exported.after_cursor


def test_zenpy_searches_users_by_email_and_tickets_after_indexing(sandbox, zenpy):
    audit = zenpy.tickets.create(
        Ticket(
            comment=Comment(body="x"),
            external_id="momentos:s1",
            requester=User(name="Bo", email="bo@example.com"),
        )
    )
    users = list(zenpy.users.search(query="bo@example.com"))
    assert [u.id for u in users] == [audit.ticket.requester_id]
    assert list(zenpy.search(type="ticket", external_id="momentos:s1")) == []  # not indexed yet
    lag = sandbox.state.settings.zendesk_search_lag_seconds
    sandbox.state.clock.offset += timedelta(seconds=lag + 1)
    found = list(zenpy.search(type="ticket", external_id="momentos:s1"))
    assert [t.id for t in found] == [audit.ticket.id]


def test_zenpy_reads_ratings_ticket_fields_and_triggers(sandbox, zenpy):
    desk = sandbox.state.zendesk
    ticket = desk.create_ticket({"comment": {"body": "x"}, "status": "solved"})
    made = desk.add_satisfaction_rating(ticket["id"], "good", comment="thanks")
    listed = list(zenpy.satisfaction_ratings())
    assert [(r.id, r.score, r.comment) for r in listed] == [(made["id"], "good", "thanks")]
    field = desk.create_ticket_field("App", "dropdown", [{"name": "Web", "value": "web"}])
    assert field["id"] in [f.id for f in zenpy.ticket_fields()]
    assert list(zenpy.triggers()) == []
