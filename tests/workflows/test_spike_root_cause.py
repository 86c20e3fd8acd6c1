"""spike_root_cause: one internal ticket per spike for the support lead, never a second."""

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.zendesk.poll import ticket_field_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.insights.record import spike_moment
from momentos.insights.spikes import Spike
from momentos.store import Store
from momentos.view import Defaults, View
from tests.factories import rule_context
from workflows import spike_root_cause

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PARAMS = spike_root_cause.Params().load({"group_id": 360000000201, "assignee_id": 9001})
EXAMPLES = tuple({"link": f"https://acme.zendesk.com/agent/tickets/{n}",
                  "subject": f"La app no sincroniza {n}", "occurred_at": "2026-11-24"}
                 for n in range(1, 8))  # fmt: skip


def spike(started_on=date(2026, 11, 20), dimension="category.app", value="App Móvil") -> Spike:
    return Spike(dimension=dimension, value=value, started_on=started_on, share=0.41,
                 baseline_share=0.09, requests=1312, total=3200, lift=4.5, z=12.0,
                 p_value=1e-9, customers=214, examples=EXAMPLES)  # fmt: skip


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def record(store, *spikes):
    for s in spikes:
        store.insert_moment(spike_moment(s, "Europe/Madrid", "https://m.example/admin/insights"),
                            None, None, NOW)  # fmt: skip


def plan(store, language="es", params=PARAMS, now=NOW):
    view = View(store, Defaults(language=language, time_zone="Europe/Madrid",
                                fallback_owner_id="1",
                                category_fields=(("app", "77"),)))  # fmt: skip
    return spike_root_cause.plan(params, view, now)


def test_a_drop_down_value_is_told_by_its_label_in_both_languages(store):
    options = [{"name": "App Móvil", "value": "app_movil"}, {"name": "API", "value": "api"}]
    field = ticket_field_event({"id": 77, "title": "App", "type": "tagger",
                                "created_at": "2026-01-01T00:00:00Z",
                                "updated_at": "2026-01-01T00:00:00Z",
                                "custom_field_options": options})  # fmt: skip
    store.add_events([field], source="poll", received_at=NOW)
    derive_pending(store, rule_context(), FrozenClock(NOW))
    record(store, spike(value="app_movil"))
    [es] = plan(store)
    assert es.key == "spike_root_cause:spike:category.app:app_movil:2026-11-20"
    assert es.payload["subject"] == (
        "Pico de solicitudes: App Móvil (41\xa0% desde el 20 de noviembre de 2026)"
    )
    assert "es sobre «App Móvil», frente al 9\xa0%" in es.payload["body"]
    assert "las solicitudes con «App Móvil» en el campo «app»" in es.payload["body"]
    [en] = plan(store, language="en")
    assert en.payload["subject"] == "Spike in requests: App Móvil (41% since November 20, 2026)"
    assert en.payload["body"].startswith(
        '41% of requests since November 20, 2026 are about "App Móvil", up from 9%'
    )


def test_one_internal_ticket_for_the_support_lead_with_the_analysis(store):
    record(store, spike())
    [action] = plan(store)
    assert action.key == "spike_root_cause:spike:category.app:App Móvil:2026-11-20"
    assert (action.tool, action.kind, action.customer_id) == ("zendesk", "ticket", None)
    payload = action.payload
    assert (payload["group_id"], payload["assignee_id"], payload["priority"]) == (
        360000000201, 9001, "high")  # fmt: skip
    assert payload["public"] is False
    assert payload["subject"] == (
        "Pico de solicitudes: App Móvil (41\xa0% desde el 20 de noviembre de 2026)"
    )
    body = payload["body"]
    assert body.startswith(
        "El 41\xa0% de las solicitudes desde el 20 de noviembre de 2026 es sobre «App Móvil», "
        "frente al 9\xa0% de antes: 1.312 solicitudes, 214 clientes."
    )
    assert "https://acme.zendesk.com/agent/tickets/5" in body
    assert "tickets/6" not in body  # five examples by default
    assert "Análisis completo: https://m.example/admin/insights" in body


def test_english_staff_read_it_in_english(store):
    record(store, spike(dimension="tag", value="android"))
    [action] = plan(store, language="en")
    assert action.payload["subject"] == "Spike in requests: android (41% since November 20, 2026)"
    assert action.payload["body"].startswith(
        '41% of requests since November 20, 2026 are tagged "android"'
    )
    assert ('What changed: requests tagged "android" went from 9% to 41% of the total since '
            "November 20, 2026") in action.payload["body"]  # fmt: skip


def test_the_same_spike_dated_again_or_seen_as_its_tag_gets_no_second_ticket(store):
    record(store, spike())
    first = plan(store)
    record(store, spike(started_on=date(2026, 11, 21)), spike(dimension="tag"))
    assert [a.key for a in plan(store)] == [a.key for a in first]
    # The outbox keeps the key once: enqueueing the plan again adds nothing.
    assert store.enqueue(plan(store), NOW) == [first[0].key]
    assert store.enqueue(plan(store), NOW) == []


def test_other_values_get_their_own_ticket_and_old_spikes_none(store):
    record(store, spike(), spike(value="Web"), spike(started_on=date(2026, 9, 1), value="API"))
    keys = sorted(a.key.rsplit(":", 2)[1] for a in plan(store))
    assert keys == ["App Móvil", "Web"]
    assert plan(store, now=NOW + timedelta(days=60)) == []


def test_dates_read_as_people_write_them_and_the_field_reads_as_prose(store):
    """Reviewer: "desde el 2026-11-12" and "el campo «app» «api»" in the ticket."""
    record(store, spike(value="api"))
    [action] = plan(store)
    body = action.payload["body"]
    assert "2026-11-20" not in action.payload["subject"] + body
    assert ("Qué ha cambiado: las solicitudes con «api» en el campo «app» han pasado del 9\xa0% "
            "al 41\xa0% del total desde el 20 de noviembre de 2026 (1.312 solicitudes de 214 "
            "clientes).") in body  # fmt: skip


def test_a_shift_the_quarter_view_found_is_news_though_it_began_months_ago(store):
    lasting = Spike(**{**spike(date(2026, 8, 24)).__dict__, "window_days": 90})
    old_rise = spike(date(2026, 10, 1), value="Web")  # the two-week view's, 55 days ago
    record(store, lasting, old_rise)
    [action] = plan(store)
    assert action.key == "spike_root_cause:spike:category.app:App Móvil:2026-08-24"
    # Found by the quarter's view, it began about a quarter ago; a month later, history.
    assert plan(store, now=NOW + timedelta(days=40)) == []
