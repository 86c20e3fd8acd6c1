"""The everyday support volume behind the named stories: a year of generated tickets.

A seeded generator, so the same clock gives the same tickets. About 60 tickets a month
until the mobile app's update, about 90 after it: the other categories keep their volume
and the app's tickets grow sixfold, so its share goes from ~10% to ~40%. That rise is three
months old, older than the weeks spike detection compares (momentos/insights/spikes.py), so
the spike Momentos finds today is a recent one: since the webhook change (`SURGE_DAYS_AGO`)
integrations fail and the API's share of requests jumps (`surge`). Most tickets are the
customers' own, by email or the web form; the rest are phone calls an agent logged for them,
which Momentos counts apart. Nothing here is tagged as a complaint. A year stays under
1,000 tickets, one page of Zendesk's incremental export, so a sync costs one request of
the ten a minute Zendesk allows.
"""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

# The App ticket field's options (name, tag value).
APPS = (("App Móvil", "app_movil"), ("Web", "web"), ("API", "api"), ("Facturación", "facturacion"))
UPDATE_DAYS_AGO = 91  # the mobile app's 4.0 release, about three months ago
SHARES = {  # per cent of each day's tickets, before and after the update
    "before": {"app_movil": 10, "web": 45, "facturacion": 27, "api": 18},
    "after": {"app_movil": 42, "web": 29, "facturacion": 17, "api": 12},
}
AFTER_VOLUME = 1.5  # the update's extra tickets on top of the usual volume
# How tickets arrive: written by the customer (email, the web form), or a phone call an
# agent logs for them (`voice`: the agent is the submitter). Drawn by a generator of its
# own, so the tickets themselves stay those of the seed.
CHANNELS = {"email": 45, "web": 25, "voice": 30}
CHANNEL_SEED = 5
# The webhook change, ten days ago: integrations break, and their developers write in.
SURGE_DAYS_AGO = 10
SURGE_DAILY = (2, 3)  # extra API tickets a day: shops sell, and integrations fail, at weekends too
SURGE_SEED = 9
RATED = 0.25  # share of solved tickets whose requester answers the CSAT survey
# A bad rating with a comment is a complaint. The last four weeks' complaints are the named
# ones only (tickets.py), which the walking skeleton and its backtest count exactly.
QUIET_COMPLAINTS = timedelta(days=30)

# (app, language) -> (subject, first comment) choices
SUBJECTS = {
    ("app_movil", "es"): (
        ("La app no sincroniza los pedidos", "Los pedidos del móvil no llegan a la web."),
        ("No me llegan las notificaciones", "Desde hace días no suena ningún aviso."),
        ("Error al iniciar sesión en la app", "Me dice que la contraseña es incorrecta."),
    ),
    ("app_movil", "en"): (
        ("App won't sync orders", "Orders taken on the phone never reach the web."),
        ("Push notifications stopped", "We get no alerts on our phones any more."),
        ("Can't log in on the app", "It says the password is wrong."),
    ),
    ("web", "es"): (
        ("No puedo exportar el informe mensual", "El botón de exportar no hace nada."),
        ("¿Cómo cambio mi contraseña?", "No encuentro la opción en el perfil."),
        ("La página de pedidos va muy lenta", "Tarda casi un minuto en cargar."),
    ),
    ("web", "en"): (
        ("Monthly report export fails", "The export button does nothing."),
        ("How do I reset my password?", "I can't find it in the profile page."),
        ("Orders page is very slow", "It takes almost a minute to load."),
    ),
    ("facturacion", "es"): (
        ("Necesito una copia de la factura", "La he perdido y la pide la gestoría."),
        ("Cambiar los datos fiscales", "Hemos cambiado de domicilio social."),
        ("¿Cuándo se cobra la cuota?", "Quiero saber qué día se pasa el recibo."),
    ),
    ("facturacion", "en"): (
        ("Need a copy of last month's invoice", "Our accountant is asking for it."),
        ("Update our billing address", "We moved offices."),
        ("VAT number missing on the invoice", "Please add it, we need it for our returns."),
    ),
    ("api", "es"): (
        ("Error 500 al llamar a la API de pedidos", "Falla desde esta mañana."),
        ("¿Cuál es el límite de peticiones de la API?", "Queremos sincronizar cada minuto."),
    ),
    ("api", "en"): (
        ("API returns 401 with a valid key", "The key works in the sandbox."),
        ("Webhook payloads missing the order id", "Since yesterday the field is empty."),
    ),
}
# What the update broke, in the words of the people it broke it for.
AFTER_UPDATE = {
    "es": (("La app se cierra desde la actualización", "Se cierra nada más abrirla."),
           ("Tras actualizar no se ven los pedidos", "La lista de pedidos sale vacía.")),
    "en": (("App crashes since the update", "It closes as soon as it opens."),
           ("Orders list empty after updating", "The app shows no orders at all.")),
}  # fmt: skip
SURGE = {
    "es": (("Los webhooks llegan sin el id del pedido", "Desde el cambio no viene el campo."),
           ("La integración con la tienda dejó de sincronizar", "No entra ningún pedido."),
           ("Error 400 en los webhooks de pedidos", "Nuestro servidor rechaza el nuevo formato.")),
    "en": (("Webhook payloads missing the order id", "Since the change the field is empty."),
           ("Our shop integration stopped syncing", "No orders come through at all."),
           ("Order webhooks fail signature checks", "Every delivery fails since the change.")),
}  # fmt: skip
COMMENTS = {
    ("good", "es"): ("¡Muy rápidos, gracias!", "Todo resuelto, un placer.", None, None),
    ("good", "en"): ("Quick and friendly, thanks!", "Sorted, thank you.", None, None),
    ("bad", "es"): ("Tardaron días en contestar.", "El problema sigue igual.", None),
    ("bad", "en"): ("Took days to get an answer.", "Still not fixed.", None),
}


