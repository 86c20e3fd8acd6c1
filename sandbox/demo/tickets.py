"""A year of Zendesk tickets: named stories, a generated background, and today's complaints.

History is loaded through the model with past dates before any webhook exists, so it
reaches Momentos by the incremental export only. The background has the volume insights
need: the mobile app's share of tickets jumps from about 10% to about 40% after its
update (`UPDATE_DAYS_AGO`), while the other categories keep their volume; and the API's
share jumps since last week's webhook change (`SURGE_DAYS_AGO`).

Customers open most tickets themselves, by email or the web form (they are the submitter);
a phone call is logged by an agent for them (`voice`), which Momentos counts apart.
"""

import random
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sandbox.demo.background import APPS, background, surge
from sandbox.demo.people import People

APP_FIELD_ID = 360000000001
# Zendesk closes a solved ticket after 28 days at the latest.
CLOSED_AFTER = timedelta(days=28)
# Channels where the customer writes the ticket; on the others an agent opens it for them.
CUSTOMER_CHANNELS = frozenset({"email", "web"})


class Ticket(NamedTuple):
    contact: str  # a key of people.CONTACTS
    subject: str
    comment: str
    tags: list[str]
    app: str
    days_ago: int  # 0: today's, created after the webhook is installed
    solved_after: float | None = None  # days from opened to solved; None: still open
    rating: tuple[str, str] | None = None  # (good | bad, comment), a day after solved
    channel: str = "email"  # email, web: the customer wrote it; voice: an agent, on a call


# fmt: off
TICKETS = (
    Ticket("nuria", "Alta de la tienda y formación inicial",
           "Queremos empezar a usarlo la semana que viene.", ["web"], "web", 188, 2,
           ("good", "Muy buena formación, todo clarísimo."), channel="web"),
    Ticket("lupita", "Instalación del lector de tarjetas",
           "Compré el lector y necesito ayuda para instalarlo.", ["app_movil"], "app_movil", 182,
           1, ("good", "¡Excelente servicio, muy puntuales!"), channel="voice"),
    Ticket("tom", "Help setting up the card reader", "It won't pair with my phone.",
           ["app_movil"], "app_movil", 176, 1, channel="voice"),
    Ticket("margaret", "Invoice address still shows our old office",
           "We moved to Park Square in the summer.", ["facturacion"], "facturacion", 80, 2,
           ("good", "Very efficient, thank you.")),
    Ticket("rodrigo", "Nos cobraron dos veces la cuota de septiembre",
           "Aparecen dos cargos iguales en la tarjeta.", ["queja", "facturacion"],
           "facturacion", 70, 3, ("good", "Al final lo resolvieron bien, gracias."),
           channel="voice"),
    Ticket("antonio", "La factura de agosto tiene el IVA mal",
           "Nos habéis aplicado el 10% en vez del 21%.", ["facturacion"], "facturacion", 62, 2,
           ("bad", "Tardasteis tres semanas en corregir una factura y nadie avisó.")),
    Ticket("dan", "Barcode scanner not pairing with the app",
           "None of our scanners show up in the app.", ["app_movil"], "app_movil", 50, 5,
           ("bad", "Nobody called back as promised and we lost two days of picking.")),
    Ticket("lupe", "No puedo timbrar las facturas",
           "Me sale un error del SAT al timbrar.", ["facturacion"], "facturacion", 45, 1,
           ("good", "¡Gracias, quedó perfecto!"), channel="web"),
    Ticket("carmen", "¿Cómo descargo las facturas en PDF?", "No encuentro el botón de descarga.",
           ["facturacion"], "web", 40, 1, ("good", "Muy amables, me lo explicaron paso a paso."),
           channel="web"),
    Ticket("emily", "Tracking page shows the wrong time zone", "Deliveries show UTC times.",
           ["web"], "web", 35, 2, ("bad", "Took a week to fix and the times are still wrong.")),
    # The same question again and again, written by the customer each time: a repeat
    # request (four about billing within 30 days, the last yesterday: config/demo.yaml's
    # workflows.repeat_request).
    Ticket("rodrigo", "No encuentro el XML de la factura de octubre",
           "Solo puedo descargar el PDF.", ["facturacion"], "facturacion", 26, 1, channel="web"),
    Ticket("oliver", "Cannot log in on the mobile app", "It says my password is wrong.",
           ["app_movil"], "app_movil", 21, 1, ("good", "Sorted in ten minutes, cheers!"),
           channel="web"),
    Ticket("rodrigo", "Otra vez: el XML del CFDI no se descarga",
           "El botón de XML no hace nada.", ["facturacion"], "facturacion", 19, 1),
    Ticket("javier", "El cobro de septiembre llegó dos veces", "Nos han cobrado dos veces.",
           ["queja", "facturacion"], "web", 18, channel="voice"),
    Ticket("rodrigo", "Seguimos sin poder bajar los XML",
           "Lo necesitamos para la contabilidad.", ["facturacion"], "facturacion", 11, 1,
           channel="web"),
    Ticket("hannah", "How do I add a second user?", "We hired a designer.", ["cuentas"], "web", 9,
           1, ("good", "Clear answer, thank you.")),
    Ticket("rodrigo", "¿Dónde están los XML de noviembre?",
           "La contadora los pide cada mes.", ["facturacion"], "facturacion", 1),
    # Today's five complaints: the walking skeleton's five call tasks.
    Ticket("carmen", "La factura de octubre está duplicada y nadie me responde",
           "Llevo una semana esperando respuesta sobre la factura duplicada.",
           ["queja", "facturacion"], "web", 0),
    Ticket("emily", "Second delivery this month arrived damaged",
           "Two pallets arrived broken again. This is not acceptable.", ["complaint", "delivery"],
           "api", 0),
    Ticket("antonio", "El técnico no vino a la cita del martes",
           "Cerramos el taller para esperarle y nadie avisó.", ["queja", "servicio"],
           "app_movil", 0, channel="voice"),
    Ticket("marta", "La app se cierra al pagar",
           "Cada vez que intento pagar se cierra la aplicación.", ["queja", "app_movil"],
           "app_movil", 0, channel="web"),
    Ticket("oliver", "Still waiting on the refund you promised",
           "You promised a refund three weeks ago and nothing has arrived.",
           ["complaint", "billing"], "web", 0),
    Ticket("hannah", "Question about the new dashboard", "Where did the export button go?",
           ["web"], "web", 0, channel="web"),
)
# fmt: on


