"""Requests in flight in this process, so background sends can give way to them.

A CRM that posts a burst of closed deals is waiting for each answer, and so is
Slack for every button press (it gives up after 3 seconds); the prompt DMs those
deals cause are waited for by nobody. Sent at once beside the requests, they
took the interpreter and the cores from them and made the slowest answers
several times slower. So a background sender first waits for a moment with no
request in flight, but never longer than it was told: under endless load
prompts still go out at a steady trickle, and all at once when the burst ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._in_flight = 0

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around the handling of one request."""
        with self._changed:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._changed.notify_all()

    def wait_quiet(self, at_most: float) -> bool:
        """Wait until no request is in flight, or `at_most` seconds; True if it is quiet."""
        with self._changed:
            return self._changed.wait_for(lambda: self._in_flight == 0, timeout=at_most)


foreground = Foreground()
