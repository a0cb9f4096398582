"""A sandbox session: the real app, a fake Slack, and the demo people taking turns.

Every command becomes what Slack itself would send — a signed slash command, a
button press, a form submission, an event, a signed CRM webhook — through the
app's own WSGI entry, so the same listeners, database code and scheduler run as
in production. What the app then asked the fake Slack to show is read back from
the fake's calls and turned into `Surface`s.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.deals.webhook import PATH as DEALS_PATH
from bot.deals.webhook import SIGNATURE_HEADER, signature_for
from bot.refusals import Refusal
from bot.sandbox import language as lang
from bot.sandbox.surface import Args, Button, Surface, plain_text
from bot.sandbox.workspace import (
    ADMIN,
    BY_NAME,
    CHANNEL_NAMES,
    CHANNELS,
    MANAGER,
    PEOPLE,
    REPS,
    TEAM,
    mention,
    name_of,
    with_mentions,
)
from bot.services import Services
from bot.slack.fake import BOT_USER_ID, Call, FakeSlack

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Ticker = Callable[[Services, datetime], list[str]]  # runs one tick; returns the jobs that failed
NOT_AVAILABLE = "not available: the app has no listener for {what} yet (Slack would show nothing)"


class SandboxClock:
    """The app's clock: it starts at `--start` and moves only with `tick`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Step:
    """What one command did: what it showed, a note about it, or why it failed."""

    shown: list[Surface] = field(default_factory=list)
    note: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where a response URL answers: to whom, in which channel, replacing what."""

    user: str
    channel: str | None
    surface: Surface | None = None


class Sandbox:
    """The demo workspace in one process; `run` carries out one command of the language."""

    def __init__(
        self,
        services: Services,
        fake: FakeSlack,
        clock: SandboxClock,
        web_app: WsgiApp,
        tick: Ticker,
        settle: Callable[[], None],
        response_url_base: str,
    ) -> None:
        self.services, self.fake, self.clock = services, fake, clock
        self._web_app, self._tick, self._settle = web_app, tick, settle
        self._response_url_base = response_url_base
        self.actor = BY_NAME["alice"]
        self.shown: list[Surface] = []
        self._forms: dict[str, list[Surface]] = {}
        self._origins: dict[str, Origin] = {}
        self._triggers: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._read = 0

    # ---- set-up -------------------------------------------------------------------------
    def set_up(self) -> None:
        """The demo people in the fake Slack, and bob as alice's and erin's manager."""
        self.fake.team_id = TEAM
        for person in PEOPLE:
            self.fake.add_user(
                person.user_id, tz=person.tz, is_admin=person.is_admin, email=person.email
            )
            self.fake.users[person.user_id]["name"] = person.name
        team = " ".join(mention(name) for name in (MANAGER, *REPS))
        self.actor = BY_NAME[ADMIN]
        self._slash(lang.Slash("/perspective", f"team {team}"))
        self.shown.clear()
        self.actor = BY_NAME["alice"]

    # ---- commands -----------------------------------------------------------------------
    def run(self, command: lang.Command) -> Step:
        match command:
            case lang.Nothing():
                return Step()
            case lang.Help():
                return Step(note=lang.HELP)
            case lang.ActAs(name):
                self.actor = BY_NAME[name]
                return Step()
            case lang.Slash():
                return self._slash(command)
            case lang.Click(target):
                return self._click(target)
            case lang.SetField(label, value):
                return self._set(label, value)
            case lang.Submit():
                return self._submit()
            case lang.Cancel():
                return self._cancel()
            case lang.Home():
                return self._event({"type": "app_home_opened", "tab": "home"}, "the Home tab")
            case lang.Shortcut(name):
                return self._shortcut(name)
            case lang.Say(text):
                return self._say(text)
            case lang.WebhookDeal(body):
                return self._webhook(body)
            case lang.Tick():
                return self._run_tick(command.after(self.clock.now))
        raise AssertionError(command)

    def _slash(self, command: lang.Slash) -> Step:
        channel = CHANNELS[command.channel]
        text = with_mentions(command.text) if command.command == "/perspective" else command.text
        fields = {
            "token": "sandbox",
            "team_id": TEAM,
            "team_domain": "sandbox",
            "channel_id": channel,
            "channel_name": command.channel,
            "user_id": self.actor.user_id,
            "user_name": self.actor.name,
            "command": command.command,
            "text": text,
            "api_app_id": "A0SANDBOX",
            "response_url": self._response_url(Origin(self.actor.user_id, channel)),
            "trigger_id": self._trigger(),
        }
        status, answer = self._slack(urlencode(fields), "application/x-www-form-urlencoded")
        if status == 404:
            return Step(failure=NOT_AVAILABLE.format(what=command.command))
        step = self._answered(status, answer)
        if step.failure is None and (answer.get("text") or answer.get("blocks")):
            where = f"only visible to {self.actor.name} in #{command.channel}"
            surface = Surface(where, "message", answer.get("blocks") or [], answer.get("text", ""))
            surface.audience, surface.channel = frozenset({self.actor.user_id}), channel
            surface.ephemeral = True
            step.shown.append(self._show(surface))
        return self._finish(step)

    def _click(self, target: str) -> Step:
        found = self._find_button(target)
        if isinstance(found, Refusal):
            return Step(failure=found.message)
        surface, button = found
        payload = self._envelope("block_actions")
        payload["actions"] = [
            {
                "type": "button",
                "action_id": button.element.get("action_id"),
                "block_id": button.block_id,
                "value": button.element.get("value", ""),
                "text": button.element.get("text"),
                "action_ts": f"{time.time():.6f}",
            }
        ]
        if surface.kind == "message":
            payload["container"] = {
                "type": "message",
                "message_ts": surface.ts,
                "channel_id": surface.channel,
                "is_ephemeral": surface.ephemeral,
            }
            payload["channel"] = {"id": surface.channel, "name": _channel_name(surface.channel)}
            payload["message"] = {
                "type": "message",
                "ts": surface.ts,
                "text": surface.text,
                "blocks": surface.blocks,
            }
            origin = Origin(self.actor.user_id, surface.channel, surface)
            payload["response_url"] = self._response_url(origin)
        else:
            payload["container"] = {"type": "view", "view_id": _view_id(surface)}
            payload["view"] = self._view_payload(surface)
        return self._interaction(payload, f"the {button.label!r} button")

    def _set(self, label: str, value: str) -> Step:
        form = self._open_form()
        if form is None:
            return Step(failure="no form is open; a command or a button opens one")
        block = _input_named(form, label)
        if block is None:
            labels = [plain_text(b.get("label")) for b in _inputs(form)]
            return Step(failure=f"the form has no field {label!r}; its fields: {', '.join(labels)}")
        element = block["element"]
        state = _element_state(element, value)
        if isinstance(state, Refusal):
            return Step(failure=state.message)
        form.state[block["block_id"]] = {element.get("action_id", "value"): state}
        return Step(note=f"✓ {plain_text(block.get('label'))} {value}")

    def _submit(self) -> Step:
        form = self._open_form()
        if form is None:
            return Step(failure="no form is open to submit")
        payload = self._envelope("view_submission")
        payload["view"] = self._view_payload(form)
        payload["response_urls"] = []
        status, answer = self._post_interaction(payload)
        step = self._answered(status, answer)
        if step.failure is not None:
            return step
        match answer.get("response_action"):
            case "errors":
                self._settle()
                errors = "; ".join(
                    f"{_label_of(form, block_id)}: {plain_text({'text': message})}"
                    for block_id, message in (answer.get("errors") or {}).items()
                )
                return Step(failure=f"the form refused it: {errors}", shown=self._collect())
            case "update":
                self._replace_form(form, answer["view"])
            case "push":
                self._open_view(answer["view"], self.actor.user_id, {"id": f"V{next(self._ids)}"})
            case "clear":
                for open_form in self._forms.pop(self.actor.user_id, []):
                    open_form.replaced = True
            case _:
                self._close_form(form)
        return self._finish(step)

    def _cancel(self) -> Step:
        form = self._open_form()
        if form is None:
            return Step(failure="no form is open to cancel")
        self._close_form(form)
        if not (form.view or {}).get("notify_on_close"):
            return Step(note=f"closed the form {form.title!r}")
        payload = self._envelope("view_closed")
        payload["view"] = self._view_payload(form)
        return self._interaction(payload, "closing the form")

    def _shortcut(self, name: str) -> Step:
        payload = self._envelope("shortcut")
        payload["callback_id"] = name
        payload["action_ts"] = f"{time.time():.6f}"
        return self._interaction(payload, f"the shortcut {name!r}")

    def _say(self, text: str) -> Step:
        said = Surface(f"{self.actor.name} in a DM to Perspective", "message", [], text)
        said.audience = frozenset({self.actor.user_id})
        self._show(said)
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": "D" + self.actor.user_id[1:],
            "text": text,
            "ts": f"{time.time():.6f}",
        }
        return self._event(event, "direct messages", shown=[said])

    def _event(self, event: Args, what: str, shown: list[Surface] | None = None) -> Step:
        event = {"user": self.actor.user_id, "event_ts": f"{time.time():.6f}", **event}
        body = {
            "token": "sandbox",
            "team_id": TEAM,
            "api_app_id": "A0SANDBOX",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:16].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        status, answer = self._slack(json.dumps(body), "application/json")
        if status == 404:
            return Step(shown=shown or [], failure=NOT_AVAILABLE.format(what=what))
        step = self._finish(self._answered(status, answer))
        step.shown[:0] = shown or []
        return step

    def _webhook(self, body: str) -> Step:
        raw = body.encode()
        secret = self.services.settings.deals_webhook_secret or ""
        status, answer = self._request(
            DEALS_PATH, raw, "application/json", {SIGNATURE_HEADER: signature_for(secret, raw)}
        )
        if status != 200:
            reason = answer.get("message") or answer.get("error") or f"HTTP {status}"
            return Step(failure=f"the webhook refused the deal: {reason}")
        return self._finish(Step(note=f"deal {answer.get('deal_id')}: {answer.get('status')}"))

    def _run_tick(self, now: datetime) -> Step:
        self.clock.now = now
        failed = self._tick(self.services, now)
        step = self._finish(Step(note=f"tick at {now.isoformat()}"))
        if failed:
            step.failure = f"scheduled jobs failed in the tick: {', '.join(failed)}"
        return step

    # ---- talking to the app -------------------------------------------------------------
    def _interaction(self, payload: Args, what: str) -> Step:
        status, answer = self._post_interaction(payload)
        if status == 404:
            return Step(failure=NOT_AVAILABLE.format(what=what))
        return self._finish(self._answered(status, answer))

    def _post_interaction(self, payload: Args) -> tuple[int, Args]:
        body = urlencode({"payload": json.dumps(payload)})
        return self._slack(body, "application/x-www-form-urlencoded")

    def _slack(self, body: str, content_type: str) -> tuple[int, Args]:
        """A request signed as Slack signs it, through the app's own `/slack/events`."""
        stamp = str(int(time.time()))
        secret = self.services.settings.slack_signing_secret or ""
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
        return self._request("/slack/events", body.encode(), content_type, headers)

    def _request(
        self, path: str, body: bytes, content_type: str, headers: dict[str, str]
    ) -> tuple[int, Args]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_USER_AGENT": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
        status: list[str] = []
        chunks = self._web_app(environ, lambda line, _headers: status.append(line))
        raw = b"".join(chunks).decode()
        try:
            answer = json.loads(raw) if raw.strip() else {}
        except ValueError:
            answer = {"text": raw}
        return int(status[0].split()[0]), answer if isinstance(answer, dict) else {}

    def _answered(self, status: int, answer: Args) -> Step:
        if status >= 400:
            reason = answer.get("error") or answer.get("text") or ""
            return Step(failure=f"the app refused the request (HTTP {status}) {reason}".strip())
        return Step()

    def _finish(self, step: Step) -> Step:
        """Wait for the work after the ack, then show what it made Slack show."""
        self._settle()
        step.shown.extend(self._collect())
        return step

    def _envelope(self, kind: str) -> Args:
        return {
            "type": kind,
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": self.actor.user_id, "username": self.actor.name, "team_id": TEAM},
            "api_app_id": "A0SANDBOX",
            "token": "sandbox",
            "trigger_id": self._trigger(),
        }

    def _trigger(self) -> str:
        trigger = f"{next(self._ids)}.sandbox"
        self._triggers[trigger] = self.actor.user_id
        return trigger

    def _response_url(self, origin: Origin) -> str:
        key = f"s{next(self._ids)}"
        self._origins[key] = origin
        return self._response_url_base + key

    # ---- reading what Slack was asked to show -------------------------------------------
    def _collect(self) -> list[Surface]:
        calls = self.fake.calls_since(self._read)
        self._read += len(calls)
        shown: list[Surface] = []
        for call in calls:
            if call.ok:
                shown.extend(self._from_call(call))
        return shown

    def _from_call(self, call: Call) -> list[Surface]:
        args, answer = call.args, call.answer or {}
        match call.method:
            case "chat.postMessage":
                channel = answer.get("channel") or args["channel"]
                return [self._message(args, channel, answer.get("ts"))]
            case "chat.postEphemeral":
                surface = self._message(args, args["channel"], answer.get("message_ts"))
                surface.where = f"only visible to {name_of(args['user'])} in {_place(args['channel'], self.fake)}"
                surface.audience, surface.ephemeral = frozenset({args["user"]}), True
                return [self._show(surface)]
            case "chat.update":
                return self._update(args)
            case "response_url":
                return self._response(args)
            case "views.open" | "views.push":
                user = self._triggers.get(args.get("trigger_id", ""), self.actor.user_id)
                return [self._open_view(_json(args["view"]), user, answer.get("view") or {})]
            case "views.update":
                return self._view_update(args, answer)
            case "views.publish":
                return [self._home(args)]
        return []

    def _message(self, args: Args, channel: str, ts: str | None) -> Surface:
        thread = args.get("thread_ts")
        where = _place(channel, self.fake)
        surface = Surface(
            f"thread in {where}" if thread else where,
            "message",
            _json(args.get("blocks")) or [],
            args.get("text") or "",
            audience=_audience(channel, self.fake),
            channel=channel,
            ts=ts,
            thread_ts=thread,
        )
        return self._show(surface)

    def _update(self, args: Args) -> list[Surface]:
        old = self._latest(lambda s: s.channel == args["channel"] and s.ts == args["ts"])
        where = old.where if old else _place(args["channel"], self.fake)
        surface = Surface(where, "message", _json(args.get("blocks")) or [], args.get("text") or "")
        surface.channel, surface.ts, surface.updated = args["channel"], args["ts"], True
        surface.audience = old.audience if old else _audience(args["channel"], self.fake)
        if old:
            old.replaced = True
        return [self._show(surface)]

    def _response(self, args: Args) -> list[Surface]:
        origin = self._origins.get(args.get("_response_id", ""))
        if origin is None:
            return []
        old = origin.surface
        replace = _truthy(args.get("replace_original")) and old is not None
        if _truthy(args.get("delete_original")) and old is not None:
            old.replaced = True
            return []
        in_channel = args.get("response_type") == "in_channel"
        channel = origin.channel
        where = (
            old.where
            if replace and old
            else (
                _place(channel, self.fake)
                if in_channel
                else f"only visible to {name_of(origin.user)} in {_place(channel, self.fake)}"
            )
        )
        surface = Surface(where, "message", _json(args.get("blocks")) or [], args.get("text") or "")
        surface.channel, surface.ephemeral = channel, not in_channel
        surface.audience = None if in_channel else frozenset({origin.user})
        if replace and old:
            old.replaced = True
            surface.ts, surface.updated, surface.audience = old.ts, True, old.audience
        return [self._show(surface)]

    def _open_view(self, view: Args, user: str, answered: Args) -> Surface:
        form = Surface(
            f"form: {plain_text(view.get('title'))}",
            "form",
            view.get("blocks") or [],
            audience=frozenset({user}),
            view={**view, "id": answered.get("id") or f"V{next(self._ids)}"},
        )
        self._forms.setdefault(user, []).append(form)
        return self._show(form)

    def _view_update(self, args: Args, answer: Args) -> list[Surface]:
        view_id = args.get("view_id") or (answer.get("view") or {}).get("id")
        old = self._latest(lambda s: s.kind != "message" and _view_id(s) == view_id)
        if old is None:
            return []
        return [self._replace_form(old, _json(args["view"]))]

    def _replace_form(self, old: Surface, view: Args) -> Surface:
        new = Surface(
            f"form: {plain_text(view.get('title'))}" if old.kind == "form" else old.where,
            old.kind,
            view.get("blocks") or [],
            audience=old.audience,
            view={**view, "id": _view_id(old)},
            updated=True,
        )
        old.replaced = True
        for stack in self._forms.values():
            if old in stack:
                stack[stack.index(old)] = new
        return self._show(new)

    def _home(self, args: Args) -> Surface:
        user = args["user_id"]
        for old in self.shown:
            if old.kind == "home" and old.audience == frozenset({user}):
                old.replaced = True
        view = _json(args["view"])
        home = Surface(
            f"Home: {name_of(user)}",
            "home",
            view.get("blocks") or [],
            audience=frozenset({user}),
            view={**view, "id": f"VH{user}"},
        )
        return self._show(home)

    def _show(self, surface: Surface) -> Surface:
        self.shown.append(surface)
        return surface

    def _latest(self, matches: Callable[[Surface], bool]) -> Surface | None:
        for surface in reversed(self.shown):
            if not surface.replaced and matches(surface):
                return surface
        return None

    def _open_form(self) -> Surface | None:
        stack = self._forms.get(self.actor.user_id) or []
        return stack[-1] if stack else None

    def _close_form(self, form: Surface) -> None:
        form.replaced = True
        stack = self._forms.get(self.actor.user_id) or []
        if form in stack:
            stack.remove(form)

    def _find_button(self, target: str) -> tuple[Surface, Button] | Refusal:
        """The latest surface the acting person can see with that button (by number or label)."""
        for surface in reversed(self.shown):
            if surface.replaced or not surface.seen_by(self.actor.user_id):
                continue
            buttons = surface.buttons()
            if target.isdigit() and 0 < int(target) <= len(buttons):
                return surface, buttons[int(target) - 1]
            for button in buttons:
                if button.label.lower() == target.lower():
                    return surface, button
        return Refusal(f"no button {target!r} on anything shown to {self.actor.name}")

    def _view_payload(self, form: Surface) -> Args:
        view = form.view or {}
        values = {
            block["block_id"]: {
                block["element"].get("action_id", "value"): _initial_state(block["element"])
            }
            for block in _inputs(form)
        }
        values.update(form.state)
        return {
            "id": _view_id(form),
            "team_id": TEAM,
            "type": view.get("type", "modal"),
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "title": view.get("title"),
            "blocks": form.blocks,
            "state": {"values": values},
            "hash": f"{next(self._ids)}.sandbox",
        }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _view_id(surface: Surface) -> str:
    return str((surface.view or {}).get("id", ""))