class Planned(NamedTuple):
    """A history ticket ready to load: its body, dates and rating."""

    created: datetime
    fields: dict[str, Any]
    solved: datetime | None
    rating: tuple[str, str | None, datetime] | None


def _status(solved: datetime | None, now: datetime) -> str:
    if solved is None:
        return "open"
    return "closed" if solved < now - CLOSED_AFTER else "solved"


def _fields(requester: int, subject: str, comment: str, tags, app: str,
            channel: str) -> dict[str, Any]:  # fmt: skip
    fields = {
        "subject": subject,
        "comment": {"body": comment, "public": True},
        "requester_id": requester,
        "tags": list(tags),
        "custom_fields": [{"id": APP_FIELD_ID, "value": app}],
        "via": {"channel": channel},
    }
    if channel in CUSTOMER_CHANNELS:
        fields["submitter_id"] = requester  # else the sandbox's agent submits it
    return fields


def _named(people: People, now: datetime) -> list[Planned]:
    planned = []
    for row in TICKETS:
        if row.days_ago == 0:
            continue
        created = now - timedelta(days=row.days_ago)
        solved = created + timedelta(days=row.solved_after) if row.solved_after else None
        fields = _fields(people.users[row.contact]["id"], row.subject, row.comment, row.tags,
                         row.app, row.channel)  # fmt: skip
        fields["status"] = _status(solved, now)
        rating = (*row.rating, solved + timedelta(days=1)) if row.rating and solved else None
        planned.append(Planned(created, fields, solved, rating))
    return planned


def _generated(people: People, now: datetime) -> list[Planned]:
    planned = []
    requesters = [*people.staff, *(people.users[key] for key in _company_contacts(people))]
    generated = [*background(random.Random(4), requesters, now), *surge(requesters, now)]
    for item in generated:
        fields = _fields(item.requester["id"], item.subject, item.comment, [item.app], item.app,
                         item.channel)  # fmt: skip
        fields["status"] = _status(item.solved, now)
        planned.append(Planned(item.created, fields, item.solved, item.rating))
    return planned


def _company_contacts(people: People) -> list[str]:
    """Contacts who work at a customer company (one-time customers write once only)."""
    return [key for key, user in people.users.items() if user["organization_id"]]


def create_app_field(state) -> None:
    options = [{"name": name, "value": value} for name, value in APPS]
    state.zendesk.create_ticket_field("App", "tagger", options, field_id=APP_FIELD_ID)


def load_history(state, people: People, now: datetime) -> int:
    """Every ticket before today, oldest first (ids grow with time, as in a real account)."""
    zendesk = state.zendesk
    planned = sorted([*_named(people, now), *_generated(people, now)], key=lambda p: p.created)
    for item in planned:
        ticket, _audit = zendesk.create_ticket_audited(item.fields, item.created,
                                                       item.solved or item.created)  # fmt: skip
        if item.rating:
            score, comment, when = item.rating
            zendesk.add_satisfaction_rating(ticket["id"], score, comment, created_at=when)
    return len(planned)


def open_today(state, people: People, now: datetime) -> int:
    today = [row for row in TICKETS if row.days_ago == 0]
    for minutes, row in enumerate(today, start=2):
        # A few minutes old, so the incremental export (which skips the last minute) has them.
        fields = _fields(people.users[row.contact]["id"], row.subject, row.comment, row.tags,
                         row.app, row.channel)  # fmt: skip
        state.zendesk.create_ticket(fields, created_at=now - timedelta(minutes=minutes))
    return len(today)
