"""The app factory: one function turns settings and a database into a Bolt app."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.runtime.slack_events import once_per_event
from bot.runtime.work_queue import WorkQueue
from bot.services import Services
from bot.slack.client import retrying
from handlers import register_all

log = logging.getLogger(__name__)


def build_app(services: Services, work_queue: WorkQueue | None = None) -> App:
    """A Bolt app whose Web API calls go to SLACK_API_URL (when set) and whose
    listeners are registered feature by feature; `work_queue` runs the work after acks
    (the sandbox passes its own, to wait for each step's work to finish)."""
    app = App(
        client=retrying(services.client),
        # HTTP requests are verified once, before Bolt (bot.runtime.slack_http);
        # Socket Mode needs no signature.
        signing_secret=services.settings.slack_signing_secret or "",
        request_verification_enabled=False,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        # The ack runs on the request's thread; only the work after it is queued.
        process_before_response=True,
        listener_executor=work_queue
        or WorkQueue(services.settings.workers, services.settings.queue_size),
        logger=logging.getLogger("slack_bolt"),
    )
    app.middleware(once_per_event(services))
    register_all(app, services)
    return app
