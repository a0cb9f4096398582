"""The test suite's fake Slack, run in a process of its own for benchmarks.

Slack is another machine in production; in one process with the bot, the fake's
own work (parsing, Block Kit checks, its HTTP server threads) would take turns
with the bot's on the interpreter lock and be timed as the bot's. The parent
drives the fake over a pipe: add users, read what was called, stop.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

from bot.slack.fake import FakeSlackServer


class FakeSlackProcess:
    """Start with `with FakeSlackProcess() as slack:`; `slack.api_url` is its Web API."""

    def __init__(self, latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, latency), name="fake-slack", daemon=True
        )
        self.api_url = ""
        self.response_url_base = ""

    def __enter__(self) -> FakeSlackProcess:
        self._process.start()
        self.api_url, self.response_url_base = self._pipe.recv()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=30)

    def add_users(self, zone_of: dict[str, str]) -> None:
        """Users by id with their time zone."""
        self._ask("add_users", zone_of)

    def calls(self, method: str) -> int:
        return self._ask("calls", method)

    def last_call_at(self, method: str) -> float | None:
        """When (`time.time()`) the latest call of `method` was answered, if there was one."""
        return self._ask("last_call_at", method)

    def distinct_posts(self) -> int:
        """How many different messages (by their blocks) chat.postMessage was sent."""
        return self._ask("distinct_posts")

    def _ask(self, command: str, argument: Any = None) -> Any:
        self._pipe.send((command, argument))
        return self._pipe.recv()


def _serve(pipe: Connection, latency: float) -> None:
    server = FakeSlackServer().start()
    fake = server.fake
    answer, answered_at = fake.handle, {}

    def handle(method: str, *args: Any) -> Any:
        if latency > 0:
            time.sleep(latency)  # Slack over the internet, not a timing in a test
        try:
            return answer(method, *args)
        finally:
            answered_at[method] = time.time()

    fake.handle = handle  # type: ignore[method-assign]
    pipe.send((server.api_url, server.response_url("")))
    while True:
        command, argument = pipe.recv()
        if command == "add_users":
            for user, zone in argument.items():
                fake.add_user(user, tz=zone)
            pipe.send(None)
        elif command == "last_call_at":
            pipe.send(answered_at.get(argument))
        elif command == "calls":
            pipe.send(len(fake.calls_to(argument)))
        elif command == "distinct_posts":
            posts = fake.calls_to("chat.postMessage")
            pipe.send(len({json.dumps(p.get("blocks"), sort_keys=True) for p in posts}))
        else:
            server.stop()
            pipe.send(None)
            return
