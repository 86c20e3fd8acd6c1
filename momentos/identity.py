"""One customer across both tools: link tool records by id, then email, then domain.

`match` is pure; `link_record` applies it inside the deriver's transaction. Free-mail
domains never link a company, and an ambiguous match is linked to a new customer and put
on the review list instead of being merged.

A customer's time zone is not first-come: it is settled from its live records after each
link (`settle_zones`), so the arrival order of the tools does not decide it, and the
deriver learns whose dated moments to derive again (issue 6).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from momentos.model import Event
from momentos.moments.dates import iana
from momentos.moments.links import Ref
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


def match(
    linked: int | None, by_email: set[int], by_domain: set[int], by_company: set[int] = frozenset()
) -> Match:
    """Decide which customer a record belongs to; None means a new customer.

    Tool ids first: the record's own link, then the company the tool itself associates it
    with (a HubSpot contact's companies, a Zendesk user's organization), then email, then
    company domain.
    """
    if linked is not None:
        return Match(linked, "id")
    pairs = (("company", by_company), ("email", by_email), ("domain", by_domain))
    for matched_by, candidates in pairs:
        if len(candidates) == 1:
            return Match(next(iter(candidates)), matched_by)
        if len(candidates) > 1:
            return Match(None, matched_by, tuple(sorted(candidates)))
    return Match(None, "new")


def _profile(event: Event) -> dict[str, Any]:
    data = event.data
    locale = data.get("language") or (data.get("locale") or "")[:2] or None
    return {"name": data.get("name") or data.get("email") or "", "language": locale}


def _others(store: Store, me: tuple[str, str, str], **key: str | None) -> set[int]:
    """Customers of the other live records with this email or domain."""
    if not any(key.values()):
        return set()
    return {
        r["customer_id"]
        for r in store.records_matching(**key)
        if r["customer_id"] and (r["tool"], r["object_type"], r["object_id"]) != me
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
    if event.deleted:
        # A deleted record keeps its link, marked deleted with the record; it never makes
        # or updates a customer, and (deleted) it matches nothing any more.
        return store.customer_of(*me)
    by_email, by_domain = _others(store, me, email=email), _others(store, me, domain=domain)
    by_company = associated_customers(store, event)
    decision = match(store.customer_of(*me), by_email, by_domain, by_company)
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
    conflict = conflicting(customer_id, decision.matched_by, by_company, by_email)
    if conflict:
        store.add_review(*me, conflict[0], sorted({customer_id, *conflict[1]}), now)
    return customer_id


def associated_customers(store: Store, event: Event) -> set[int]:
    """Customers of the companies the tool itself associates this person with."""
    data = event.data
    if (event.tool, event.object_type) == ("hubspot", "contact"):
        companies = [("hubspot", "company", str(c)) for c in data.get("company_ids") or ()]
    elif (event.tool, event.object_type) == ("zendesk", "user") and data.get("organization_id"):
        companies = [("zendesk", "organization", str(data["organization_id"]))]
    else:
        return set()
    found = {store.customer_of(*company) for company in companies}
    return {customer for customer in found if customer is not None}


def conflicting(
    customer_id: int, matched_by: str, by_company: set[int], by_email: set[int]
) -> tuple[str, set[int]] | None:
    """A stronger link kept, a weaker one pointing elsewhere: a person for review, not merged."""
    if by_company and customer_id not in by_company:
        return "linked to one customer, associated with another's company", by_company
    others = by_email - {customer_id}
    if matched_by == "company" and others:
        return "associated with a company; the same email belongs to another customer", others
    return None


def follow_removal(store: Store, event: Event, now: datetime) -> int | None:
    """A record deleted, or merged away, in its tool (an event with only its id).

    The record is kept, marked deleted. A merged-away record (`merged_into`) then points at
    the survivor's customer; when the survivor has none yet, the survivor takes the merged
    record's, so both end up on one customer either way. Two different customers are not
    merged silently: the pair goes to the review list.
    """
    store.mark_deleted(event)
    me = (event.tool, event.object_type, event.object_id)
    mine = store.customer_of(*me)
    survivor_id = event.data.get("merged_into")
    if not survivor_id:
        return mine
    survivor = (event.tool, event.object_type, str(survivor_id))
    theirs = store.customer_of(*survivor)
    if theirs is None:
        if mine is not None:
            store.link(*survivor, mine, "merge", now)
        return mine
    if mine != theirs:
        store.relink(*me, theirs, "merge", now)
        if mine is not None:
            reason = f"merged into {survivor_id} in {event.tool}; customers may be one"
            store.add_review(*me, reason, [mine, theirs], now)
    return theirs


# Time zones (issue 6) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneChanges:
    """Whose dates moved: customers whose time zone changed, and records now linked to a
    customer in another zone than before (a first link, a merge)."""

    customers: frozenset[int] = frozenset()
    records: frozenset[Ref] = frozenset()


def touched_records(event: Event) -> list[Ref]:
    """The records whose link an event can change: its own, and a merge's survivor."""
    if (event.tool, event.object_type) not in PERSON_TYPES | COMPANY_TYPES:
        return []
    me = (event.tool, event.object_type, event.object_id)
    survivor = event.data.get("merged_into") if event.deleted else None
    return [me, (event.tool, event.object_type, str(survivor))] if survivor else [me]


def zones_before(store: Store, refs: list[Ref]) -> dict[Ref, tuple[int | None, str | None]]:
    """Each record's customer and that customer's time zone, before linking (which leaves
    time zones alone: `settle_zones` sets them)."""
    return {ref: store.customer_and_zone(*ref) for ref in refs}


def settle_time_zone(store: Store, customer_id: int, current: str | None) -> bool:
    """Set the customer's time zone from its records (the longest-known record's valid IANA
    zone wins, whatever the order they arrived in); True if it changed."""
    settled = iana(*store.time_zones(customer_id))
    if settled != current:
        store.set_time_zone(customer_id, settled)
    return settled != current


def gives_zone(event: Event) -> bool:
    """Whether an event can move its customer's time zone: a record that has a time zone
    field (a Zendesk user, whether it is set or not), or a removal or merge."""
    return "time_zone" in event.data or event.deleted


def settle_zones(
    store: Store, before: dict[Ref, tuple[int | None, str | None]], settle: bool = True
) -> ZoneChanges:
    """After linking: settle the time zone of every customer the records had or have now
    (unless `settle` is False: nothing that gives a zone changed), and tell whose moved."""
    after = {ref: store.customer_and_zone(*ref) for ref in before}
    zones = {customer: zone for customer, zone in (*before.values(), *after.values())}
    zones.pop(None, None)
    changed = frozenset(
        c for c, zone in sorted(zones.items()) if settle and settle_time_zone(store, c, zone)
    )
    moved = frozenset(
        ref for ref, (customer, zone) in after.items()
        if customer not in changed and zone != before[ref][1]
    )  # fmt: skip
    return ZoneChanges(changed, moved)
