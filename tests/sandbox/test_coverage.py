"""COVERAGE.md lists what the sandbox serves; it is generated, so it must match the routes."""

from sandbox import coverage


def test_coverage_file_is_up_to_date():
    expected = coverage.render()
    assert coverage.COVERAGE.read_text() == expected, (
        "sandbox/COVERAGE.md is out of date: run `python -m sandbox.coverage`"
    )


def test_every_tool_operation_is_listed_once_with_its_method():
    ops = coverage.operations()
    assert len(ops) == len(set(ops))
    assert ("hubspot", "POST", "/crm/v3/objects/{object_type}/search") in ops
    assert ("hubspot", "PUT", "/webhooks/v3/{app_id}/settings") in ops
    assert ("zendesk", "GET", "/api/v2/tickets/{ticket_id}[.json]") in ops
    assert ("control", "GET", "/_sandbox/mail") in ops


def test_hand_kept_differences_are_carried_over():
    rendered = coverage.render()
    assert coverage.DIFFERENCES.read_text() in rendered
    assert "## Known differences from the real APIs" in rendered
