"""What each CLI command does, given parsed arguments."""

import json
import logging
import threading
from argparse import Namespace

from momentos.clock import SystemClock
from momentos.config import load_settings
from momentos.store import Store

logger = logging.getLogger(__name__)


def _engine(args: Namespace):
    from momentos.engine import Engine

    settings = load_settings(args.config)
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
    print(f"sandbox serving Zendesk, HubSpot and /_sandbox on {server.url} (Ctrl-C to stop)")
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


def run(args: Namespace) -> int:
    from momentos.planner import run_workflow
    from momentos.report import describe_action

    engine = _engine(args)
    engine.derive()
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


def serve(args: Namespace) -> int:
    from server import create_app

    settings = load_settings(args.config)
    app = create_app(settings, Store(settings.store["path"]), SystemClock())
    app.run(host=settings.web["host"], port=settings.web["port"])
    return 0


def worker(args: Namespace) -> int:
    from apscheduler.schedulers.background import BackgroundScheduler

    from momentos.scheduler import JOB_DEFAULTS, catch_up, install_jobs, run_until_stopped

    engine = _engine(args)
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


COMMANDS = {
    "check-config": check_config,
    "sandbox": sandbox,
    "sync": sync,
    "run": run,
    "dispatch": dispatch,
    "serve": serve,
    "worker": worker,
    "demo": demo,
}


def dispatch_command(args: Namespace) -> int:
    return COMMANDS[args.command](args)
