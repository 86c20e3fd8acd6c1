"""The admin UI in a real browser: every page in both languages, a dry run, the keyboard.

Screenshots land in tests/browser/screenshots/ (git-ignored) for a person to look at.
"""

import re

import pytest

from tests.browser.conftest import ARGS, CHROMIUM, SCREENSHOTS  # noqa: F401
from tests.web.test_i18n import english_phrases

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SECTIONS = {
    "dashboard": "/admin/",
    "customers": "/admin/customers",
    "workflows": "/admin/workflows",
    "outbox": "/admin/outbox",
    "connectors": "/admin/connectors",
    "identity": "/admin/identity",
}
BROKEN = re.compile(r"Traceback|Internal Server Error|jinja2\.|UndefinedError|\{\{|\{%")


def check(page, name: str, language: str, phrases: list[str]) -> None:
    """No traceback or template marker on the page, no English on a Spanish one; a screenshot."""
    body = page.inner_text("body")
    assert not BROKEN.search(body), name
    assert page.locator("html").get_attribute("lang") == language
    if language == "es":
        readable = page.evaluate(
            "() => { const c = document.body.cloneNode(true);"
            " c.querySelectorAll('[lang=en]').forEach(e => e.remove()); return c.innerText; }"
        )
        assert [p for p in phrases if p in readable] == [], name
    page.screenshot(path=SCREENSHOTS / f"{language}-{name}.png", full_page=True)


def switch(page, language: str) -> None:
    page.click(f"form.language button[value={language}]")
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_page_in_both_languages(page, language):
    phrases = english_phrases()
    switch(page, language)
    for name, url in SECTIONS.items():
        response = page.goto(url)
        assert response.status < 400, name
        check(page, name, language, phrases)
    page.goto("/admin/customers")
    page.click("table a >> nth=0")
    check(page, "customer", language, phrases)
    assert page.locator(".timeline li").count() >= 1
    page.goto("/admin/customers?q=laespiga")
    check(page, "customer-search", language, phrases)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_dry_run_from_the_workflows_page(page, language):
    switch(page, language)
    page.goto("/admin/workflows")
    page.click("a.button")
    page.click("form[action*='/preview'] button[type=submit]")
    page.wait_for_selector("#results")
    results = page.inner_text("#results")
    # The demo's five complaints were planned and sent already: planning again adds nothing.
    assert re.search(r"(would create|Crearía) 0 ", results)
    assert page.locator("#results tbody tr").count() == 5
    check(page, "dry-run", language, english_phrases())


def test_the_keyboard_reaches_the_skip_link_first_and_narrow_screens_do_not_scroll_sideways(
    page,
):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url in SECTIONS.items():
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, name
    page.goto("/admin/")
    page.screenshot(path=SCREENSHOTS / "narrow-dashboard.png", full_page=True)


def test_without_logging_in_the_browser_lands_on_the_login(browser, site):
    context = browser.new_context(base_url=site)
    tab = context.new_page()
    tab.goto("/admin/outbox")
    assert "/admin/login" in tab.url and tab.locator("#password").is_visible()
    tab.screenshot(path=SCREENSHOTS / "login.png")
    context.close()
