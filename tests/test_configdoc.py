"""docs/configuration.md is generated from the schemas, and says something about every key."""

import subprocess
import sys
from pathlib import Path

from momentos import configdoc
from momentos.config import SettingsSchema

ROOT = Path(__file__).resolve().parents[1]


def test_the_reference_is_up_to_date():
    assert configdoc.DOC_PATH.read_text() == configdoc.render(), (
        "docs/configuration.md is out of date: run `python -m momentos.configdoc`"
    )


def test_every_key_has_a_description():
    assert configdoc.undocumented() == []


def test_every_key_of_the_schemas_is_in_the_reference():
    text = configdoc.render()
    for path, _field in configdoc.rows(SettingsSchema, ""):
        assert f"`{path}`" in text
    port = "| `web.port` | integer |  | `8000` | Port `momentos serve` listens on."
    assert port + " (0 ≤ value ≤ 65535) |" in text
    assert "| `zendesk.api_token_env` | text | yes |  |" in text
    assert "| `workflows.complaint_followup.due_time` | time (HH:MM) |  | `17:00` |" in text


def test_check_fails_on_a_stale_file_and_the_command_rewrites_it(tmp_path, monkeypatch):
    stale = tmp_path / "configuration.md"
    stale.write_text("# old\n")
    monkeypatch.setattr(configdoc, "DOC_PATH", stale)
    assert configdoc.main(["--check"]) == 1
    assert configdoc.main([]) == 0
    assert stale.read_text() == configdoc.render()
    assert configdoc.main(["--check"]) == 0


def test_python_dash_m_checks_the_real_file():
    done = subprocess.run([sys.executable, "-m", "momentos.configdoc", "--check"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
