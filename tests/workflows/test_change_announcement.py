"""change_announcement: warn the customer of a delayed deal or a new price, once per change
(issue #8)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import T0, hubspot_contact, hubspot_deal, hubspot_record, rule_context
from workflows import change_announcement
from workflows.change_announcement import NAME

CONTEXT = rule_context()
PARAMS = change_announcement.Params().load({})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
MADRID = ZoneInfo("Europe/Madrid")
DEAL_KEY = f"{NAME}:hubspot:deal:7"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, params=PARAMS, fallback="OWNER-FALLBACK"):
    view = View(
        store, Defaults(language="es", time_zone="Europe/Madrid", fallback_owner_id=fallback)
    )
    return change_announcement.plan(params, view, now)


def customer(store, language="es", owner="77"):
    load(store,
         hubspot_record("company", "21", domain="laespiga.es", name="La Espiga", owner_id=owner),
         hubspot_record("contact", "11", email="carmen@laespiga.es", language=language,
                        name="Carmen Vidal"))  # fmt: skip


def deal(store, minute, at_hour=0, **properties):
    """A version of deal 7, changed at 08:<minute> on 23 November, received after it."""
    event = hubspot_deal(modified=f"2026-11-23T08:{minute:02d}:00Z", **properties)
    load(store, event, at=T0 + timedelta(minutes=minute, hours=at_hour))


def test_a_delayed_deal_gets_a_task_for_its_owner_with_a_spanish_draft(store):
    customer(store)
    deal(store, 0, closedate="2027-01-15T00:00:00Z", hubspot_owner_id="88")
    deal(store, 1, closedate="2027-02-15T00:00:00Z", hubspot_owner_id="88")
    [action] = plan(store)
    assert action.key == f"{DEAL_KEY}:date=2027-02-15"
    assert action.moment_key.startswith("deal_delayed:hubspot:deal:7:")
    payload = action.payload
    assert (payload["owner_id"], payload["deal_ids"]) == ("88", ["7"])
    assert (payload["contact_ids"], payload["company_ids"]) == (["11"], ["21"])
    assert payload["subject"] == "Confirmar con La Espiga la nueva fecha de «Mantenimiento anual»"
    body = payload["body"]
    assert "ha pasado del 15 de enero de 2027 al 15 de febrero de 2027 (31 días más tarde)" in body
    assert "https://app.hubspot.com/contacts/62515/record/0-3/7" in body
    assert "Averigua por qué se retrasa" in body
    assert "Hola, Carmen:" in body
    assert ("Te escribo para confirmar la nueva fecha de «Mantenimiento anual»: pasa del 15 de "
            "enero de 2027 al 15 de febrero de 2027.") in body  # fmt: skip
    assert payload["due_at"] == "2026-11-24T12:00:00+01:00"
    assert (payload["priority"], payload["task_type"]) == ("HIGH", "EMAIL")


def test_a_price_rise_for_an_english_customer_is_explained_in_english(store):
    customer(store, language="en")
    deal(store, 0, amount="1200", deal_currency_code="EUR")
    deal(store, 1, amount="1500", deal_currency_code="EUR")
    [action] = plan(store)
    assert action.key == f"{DEAL_KEY}:amount=1500"
    assert (
        action.payload["subject"] == 'Tell La Espiga about the new amount of "Mantenimiento anual"'
    )
    body = action.payload["body"]
    assert "changed from €1,200.00 to €1,500.00 (+25%)" in body
    assert "Hi Carmen," in body and "Before you see it on your next invoice" in body
    assert "Check what changed in the amount and why" in body


def test_a_price_cut_is_good_news_in_the_draft(store):
    customer(store)
    deal(store, 0, amount="1200", deal_currency_code="EUR")
    deal(store, 1, amount="1000", deal_currency_code="EUR")
    [action] = plan(store)
    assert "de 1.200,00 € a 1.000,00 € (−16,7 %)" in action.payload["body"].replace("\xa0", " ")
    assert "Te traigo una buena noticia" in action.payload["body"]


def test_one_edit_that_delays_and_reprices_is_one_task(store):
    customer(store)
    deal(store, 0, closedate="2027-01-15T00:00:00Z", amount="1200")
    deal(store, 1, closedate="2027-02-15T00:00:00Z", amount="1500")
    [action] = plan(store)
    assert action.key == f"{DEAL_KEY}:date=2027-02-15:amount=1500"
    assert action.payload["subject"] == (
        "Avisar a La Espiga del nuevo importe y confirmar la nueva fecha de «Mantenimiento anual»"
    )


def test_a_deal_moved_back_and_forth_is_announced_once(store):
    customer(store)
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    first = plan(store)
    store.enqueue(first, NOW)
    deal(store, 2, closedate="2027-01-15T00:00:00Z")  # back: no news
    deal(store, 3, closedate="2027-02-15T00:00:00Z")  # forth again: the same news
    again = plan(store, now=NOW + timedelta(hours=1))
    assert [a.key for a in again] == [a.key for a in first] == [f"{DEAL_KEY}:date=2027-02-15"]
    assert store.enqueue(again, NOW + timedelta(hours=1)) == []
    deal(store, 4, closedate="2027-03-01T00:00:00Z")  # a new date is new news
    assert [a.key for a in plan(store, now=NOW + timedelta(hours=2))][-1] == (
        f"{DEAL_KEY}:date=2027-03-01"
    )


def test_the_warning_is_due_before_the_date_the_customer_expects(store):
    customer(store)
    deal(store, 0, closedate="2026-11-25T00:00:00Z")
    deal(store, 1, closedate="2026-12-20T00:00:00Z")
    params = change_announcement.Params().load({"due_days": 5})
    [action] = plan(store, params=params)
    assert action.payload["due_at"] == "2026-11-25T12:00:00+01:00"


def test_no_owner_anywhere_goes_to_the_fallback_and_no_language_to_the_default(store):
    customer(store, language=None, owner=None)
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    [action] = plan(store)
    assert (action.payload["owner_id"], action.payload["language"]) == ("OWNER-FALLBACK", "es")


def test_a_deal_without_owner_goes_to_the_customer_owner(store):
    customer(store, owner="77")
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    [action] = plan(store)
    assert action.payload["owner_id"] == "77"


def test_old_changes_plan_nothing(store):
    customer(store)
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    assert plan(store, now=NOW + timedelta(days=8)) == []


def test_a_change_at_night_waits_for_working_hours(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}})
    store = Store(settings.store["path"])
    customer(store)
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    night = datetime(2026, 11, 23, 22, 30, tzinfo=MADRID)
    [action] = run_workflow(store, settings, NAME, now=night).actions
    assert action.not_before == datetime(2026, 11, 24, 8, 0, tzinfo=MADRID)


def test_a_renewal_the_customer_postponed_is_not_announced_as_our_delay(store):
    """Reviewer: Hotel Mirador's renewal, moved a month for next year's budget, was told as
    our delay ("Sentimos el cambio de planes") to "Hola, Inés Navarro:"."""
    load(store,
         hubspot_record("company", "21", domain="miradorgredos.es", name="Hotel Mirador",
                        owner_id="77"),
         hubspot_contact("11", email="ines@miradorgredos.es", companies=("21",),
                         firstname="Inés", lastname="Navarro", hs_language="es"))  # fmt: skip
    deal(store, 0, closedate="2026-12-13T00:00:00Z")
    deal(store, 1, closedate="2027-01-14T00:00:00Z")
    [action] = plan(store)
    body = action.payload["body"]
    draft = body.split("---")[1]
    assert draft.strip().startswith("Hola, Inés:")
    assert "Sentimos" not in body and "retraso" not in action.payload["subject"]
    assert "pasa del 13 de diciembre de 2026 al 14 de enero de 2027" in draft
    assert "si lo pidió el cliente, confirmarlo por escrito evita malentendidos" in body


def test_english_drafts_greet_by_first_name_and_a_company_alone_by_none(store):
    load(store,
         hubspot_record("company", "21", domain="prairiegoods.com", name="Prairie Goods Co.",
                        owner_id="77"),
         hubspot_contact("11", email="dan@prairiegoods.com", companies=("21",),
                         firstname="Daniel", lastname="Kowalski", hs_language="en"))  # fmt: skip
    deal(store, 0, closedate="2026-12-07T00:00:00Z")
    deal(store, 1, closedate="2027-01-06T00:00:00Z")
    [action] = plan(store)
    assert action.payload["subject"] == (
        'Confirm the new date of "Mantenimiento anual" with Prairie Goods Co.'
    )
    draft = action.payload["body"].split("---")[1]
    assert draft.strip().startswith("Hi Daniel,")
    assert "sorry" not in draft and "it moves from December 7, 2026 to January 6, 2027" in draft


def test_a_company_without_contacts_is_greeted_without_a_name(store):
    load(store, hubspot_record("company", "21", domain="laespiga.es", name="La Espiga",
                               owner_id="77"))  # fmt: skip
    deal(store, 0, closedate="2027-01-15T00:00:00Z")
    deal(store, 1, closedate="2027-02-15T00:00:00Z")
    [action] = plan(store)
    assert action.payload["body"].split("---")[1].strip().startswith("Hola:\n")
