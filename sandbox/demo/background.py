"""The everyday support volume behind the named stories: a year of generated tickets.

A seeded generator, so the same clock gives the same tickets. About 60 tickets a month
until the mobile app's update, about 90 after it: the other categories keep their volume
and the app's tickets grow sixfold, so its share goes from ~10% to ~40%, which is what
the spike analysis should find. Nothing here is tagged as a complaint. A year stays under
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


def background(rng: random.Random, requesters: list[dict], now: datetime) -> Iterator[Generated]:
    """A year of tickets up to yesterday, day by day."""
    for days_ago in range(365, 0, -1):
        day = now - timedelta(days=days_ago)
        period = "after" if days_ago <= UPDATE_DAYS_AGO else "before"
        for _ in range(_daily_count(rng, day, period)):
            requester = rng.choice(requesters)
            language = _language(requester)
            app = _pick_app(rng, period)
            subject, comment = _text(rng, app, language, period)
            # Office hours, roughly: the day's start in UTC plus 7 to 19 hours.
            start = day.replace(hour=0, minute=0, second=0, microsecond=0)
            created = start + timedelta(hours=rng.uniform(7, 19))
            solved = created + timedelta(hours=rng.uniform(2, 72))
            if solved >= now - timedelta(hours=1):
                solved = None
            rating = _rating(rng, solved, language, now) if solved else None
            yield Generated(created, requester, subject, comment, app, solved, rating)
