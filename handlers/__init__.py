"""Slack listeners, one module per feature, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import (
    deals,
    digests,
    fieldnotes,
    home,
    intel,
    perspective,
    promises,
    rollouts,
    teams,
)


def register_all(app: App, services: Services) -> None:
    """The one place that lists every feature's listeners."""
    deals.register(app, services)
    fieldnotes.register(app, services)
    digests.register(app, services)
    home.register(app, services)
    intel.register(app, services)
    perspective.register(app, services)
    promises.register(app, services)
    rollouts.register(app, services)
    teams.register(app, services)
