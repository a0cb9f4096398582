"""The Home tab: rebuilt from the database each time someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.home import compose_home
from bot.services import Services
from handlers.common import with_services


def register(app: App, services: Services) -> None:
    app.event("app_home_opened")(with_services(services)(publish_home))


def publish_home(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    if event.get("tab", "home") != "home":
        return
    team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
    user_id = event["user"]
    client.views_publish(user_id=user_id, view=compose_home(services, team_id, user_id))