class Generated(NamedTuple):
    created: datetime
    requester: dict[str, Any]
    subject: str
    comment: str
    app: str
    solved: datetime | None
    rating: tuple[str, str | None, datetime] | None
    channel: str


def _language(user: dict[str, Any]) -> str:
    return "es" if (user.get("locale") or "").startswith("es") else "en"


def _pick_app(rng: random.Random, period: str) -> str:
    shares = SHARES[period]
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _text(rng: random.Random, app: str, language: str, period: str) -> tuple[str, str]:
    choices = SUBJECTS[(app, language)]
    if app == "app_movil" and period == "after":
        choices = choices + AFTER_UPDATE[language] * 2
    return rng.choice(choices)


def _daily_count(rng: random.Random, day: datetime, period: str) -> int:
    usual = rng.randint(0, 1) if day.weekday() >= 5 else rng.randint(2, 3)
    return round(usual * (AFTER_VOLUME if period == "after" else 1))


def _rating(rng, solved: datetime, language: str, now: datetime):
    if rng.random() >= RATED:
        return None
    when = solved + timedelta(hours=rng.uniform(4, 30))
    if when >= now:
        return None
    score = "good" if rng.random() < 0.85 else "bad"
    comment = rng.choice(COMMENTS[(score, language)])
    if score == "bad" and when > now - QUIET_COMPLAINTS:
        comment = None
    return score, comment, when


def _times(rng: random.Random, day: datetime, now: datetime) -> tuple[datetime, datetime | None]:
    """Created in office hours, roughly (the day's start in UTC plus 7 to 19 hours), and
    solved 2 to 72 hours later, unless that is still to come."""
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    created = start + timedelta(hours=rng.uniform(7, 19))
    solved = created + timedelta(hours=rng.uniform(2, 72))
    return created, (solved if solved < now - timedelta(hours=1) else None)


def background(rng: random.Random, requesters: list[dict], now: datetime) -> Iterator[Generated]:
    """A year of tickets up to yesterday, day by day."""
    channels = random.Random(CHANNEL_SEED)
    for days_ago in range(365, 0, -1):
        day = now - timedelta(days=days_ago)
        period = "after" if days_ago <= UPDATE_DAYS_AGO else "before"
        for _ in range(_daily_count(rng, day, period)):
            requester = rng.choice(requesters)
            language = _language(requester)
            app = _pick_app(rng, period)
            subject, comment = _text(rng, app, language, period)
            created, solved = _times(rng, day, now)
            rating = _rating(rng, solved, language, now) if solved else None
            channel = channels.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            yield Generated(created, requester, subject, comment, app, solved, rating, channel)


def _in_turn(rng: random.Random, requesters: list[dict]) -> Iterator[dict]:
    """Someone from each customer in turn (a shuffled round), so that the problem reaches
    every customer before any of them writes about it again."""
    teams: dict[Any, list[dict]] = {}
    for requester in requesters:
        teams.setdefault(requester.get("organization_id") or requester["id"], []).append(requester)
    while True:
        order = sorted(teams, key=str)
        rng.shuffle(order)
        for team in order:
            yield rng.choice(teams[team])


def surge(requesters: list[dict], now: datetime) -> Iterator[Generated]:
    """The webhook change's tickets, on top of the usual ones: the customers' developers
    write in (email or the web form), nobody phones about a webhook."""
    rng = random.Random(SURGE_SEED)
    writers = _in_turn(rng, requesters)
    for days_ago in range(SURGE_DAYS_AGO, 0, -1):
        day = now - timedelta(days=days_ago)
        for _ in range(rng.randint(*SURGE_DAILY)):
            requester = next(writers)
            language = _language(requester)
            subject, comment = rng.choice(SURGE[language])
            created, solved = _times(rng, day, now)
            rating = _rating(rng, solved, language, now) if solved else None
            channel = rng.choice(("email", "web"))
            yield Generated(created, requester, subject, comment, "api", solved, rating, channel)
