"""The Momentos app on a real socket with the demo's data, and headless Chromium to drive it.

Chromium is Debian's (`apt-get install chromium`; `.ci/run` installs it when missing),
driven through the `playwright` package, which never downloads a browser of its own here.
"""

import os
import shutil
from pathlib import Path

import pytest

from sandbox import seed
from tests.integration.conftest import live  # noqa: F401  (the sandbox and app, wired)
from tests.web.conftest import PASSWORD, UI_SECRETS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Every page answers in well under a second; waiting longer only delays the failure.
TIMEOUT_MS = 10_000
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def ui_env(monkeypatch):
    for name, value in UI_SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def site(ui_env, live):  # noqa: F811  (ui_env first: the app reads its key when it is built)
    """The app's URL, after the demo company went through a whole cycle."""
    engine, sandbox = live
    seed.apply(sandbox.state, "demo")
    engine.sync("hubspot")
    engine.sync("zendesk")
    assert sandbox.state.deliveries.flush(timeout=30)
    engine.process()
    return engine.settings.web["public_url"]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        # CI installs it (.ci/run), so there a missing browser fails instead of skipping.
        if os.environ.get("CI"):
            pytest.fail(f"no chromium at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip("no chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    """A logged-in page, screenshots folder ready."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.goto("/admin/login")
    tab.fill("#password", PASSWORD)
    tab.press("#password", "Enter")
    tab.wait_for_url("**/admin/")
    yield tab
    context.close()