def _channel_name(channel: str | None) -> str:
    return CHANNEL_NAMES.get(channel or "", "directmessage")


def _place(channel: str | None, fake: FakeSlack) -> str:
    """`#sales`, `DM to alice`, or `group DM: alice, carol`."""
    if channel in CHANNEL_NAMES:
        return f"#{CHANNEL_NAMES[channel]}"
    if channel and channel[0] in "UD":
        return f"DM to {name_of('U' + channel[1:])}"
    members = fake.conversations.get(channel or "", [])
    return "group DM: " + ", ".join(name_of(m) for m in members) if members else str(channel)


def _audience(channel: str, fake: FakeSlack) -> frozenset[str] | None:
    if channel[0] in "UD":
        return frozenset({"U" + channel[1:]})
    if channel in fake.conversations:
        return frozenset(fake.conversations[channel])
    return None


def _inputs(form: Surface) -> list[Args]:
    return [b for b in form.blocks if b.get("type") == "input" and "block_id" in b]


def _input_named(form: Surface, label: str) -> Args | None:
    wanted = label.lower().rstrip("?")
    for block in _inputs(form):
        if plain_text(block.get("label")).lower().rstrip("?") == wanted:
            return block
    for block in _inputs(form):
        if plain_text(block.get("label")).lower().startswith(wanted):
            return block
    return None


