"""A sandbox session: the real app, a fake Slack, and the demo people taking turns.

Every command becomes what Slack itself would send — a signed slash command, a
button press, a form submission, an event, a signed CRM webhook — through the
app's own WSGI entry, so the same listeners, database code and scheduler run as
in production. What the app then asked the fake Slack to show is read back from
the fake's calls and turned into `Surface`s.
"""

from __future__ import annotations

import io
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
from bot.sandbox import forms
from bot.sandbox import language as lang
from bot.sandbox.screens import Origin, Screens, channel_name, view_id_of
from bot.sandbox.surface import Args, Surface, plain_text
from bot.sandbox.workspace import (
    ADMIN,
    BY_NAME,
    CHANNELS,
    MANAGER,
    MEMBERS,
    PEOPLE,
    REPS,
    TEAM,
    mention,
    with_mentions,
)
from bot.services import Services
from bot.slack.fake import BOT_USER_ID, FakeSlack

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
        self.actor = BY_NAME["alice"]
        self.screens = Screens(fake, response_url_base)

    # ---- set-up -------------------------------------------------------------------------
    def set_up(self) -> None:
        """The demo people in the fake Slack, carol in #marketing (so a marketer, once it
        gets a digest), and bob as alice's and erin's manager."""
        self.fake.team_id = TEAM
        for person in PEOPLE:
            self.fake.add_user(
                person.user_id,
                tz=person.tz,
                is_admin=person.is_admin,
                email=person.email,
                name=person.name,
            )
        for channel, names in MEMBERS.items():
            self.fake.members[CHANNELS[channel]] = [BY_NAME[name].user_id for name in names]
        team = " ".join(mention(name) for name in (MANAGER, *REPS))
        self.actor = BY_NAME[ADMIN]
        self._slash(lang.Slash("/perspective", f"team {team}"))
        self.screens.shown.clear()
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
                return self._event(self._home_opened(), "the Home tab")
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
            "response_url": self.screens.response_url(Origin(self.actor.user_id, channel)),
            "trigger_id": self.screens.trigger(self.actor.user_id),
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
            step.shown.append(self.screens.show(surface))
        return self._finish(step)

    def _click(self, target: str) -> Step:
        found = self.screens.find_button(self.actor.user_id, target)
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
            payload["channel"] = {"id": surface.channel, "name": channel_name(surface.channel)}
            payload["message"] = {
                "type": "message",
                "ts": surface.ts,
                "text": surface.text,
                "blocks": surface.blocks,
            }
            origin = Origin(self.actor.user_id, surface.channel, surface)
            payload["response_url"] = self.screens.response_url(origin)
        else:
            payload["container"] = {"type": "view", "view_id": view_id_of(surface)}
            payload["view"] = self._view_payload(surface)
        return self._interaction(payload, f"the {button.label!r} button")

    def _set(self, label: str, value: str) -> Step:
        form = self.screens.open_form(self.actor.user_id)
        if form is None:
            return Step(failure="no form is open; a command or a button opens one")
        block = forms.input_named(form, label)
        if block is None:
            labels = ", ".join(plain_text(b.get("label")) for b in forms.inputs(form))
            return Step(failure=f"the form has no field {label!r}; its fields: {labels}")
        refused = forms.fill(form, block, value)
        if refused is not None:
            return Step(failure=refused.message)
        return Step(note=f"✓ {plain_text(block.get('label'))} {value}")

    def _submit(self) -> Step:
        form = self.screens.open_form(self.actor.user_id)
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
                    f"{forms.label_of(form, block_id)}: {plain_text({'text': message})}"
                    for block_id, message in (answer.get("errors") or {}).items()
                )
                return Step(failure=f"the form refused it: {errors}", shown=self.screens.collect())
            case "update":
                self.screens.replace_form(form, answer["view"])
            case "push":
                self.screens.open_view(answer["view"], self.actor.user_id)
            case "clear":
                self.screens.close_all_forms(self.actor.user_id)
            case _:
                self.screens.close_form(self.actor.user_id, form)
        return self._finish(step)

    def _cancel(self) -> Step:
        form = self.screens.open_form(self.actor.user_id)
        if form is None:
            return Step(failure="no form is open to cancel")
        self.screens.close_form(self.actor.user_id, form)
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
        self.screens.show(said)
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

    def _home_opened(self) -> Args:
        return {"type": "app_home_opened", "tab": "home", "channel": "D" + self.actor.user_id[1:]}

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
        step.shown.extend(self.screens.collect())
        return step

    def _envelope(self, kind: str) -> Args:
        return {
            "type": kind,
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": self.actor.user_id, "username": self.actor.name, "team_id": TEAM},
            "api_app_id": "A0SANDBOX",
            "token": "sandbox",
            "trigger_id": self.screens.trigger(self.actor.user_id),
        }

    def _view_payload(self, form: Surface) -> Args:
        return forms.view_payload(form, f"{self.screens.new_id()}.sandbox")

    @property
    def shown(self) -> list[Surface]:
        return self.screens.shown
