"""`seed size N`: a Zendesk account with N generated tickets, for load and spike tests.

Tickets go into columns (`sandbox/zendesk/generated.py`), so a million cost tens of
megabytes; their requesters are real user records from a modest pool. A custom drop-down,
"App", says which part of the product a ticket is about, and its mix shifts at `shift_at`
(by default a week before `end`) so that spike detection has something to find.
"""

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sandbox.state import SandboxState

APP_FIELD_TITLE = "App"
APP_NAMES = {
    "web": "Web",
    "ios": "iOS app",
    "android": "Android app",
    "billing": "Billing",
    "api": "API",
}
MIX = {"web": 0.35, "ios": 0.2, "android": 0.2, "billing": 0.15, "api": 0.1}
# After the shift the Android app draws twice its share: the spike to detect.
SHIFTED_MIX = {"web": 0.25, "ios": 0.15, "android": 0.42, "billing": 0.11, "api": 0.07}
SHIFT_BEFORE_END = timedelta(days=7)
SUBJECTS = {
    "web": [
        ["No puedo iniciar sesión en la web", "La página de acceso vuelve a pedirme la clave."],
        ["Dashboard loads forever", "The dashboard spinner never stops since this morning."],
        ["Error al exportar el informe", "El botón de exportar a Excel no hace nada."],
    ],
    "ios": [
        ["La app de iPhone se cierra sola", "Se cierra al abrir la pestaña de pedidos."],
        ["Push notifications stopped", "I no longer get notifications on my iPhone."],
    ],
    "android": [
        ["La app de Android no sincroniza", "Los pedidos nuevos no aparecen en el móvil."],
        ["Android app crashes on start", "It closes right after the splash screen."],
        ["Cannot upload photos on Android", "The upload spins and then fails."],
    ],
    "billing": [
        ["Factura duplicada", "Me habéis cobrado dos veces este mes."],
        ["Update my VAT number", "Please put our new VAT number on the invoices."],
    ],
    "api": [
        ["API returns 500 on /orders", "Our integration gets 500 errors since yesterday."],
        ["Límite de peticiones de la API", "Recibimos 429 con muy poco tráfico."],
    ],
}
REPLY = "Thanks for writing to us. We have looked into it and it should be fixed now."
RATING_COMMENTS = {
    "good": ["Great, thanks!", "Muy rápidos, gracias.", "Problem solved in minutes."],
    "bad": ["Took days to get an answer.", "Sigue sin funcionar.", "Nobody read my message."],
}
FIRST_NAMES = ("Ana", "Luis", "Marta", "Jorge", "Emily", "Oliver", "Lucía", "Hannah", "Pablo")
LAST_NAMES = ("García", "Smith", "López", "Brown", "Martín", "Wilson", "Ruiz", "Taylor")
AGENT_COUNT = 8
SUPPORT_GROUP_ID = 360000000201
MAX_REQUESTERS = 5000


def pool_size(tickets: int) -> int:
    """Requesters: about one per 200 tickets, at least 20 and at most 5000."""
    return max(20, min(MAX_REQUESTERS, tickets // 200))


def _people(state: SandboxState, count: int, since: datetime, rng: random.Random) -> list[dict]:
    """`count` end users in organizations of about ten, Spanish or English speaking."""
    zendesk = state.zendesk
    organizations = [
        zendesk.create_organization(
            f"Customer {n:04d}", [f"customer{n:04d}.example"], created_at=since
        )
        for n in range(max(1, count // 10))
    ]
    users = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = organizations[n % len(organizations)]
        spanish = rng.random() < 0.5
        users.append(
            zendesk.create_user(
                f"{first} {last}",
                f"user{n:05d}@{org['domain_names'][0]}",
                locale="es" if spanish else "en-US",
                time_zone="Europe/Madrid" if spanish else "Europe/London",
                organization_id=org["id"],
                created_at=since,
            )
        )
    return users


def _agents(state: SandboxState, since: datetime) -> list[dict]:
    return [
        state.zendesk.create_user(
            f"Agent {n + 1}", f"agent{n + 1}@momentos-demo.example", role="agent", created_at=since
        )
        for n in range(AGENT_COUNT)
    ]


def seed_size(
    state: SandboxState,
    n: int,
    *,
    start: datetime,
    end: datetime,
    seed: int = 0,
    shift_at: datetime | None = None,
    mix: Mapping[str, float] = MIX,
    shifted_mix: Mapping[str, float] = SHIFTED_MIX,
) -> dict[str, Any]:
    """Add `n` deterministic tickets created over [start, end) to the Zendesk account."""
    if n < 0 or end <= start:
        raise ValueError("seed size needs n >= 0 and start < end")
    unknown = sorted((set(mix) | set(shifted_mix)) - set(APP_NAMES))
    if unknown:
        raise ValueError(f"unknown apps {unknown}; known: {sorted(APP_NAMES)}")
    if sum(mix.values()) <= 0 or sum(shifted_mix.values()) <= 0:
        raise ValueError("each app mix needs a positive weight")
    rng = random.Random(seed)
    # People exist before their first ticket, as in an account that has been running.
    since = start - timedelta(days=30)
    users = _people(state, pool_size(n), since, rng)
    agents = _agents(state, since)
    options = [{"name": name, "value": value} for value, name in APP_NAMES.items()]
    field = state.zendesk.create_ticket_field(APP_FIELD_TITLE, "tagger", options)
    shift = shift_at or end - SHIFT_BEFORE_END
    state.zendesk.generate_tickets(
        count=n,
        start=int(start.timestamp()),
        end=int(end.timestamp()),
        seed=seed,
        requesters=[user["id"] for user in users],
        organizations=[user["organization_id"] for user in users],
        agents=[agent["id"] for agent in agents],
        group_id=SUPPORT_GROUP_ID,
        field_id=field["id"],
        mix={app: mix.get(app, 0.0) for app in APP_NAMES},
        shifted_mix={app: shifted_mix.get(app, 0.0) for app in APP_NAMES},
        shift_at=int(shift.timestamp()),
        subjects=SUBJECTS,
        reply=REPLY,
        rating_comments=RATING_COMMENTS,
    )
    return {
        "tickets": n,
        "users": len(users),
        "agents": len(agents),
        "organizations": len({user["organization_id"] for user in users}),
        "app_field_id": field["id"],
    }
