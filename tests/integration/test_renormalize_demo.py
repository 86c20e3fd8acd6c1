"""Issue 6: right after the demo story, `momentos renormalize` finds nothing to change.

HubSpot is synced before the Zendesk users that carry the customers' time zones are
linked, so the moments of HubSpot records were dated in the company's default zone and
only renormalize moved them (21 changes); deriving must follow the zone when it arrives.
"""

from momentos.renormalize import describe, renormalize
from sandbox import seed


def test_renormalize_after_the_demo_story_reports_no_change(live):
    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    engine.sync("hubspot")
    engine.sync("zendesk")
    assert sandbox.state.deliveries.flush(timeout=30)
    engine.process()
    seed.after_first_sync(sandbox.state)
    engine.cycle("hubspot")
    report = renormalize(engine.store, engine.rules, engine.clock.now(), dry_run=True)
    assert report.unchanged, "\n".join(describe(report, sample=50))
