"""The Insights page in a real browser, both languages, after a spike was planted in the
sandbox and synced through the connector; screenshots for a person to look at."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox import seed
from sandbox.scale import seed_size
from tests.browser.test_admin_ui import check, switch
from tests.integration.conftest import live  # noqa: F401
from tests.web.test_i18n import english_phrases

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def site(ui_env, live):  # noqa: F811  (conftest's `page` logs in here)
    """The demo company plus 3,000 tickets whose Android share doubles nine days ago, all
    synced and derived before the page opens (an export cursor never goes back in time)."""
    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    end = datetime.now(UTC) - timedelta(hours=1)
    seed_size(sandbox.state, 3000, start=end - timedelta(days=70), end=end, seed=5,
              shift_at=end - timedelta(days=9))  # fmt: skip
    engine.sync("hubspot")
    engine.sync("zendesk")
    assert sandbox.state.deliveries.flush(timeout=30)
    engine.process()
    return engine.settings.web["public_url"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_insights_page_shows_the_spike_with_its_chart(page, language):
    switch(page, language)
    response = page.goto("/admin/insights")
    assert response.status < 400
    # The three largest spikes charted (the planted Android one, the demo's API one since
    # its webhook change, its app update's lasting shift) and CSAT by moment type.
    assert page.locator("figure.chart svg").count() == 4
    assert "android" in page.inner_text(".top-insight")
    check(page, "insights", language, english_phrases())
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
