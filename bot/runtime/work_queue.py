"""The queue and workers for what runs after an ack: Slack calls, never the ack itself.

Bolt runs lazy listeners on a pool of 5 threads with an unbounded queue. Here the
ack runs on the request's own thread (`process_before_response`), so it never
waits behind this work, and the queue is bounded: when it is full a new request
waits a moment for room — pushing back on Slack, still far inside its 3 seconds —
and is then queued all the same with a warning, because dropping it would lose
what the user asked for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

WAIT_FOR_ROOM_S = 0.5


class WorkQueue(Executor):
    """A thread pool holding at most `workers + queue_size` tasks before it pushes back."""

    def __init__(self, workers: int, queue_size: int, wait_for_room: float = WAIT_FOR_ROOM_S):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="work")
        self._room = threading.BoundedSemaphore(workers + queue_size)
        self._capacity = workers + queue_size
        self._wait = wait_for_room
        self._running = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        has_room = self._room.acquire(timeout=self._wait)
        if not has_room:
            log.warning(
                "work queue full (%d tasks); queued %s anyway after waiting %.1f s "
                "(raise PERSPECTIVE_WORKERS or PERSPECTIVE_QUEUE_SIZE, or add processes)",
                self._capacity,
                getattr(fn, "__name__", "a task"),
                self._wait,
            )
        with self._idle:
            self._running += 1
        future = self._pool.submit(fn, *args, **kwargs)
        if has_room:
            future.add_done_callback(lambda _: self._room.release())
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted task has finished (the sandbox shows a step's whole
        effect before the next); False if work was still running after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
