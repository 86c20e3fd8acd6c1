"""Login, logout, CSRF, the login rate limit, and every admin route closed without them."""

import pytest

from tests.web.conftest import CSRF, PASSWORD, UI_SECRETS, csrf_token, login

JSON_401 = {
    "error": {
        "status": 401,
        "message": "a valid 'Authorization: Bearer <token>' header is required",
    }
}


def admin_rules(app, prefix):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix)
        and rule.endpoint not in {"ui.static", "ui.session.login", "ui.session.language"}
    ]


def concrete(rule) -> str:
    """The rule's URL with its variables filled in."""
    values = {"customer_id": 1, "name": "complaint_followup"}
    return rule.rule.replace("<int:customer_id>", "1").format(**values).replace("<name>", "x")


def test_every_admin_page_without_login_redirects_to_the_login(client):
    rules = admin_rules(client.application, "/admin")
    assert len(rules) >= 10
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(concrete(rule), method=method)
            assert response.status_code == 302, (method, rule.rule)
            assert response.location.startswith("/admin/login?next="), rule.rule


def test_every_api_route_without_a_valid_token_is_a_json_401(client):
    rules = admin_rules(client.application, "/api")
    assert len(rules) == 7  # actions, timeline, preview, backtest, three insights
    for rule in rules:
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"}))
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            response = client.open(concrete(rule), method=method, headers=headers)
            assert response.status_code == 401, rule.rule
            assert response.json == JSON_401
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="momentos"'


def test_the_api_is_closed_while_no_token_is_configured(client, monkeypatch):
    monkeypatch.delenv("MOMENTOS_API_TOKEN")
    response = client.get("/api/actions", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert response.json["error"]["message"] == "the API is disabled: set MOMENTOS_API_TOKEN"


def test_login_then_pages_then_logout(client):
    response = login(client)
    assert response.status_code == 302 and response.location == "/admin/"
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.location == "/admin/login"
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_is_refused(client):
    response = login(client, "guess")
    assert response.status_code == 401
    assert "Wrong password." in response.text or "Contraseña incorrecta." in response.text
    assert client.get("/admin/").status_code == 302


def test_a_plain_password_in_the_environment_works_too(client, monkeypatch):
    monkeypatch.setenv("MOMENTOS_ADMIN_PASSWORD", "plain secret")
    assert login(client, PASSWORD).status_code == 401
    assert login(client, "plain secret").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(client):
    token = csrf_token(client)
    form = {"csrf_token": token, "password": PASSWORD}
    response = client.post("/admin/login", data={**form, "next": "/admin/outbox?page=2"})
    assert response.location == "/admin/outbox?page=2"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
        response = client.post(
            "/admin/login", data={**form, "csrf_token": csrf_token(client), "next": target}
        )
        assert response.location == "/admin/", target


def test_a_form_without_its_csrf_token_changes_nothing(client, app):
    response = client.post("/admin/login", data={"password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302  # still logged out
    login(client)
    response = client.post("/admin/outbox/move", data={"key": "review-me", "verb": "dismiss"})
    assert response.status_code == 400  # issue #12: every form without its token, 400
    assert app.config["STORE"].actions(keys=["review-me"])[0]["state"] == "needs_review"


def test_login_attempts_are_rate_limited(client):
    for _ in range(5):
        assert login(client, "guess").status_code == 401
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.text or "Demasiados intentos" in response.text
    assert client.get("/admin/login").status_code == 200  # the form itself stays reachable


def test_the_session_cookie_is_http_only_and_same_site(client):
    login(client)
    cookie = client.get_cookie("momentos_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_behind_https_the_session_cookie_is_secure(make_app):
    client = make_app(
        web={"host": "0.0.0.0", "port": 8000, "public_url": "https://momentos.example.com"}
    ).test_client()
    login(client)
    assert client.get_cookie("momentos_session").secure


@pytest.mark.parametrize("missing", ["MOMENTOS_SECRET_KEY", "MOMENTOS_ADMIN_PASSWORD"])
def test_without_its_secrets_the_ui_says_what_to_set_and_lets_nobody_in(
    make_app, monkeypatch, missing
):
    monkeypatch.delenv(missing)
    client = make_app().test_client()
    page = client.get("/admin/login")
    assert missing in page.text and UI_SECRETS[missing] not in page.text
    assert 'name="password"' not in page.text
    assert client.get("/admin/").status_code in {302, 503}
    found = CSRF.search(client.get("/admin/login").text)
    form = {"password": PASSWORD, "csrf_token": found.group(1) if found else ""}
    assert client.post("/admin/login", data=form).status_code == 503
    assert client.get("/admin/").status_code != 200


def test_the_site_root_leads_to_the_dashboard(client):
    assert client.get("/").location == "/admin/"


def test_login_and_logout_start_a_fresh_session_keeping_only_the_language(client):
    with client.session_transaction() as session:
        session.update(lang="en", planted="by someone else")
    login(client)
    with client.session_transaction() as session:
        assert session["admin"] is True and session["lang"] == "en" and "planted" not in session
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    with client.session_transaction() as session:
        assert dict(session) == {"lang": "en"}
