"""Direct messages from the bot, remembered as `channel:ts` so they can be updated later."""

from __future__ import annotations

from bot.services import Services
from bot.slack.blocks import Blocks


def send_dm(services: Services, user_id: str, blocks: Blocks, text: str) -> str:
    """Post to the user's DM with the bot; returns `channel:ts` (what a claim remembers)."""
    response = services.client.chat_postMessage(channel=user_id, blocks=blocks, text=text)
    return f"{response['channel']}:{response['ts']}"