def _label_of(form: Surface, block_id: str) -> str:
    for block in _inputs(form):
        if block["block_id"] == block_id:
            return plain_text(block.get("label"))
    return block_id


def _initial_state(element: Args) -> Args:
    """What Slack sends for an input nobody touched: its initial value, if any."""
    kind = element.get("type")
    state: Args = {"type": kind}
    if kind == "plain_text_input":
        state["value"] = element.get("initial_value")
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = element.get("initial_option")
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "checkboxes":
        state["selected_options"] = element.get("initial_options") or []
    elif kind == "users_select":
        state["selected_user"] = element.get("initial_user")
    return state


def _element_state(element: Args, value: str) -> Args | Refusal:
    """The state Slack would send once `value` was entered in this input."""
    kind = element.get("type")
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind in ("static_select", "radio_buttons"):
        options = element.get("options") or []
        for option in options:
            if plain_text(option.get("text")).lower() == value.lower():
                return {"type": kind, "selected_option": option}
        names = ", ".join(plain_text(o.get("text")) for o in options)
        return Refusal(f"{value!r} is not one of the choices: {names}")
    if kind == "datepicker":
        read = lang.read_tick(value + "T00:00") if len(value) == 10 else None
        if not isinstance(read, lang.Tick):
            return Refusal(f"{value!r} is not a date; write it as 2026-12-01")
        return {"type": kind, "selected_date": value}
    if kind == "checkboxes":
        if value.lower() not in ("yes", "no"):
            return Refusal("a checkbox takes `yes` or `no`")
        chosen = element.get("options", [])[:1] if value.lower() == "yes" else []
        return {"type": kind, "selected_options": chosen}
    if kind == "users_select":
        person = BY_NAME.get(value.removeprefix("@").lower())
        if person is None:
            return Refusal(f"no one called {value!r}; try one of: {', '.join(BY_NAME)}")
        return {"type": kind, "selected_user": person.user_id}
    return Refusal(f"the sandbox cannot fill in a {kind} yet")
