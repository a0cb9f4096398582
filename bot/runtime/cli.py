"""`perspective` command line: serve, worker, tick, db upgrade, and operator tools.

Errors are one line on standard error with a non-zero exit code; a bad setting
exits with code 2 (the contract in the README's "Settings").
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings, require_http_settings
from bot.deals import intake as deals
from bot.deals import winloss
from bot.digests import posting as digests
from bot.digests import subscriptions
from bot.promises.nudges import send_manager_nudges
from bot.runtime import sandbox
from bot.runtime.app import build_app
from bot.runtime.export import exporters, write_rows
from bot.runtime.logs import configure_logging
from bot.runtime.progress import progress, working
from bot.runtime.scheduler import run_tick, start_scheduler
from bot.runtime.server import HttpServer, build_web_app, run_socket_mode
from bot.services import Services, build_services
from bot.slack.client import DryRunClient

log = logging.getLogger("perspective")


class UsageError(Exception):
    """A command-line mistake; the message is shown as one line."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # The sandbox renders sample data only: it must work before anything is set up.
        settings = load_settings(needs_slack=args.needs_slack) if args.needs_settings else None
        configure_logging(settings.log_format if settings else "text")
        return args.run(settings, args)
    except ConfigError as error:
        print(f"perspective: {error}", file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"perspective: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `perspective sandbox | head`: the reader has what it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(
            f"perspective: database error: {reason} (is DATABASE_URL right, and has "
            "`perspective db upgrade` been run?)",
            file=sys.stderr,
        )
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perspective", description="Perspective: the Slack bot between sales and marketing."
    )
    parser.set_defaults(needs_settings=True, needs_slack=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the bot (Socket Mode or HTTP) and scheduler",
        description="Run the bot until stopped (Ctrl-C or SIGTERM): over Socket Mode when "
        "SLACK_APP_TOKEN is set, else HTTP on PORT (POST /slack/events, POST /hooks/deals, "
        "GET /healthz), with a scheduler tick every minute. Start one per core on one port.",
    )
    serve.add_argument(
        "--http", action="store_true", help="use HTTP even if SLACK_APP_TOKEN is set"
    )
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduler ticks")
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser(
        "worker",
        help="run only the scheduler (no Slack listeners)",
        description="Run scheduler ticks every minute until stopped, for deployments whose "
        "web processes run `serve --no-scheduler`. Several workers never send twice.",
    )
    worker.set_defaults(run=cmd_worker)

    tick = commands.add_parser(
        "tick",
        help="run one scheduler tick and exit",
        description="Run one scheduler tick, as cron would: send what is due (reminders, "
        "nudges, digests, win/loss prompts) and exit with 1 if a job failed. It really "
        "sends, and what it sends is never sent again; --dry-run prints it instead.",
    )
    tick.add_argument(
        "--now", type=parse_instant, help="the tick's instant (ISO-8601; default: now)"
    )
    tick.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be sent and change nothing (Slack is still read, e.g. time zones)",
    )
    tick.set_defaults(run=cmd_tick)

    nudge = commands.add_parser(
        "nudge",
        help="managers' daily nudges",
        description="Managers get one nudge a day at 09:00 their time; `send` sends today's now.",
    )
    nudge_commands = nudge.add_subparsers(dest="nudge_command", required=True, metavar="ACTION")
    nudge_send = nudge_commands.add_parser(
        "send", help="send today's manager nudges now (each at most once a day)"
    )
    nudge_send.set_defaults(run=cmd_nudge_send)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser(
        "upgrade",
        help="migrate the schema to the newest version",
        description="Migrate DATABASE_URL's schema to the newest version (safe to run twice). "
        "Run it once per release before starting the processes; SQLite migrates itself.",
    )
    upgrade.set_defaults(run=cmd_db_upgrade, needs_slack=False)

    digest = commands.add_parser("digest", help="post or preview a channel digest")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True, metavar="ACTION")
    send = digest_commands.add_parser("send", help="post a subscription's current period now")
    send.add_argument(
        "--subscription",
        type=int,
        required=True,
        metavar="ID",
        help="the digest's number, as `/perspective digest list` shows it",
    )
    send.add_argument("--force", action="store_true", help="post the last digest again")
    send.set_defaults(run=cmd_digest_send)
    preview = digest_commands.add_parser("preview", help="print a channel's digest as JSON")
    preview.add_argument(
        "--channel", required=True, metavar="C…", help="the channel's id (C…), as Slack shows it"
    )
    preview.set_defaults(run=cmd_digest_preview)

    importer = commands.add_parser("import", help="bring in closed deals from a file")
    import_kinds = importer.add_subparsers(dest="import_kind", required=True, metavar="KIND")
    import_deals = import_kinds.add_parser(
        "deals", help="closed deals from a CSV file with the webhook's fields as columns"
    )
    import_deals.add_argument("file", type=Path, help="CSV file with a header row")
    import_deals.set_defaults(run=cmd_import_deals)

    export = commands.add_parser("export", help="write notes, promises or deals as CSV or JSON")
    export.add_argument("kind", choices=sorted(exporters()), help="what to export")
    export.add_argument(
        "--format", choices=["csv", "json"], default="csv", help="CSV (default) or a JSON array"
    )
    export.add_argument("--output", type=Path, help="write to this file instead of stdout")
    export.set_defaults(run=cmd_export, needs_slack=False)

    sandbox_command = commands.add_parser(
        "sandbox",
        help="print the bot's main messages and forms, from sample data, as Block Kit JSON",
    )
    sandbox_command.add_argument(
        "surfaces", nargs="*", metavar="NAME", help="which ones (default: all; see --list)"
    )
    sandbox_command.add_argument("--list", action="store_true", help="list the names and exit")
    sandbox_command.set_defaults(run=cmd_sandbox, needs_settings=False)
    return parser


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 instant like 2026-12-14T09:00:00Z"
        ) from None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def cmd_sandbox(_settings: None, args: argparse.Namespace) -> int:
    """Paste a payload into Block Kit Builder (https://app.slack.com/block-kit-builder)."""
    if args.list:
        print("\n".join(sandbox.SURFACES))
        return 0
    try:
        payloads = sandbox.render(args.surfaces)
    except KeyError as unknown:
        raise UsageError(
            f"no sandbox surface {unknown.args[0]}; try one of: {', '.join(sandbox.SURFACES)}"
        ) from None
    print(json.dumps(payloads, indent=2, ensure_ascii=False))
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    services = build_services(settings)
    with working(f"migrating {services.db.describe()}"):
        services.db.upgrade()
    print(f"database {services.db.describe()} is up to date")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    rows = progress(exporters()[args.kind](services), f"exporting {args.kind}")
    if args.output is None:
        count = write_rows(rows, args.format, sys.stdout)
    else:
        with args.output.open("w", newline="", encoding="utf-8") as out:
            count = write_rows(rows, args.format, out)
    print(f"exported {count} {args.kind}", file=sys.stderr)
    return 0


