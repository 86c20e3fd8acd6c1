"""Run `momentos ARGS` and SIGKILL it at an exact commit: just before or just after the n-th
commit that writes a statement matching a pattern (a cursor, a derived event, the outbox).

    python -m tests.reliability.killpoint PATTERN N before|after COUNT_FILE -- ARGS...

Every SQLite connection the child opens is a `Watched` connection: it sees each statement
the store sends, so it knows when a transaction that wrote PATTERN commits (an explicit
COMMIT, or a write in autocommit), and kills its own process there with a real SIGKILL.
No timer and no watcher: the kill lands at that line, every time. N = 0 never kills; the
number of such commits is written to COUNT_FILE at exit, which measures a clean run.
Used by tests/reliability/test_crash_stages.py and bench/reliability_crash.py (issue #12).
"""

import atexit
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
COMMIT = re.compile(r"^\s*(COMMIT|END)\b", re.IGNORECASE)
ROLLBACK = re.compile(r"^\s*ROLLBACK\s*$", re.IGNORECASE)


class Plan:
    """Where to die: the `nth` commit writing `pattern`, `before` or after it."""

    def __init__(self, pattern: str, nth: int, before: bool):
        self.pattern, self.nth, self.before = pattern, nth, before
        self.commits = 0

    def at_commit(self, run):
        """A commit point: count it, and kill before or after running it when it is the one."""
        self.commits += 1
        if self.commits == self.nth and self.before:
            os.kill(os.getpid(), signal.SIGKILL)
        result = run()
        if self.commits == self.nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def watched(plan: Plan) -> type[sqlite3.Connection]:
    class Watched(sqlite3.Connection):
        wrote = False  # this transaction wrote a statement matching the plan's pattern

        def execute(self, sql, *args):
            return self._through(sql, lambda: super(Watched, self).execute(sql, *args))

        def executemany(self, sql, *args):
            return self._through(sql, lambda: super(Watched, self).executemany(sql, *args))

        def commit(self):
            if self.in_transaction and self.wrote:
                self.wrote = False
                return plan.at_commit(super().commit)
            return super().commit()

        def _through(self, sql: str, run):
            matches = bool(WRITE.match(sql)) and plan.pattern in sql
            if matches and not self.in_transaction:
                return plan.at_commit(run)  # autocommit: the statement is its own commit
            if matches:
                self.wrote = True
            elif COMMIT.match(sql) and self.wrote:
                self.wrote = False
                return plan.at_commit(run)
            elif ROLLBACK.match(sql):
                self.wrote = False
            return run()

    return Watched


def install(plan: Plan) -> None:
    """Every later `sqlite3.connect` opens a watched connection."""
    connect = sqlite3.connect

    def watched_connect(*args, **kwargs):
        return connect(*args, factory=watched(plan), **kwargs)

    sqlite3.connect = watched_connect


def main(argv: list[str]) -> int:
    pattern, nth, when, count_file, separator, *args = argv
    if separator != "--" or when not in ("before", "after"):
        raise SystemExit(__doc__)
    plan = Plan(pattern, int(nth), when == "before")
    install(plan)
    atexit.register(lambda: Path(count_file).write_text(str(plan.commits)))
    from momentos.cli import main as momentos

    return momentos(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
