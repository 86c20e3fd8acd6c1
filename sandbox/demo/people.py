"""Who the demo company sells to: companies in Spain, Mexico, the UK and the US, their
contacts and staff, and a few one-time customers; in HubSpot and in Zendesk alike.

Every date is relative to the seed's clock (birthdays "in 3 days", a customer "for 4 years,
anniversary in 4 days"), so each run has moments in its own coming days; the same clock
gives the same records.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sandbox.demo.dates import date_of_birth, on_year
from sandbox.state import SandboxState

# region -> HubSpot hs_language, Zendesk locale, IANA timezone
REGIONS = {
    "ES": ("es", "es", "Europe/Madrid"),
    "MX": ("es-mx", "es", "America/Mexico_City"),
    "GB": ("en-gb", "en-GB", "Europe/London"),
    "US-E": ("en-us", "en-US", "America/New_York"),
    "US-C": ("en-us", "en-US", "America/Chicago"),
}
COUNTRIES = {"ES": "Spain", "MX": "Mexico", "GB": "United Kingdom", "US-E": "United States",
             "US-C": "United States"}  # fmt: skip
# Sofía first: config/demo.yaml names her id as the fallback owner.
OWNERS = (
    ("sofia.ruiz@momentos-demo.example", "Sofía", "Ruiz"),  # sales manager: the fallback owner
    ("lucia.martin@momentos-demo.example", "Lucía", "Martín"),
    ("james.carter@momentos-demo.example", "James", "Carter"),
    ("diego.hernandez@momentos-demo.example", "Diego", "Hernández"),
)
# The custom company property Momentos watches for usage drops (config/demo.yaml
# `moments.usage_property`): HubSpot has no product-usage date of its own.
USAGE_PROPERTY = "last_app_activity"


class Company(NamedTuple):
    key: str
    name: str
    domain: str
    region: str
    owner: int | None  # index in OWNERS; None: nobody owns the account (the fallback acts)
    # HubSpot's founded_year holds a year only, so anniversaries are round ones on the day
    # the company became a customer: `age` is how old it is on its next customer day,
    # `since` how long it has been a customer (years) and in how many days that day comes.
    age: int
    since: tuple[int, int]
    currency: str
    fee: int  # the monthly invoice (invoices.py varies it)
    quiet_days: int  # since the app was last used: over 30 is a usage drop


# key, name, domain / region, owner, age, since, currency, fee, quiet days
# fmt: off
COMPANIES = (
    Company("laespiga", "Panadería La Espiga", "laespiga.es",
            "ES", 1, 28, (6, 160), "EUR", 89, 1),
    Company("sonrisa", "Clínica Dental Sonrisa", "clinicasonrisa.es",
            "ES", 1, 15, (4, 4), "EUR", 149, 0),
    Company("northwind", "Northwind Logistics", "northwind-logistics.com",
            "US-E", 2, 20, (3, 9), "USD", 1200, 0),
    Company("bluebird", "Bluebird Café", "bluebirdcafe.co.uk",
            "GB", 2, 10, (2, 250), "GBP", 65, 38),
    Company("gil", "Talleres Hermanos Gil", "tallereshgil.es",
            "ES", None, 39, (5, 200), "EUR", 120, 45),
    Company("greenleaf", "Greenleaf Studio", "greenleafstudio.io",
            "GB", 2, 5, (1, 2), "GBP", 240, 3),
    Company("donalupe", "Tortillería Doña Lupe", "donalupe.mx",
            "MX", 3, 17, (3, 120), "USD", 75, 2),
    Company("bajio", "Farmacias del Bajío", "farmaciasdelbajio.mx",
            "MX", 3, 32, (2, 40), "USD", 640, 0),
    Company("prairie", "Prairie Goods Co.", "prairiegoods.com",
            "US-C", 2, 13, (4, 300), "USD", 310, 1),
    # Fifty tomorrow, on its customer day: within `days_before` (config/demo.yaml) wherever
    # the clock stands, in every timezone.
    Company("harbour", "Harbour & Finch Solicitors", "harbourfinch.co.uk",
            "GB", 2, 50, (7, 1), "GBP", 420, 5),
    Company("mirador", "Hotel Mirador de Gredos", "miradorgredos.es",
            "ES", 0, 23, (5, 60), "EUR", 390, 1),
    Company("montes", "Ferretería Montes", "ferreteriamontes.es",
            "ES", 1, 57, (8, 90), "EUR", 59, 6),
)
# fmt: on
# A Zendesk organization field with the whole founding date (config `moments.founding_field`):
# a yearly anniversary on that day, in so many days.
FOUNDING_DATES = {"montes": 11}


class Contact(NamedTuple):
    key: str
    first: str
    last: str
    email: str  # a local part at the company's domain, or a whole address
    company: str | None
    # (days until the birthday, birth year, how it was typed) or the text itself
    born: tuple[int, int, str] | str | None = None
    region: str | None = None  # for people without a company


# fmt: off
CONTACTS = (
    Contact("carmen", "Carmen", "Vidal", "carmen", "laespiga", (3, 1979, "dmy")),
    Contact("javier", "Javier", "Ortega", "javier.ortega", "sonrisa", (26, 1982, "iso")),
    Contact("emily", "Emily", "Brooks", "emily.brooks", "northwind", (5, 1985, "us")),
    Contact("oliver", "Oliver", "Hughes", "oliver", "bluebird", (12, 1990, "uk")),
    Contact("antonio", "Antonio", "Gil", "antonio", "gil"),
    Contact("hannah", "Hannah", "Price", "hannah", "greenleaf", (200, 1993, "uk")),
    Contact("marta", "Marta", "López", "marta.lopez.demo@gmail.com", None, (1, 1995, "es"), "ES"),
    Contact("lupe", "Guadalupe", "Sánchez", "lupe", "donalupe", (8, 1971, "es")),
    Contact("rodrigo", "Rodrigo", "Medina", "rodrigo.medina", "bajio"),
    # 29 February: greeted on the day `moments.feb29_policy` gives in common years.
    Contact("rosa", "Rosa", "Jiménez", "rosa.jimenez", "bajio", "29 de febrero de 1996"),
    Contact("dan", "Daniel", "Kowalski", "dan", "prairie", (19, 1977, "us")),
    Contact("margaret", "Margaret", "Finch", "m.finch", "harbour", (40, 1958, "dmy")),
    Contact("ines", "Inés", "Navarro", "ines", "mirador", (2, 1988, "dmy")),
    Contact("pablo", "Pablo", "Montes", "pablo", "montes"),
    # One-time customers: one service about six months ago, nothing since (tickets.py).
    Contact("lupita", "Lupita", "Ramos", "lupita.ramos@outlook.com", None, None, "MX"),
    Contact("tom", "Tom", "Becker", "tom.becker@gmail.com", None, None, "US-C"),
    Contact("nuria", "Nuria", "Campos", "nuria.campos@gmail.com", None, None, "ES"),
)
# fmt: on
ONE_TIME = ("lupita", "tom", "nuria")
# People without a company are followed by their region's rep (index in OWNERS); Marta by
# nobody, so the fallback owner acts. Company people go with their company's owner.
CONTACT_OWNERS = {"lupita": 3, "tom": 2, "nuria": 1}
# Zendesk user fields (config `moments.birthday_field`): a birthday known only to Zendesk,
# (days until it, birth year).
ZENDESK_BIRTHDAYS = {"lupita": (15, 1990)}

# Staff who write to support but are no CRM contacts: most of the ticket volume.
STAFF_PER_COMPANY = 4
FIRST_NAMES = {
    "es": ("Lucas", "Elena", "Mateo", "Sara", "Álvaro", "Paula", "Hugo", "Irene", "Adrián",
           "Claudia", "Sergio", "Noelia", "Raúl"),
    "en": ("Jack", "Sophie", "Ethan", "Chloe", "Ryan", "Megan", "Liam", "Grace", "Noah",
           "Olivia", "Lewis", "Amelia", "Mason"),
}  # fmt: skip
LAST_NAMES = {
    "es": ("García", "Fernández", "Moreno", "Romero", "Torres", "Castillo", "Herrera",
           "Vargas", "Rojas", "Molina", "Serrano"),
    "en": ("Taylor", "Walker", "Wright", "Green", "Baker", "Turner", "Collins", "Parker",
           "Evans", "Bennett", "Cooper"),
}  # fmt: skip


@dataclass
class People:
    """What the rest of the seed needs: records by key."""

    owners: list[dict[str, Any]] = field(default_factory=list)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)  # HubSpot
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # HubSpot
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # Zendesk, contacts' keys
    staff: list[dict[str, Any]] = field(default_factory=list)  # Zendesk, with a company


def company(key: str) -> Company:
    return next(c for c in COMPANIES if c.key == key)


def region_of(contact: Contact) -> str:
    return company(contact.company).region if contact.company else contact.region or "ES"


def email_of(contact: Contact) -> str:
    local = contact.email
    return local if "@" in local else f"{local}@{company(contact.company).domain}"


def customer_since(row: Company, now: datetime) -> datetime:
    """When the company became a customer: `since` years before its next customer day."""
    years, days = row.since
    ahead = now + timedelta(days=days)
    day = on_year(ahead.date(), ahead.year - years)
    return ahead.replace(year=day.year, month=day.month, day=day.day)


def contact_since(contact: Contact, now: datetime) -> datetime:
    if contact.company:
        return customer_since(company(contact.company), now)
    # One-time customers came for their one service; others have bought now and then.
    return now - timedelta(days=200 if contact.key in ONE_TIME else 400)


def founded_year(row: Company, now: datetime) -> int:
    return (now + timedelta(days=row.since[1])).year - row.age


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _staff_names(index: int, language: str) -> list[tuple[str, str]]:
    """Deterministic, distinct names for a company's staff."""
    firsts, lasts = FIRST_NAMES[language], LAST_NAMES[language]
    return [(firsts[(index * 3 + j) % len(firsts)], lasts[(index * 5 + j * 2) % len(lasts)])
            for j in range(STAFF_PER_COMPANY)]  # fmt: skip


