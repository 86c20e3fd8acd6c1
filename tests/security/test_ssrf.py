"""Issue #12: a connector's base URL cannot point Momentos at internal addresses unless the
configuration explicitly allows a custom host, cloud metadata never, and a redirect to
another host at request time is refused, not followed."""

import pytest
from werkzeug.wrappers import Request, Response

from connectors.http import ApiClient, check_base_url
from connectors.zendesk.client import ZendeskClient
from momentos.config import HUBSPOT_HOSTS, ZENDESK_HOSTS
from momentos.errors import ConfigError, FatalApiError
from momentos.serving import BackgroundServer

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254",
    "http://127.1",
    "http://127.0.0.1:5050",
    "http://0x7f000001",
    "http://2130706433",
    "http://[::1]:8080",
    "http://[::ffff:169.254.169.254]",
    "http://0xa9.0xfe.0xa9.0xfe",
    "http://2852039166",
    "http://localhost",
    "http://metadata.google.internal",
    "http://10.0.0.1",
    "http://192.168.1.1",
    "https://acme.zendesk.com.evil.example",
    "https://evil.example/?x=acme.zendesk.com",
    "https://user:pass@acme.zendesk.com",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
]
METADATA = [
    u for u in INTERNAL if "169.254" in u or "0xa9" in u or "2852039166" in u or "metadata" in u
]


@pytest.mark.parametrize("url", INTERNAL)
@pytest.mark.parametrize("hosts", [ZENDESK_HOSTS, HUBSPOT_HOSTS])
def test_internal_base_urls_are_refused_by_default(url, hosts):
    assert check_base_url(url, hosts, allow_custom=False) is not None


@pytest.mark.parametrize("url", METADATA)
def test_cloud_metadata_is_refused_even_when_custom_hosts_are_allowed(url):
    assert check_base_url(url, ZENDESK_HOSTS, allow_custom=True) is not None


@pytest.mark.parametrize("url", ["http://127.0.0.1:5050", "http://[::1]:8080", "http://127.1"])
def test_loopback_is_allowed_only_when_explicitly_allowed(url):
    """The sandbox runs on loopback: `allow_custom_base_url: true` says so on purpose."""
    assert check_base_url(url, ZENDESK_HOSTS, allow_custom=False) is not None
    assert check_base_url(url, ZENDESK_HOSTS, allow_custom=True) is None


@pytest.mark.parametrize("url", ["https://acme.zendesk.com", "https://api.hubapi.com"])
def test_the_real_tools_are_allowed(url):
    hosts = ZENDESK_HOSTS if "zendesk" in url else HUBSPOT_HOSTS
    assert check_base_url(url, hosts, allow_custom=False) is None


def test_the_configuration_refuses_an_internal_base_url_at_start_up(make_settings):
    with pytest.raises(ConfigError) as caught:
        # The demo configuration allows custom hosts: metadata stays refused; for HubSpot the
        # allowance is withdrawn, and loopback is refused with it.
        make_settings(
            zendesk_url="http://169.254.169.254/",
            hubspot_url="http://0x7f000001",
            hubspot={"allow_custom_base_url": False},
        )
    problems = "\n".join(caught.value.problems)
    assert "zendesk.base_url" in problems and "hubspot.base_url" in problems


class Redirector:
    """A stand-in tool that redirects every request to `target` and counts requests."""

    def __init__(self):
        self.target = ""
        self.hits = 0

    def __call__(self, environ, start_response):
        self.hits += 1
        request = Request(environ)
        if self.target and not request.path.startswith("/moved"):
            response = Response(status=302, headers={"Location": self.target + request.path})
        else:
            response = Response('{"ok": true}', content_type="application/json")
        return response(environ, start_response)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_not_followed(status):
    """The tool's host answers with a redirect to another (loopback) host: the client
    refuses, the other host never gets the request, and the credentials never leave."""
    tool, elsewhere = Redirector(), Redirector()
    with (
        BackgroundServer(tool) as tool_server,
        BackgroundServer(elsewhere, host="127.0.0.2") as other_server,
    ):
        tool.target = other_server.url
        client = ZendeskClient(tool_server.url, "a@b.example", "secret-token", max_attempts=1)
        original = tool.__call__

        def with_status(environ, start_response):
            def start(line, headers, exc_info=None):
                line = f"{status} Redirect" if line.startswith("302") else line
                return start_response(line, headers, exc_info)

            return original(environ, start)

        tool_server.server.app = with_status
        with pytest.raises(FatalApiError, match="redirect"):
            client.request("GET", "/api/v2/tickets.json")
        assert elsewhere.hits == 0


def test_a_redirect_within_the_same_host_is_followed():
    tool = Redirector()
    with BackgroundServer(tool) as server:
        tool.target = server.url + "/moved"
        client = ApiClient(server.url, None, budgets={"default": _budget()})
        # A same-host redirect: the path moved; following it sends nothing elsewhere.
        response = client.request("GET", "/anything")
        assert (response.status_code, response.url, tool.hits) == (
            200,
            server.url + "/moved/anything",
            2,
        )


def _budget():
    from connectors.budget import Budget

    return Budget(100, 1.0)


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.1/admin",
        "http://0x7f000001/",
        "http://[::1]/",
        "http://localhost/",
        "//169.254.169.254/latest/meta-data/",  # scheme-relative: another host all the same
    ],
)
def test_a_redirect_to_an_internal_address_is_refused_before_any_connection(location):
    """Whatever internal address the redirect names, nothing connects to it: the client
    refuses at the 3xx, so no metadata service or loopback port is ever asked."""
    hits = []

    def tool(environ, start_response):
        hits.append(environ["PATH_INFO"])
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    with BackgroundServer(tool) as server:
        client = ZendeskClient(server.url, "a@b.example", "secret-token", max_attempts=1)
        with pytest.raises(FatalApiError, match="redirect to another host"):
            client.request("GET", "/api/v2/tickets.json")
    assert hits == ["/api/v2/tickets.json"]  # the tool was asked once, and nothing else
