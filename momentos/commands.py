"""What each CLI command does, given parsed arguments."""

import json
import logging
import os
import sys
import threading
from argparse import Namespace
from pathlib import Path

from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.errors import MomentosError
from momentos.store import Store

logger = logging.getLogger(__name__)


def _share_metrics(settings) -> None:
    """Count into files beside the store, which serve's gunicorn workers and the worker
    share, so that one scrape of /metrics adds every process up (momentos/metrics.py).
    prometheus_client picks where it counts when first imported: this runs before that."""
    if "prometheus_client" in sys.modules:
        return  # this process counts already (the demo, tests): too late to share
    default = Path(settings.store["path"]).resolve().parent / "metrics"
    Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(default))).mkdir(
        parents=True, exist_ok=True
    )


def _engine(args: Namespace):
    settings = load_settings(args.config)
    _share_metrics(settings)
    from momentos.engine import Engine

    clock = SystemClock()
    return Engine(settings, Store(settings.store["path"]), clock)


def check_config(args: Namespace) -> int:
    settings = load_settings(args.path or args.config)
    print(f"{settings.source}: ok")
    return 0


def sandbox(args: Namespace) -> int:
    from pathlib import Path

    from sandbox.server import SandboxServer
    from sandbox.settings_env import settings_from_env

    settings = settings_from_env(momentos_url=args.momentos_url)
    server = SandboxServer(
        settings,
        host="127.0.0.1",
        port=args.port,
        state_path=Path(args.state) if args.state else None,
    ).start()
    if not server.state.zendesk.dump().get("tickets") or args.seed == "empty":
        from sandbox import seed

        seed.apply(server.state, args.seed)
    print(
        f"sandbox serving Zendesk, HubSpot and /_sandbox on {server.url}, "
        f"mail (SMTP) on port {server.smtp_port} (Ctrl-C to stop)"
    )
    try:
        threading.Event().wait()
    finally:
        server.stop()
    return 0


def sync(args: Namespace) -> int:
    engine = _engine(args)
    for stream, count in engine.sync(args.tool).items():
        print(f"{stream}: {count} new events")
    return 0


def backfill(args: Namespace) -> int:
    from momentos.backfill import run_backfill

    for stream, count in run_backfill(_engine(args), args.tool).items():
        print(f"{stream}: {count} new events")
    return 0


def install_webhooks(args: Namespace) -> int:
    from momentos.webhook_install import install

    install(_engine(args), dry_run=args.dry_run)
    return 0


def _backtest(engine, args: Namespace) -> int:
    from momentos.planner import backtest
    from momentos.report import describe_action

    start, end = args.backtest
    days = backtest(engine.store, engine.settings, args.workflow, start, end, engine.clock.now())
    for day, actions in days:
        print(f"{day.isoformat()}: {len(actions)} new")
        for action in actions:
            print(f"  {describe_action(action)}")
    print(
        f"{args.workflow}: would have created {sum(len(a) for _, a in days)} actions "
        f"from {start} to {end}"
    )
    return 0


def run(args: Namespace) -> int:
    from momentos.planner import run_workflow
    from momentos.report import describe_action

    engine = _engine(args)
    engine.derive()
    if args.backtest:
        return _backtest(engine, args)
    result = run_workflow(
        engine.store,
        engine.settings,
        args.workflow,
        now=engine.clock.now(),
        as_of=args.as_of,
        dry_run=args.dry_run,
    )
    if result.error:
        print(f"momentos: error: workflow {args.workflow} failed: {result.error}")
        return 1
    for action in result.actions:
        print(describe_action(action))
    for action, reason in result.skipped:
        print(f"skipped ({reason}): {describe_action(action)}")
    verb = "would create" if args.dry_run else f"enqueued {len(result.enqueued)} new of"
    print(f"{args.workflow}: {verb} {len(result.actions)} actions")
    return 0


def dispatch(args: Namespace) -> int:
    engine = _engine(args)
    dispatcher = engine.dispatcher
    report = dispatcher.drain() if args.drain else dispatcher.run_once()
    print(json.dumps({k: v for k, v in report.__dict__.items() if k != "calls"}))
    return 0