def _hubspot(state: SandboxState, now: datetime, people: People) -> None:
    hubspot, today = state.hubspot, now.date()
    people.owners = [hubspot.create_owner(email, first, last) for email, first, last in OWNERS]
    hubspot.create_property("companies", {
        "name": USAGE_PROPERTY, "label": "Last app activity", "type": "date",
        "fieldType": "date", "groupName": "companyinformation",
        "description": "Day the customer last used the app (set by the product).",
    })  # fmt: skip
    for row in COMPANIES:
        properties = {
            "name": row.name,
            "domain": row.domain,
            "founded_year": str(founded_year(row, now)),
            "country": COUNTRIES[row.region],
            USAGE_PROPERTY: (today - timedelta(days=row.quiet_days)).isoformat(),
        }
        if row.owner is not None:
            properties["hubspot_owner_id"] = people.owners[row.owner]["id"]
        since = customer_since(row, now)
        people.companies[row.key] = hubspot.create_object("companies", properties,
                                                          created_at=since)  # fmt: skip
    for contact in CONTACTS:
        properties = {
            "firstname": contact.first,
            "lastname": contact.last,
            "email": email_of(contact),
            "hs_language": REGIONS[region_of(contact)][0],
        }
        born = date_of_birth(contact.born, today)
        if born:
            properties["date_of_birth"] = born
        if contact.key in CONTACT_OWNERS:
            properties["hubspot_owner_id"] = people.owners[CONTACT_OWNERS[contact.key]]["id"]
        links = (
            [("companies", people.companies[contact.company]["id"], 1)] if contact.company else []
        )
        people.contacts[contact.key] = hubspot.create_object(
            "contacts", properties, links, created_at=contact_since(contact, now)
        )