def cmd_digest_send(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    subscription = subscriptions.get_subscription(services, args.subscription)
    if subscription is None:
        raise UsageError(f"there is no digest subscription {args.subscription}")
    with working(f"posting digest {subscription.id}"):
        delivery = digests.send_now(services, subscription, force=args.force)
    if delivery.status != "posted":
        raise UsageError(
            f"digest {subscription.id} was not posted: {delivery.error or delivery.status}"
        )
    print(f"digest {subscription.id} posted to {subscription.channel_id}, ts {delivery.ts}")
    return 0


def cmd_digest_preview(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    found = subscriptions.subscriptions_in_channel(services, args.channel)
    if not found:
        raise UsageError(f"no digest subscription posts to {args.channel}")
    previews = [
        {"subscription": s.id, "messages": [m.__dict__ for m in digests.preview(services, s)]}
        for s in found
    ]
    print(json.dumps(previews, indent=2, ensure_ascii=False))
    return 0


def cmd_import_deals(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    try:
        with args.file.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as lines:
            _migrate_default_sqlite(services)  # once opened: a mistyped name creates no database
            total = sum(1 for _ in lines)
            lines.seek(0)
            report = deals.import_csv(services, progress(lines, "importing deals", total))
    except (OSError, csv.Error) as error:
        raise UsageError(f"cannot read {args.file}: {error}") from None
    finally:
        winloss.prompts.drain()
    for number, reason in report.rejected:
        print(f"row {number}: rejected: {reason}", file=sys.stderr)
    print(
        f"imported {report.imported} deals ({report.unassigned} unassigned), "
        f"skipped {report.duplicates} duplicates, rejected {len(report.rejected)}"
    )
    return 1 if report.rejected else 0


def cmd_tick(settings: Settings, args: argparse.Namespace) -> int:
    services = build_services(settings)
    _migrate_default_sqlite(services)
    now = args.now or services.clock()
    if args.dry_run:
        services.client = DryRunClient(
            token=services.client.token, base_url=services.client.base_url, say=print
        )
        with services.db.rolled_back():
            report = run_tick(services, now)
    else:
        report = run_tick(services, now)
    dry = " (dry run: nothing was sent or changed)" if args.dry_run else ""
    print(
        f"tick at {now.isoformat()}: ran {len(report.ran)} jobs, {len(report.failed)} failed{dry}"
    )
    return 1 if report.failed else 0


def cmd_nudge_send(settings: Settings, _args: argparse.Namespace) -> int:
    services = build_services(settings)
    sent = send_manager_nudges(services, services.clock(), any_hour=True)
    print(f"sent {sent} manager nudge{'' if sent == 1 else 's'}")
    return 0


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    services = build_services(settings)
    check_bot_token(services)
    _migrate_default_sqlite(services)
    stop = _stop_event()
    scheduler = start_scheduler(services)
    log.info("worker running scheduler ticks every minute; database %s", services.db.describe())
    stop.wait()
    scheduler.shutdown(wait=True)
    log.info("worker stopped")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    use_socket_mode = settings.socket_mode and not args.http
    if not use_socket_mode:
        require_http_settings(settings)
    services = build_services(settings)
    check_bot_token(services)
    _migrate_default_sqlite(services)
    app = build_app(services)
    # Everything loaded so far lives as long as the process: keeping it out of the
    # garbage collector's scans shortens the pauses that lengthen slow requests.
    gc.freeze()
    stop = _stop_event()
    scheduler = None if args.no_scheduler else start_scheduler(services)
    try:
        if use_socket_mode:
            log.info("serving over Socket Mode; database %s", services.db.describe())
            try:
                run_socket_mode(app, settings.slack_app_token or "", stop)
            except SlackApiError as error:
                raise ConfigError(
                    f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}): create an "
                    "app-level token with the connections:write scope and set it again"
                ) from None
        else:
            _serve_http(app, services, stop)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        winloss.prompts.drain(drop_queued=True)
        services.db.dispose()
    log.info("stopped")
    return 0


BAD_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


def check_bot_token(services: Services) -> None:
    """A token Slack refuses is one clear line at start, not a server that fails every
    request; Slack not answering yet only warns (the bot retries on its own)."""
    try:
        services.client.auth_test()
    except SlackApiError as error:
        reason = error.response.get("error")
        if reason in BAD_TOKEN:
            raise ConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({reason}): copy the Bot User OAuth Token "
                "from your app's OAuth & Permissions page again"
            ) from None
        log.warning("could not check SLACK_BOT_TOKEN with Slack: %s", reason)
    except OSError as error:
        log.warning("could not reach Slack to check SLACK_BOT_TOKEN: %s", error)


def _serve_http(app: object, services: Services, stop: threading.Event) -> None:
    server = HttpServer(build_web_app(app, services), services.settings.port)  # type: ignore[arg-type]
    log.info(
        "serving HTTP on port %d (POST /slack/events, GET /healthz); database %s",
        server.port,
        services.db.describe(),
    )
    thread = server.start_in_thread()
    stop.wait()
    server.close()
    thread.join(timeout=10)


def _migrate_default_sqlite(services: Services) -> None:
    """A SQLite database is migrated on start so the first run needs no extra step.

    PostgreSQL deployments migrate explicitly with `perspective db upgrade`, so
    that several processes starting together never race on the schema.
    """
    if services.db.is_sqlite:
        services.db.upgrade()


def _stop_event() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so every mode shuts down the same clean way."""
    stop = threading.Event()
    handler: Callable[[int, object], None] = lambda _signum, _frame: stop.set()  # noqa: E731
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


if __name__ == "__main__":
    raise SystemExit(main())
