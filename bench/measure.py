"""What the benchmarks share: peak memory, percentiles, a store from the demo config, and
the line `bench/run_all.py` reads their results from."""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "config" / "demo.yaml"
# A script's last line starting with this holds its rows for the suite's table.
ROWS_PREFIX = "bench-rows: "


@dataclass
class Row:
    """One line of the suite's table: a figure, and the goal it answers if one is stated."""

    benchmark: str
    size: str
    figure: str
    goal: str = "—"
    met: bool | None = None


def judged(met: bool, size: int, goal_size: int) -> bool | None:
    """Whether a goal stated for `goal_size` is met; None (not judged) at a smaller size."""
    return met if size >= goal_size else None


def print_rows(rows: list[Row]) -> None:
    print(ROWS_PREFIX + json.dumps([asdict(row) for row in rows]), flush=True)


def read_rows(output: str) -> list[Row]:
    lines = [line for line in output.splitlines() if line.startswith(ROWS_PREFIX)]
    return [Row(**row) for row in json.loads(lines[-1][len(ROWS_PREFIX) :])] if lines else []


def reset_peak_rss() -> None:
    """Start this process's high-water RSS again from what it holds now (Linux clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's high-water RSS (VmHWM) in MB: since exec, or since `reset_peak_rss`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: the value p% of the samples are at or under."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def demo_config(directory: Path, **sections) -> Path:
    """config/demo.yaml with the store in `directory` and `sections` merged in, written there."""
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    data["store"] = {"path": str(directory / "momentos.db")}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    path = directory / "momentos.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
