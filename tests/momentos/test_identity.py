"""One customer across both tools: ids, then email, then company domain."""

import pytest

from momentos.identity import Match, business_domain, link_record, match
from momentos.store import Store
from tests.factories import T0, hubspot_record, zendesk_user


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def link(store, event):
    with store.transaction():
        return link_record(store, event, T0)


def test_match_prefers_ids_then_email_then_domain():
    assert match(7, {8}, {9}) == Match(7, "id")
    assert match(None, {8}, {9}) == Match(8, "email")
    assert match(None, set(), {9}) == Match(9, "domain")
    assert match(None, {8, 3}, set()) == Match(None, "email", (3, 8))
    assert match(None, set(), set()) == Match(None, "new")


@pytest.mark.parametrize("value, expected", [
    ("ana@LaEspiga.es", "laespiga.es"), ("www.bluebirdcafe.co.uk", "bluebirdcafe.co.uk"),
    ("marta@gmail.com", None), ("x@hotmail.es", None), ("", None),
])  # fmt: skip
def test_business_domain_ignores_free_mail(value, expected):
    assert business_domain(value) == expected


def test_zendesk_user_and_hubspot_contact_with_one_email_are_one_customer(store):
    user = link(store, zendesk_user(email="carmen@laespiga.es"))
    contact = link(
        store, hubspot_record("contact", "11", email="carmen@laespiga.es", language="es")
    )
    assert user == contact
    assert store.customer(user)["language"] == "es"


def test_company_links_its_people_by_domain_but_free_mail_never_does(store):
    company = link(store, hubspot_record("company", "21", domain="laespiga.es", name="La Espiga"))
    colleague = link(store, zendesk_user(user_id=502, email="javier@laespiga.es"))
    assert colleague == company
    first = link(store, zendesk_user(user_id=503, email="marta@gmail.com"))
    second = link(store, zendesk_user(user_id=504, email="pedro@gmail.com"))
    assert len({company, first, second}) == 3


def test_ambiguous_domain_goes_to_review_not_merged(store):
    a = link(store, hubspot_record("company", "21", domain="acme.es"))
    b = link(store, hubspot_record("company", "22", domain="acme.es"))
    assert a == b  # the second company joins the first: one candidate is not ambiguous
    c = link(store, zendesk_user(user_id=600, email="x@other.es"))
    store.link("hubspot", "company", "99", c, "test", T0)  # force two customers on one domain
    store.db.execute(
        "INSERT INTO records (tool, object_type, object_id, version, occurred_at,"
        " domain, data) VALUES ('hubspot','company','99','1','2026','acme.es','{}')"
    )
    newcomer = link(store, zendesk_user(user_id=601, email="y@acme.es"))
    assert newcomer not in (a, c)
    assert [(r["object_id"], r["candidates"]) for r in store.reviews()] == [("601", f"[{a}, {c}]")]


def test_changed_email_keeps_the_customer(store):
    first = link(store, zendesk_user(email="carmen@laespiga.es"))
    moved = zendesk_user(email="carmen.vidal@laespiga.es")
    moved = moved.__class__(
        **{**moved.__dict__, "version": "2026-02-01T00:00:00Z", "occurred_at": T0}
    )
    assert link(store, moved) == first


# Issue #6: the tools' own associations, and deletions ------------------------------------


def hubspot_contact_of(record_id, email, companies=()):
    return hubspot_record("contact", record_id, email=email, company_ids=list(companies))


def zendesk_member(user_id, email, organization_id=None, active=True):
    from connectors.zendesk.records import to_event

    return to_event("user", {"id": user_id, "name": "Marta", "email": email,
                             "organization_id": organization_id, "active": active,
                             "created_at": "2026-01-01T00:00:00Z",
                             "updated_at": "2026-01-01T00:00:00Z"})  # fmt: skip


def test_match_takes_the_tools_association_before_email_and_domain():
    assert match(None, {8}, {9}, {5}) == Match(5, "company")
    assert match(7, {8}, {9}, {5}) == Match(7, "id")
    assert match(None, {8}, set(), {5, 6}) == Match(None, "company", (5, 6))


def test_free_mail_contact_associated_with_a_company_joins_its_customer(store):
    company = link(store, hubspot_record("company", "21", domain="laespiga.es"))
    contact = link(store, hubspot_contact_of("11", "marta.lopez@gmail.com", companies=["21"]))
    assert contact == company
    assert store.reviews() == []
    loner = link(store, hubspot_contact_of("12", "pedro@gmail.com"))
    assert loner != company  # free mail alone still links nobody


def test_zendesk_user_in_an_organization_joins_its_customer(store):
    from connectors.zendesk.records import to_event

    org = link(store, to_event("organization", {
        "id": 31, "name": "La Espiga", "domain_names": ["laespiga.es"],
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}))  # fmt: skip
    assert link(store, zendesk_member(701, "marta.lopez@gmail.com", organization_id=31)) == org


def test_association_and_email_disagreeing_keeps_the_association_and_asks(store):
    person = link(store, zendesk_member(701, "marta.lopez@gmail.com"))
    company = link(store, hubspot_record("company", "21", domain="laespiga.es"))
    contact = link(store, hubspot_contact_of("11", "marta.lopez@gmail.com", companies=["21"]))
    assert contact == company != person
    [review] = store.reviews()
    assert (review["object_id"], review["candidates"]) == ("11", str(sorted([company, person])))


def test_a_linked_person_associated_later_with_another_company_is_not_moved(store):
    person = link(store, hubspot_contact_of("11", "marta.lopez@gmail.com"))
    company = link(store, hubspot_record("company", "21", domain="laespiga.es"))
    later = hubspot_record("contact", "11", version_ms=1767312000000,
                           email="marta.lopez@gmail.com", company_ids=["21"])  # fmt: skip
    assert link(store, later) == person
    assert [r["candidates"] for r in store.reviews()] == [str(sorted([person, company]))]


def test_a_deleted_record_makes_no_customer_and_keeps_its_link_marked(store):
    assert link(store, zendesk_member(701, "ghost@acme.es", active=False)) is None
    assert store.total("customers") == 0
    known = link(store, zendesk_member(702, "ana@acme.es"))
    gone = zendesk_member(702, "ana@acme.es", active=False)
    gone = gone.__class__(**{**gone.__dict__, "version": "2026-02-01T00:00:00Z",
                             "occurred_at": T0})  # fmt: skip
    assert link(store, gone) == known
    assert store.customer_of("zendesk", "user", "702") == known  # the link is kept...
    deleted = store.db.execute(
        "SELECT deleted FROM records WHERE object_id = '702'").fetchone()[0]  # fmt: skip
    assert deleted == 1  # ...and marked, with its record
    assert store.customer_records(known) == []
    newcomer = link(store, hubspot_contact_of("11", "ana@acme.es"))
    assert newcomer != known  # a deleted record's email links nobody
