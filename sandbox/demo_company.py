"""The demo company: customers in Spanish and English who live the moments of truth.

Deterministic: the same seed gives the same records, so a demo run can be compared with
the last one. History is loaded first; the webhook to Momentos is installed next; today's
tickets come last, so they reach Momentos both by webhook and by the incremental export.
"""

from datetime import timedelta
from typing import Any

from sandbox.state import SandboxState

APP_FIELD_ID = 360000000001
OWNERS = (
    ("sofia.ruiz@momentos-demo.example", "Sofía", "Ruiz"),  # sales manager: the fallback owner
    ("lucia.martin@momentos-demo.example", "Lucía", "Martín"),
    ("james.carter@momentos-demo.example", "James", "Carter"),
)
# name, domain, owner index (None: no owner), founded year, language, timezone
COMPANIES = (
    ("Panadería La Espiga", "laespiga.es", 1, "1998", "es", "Europe/Madrid"),
    ("Clínica Dental Sonrisa", "clinicasonrisa.es", 1, "2011", "es", "Europe/Madrid"),
    ("Northwind Logistics", "northwind-logistics.com", 2, "2006", "en", "America/New_York"),
    ("Bluebird Café", "bluebirdcafe.co.uk", 2, "2016", "en", "Europe/London"),
    ("Talleres Hermanos Gil", "tallereshgil.es", None, "1987", "es", "Europe/Madrid"),
    ("Greenleaf Studio", "greenleafstudio.io", 2, "2021", "en", "Europe/London"),
)
# first name, last name, email local part or full email, company index (None: none)
CONTACTS = (
    ("Carmen", "Vidal", "carmen", 0),
    ("Javier", "Ortega", "javier.ortega", 1),
    ("Emily", "Brooks", "emily.brooks", 2),
    ("Oliver", "Hughes", "oliver", 3),
    ("Antonio", "Gil", "antonio", 4),
    ("Hannah", "Price", "hannah", 5),
    ("Marta", "López", "marta.lopez.demo@gmail.com", None),
)
# contact index, subject, first comment, tags, app, days ago (0 = today, live)
TICKETS = (
    (
        0,
        "¿Cómo descargo las facturas en PDF?",
        "No encuentro el botón de descarga.",
        ["facturacion"],
        "web",
        40,
    ),
    (
        2,
        "Tracking page shows the wrong time zone",
        "Deliveries show UTC times.",
        ["web"],
        "web",
        35,
    ),
    (
        3,
        "Cannot log in on the mobile app",
        "It says my password is wrong.",
        ["app_movil"],
        "app_movil",
        21,
    ),
    (
        1,
        "El cobro de septiembre llegó dos veces",
        "Nos han cobrado dos veces.",
        ["queja", "facturacion"],
        "web",
        18,
    ),
    (5, "How do I add a second user?", "We hired a designer.", ["cuentas"], "web", 9),
    (
        0,
        "La factura de octubre está duplicada y nadie me responde",
        "Llevo una semana esperando respuesta sobre la factura duplicada.",
        ["queja", "facturacion"],
        "web",
        0,
    ),
    (
        2,
        "Second delivery this month arrived damaged",
        "Two pallets arrived broken again. This is not acceptable.",
        ["complaint", "delivery"],
        "api",
        0,
    ),
    (
        4,
        "El técnico no vino a la cita del martes",
        "Cerramos el taller para esperarle y nadie avisó.",
        ["queja", "servicio"],
        "app_movil",
        0,
    ),
    (
        6,
        "La app se cierra al pagar",
        "Cada vez que intento pagar se cierra la aplicación.",
        ["queja", "app_movil"],
        "app_movil",
        0,
    ),
    (
        3,
        "Still waiting on the refund you promised",
        "You promised a refund three weeks ago and nothing has arrived.",
        ["complaint", "billing"],
        "web",
        0,
    ),
    (5, "Question about the new dashboard", "Where did the export button go?", ["web"], "web", 0),
)


def _email(local: str, company: int | None) -> str:
    return local if "@" in local else f"{local}@{COMPANIES[company][1]}"


def _seed_hubspot(state: SandboxState, since) -> tuple[list[dict], list[dict]]:
    hubspot = state.hubspot
    owners = [hubspot.create_owner(email, first, last) for email, first, last in OWNERS]
    companies = []
    for name, domain, owner, founded, _language, _tz in COMPANIES:
        properties = {"name": name, "domain": domain, "founded_year": founded}
        if owner is not None:
            properties["hubspot_owner_id"] = owners[owner]["id"]
        companies.append(hubspot.create_object("companies", properties, created_at=since))
    contacts = []
    for first, last, local, company in CONTACTS:
        language = COMPANIES[company][4] if company is not None else "es"
        properties = {
            "firstname": first,
            "lastname": last,
            "email": _email(local, company),
            "hs_language": language,
        }
        associations = [("companies", companies[company]["id"], 1)] if company is not None else []
        contacts.append(
            hubspot.create_object("contacts", properties, associations, created_at=since)
        )
    return owners, contacts


def _seed_zendesk_people(state: SandboxState, since) -> list[dict]:
    zendesk = state.zendesk
    organizations = [
        zendesk.create_organization(name, [domain], created_at=since)
        for name, domain, *_ in COMPANIES
    ]
    users = []
    for first, last, local, company in CONTACTS:
        language, time_zone = (
            ("es", "Europe/Madrid") if company is None else COMPANIES[company][4:6]
        )
        users.append(
            zendesk.create_user(
                f"{first} {last}",
                _email(local, company),
                locale="es" if language == "es" else "en-US",
                time_zone=time_zone,
                organization_id=organizations[company]["id"] if company is not None else None,
                created_at=since,
            )
        )
    return users


def _ticket_fields(users: list[dict], row: tuple) -> dict[str, Any]:
    contact, subject, comment, tags, app, _days = row
    return {
        "subject": subject,
        "comment": {"body": comment, "public": True},
        "requester_id": users[contact]["id"],
        "tags": tags,
        "custom_fields": [{"id": APP_FIELD_ID, "value": app}],
    }


def seed_demo(state: SandboxState) -> dict[str, int]:
    now = state.clock.now()
    # Customers for about a year: their records are old enough for every index and export.
    since = now - timedelta(days=365)
    owners, contacts = _seed_hubspot(state, since)
    users = _seed_zendesk_people(state, since)
    history = [row for row in TICKETS if row[5] > 0]
    today = [row for row in TICKETS if row[5] == 0]
    for row in history:
        state.zendesk.create_ticket(
            _ticket_fields(users, row), created_at=now - timedelta(days=row[5])
        )
    settings = state.settings
    if settings.momentos_url:
        state.zendesk.create_webhook(
            "Momentos",
            settings.momentos_url.rstrip("/") + "/webhooks/zendesk",
            ["zen:event-type:ticket.created"],
            signing_secret=settings.zendesk_webhook_secret,
        )
    for minutes, row in enumerate(today, start=2):
        # A few minutes old, so the incremental export (which skips the last minute) has them.
        state.zendesk.create_ticket(
            _ticket_fields(users, row), created_at=now - timedelta(minutes=minutes)
        )
    return {
        "owners": len(owners),
        "contacts": len(contacts),
        "users": len(users),
        "tickets": len(TICKETS),
        "companies": len(COMPANIES),
    }
