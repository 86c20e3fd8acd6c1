"""One customer across both tools: link tool records by id, then email, then domain.

`match` is pure; `link_record` applies it inside the deriver's transaction. Free-mail
domains never link a company, and an ambiguous match is linked to a new customer and put
on the review list instead of being merged.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from momentos.model import Event
from momentos.store import Store

PERSON_TYPES = {("zendesk", "user"), ("hubspot", "contact")}
COMPANY_TYPES = {("zendesk", "organization"), ("hubspot", "company")}
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.es",
        "outlook.com",
        "outlook.es",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.es",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
    }
)


@dataclass(frozen=True)
class Match:
    customer_id: int | None
    matched_by: str
    ambiguous: tuple[int, ...] = ()


def business_domain(email_or_domain: str | None) -> str | None:
    """The company domain of an email or domain, or None for free mail."""
    if not email_or_domain:
        return None
    domain = email_or_domain.rsplit("@", 1)[-1].strip().lower().removeprefix("www.")
    return None if not domain or domain in FREE_MAIL_DOMAINS else domain


def identity_keys(event: Event) -> tuple[str | None, str | None]:
    """(email, company domain) that can link this record to others."""
    data = event.data
    if (event.tool, event.object_type) in PERSON_TYPES:
        email = (data.get("email") or "").lower() or None
        return email, business_domain(email)
    if event.object_type == "company":
        return None, business_domain(data.get("domain"))
    if event.object_type == "organization":
        domains = data.get("domain_names") or []
        return None, business_domain(domains[0]) if domains else None
    return None, None


def match(linked: int | None, by_email: set[int], by_domain: set[int]) -> Match:
    """Decide which customer a record belongs to; None means a new customer."""
    if linked is not None:
        return Match(linked, "id")
    for matched_by, candidates in (("email", by_email), ("domain", by_domain)):
        if len(candidates) == 1:
            return Match(next(iter(candidates)), matched_by)
        if len(candidates) > 1:
            return Match(None, matched_by, tuple(sorted(candidates)))
    return Match(None, "new")


def _profile(event: Event) -> dict[str, Any]:
    data = event.data
    locale = data.get("language") or (data.get("locale") or "")[:2] or None
    return {
        "name": data.get("name") or data.get("email") or "",
        "language": locale,
        "time_zone": data.get("time_zone"),
    }


def link_record(store: Store, event: Event, now: datetime) -> int | None:
    """Update the record and link it to a customer; returns the customer id."""
    is_person = (event.tool, event.object_type) in PERSON_TYPES
    if not is_person and (event.tool, event.object_type) not in COMPANY_TYPES:
        store.upsert_record(event, None, None)
        return None
    email, domain = identity_keys(event)
    if not store.upsert_record(event, email, domain):
        return store.customer_of(event.tool, event.object_type, event.object_id)
    me = (event.tool, event.object_type, event.object_id)

    def others(**key: str | None) -> set[int]:
        if not any(key.values()):
            return set()
        rows = store.records_matching(**key)
        return {
            r["customer_id"]
            for r in rows
            if r["customer_id"] and (r["tool"], r["object_type"], r["object_id"]) != me
        }

    decision = match(store.customer_of(*me), others(email=email), others(domain=domain))
    customer_id = decision.customer_id
    profile = _profile(event)
    if customer_id is None:
        customer_id = store.create_customer(email=email, domain=domain, now=now, **profile)
        if decision.ambiguous:
            store.add_review(
                *me,
                f"several customers share this {decision.matched_by}",
                list(decision.ambiguous),
                now,
            )
    else:
        store.update_customer(customer_id, email=email, domain=domain, **profile)
    store.link(*me, customer_id, decision.matched_by, now)
    store.adopt_moments(":".join(me), customer_id)
    return customer_id
