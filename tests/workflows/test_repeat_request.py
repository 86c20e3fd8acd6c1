"""repeat_request: one root-cause ticket when a customer asks about the same category again
and again (#8)."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.zendesk.poll import ticket_field_event
from momentos.clock import FrozenClock
from momentos.derive import derive_pending
from momentos.planner import run_workflow
from momentos.store import Store
from momentos.view import Defaults, MomentView, View
from tests.factories import T0, rule_context, zendesk_ticket, zendesk_user
from workflows import repeat_request
from workflows.repeat_request import NAME, repetitions

APP_FIELD = "360000000001"
CONTEXT = rule_context(category_fields=(("app", APP_FIELD),))
PARAMS = repeat_request.Params().load({"group_id": 360001, "assignee_id": 9001})
NOW = T0  # Monday 23 November 2026, 10:00 in Madrid
KEY = f"{NAME}:1:app_movil:2026-11-09"


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "m.db")


def load(store, *events, at=T0):
    store.add_events(events, source="poll", received_at=at)
    derive_pending(store, CONTEXT, FrozenClock(at))


def plan(store, now=NOW, language="es", **params):
    view = View(store, Defaults(language=language, time_zone="Europe/Madrid",
                                fallback_owner_id="OWNER-FALLBACK",
                                category_fields=(("app", APP_FIELD),)))  # fmt: skip
    return repeat_request.plan({**PARAMS, **params}, view, now)


def app_field(updated="2026-11-01T08:00:00Z"):
    """The App drop-down as the ticket fields stream reads it."""
    options = [{"name": "App Móvil", "value": "app_movil"}, {"name": "Web", "value": "web"}]
    return ticket_field_event({"id": int(APP_FIELD), "title": "App", "type": "tagger",
                               "created_at": updated, "updated_at": updated,
                               "custom_field_options": options})  # fmt: skip


def request(ticket_id, days_ago, app="app_movil", tags=("app_movil",), requester=501, **extra):
    created = (NOW - timedelta(days=days_ago, minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [{"id": int(APP_FIELD), "value": app}]
    return zendesk_ticket(ticket_id=ticket_id, tags=tags, requester_id=requester,
                          created_at=created, updated=created, custom_fields=fields,
                          subject=f"La app se cierra ({ticket_id})", **extra)  # fmt: skip


def test_the_third_request_about_the_app_in_a_month_opens_a_root_cause_ticket(store):
    load(store, zendesk_user(), request(201, 14), request(202, 6, status="solved"),
         request(203, 0))  # fmt: skip
    [action] = plan(store)
    assert (action.key, action.tool, action.kind) == (KEY, "zendesk", "ticket")
    assert action.moment_key == "support_request:zendesk:ticket:203"
    payload = action.payload
    assert {k: payload[k] for k in ("public", "priority", "type", "tags", "group_id",
                                    "assignee_id")} == {  # fmt: skip
        "public": False, "priority": "normal", "type": "problem",
        "tags": [NAME, f"{NAME}_app_movil"], "group_id": 360001, "assignee_id": 9001}  # fmt: skip
    assert payload["subject"] == (
        "Causa raíz: Carmen Vidal ha escrito 3 veces sobre «app_movil» en 15 días"
    )
    body = payload["body"]
    assert ("- 9 de noviembre de 2026: «La app se cierra (201)» (nueva) "
            "https://acme.zendesk.com/agent/tickets/201") in body  # fmt: skip
    assert "«La app se cierra (202)» (resuelta)" in body
    assert "Reúne las peticiones repetidas" in body
    assert "Idioma del cliente: español." in body


def test_staff_read_the_value_s_label_in_both_languages_tags_keep_the_value(store):
    load(store, app_field(), zendesk_user(), request(201, 14), request(202, 6), request(203, 0))
    [es] = plan(store)
    assert es.payload["subject"] == (
        "Causa raíz: Carmen Vidal ha escrito 3 veces sobre «App Móvil» en 15 días"
    )
    assert es.payload["body"].startswith("Carmen Vidal ha abierto 3 solicitudes sobre «App Móvil»")
    assert (es.key, es.payload["tags"]) == (KEY, [NAME, f"{NAME}_app_movil"])
    [en] = plan(store, language="en")
    assert en.payload["subject"] == (
        'Root cause: Carmen Vidal has written 3 times about "App Móvil" in 15 days'
    )
    assert en.payload["body"].startswith('Carmen Vidal opened 3 requests about "App Móvil"')
    [by_id] = plan(store, category_by=APP_FIELD)  # a field id names its labels too
    assert "«App Móvil»" in by_id.payload["subject"]


def test_a_value_the_field_does_not_list_is_told_as_it_is(store):
    tablet = [request(n, d, app="tablet", tags=("tablet",)) for n, d in ((201, 14), (202, 6),
                                                                          (203, 0))]  # fmt: skip
    load(store, app_field(), zendesk_user(), *tablet)
    [action] = plan(store)
    assert "sobre «tablet»" in action.payload["subject"]


def test_two_requests_or_three_spread_over_more_than_the_window_are_no_repetition(store):
    load(store, zendesk_user(), request(201, 40), request(202, 20), request(203, 0))
    assert plan(store) == []
    load(store, request(204, 1, app="web", tags=("web",)))
    assert plan(store) == []


def test_more_requests_in_the_same_run_keep_the_one_ticket(store):
    load(store, zendesk_user(), request(201, 14), request(202, 6), request(203, 2))
    first = plan(store)
    load(store, request(204, 1), request(205, 0))
    assert [a.key for a in plan(store)] == [a.key for a in first] == [KEY]
    # Planned again every hour for a week: still one ticket; then it is history.
    keys = {a.key for hour in range(0, 24 * 7, 6) for a in plan(store, NOW + timedelta(hours=hour))}
    assert keys == {KEY}


def at(day):
    return MomentView(key=f"k{day}", type="support_request", customer_id=1, link=None,
                      occurred_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day),
                      person=())  # fmt: skip


def runs_of(days, visible_from=-100):
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=visible_from)
    runs = repetitions([at(day) for day in days], 3, timedelta(days=30), start)
    return [[m.key for m in run] for run in runs]


def test_a_run_goes_on_while_the_count_holds_and_a_new_one_starts_after_a_pause():
    assert runs_of((0, 5, 10, 12, 70, 75, 80)) == [["k0", "k5", "k10", "k12"],
                                                  ["k70", "k75", "k80"]]  # fmt: skip
    assert runs_of((0, 40, 80)) == []


def test_a_run_that_may_have_started_before_the_history_read_is_left_out():
    # Read from day 0: the count at day 20 misses whatever came before day 0.
    assert runs_of((2, 10, 20, 25), visible_from=0) == []
    assert runs_of((2, 10, 20, 25, 80, 85, 90), visible_from=0) == [["k80", "k85", "k90"]]


def test_on_first_activation_a_run_still_going_gets_its_ticket_keyed_by_its_start(store):
    load(store, zendesk_user(), request(201, 26), request(202, 19), request(203, 11),
         request(204, 4))  # fmt: skip
    [action] = plan(store)
    assert action.key == f"{NAME}:1:app_movil:2026-10-28"
    assert action.payload["subject"].endswith("ha escrito 4 veces sobre «app_movil» en 23 días")
    assert plan(store, now=NOW + timedelta(days=2))[0].key == action.key
    assert plan(store, now=NOW + timedelta(days=4)) == []  # the last request is 8 days old


def test_tickets_agents_open_for_the_customer_and_ignored_values_do_not_count(store):
    load(store, zendesk_user(), request(201, 14), request(202, 6),
         request(203, 0, submitter_id=9001))  # fmt: skip
    assert plan(store) == []
    load(store, request(204, 0))
    assert [a.key for a in plan(store)] == [KEY]
    assert plan(store, ignore_values=["APP_MOVIL"]) == []


def test_tags_or_the_form_can_make_the_category(store):
    load(store, zendesk_user(), request(201, 14, app="a", tags=("facturacion", "web")),
         request(202, 6, app="b", tags=("facturacion",), ticket_form_id=77),
         request(203, 0, app="c", tags=("facturacion", "web"), ticket_form_id=77))  # fmt: skip
    assert [a.key for a in plan(store, category_by="tags")] == [f"{NAME}:1:facturacion:2026-11-09"]
    assert plan(store, category_by="form") == []  # the first had no form
    assert plan(store, category_by=APP_FIELD) == []  # three different apps


def test_unknown_customer_no_ticket_and_no_language_means_the_staff_default(store):
    load(store, request(201, 14), request(202, 6), request(203, 0))
    assert plan(store) == []  # the requester is not known yet
    load(store, zendesk_user(locale=None))
    [action] = plan(store, language="en")
    assert action.payload["subject"].startswith("Root cause: Carmen Vidal has written 3 times")
    assert "Customer's language: not set." in action.payload["body"]


def test_run_at_night_is_not_delayed_it_is_internal_work(make_settings):
    settings = make_settings(workflows={NAME: {"enabled": True}},
                             moments={"category_fields": {"app": int(APP_FIELD)}})  # fmt: skip
    store = Store(settings.store["path"])
    load(store, zendesk_user(), request(201, 14), request(202, 6), request(203, 0))
    night = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    [action] = run_workflow(store, settings, NAME, now=night).actions
    assert action.not_before is None
