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
