"""`momentos`: the command line. Every command exits non-zero with one clear line on error."""

import argparse
import os
import sys
from datetime import UTC, date, datetime, time

from momentos import logs
from momentos.errors import ConfigError, MomentosError

DEFAULT_CONFIG = "config/momentos.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="momentos", description=__doc__)
    parser.add_argument(
        "--config",
        default=os.environ.get("MOMENTOS_CONFIG", DEFAULT_CONFIG),
        help="YAML configuration (default: $MOMENTOS_CONFIG or %(default)s)",
    )
    parser.add_argument("--log-level", default=os.environ.get("MOMENTOS_LOG_LEVEL", "WARNING"))
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="the whole story on the sandbox, then serve the UI")
    demo.add_argument("--once", action="store_true", help="exit after the summary")
    demo.add_argument("--fresh", action="store_true", help="start over: forget .demo/")
    demo.add_argument("--summary-json", metavar="FILE", help="also write the summary as JSON")
    box = sub.add_parser("sandbox", help="run the Zendesk/HubSpot stand-in")
    box.add_argument("--port", type=int, default=5050)
    box.add_argument("--seed", choices=("demo", "empty"), default="demo")
    box.add_argument("--momentos-url", help="where the seeded webhooks deliver")
    box.add_argument("--state", help="keep the sandbox's state in this JSON file")
    sub.add_parser("serve", help="serve webhooks and the UI")
    sub.add_parser("worker", help="poll, derive, plan and dispatch on a schedule")
    sync = sub.add_parser("sync", help="poll once")
    sync.add_argument("tool", nargs="?", choices=("zendesk", "hubspot"))
    backfill = sub.add_parser("backfill", help="load every stream's history (resumable)")
    backfill.add_argument(
        "tool",
        nargs="?",
        metavar="TOOL_OR_STREAM",
        help="zendesk, hubspot, or one stream such as zendesk:tickets",
    )
    hooks = sub.add_parser("install-webhooks", help="make Zendesk and HubSpot call Momentos")
    hooks.add_argument("--dry-run", action="store_true", help="show the changes, make none")
    run = sub.add_parser("run", help="run one workflow now")
    run.add_argument("workflow")
    run.add_argument("--as-of", type=datetime.fromisoformat, metavar="DATE")
    run.add_argument("--dry-run", action="store_true", help="show the plan, send nothing")
    run.add_argument(
        "--backtest",
        nargs=2,
        metavar=("FROM", "TO"),
        type=date.fromisoformat,
        help="what it would have created each day of a past window",
    )
    outbox = sub.add_parser("outbox", help="list actions; retry or dismiss one to review")
    outbox.add_argument("verb", nargs="?", choices=("list", "retry", "dismiss"), default="list")
    outbox.add_argument("keys", nargs="*", metavar="KEY")
    outbox.add_argument("--state", action="append", help="only these states (repeatable)")
    dispatch = sub.add_parser("dispatch", help="send what is due in the outbox")
    dispatch.add_argument(
        "--drain",
        action="store_true",
        help="keep going until nothing is left to send or to resolve",
    )
    renorm = sub.add_parser(
        "renormalize", help="derive every moment again from the stored events (after a rule change)"
    )
    renorm.add_argument("--dry-run", action="store_true", help="report the changes, apply none")
    announce = sub.add_parser(
        "announce", help="a task to warn each customer in a CSV of a price change or a delay"
    )
    announce.add_argument(
        "--csv",
        required=True,
        metavar="FILE",
        help="header with email, company_id and/or contact_id (HubSpot ids)",
    )
    announce.add_argument("--kind", required=True, choices=("price_change", "delay"))
    announce.add_argument("--message-es", required=True, help="the message for Spanish speakers")
    announce.add_argument("--message-en", required=True, help="the message for English speakers")
    announce.add_argument(
        "--id",
        help="the announcement's id (default: a hash of the CSV, the kind and the messages); "
        "each customer gets one task per id",
    )
    announce.add_argument("--dry-run", action="store_true", help="show the tasks, create none")
    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("path", nargs="?")
    return parser


def _as_of(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        # A bare date means the end of that day, so the whole day's moments are seen.
        value = (
            datetime.combine(value.date(), time(23, 59, 59), tzinfo=UTC)
            if value.time() == time(0)
            else value.replace(tzinfo=UTC)
        )
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.setup(args.log_level.upper())
    from momentos import commands

    try:
        if args.command == "run":
            args.as_of = _as_of(args.as_of)
        return commands.dispatch_command(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except MomentosError as exc:
        print(f"momentos: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback in front of a user; the log has it
        import logging

        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(
            f"momentos: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --log-level DEBUG for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
