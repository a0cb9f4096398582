"""The work queue after acks: bounded, it pushes back for a moment when full, then
queues anyway with a warning, so nothing a user asked for is dropped."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.config import ConfigError, parse_settings
from bot.runtime.work_queue import WorkQueue


def test_a_full_queue_warns_and_still_runs_everything(caplog: pytest.LogCaptureFixture) -> None:
    queue = WorkQueue(workers=1, queue_size=1, wait_for_room=0.01)
    release, ran = threading.Event(), []
    try:
        queue.submit(release.wait)  # the one worker is busy
        queue.submit(ran.append, "queued")
        with caplog.at_level(logging.WARNING, logger="bot.runtime.work_queue"):
            late = queue.submit(ran.append, "over the bound")
        assert "work queue full (2 tasks); queued append anyway" in caplog.text
        release.set()
        late.result(timeout=10)
        assert ran == ["queued", "over the bound"]
    finally:
        release.set()
        queue.shutdown()


def test_room_comes_back_as_tasks_finish(caplog: pytest.LogCaptureFixture) -> None:
    queue = WorkQueue(workers=1, queue_size=0, wait_for_room=5)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.runtime.work_queue"):
            for n in range(20):
                assert queue.submit(int, n).result(timeout=10) == n
        assert "work queue full" not in caplog.text
    finally:
        queue.shutdown()


@pytest.mark.parametrize("name", ["PERSPECTIVE_WORKERS", "PERSPECTIVE_QUEUE_SIZE"])
def test_queue_sizes_are_settings(name: str) -> None:
    settings = parse_settings({"SLACK_BOT_TOKEN": "xoxb-1", name: "3"})
    assert 3 in (settings.workers, settings.queue_size)
    with pytest.raises(ConfigError, match=f"{name} must be a whole number from 1 to 10000"):
        parse_settings({"SLACK_BOT_TOKEN": "xoxb-1", name: "many"})
