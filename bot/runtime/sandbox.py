"""`perspective sandbox`: the whole app on this machine, with a stand-in Slack.

The composition of the sandbox lives here, with the other ways the app is put
together (`serve`, `tick`): the real Bolt app and web app, services on a fresh
SQLite file (or `--database`), the fake Slack on loopback, and a clock that moves
only with `tick`. `bot.sandbox` drives it; this module only builds and runs it.
"""

from __future__ import annotations

import logging
import readline  # noqa: F401 - line editing and history for what is typed at the prompt
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.deals import winloss
from bot.refusals import Refusal
from bot.runtime.app import build_app
from bot.runtime.scheduler import run_tick
from bot.runtime.server import build_web_app
from bot.runtime.work_queue import WorkQueue
from bot.sandbox import html
from bot.sandbox.language import HELP, read_line
from bot.sandbox.printer import Printer
from bot.sandbox.session import Sandbox, SandboxClock, Step
from bot.services import Services, build_services
from bot.slack.fake import FakeSlackServer

# Only the sandbox's own stand-in Slack ever sees these.
SIGNING_SECRET = "sandbox-signing-secret"
WEBHOOK_SECRET = "sandbox-webhook-secret"


@contextmanager
def open_sandbox(start: datetime, database_url: str | None = None) -> Iterator[Sandbox]:
    """A ready sandbox: migrated database, demo people, bob managing alice and erin."""
    folder = tempfile.TemporaryDirectory(prefix="perspective-sandbox-")
    server = FakeSlackServer().start()
    settings = Settings(
        slack_bot_token=server.fake.token,
        slack_signing_secret=SIGNING_SECRET,
        database_url=database_url or f"sqlite:///{Path(folder.name) / 'sandbox.db'}",
        slack_api_url=server.api_url,
        deals_webhook_secret=WEBHOOK_SECRET,
        workers=4,
    )
    clock = SandboxClock(start)
    services = build_services(settings, clock=clock)
    queue = WorkQueue(settings.workers, settings.queue_size)
    try:
        services.db.upgrade()
        web_app = build_web_app(build_app(services, queue), services)

        def settle() -> None:
            queue.wait_idle()
            winloss.prompts.drain()

        sandbox = Sandbox(
            services, server.fake, clock, web_app, _tick, settle, server.response_url("")
        )
        sandbox.set_up()
        yield sandbox
    finally:
        queue.shutdown()
        winloss.prompts.drain()
        services.db.dispose()
        server.stop()
        folder.cleanup()


def play(
    start: datetime,
    database_url: str | None,
    script: list[str] | None,
    source: str,
    html_folder: Path | None,
) -> int:
    """`perspective sandbox`: a script's lines (exit 1 at the first that fails) or what is
    typed; then, with `--html`, a page for each surface shown."""
    quiet_logs()
    printer = Printer(sys.stdout, sys.stderr)
    with open_sandbox(start, database_url) as sandbox:
        if script is None:
            code = run_interactive(sandbox, prompts(sandbox, sys.stdin), printer)
        else:
            code = run_script(sandbox, script, printer, source)
        if html_folder is not None:
            pages = html.write_pages(sandbox.shown, html_folder)
            print(f"wrote {pages} pages to {html_folder}/ (open index.html)", file=sys.stderr)
    return code


def _tick(services: Services, now: datetime) -> list[str]:
    return run_tick(services, now).failed


def run_script(sandbox: Sandbox, lines: Iterable[str], printer: Printer, source: str) -> int:
    """Each line echoed, then what it showed; the first failing line stops with exit 1."""
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        printer.note(f"▶ {sandbox.actor.name}: {line.strip()}")
        failure = run_line(sandbox, line, printer)
        if failure is not None:
            printer.failure(f"{source}:{number}: {failure}")
            return 1
    return 0


def run_interactive(sandbox: Sandbox, lines: Iterator[str], printer: Printer) -> int:
    """Commands until end of input; a failing one is explained and the session goes on."""
    printer.note("Perspective sandbox: the real app with a stand-in Slack. Type `help`.")
    for line in lines:
        failure = run_line(sandbox, line, printer)
        if failure is not None:
            printer.failure(failure)
    return 0


def run_line(sandbox: Sandbox, line: str, printer: Printer) -> str | None:
    """Carry out one line and print what it showed; the failure's reason, if it failed."""
    command = read_line(line)
    if isinstance(command, Refusal):
        return command.message
    step: Step = sandbox.run(command)
    for surface in step.shown:
        printer.surface(surface)
    if step.note and (step.note == HELP or step.failure is None):
        printer.note(step.note)
    return step.failure


def prompts(sandbox: Sandbox, source: TextIO) -> Iterator[str]:
    """Lines typed at `alice> `; a terminal gets line editing through readline."""
    if not source.isatty():
        yield from source
        return
    while True:
        try:
            yield input(f"{sandbox.actor.name}> ")
        except EOFError:
            return


def quiet_logs() -> None:
    """A line per request suits a server's log, not a conversation; warnings still show."""
    logging.getLogger().setLevel(logging.WARNING)
    # Bolt warns of a request nothing handles; the sandbox says so in its own words.
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
