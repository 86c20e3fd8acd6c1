"""Every listed workflow has its own tests and its own README section (issue #8)."""

from pathlib import Path

import pytest

from workflows import WORKFLOWS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.NAME)
def test_workflow_has_tests_and_a_readme_section(workflow):
    assert (ROOT / "tests" / "workflows" / f"test_{workflow.NAME}.py").exists()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"### {workflow.NAME}\n" in readme


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.NAME)
def test_workflow_has_the_plugin_shape(workflow):
    assert workflow.NAME and workflow.__doc__
    assert hasattr(workflow, "Params") and callable(workflow.plan)
    assert getattr(workflow, "WAKES_ON", ()) or getattr(workflow, "TRIGGER", None)
    assert workflow.Params().load({})["enabled"] in (True, False)
