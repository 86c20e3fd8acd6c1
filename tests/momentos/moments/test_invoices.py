"""Invoices: bills unlike the usual ones (same currency only), payments late."""

from datetime import UTC, datetime

from momentos.moments import Known, normalize
from tests.factories import hubspot_invoice, rule_context

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONTEXT = rule_context(billing_variation_percent=20, billing_history=3)


def moments(event, related=(), context=CONTEXT, **known):
    known = Known(**{"now": NOW, "since": NOW, **known}, related=tuple(e.data for e in related))
    return {m.type: m for m in normalize(event, context, known)}


def history(currency="EUR", amounts=("100", "100", "100")):
    return [
        hubspot_invoice(str(i), amount=a, currency=currency, invoice_date=f"2026-0{i}-01")
        for i, a in enumerate(amounts, start=6)
    ]


def test_invoice_far_above_the_usual_ones_is_a_billing_variation():
    moment = moments(hubspot_invoice(amount="150.00"), history())["billing_variation"]
    assert moment.key == "billing_variation:hubspot:invoice:9"
    assert moment.data["baseline"] == "100.00"
    assert moment.data["percent"] == 50.0
    assert moment.data["direction"] == "up"
    assert moment.data["previous_amounts"] == ["100", "100", "100"]
    assert moment.customer_ref == ("hubspot", "company", "21")
    assert moment.link == "https://app.hubspot.com/contacts/62515/record/0-53/9"
    assert moment.occurred_at == datetime(2026, 10, 31, 23, tzinfo=UTC)  # 1 Nov in Madrid


def test_small_variation_or_no_history_is_not():
    assert "billing_variation" not in moments(hubspot_invoice(amount="110"), history())
    assert "billing_variation" not in moments(hubspot_invoice(amount="500"))


def test_different_currencies_are_never_compared():
    dollars = history(currency="USD", amounts=("10", "10", "10"))
    assert "billing_variation" not in moments(hubspot_invoice(amount="100"), dollars)
    mixed = dollars + history(currency="eur")
    assert moments(hubspot_invoice(amount="70"), mixed)["billing_variation"].data[
        "previous_amounts"
    ] == ["100", "100", "100"]  # fmt: skip


def test_only_the_last_invoices_before_this_one_count():
    older = history(amounts=("10", "100", "100"))  # June is beyond the last three
    later = hubspot_invoice("12", amount="1000", invoice_date="2026-12-01")
    void = hubspot_invoice("5", amount="1", invoice_date="2026-10-01", hs_invoice_status="voided")
    related = [*older, hubspot_invoice("10", amount="100", invoice_date="2026-09-01"), later, void]
    assert "billing_variation" not in moments(hubspot_invoice(amount="105"), related)


def test_unpaid_invoice_past_its_due_date_is_late_on_the_day_after():
    invoice = hubspot_invoice(hs_due_date="2026-11-20", hs_balance_due="100")
    moment = moments(invoice, time_zone="America/New_York")["payment_late"]
    assert moment.key == "payment_late:hubspot:invoice:9:2026-11-20"
    assert moment.data["date"] == "2026-11-21"
    assert moment.data["due_date"] == "2026-11-20"
    assert moment.occurred_at == datetime(2026, 11, 21, 5, tzinfo=UTC)


def test_not_late_before_the_day_after_nor_when_paid():
    assert "payment_late" not in moments(hubspot_invoice(hs_due_date="2026-11-23"))  # due today
    assert "payment_late" in moments(hubspot_invoice(hs_due_date="2026-11-22"))
    paid = hubspot_invoice(hs_due_date="2026-11-01", hs_invoice_status="paid")
    assert "payment_late" not in moments(paid)
    settled = hubspot_invoice(hs_due_date="2026-11-01", hs_balance_due="0")
    assert "payment_late" not in moments(settled)


def test_a_version_replaced_before_the_due_date_passed_was_never_late():
    invoice = hubspot_invoice(hs_due_date="2026-11-10")
    since = datetime(2026, 11, 1, tzinfo=UTC)
    paid_on_time = datetime(2026, 11, 10, 12, tzinfo=UTC)
    paid_late = datetime(2026, 11, 15, 12, tzinfo=UTC)
    assert "payment_late" not in moments(invoice, since=since, until=paid_on_time)
    assert "payment_late" in moments(invoice, since=since, until=paid_late)


def test_draft_invoices_are_neither_billed_nor_late():
    draft = hubspot_invoice(amount="900", hs_invoice_status="draft", hs_due_date="2026-11-01")
    assert moments(draft, history()) == {}
