"""A spike planted in the sandbox is found through the real connector, derive path and API,
recorded once as a moment, and gets one root-cause ticket in Zendesk, once."""

from datetime import date
from zoneinfo import ZoneInfo

from momentos.insights.record import detect_and_wake


def onset_day(planted) -> date:
    return planted.shift.astimezone(ZoneInfo(planted.engine.settings.timezone)).date()


def test_the_api_finds_the_planted_spike_with_its_onset(planted):
    response = planted.client.api("/api/insights/spikes")
    assert response.status_code == 200
    spikes = response.json
    found = {(s["dimension"], s["value"]): s for s in spikes}
    # The app field and the tag Zendesk adds for a drop-down value both carry the rise.
    assert set(found) == {("category.app", "android"), ("tag", "android")}
    app = found["category.app", "android"]
    assert abs((date.fromisoformat(app["started_on"]) - onset_day(planted)).days) <= 3
    assert 0.35 < app["share"] < 0.5 and 0.15 < app["baseline_share"] < 0.25
    assert app["requests"] >= 100 and 0 < app["customers"] <= app["requests"]
    assert app["examples"] and app["examples"][0]["link"].startswith(planted.sandbox.url)
    assert app["sentence"]["en"].startswith(f"{round(app['share'] * 100)}% of requests since")
    assert "de las solicitudes desde el" in app["sentence"]["es"]
    assert len(app["daily"]) == 70


def test_the_spike_is_a_moment_once_and_its_ticket_is_created_once(planted):
    engine = planted.engine
    now = engine.clock.now()
    first = detect_and_wake(engine.store, engine.settings, now)
    # The tag Zendesk adds for the drop-down's value rose with it: the same spike, once.
    assert [k.rsplit(":", 1)[0] for k in first] == ["spike:category.app:android"]
    assert detect_and_wake(engine.store, engine.settings, now) == []
    engine.dispatcher.run_once()
    engine.process()
    created = engine.created_records()["zendesk"]
    tickets = [r for r in created if r["key"].startswith("spike_root_cause:")]
    assert len(tickets) == 1
    # The App field's label, read from Zendesk's ticket fields, not its value `android`.
    assert all(t["subject"].startswith("Pico de solicitudes: Android app") for t in tickets)
    # Planning again, after the tickets exist, sends nothing new.
    from momentos.planner import run_workflow

    again = run_workflow(engine.store, engine.settings, "spike_root_cause", now=now)
    assert again.enqueued == []
    engine.process()
    assert len([r for r in engine.created_records()["zendesk"]
                if r["key"].startswith("spike_root_cause:")]) == 1  # fmt: skip
