"""What Slack would show someone: a message, a form or a Home tab, and its buttons.

The sandbox keeps every surface it has shown, so `click` can find the latest one
the acting person can see with the button they name, and `--html` can draw them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.workspace import CHANNEL_NAMES, MENTION, name_of

Args = dict[str, Any]

EMOJI = {
    "warning": "⚠️", "white_check_mark": "✅", "x": "❌", "tada": "🎉", "handshake": "🤝",
    "calendar": "📅", "zzz": "💤", "wastebasket": "🗑️", "speech_balloon": "💬", "memo": "📝",
    "alarm_clock": "⏰", "wave": "👋", "trophy": "🏆", "thread": "🧵", "rocket": "🚀",
    "red_circle": "🔴", "palm_tree": "🌴", "no_entry": "⛔", "newspaper": "📰",
    "moneybag": "💰", "mag": "🔍", "lock": "🔒", "house_with_garden": "🏡", "hourglass": "⌛",
    "face_with_thermometer": "🤒", "desert_island": "🏝️", "busts_in_silhouette": "👥",
    "beach_with_umbrella": "🏖️", "arrows_counterclockwise": "🔄", "airplane": "✈️",
    "bar_chart": "📊", "mega": "📣", "bulb": "💡", "bell": "🔔", "eyes": "👀", "pushpin": "📌",
    "white_large_square": "⬜", "link": "🔗", "raising_hand": "🙋", "chart_with_upwards_trend": "📈",
}  # fmt: skip
SPECIAL = re.compile(
    r"<(?:#([CGD][A-Z0-9]+)(?:\|([^>]*))?|!date\^[^|>]*\|([^>]*)|!(\w+)(?:\|[^>]*)?)>"
)
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")


@dataclass(frozen=True)
class Button:
    label: str
    element: Args
    block_id: str


@dataclass
class Surface:
    """One thing shown: `where` is the header (`DM to alice`, `form: New field note`)."""

    where: str
    kind: str  # "message", "form" or "home"
    blocks: list[Args]
    text: str = ""
    audience: frozenset[str] | None = None  # user ids; None: everyone in the channel
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    ephemeral: bool = False
    view: Args | None = None
    updated: bool = False
    replaced: bool = False  # a newer version (an update, a closed form) took its place
    state: dict[str, Args] = field(default_factory=dict)  # a form's filled-in values

    @property
    def title(self) -> str:
        return ((self.view or {}).get("title") or {}).get("text", "")

    def seen_by(self, user_id: str) -> bool:
        return self.audience is None or user_id in self.audience

    def buttons(self) -> list[Button]:
        return buttons_of(self.blocks)


def buttons_of(blocks: list[Args]) -> list[Button]:
    """Every button in reading order: section accessories and actions blocks."""
    found: list[Button] = []
    for index, block in enumerate(blocks):
        block_id = block.get("block_id") or f"b{index}"
        elements = [block.get("accessory") or {}, *(block.get("elements") or [])]
        if block.get("type") not in ("section", "actions"):
            continue
        for element in elements:
            if element.get("type") == "button":
                found.append(Button(element["text"]["text"], element, block_id))
    return found


def readable(text: str) -> str:
    """Slack's markup as a person reads it: names for ids, link text, dates, emoji."""
    text = MENTION.sub(lambda m: "@" + name_of(m.group(1)), text)
    text = SPECIAL.sub(_special, text)
    text = LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _special(match: re.Match[str]) -> str:
    channel, label, date, word = match.groups()
    if channel:
        return "#" + (CHANNEL_NAMES.get(channel) or label or channel)
    if date is not None:
        return date
    return "@" + word


def plain_text(obj: Args | None) -> str:
    """A text object's words, whether plain_text or mrkdwn."""
    return readable((obj or {}).get("text", ""))
