"""What each demo person sees: the fake Slack's calls read back as surfaces.

A post, an ephemeral message, a reply through a response URL, an update, a form
opened or a Home tab published each becomes a `Surface` (or replaces one), so
`click` finds the latest button a person can see and forms stack as Slack's do.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.refusals import Refusal
from bot.sandbox.surface import Args, Button, Surface, plain_text
from bot.sandbox.workspace import CHANNEL_NAMES, name_of
from bot.slack.fake import Call, FakeSlack


@dataclass(frozen=True)
class Origin:
    """Where a response URL answers: to whom, in which channel, replacing what."""

    user: str
    channel: str | None
    surface: Surface | None = None


class Screens:
    """Every surface shown so far, the forms each person has open, and what answers where."""

    def __init__(self, fake: FakeSlack, response_url_base: str) -> None:
        self.fake = fake
        self.shown: list[Surface] = []
        self._response_url_base = response_url_base
        self._forms: dict[str, list[Surface]] = {}
        self._origins: dict[str, Origin] = {}
        self._triggers: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._read = 0

    # ---- what a request carries, remembered for its answers -----------------------------
    def trigger(self, user: str) -> str:
        """A trigger id; a form opened with it is that person's."""
        trigger = f"{next(self._ids)}.sandbox"
        self._triggers[trigger] = user
        return trigger

    def response_url(self, origin: Origin) -> str:
        key = f"s{next(self._ids)}"
        self._origins[key] = origin
        return self._response_url_base + key

    def new_id(self) -> str:
        return str(next(self._ids))

    # ---- reading the fake Slack's calls --------------------------------------------------
    def collect(self) -> list[Surface]:
        """The surfaces the calls since the last collect showed, in order."""
        calls = self.fake.calls_since(self._read)
        self._read += len(calls)
        return [surface for call in calls if call.ok for surface in self._from_call(call)]

    def _from_call(self, call: Call) -> list[Surface]:
        args, answer = call.args, call.answer or {}
        match call.method:
            case "chat.postMessage":
                channel = answer.get("channel") or args["channel"]
                return [self.show(self._message(args, channel, answer.get("ts")))]
            case "chat.postEphemeral":
                surface = self._message(args, args["channel"], answer.get("message_ts"))
                surface.where = self._privately(args["user"], args["channel"])
                surface.audience, surface.ephemeral = frozenset({args["user"]}), True
                return [self.show(surface)]
            case "chat.update":
                return [self.show(self._update(args))]
            case "response_url":
                return self._response(args)
            case "views.open" | "views.push":
                user = self._triggers.get(args.get("trigger_id", ""), "")
                view = {"id": (answer.get("view") or {}).get("id"), **_json(args["view"])}
                return [self.open_view(view, user)]
            case "views.update":
                return self._view_update(args)
            case "views.publish":
                return [self._home(args)]
        return []

    def _message(self, args: Args, channel: str, ts: str | None) -> Surface:
        thread = args.get("thread_ts")
        where = self.place(channel)
        return Surface(
            f"thread in {where}" if thread else where,
            "message",
            _json(args.get("blocks")) or [],
            args.get("text") or "",
            audience=self._audience(channel),
            channel=channel,
            ts=ts,
            thread_ts=thread,
        )

    def _update(self, args: Args) -> Surface:
        channel, ts = args["channel"], args["ts"]
        old = self.latest(lambda s: s.channel == channel and s.ts == ts)
        surface = self._message(args, channel, ts)
        surface.updated = True
        if old is not None:
            surface.where, surface.audience, old.replaced = old.where, old.audience, True
        return surface

    def _response(self, args: Args) -> list[Surface]:
        """A reply through a response URL: new, or in place of the message pressed."""
        origin = self._origins.get(args.get("_response_id", ""))
        if origin is None:
            return []
        old = origin.surface
        if old is not None and _truthy(args.get("delete_original")):
            old.replaced = True
            return []
        in_channel = args.get("response_type") == "in_channel"
        surface = self._message(args, origin.channel or "", None)
        surface.thread_ts, surface.ephemeral = None, not in_channel
        if not in_channel:
            surface.where = self._privately(origin.user, origin.channel)
            surface.audience = frozenset({origin.user})
        if old is not None and _truthy(args.get("replace_original")):
            old.replaced, surface.updated = True, True
            surface.where, surface.ts, surface.audience = old.where, old.ts, old.audience
        return [self.show(surface)]

    def _view_update(self, args: Args) -> list[Surface]:
        view_id = args.get("view_id")
        old = self.latest(lambda s: s.kind != "message" and view_id_of(s) == view_id)
        return [] if old is None else [self.replace_form(old, _json(args["view"]))]

    def _home(self, args: Args) -> Surface:
        user = args["user_id"]
        for old in self.shown:
            if old.kind == "home" and old.audience == frozenset({user}):
                old.replaced = True
        view = {**_json(args["view"]), "id": f"VH{user}"}
        home = Surface(f"Home: {name_of(user)}", "home", view.get("blocks") or [], view=view)
        home.audience = frozenset({user})
        return self.show(home)

    # ---- forms -----------------------------------------------------------------------------
    def open_view(self, view: Args, user: str) -> Surface:
        view = {**view, "id": view.get("id") or f"V{next(self._ids)}"}
        title = plain_text(view.get("title"))
        form = Surface(f"form: {title}", "form", view.get("blocks") or [], view=view)
        form.audience = frozenset({user})
        self._forms.setdefault(user, []).append(form)
        return self.show(form)

    def replace_form(self, old: Surface, view: Args) -> Surface:
        """A form updated in place (`views.update`, `response_action: update`)."""
        view = {**view, "id": view_id_of(old)}
        where = f"form: {plain_text(view.get('title'))}" if old.kind == "form" else old.where
        new = Surface(where, old.kind, view.get("blocks") or [], view=view, updated=True)
        new.audience, old.replaced = old.audience, True
        for stack in self._forms.values():
            if old in stack:
                stack[stack.index(old)] = new
        return self.show(new)

    def open_form(self, user: str) -> Surface | None:
        stack = self._forms.get(user) or []
        return stack[-1] if stack else None

    def close_form(self, user: str, form: Surface) -> None:
        form.replaced = True
        stack = self._forms.get(user) or []
        if form in stack:
            stack.remove(form)

    def close_all_forms(self, user: str) -> None:
        for form in self._forms.pop(user, []):
            form.replaced = True

    # ---- looking things up -----------------------------------------------------------------
    def show(self, surface: Surface) -> Surface:
        self.shown.append(surface)
        return surface

    def latest(self, matches: Callable[[Surface], bool]) -> Surface | None:
        for surface in reversed(self.shown):
            if not surface.replaced and matches(surface):
                return surface
        return None

    def find_button(self, user: str, target: str) -> tuple[Surface, Button] | Refusal:
        """On the latest surface the person can see with that button (number or label)."""
        for surface in reversed(self.shown):
            if surface.replaced or not surface.seen_by(user):
                continue
            buttons = surface.buttons()
            if target.isdigit() and 0 < int(target) <= len(buttons):
                return surface, buttons[int(target) - 1]
            for button in buttons:
                if button.label.lower() == target.lower():
                    return surface, button
        return Refusal(f"no button {target!r} on anything shown to {name_of(user)}")

    def place(self, channel: str | None) -> str:
        """`#sales`, `DM to alice`, or `group DM: alice, carol`."""
        if channel in CHANNEL_NAMES:
            return f"#{CHANNEL_NAMES[channel]}"
        if channel and channel[0] in "UD":
            return f"DM to {name_of('U' + channel[1:])}"
        members = self.fake.conversations.get(channel or "", [])
        return "group DM: " + ", ".join(map(name_of, members)) if members else str(channel)

    def _privately(self, user: str, channel: str | None) -> str:
        return f"only visible to {name_of(user)} in {self.place(channel)}"

    def _audience(self, channel: str) -> frozenset[str] | None:
        """Who sees a post: the person of a DM, a group DM's members, else the channel."""
        if channel[:1] in ("U", "D"):
            return frozenset({"U" + channel[1:]})
        members = self.fake.conversations.get(channel)
        return frozenset(members) if members else None


def view_id_of(surface: Surface) -> str:
    return str((surface.view or {}).get("id", ""))


def channel_name(channel: str | None) -> str:
    return CHANNEL_NAMES.get(channel or "", "directmessage")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