OUTBOX_MOVES = {
    "retry": (("needs_review", "failed"), "pending"),
    "dismiss": (("needs_review", "failed"), "dismissed"),
}


def outbox(args: Namespace) -> int:
    settings = load_settings(args.config)
    store = Store(settings.store["path"])
    if args.verb == "list":
        for row in store.actions(states=args.state or ()):
            where = row["remote_url"] or row["error"] or ""
            print(f"{row['state']:<12} {row['key']}  {where}")
        return 0
    if not args.keys:
        raise MomentosError(f"outbox {args.verb} needs at least one KEY")
    from_states, to_state = OUTBOX_MOVES[args.verb]
    failures = 0
    for key in args.keys:
        if store.move_action(key, from_states, to_state, SystemClock().now()):
            print(f"{key}: {to_state}")
        else:
            failures += 1
            print(f"{key}: not changed (only {' or '.join(from_states)} actions can be)")
    return 1 if failures else 0


def serve(args: Namespace) -> int:
    """gunicorn (momentos/wsgi.py); the Flask development server is only for the demo."""
    from momentos import wsgi

    settings = load_settings(args.config)
    _share_metrics(settings)
    Store(settings.store["path"]).close()  # migrate once, before the workers start
    return wsgi.serve(args.config, settings.web)


def worker(args: Namespace) -> int:
    engine = _engine(args)  # first: it shares the metrics before anything imports them
    from apscheduler.schedulers.background import BackgroundScheduler

    from momentos.scheduler import JOB_DEFAULTS, catch_up, install_jobs, run_until_stopped

    for name in catch_up(engine):
        print(f"caught up the missed run of {name}")
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=engine.settings.timezone)
    install_jobs(scheduler, engine)
    print("worker started: polling, processing and workflows on schedule (Ctrl-C to stop)")
    run_until_stopped(scheduler)
    print("worker stopped")
    return 0


def demo(args: Namespace) -> int:
    from momentos.demo import run_demo

    return run_demo(once=args.once, fresh=args.fresh, summary_json=args.summary_json)


def renormalize(args: Namespace) -> int:
    from momentos.renormalize import describe
    from momentos.renormalize import renormalize as derive_again

    engine = _engine(args)
    engine.derive()  # link and derive what is pending first, so every event counts
    report = derive_again(engine.store, engine.rules, engine.clock.now(), dry_run=args.dry_run)
    for line in describe(report):
        print(line)
    return 0


def announce(args: Namespace) -> int:
    from momentos.announcements import announce as plan_announcement
    from momentos.announcements import load
    from momentos.report import describe_action

    messages = {"es": args.message_es, "en": args.message_en}
    announcement, recipients = load(args.csv, args.kind, messages, args.id)
    engine = _engine(args)
    engine.derive()  # link what is pending first, so every customer is known
    result, enqueued = plan_announcement(engine.store, engine.settings, announcement,
                                         recipients, engine.clock.now(), args.dry_run)  # fmt: skip
    for action in result.actions:
        print(describe_action(action))
    for row in result.unmatched:
        print(f"line {row.line}: {row.column} {row.value!r} matches no known customer")
    verb = "would create" if args.dry_run else f"enqueued {len(enqueued)} new of"
    print(f"announcement {announcement.id} ({announcement.kind}): {verb} {len(result.actions)} "
          f"tasks; {len(result.unmatched)} rows matched no customer")  # fmt: skip
    return 0


COMMANDS = {
    "check-config": check_config,
    "sandbox": sandbox,
    "sync": sync,
    "backfill": backfill,
    "install-webhooks": install_webhooks,
    "run": run,
    "dispatch": dispatch,
    "serve": serve,
    "worker": worker,
    "demo": demo,
    "outbox": outbox,
    "renormalize": renormalize,
    "announce": announce,
}


def dispatch_command(args: Namespace) -> int:
    return COMMANDS[args.command](args)