def _zendesk(state: SandboxState, now: datetime, people: People) -> None:
    zendesk, today = state.zendesk, now.date()
    organizations = {}
    for index, row in enumerate(COMPANIES):
        fields = {}
        if row.key in FOUNDING_DATES:
            day = today + timedelta(days=FOUNDING_DATES[row.key])
            fields["founding_date"] = on_year(day, founded_year(row, now)).isoformat()
        since = customer_since(row, now)
        organizations[row.key] = zendesk.create_organization(row.name, [row.domain], fields,
                                                             created_at=since)  # fmt: skip
        language = REGIONS[row.region][0][:2]
        for first, last in _staff_names(index, language):
            people.staff.append(_user(zendesk, f"{first} {last}",
                                      f"{_ascii(first)}.{_ascii(last)}@{row.domain}", row.region,
                                      organizations[row.key]["id"], since))  # fmt: skip
    for contact in CONTACTS:
        fields = {}
        if contact.key in ZENDESK_BIRTHDAYS:
            days, year = ZENDESK_BIRTHDAYS[contact.key]
            fields["birthday"] = on_year(today + timedelta(days=days), year).isoformat()
        org = organizations[contact.company]["id"] if contact.company else None
        people.users[contact.key] = _user(zendesk, f"{contact.first} {contact.last}",
                                          email_of(contact), region_of(contact), org,
                                          contact_since(contact, now), fields)  # fmt: skip


def _user(zendesk, name, email, region, org_id, since, fields=None) -> dict[str, Any]:
    _, locale, time_zone = REGIONS[region]
    return zendesk.create_user(name, email, locale=locale, time_zone=time_zone,
                               organization_id=org_id, user_fields=fields,
                               created_at=since)  # fmt: skip


def seed_people(state: SandboxState, now: datetime) -> People:
    people = People()
    _hubspot(state, now, people)
    _zendesk(state, now, people)
    return people
