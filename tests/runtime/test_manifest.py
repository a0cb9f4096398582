"""manifest.yml must be an app Slack accepts, and declare exactly what the code uses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Slack's published JSON Schema for manifests (slackapi/manifest-schema, MIT: see the
# LICENSE file beside it), kept in the repository so this check runs everywhere.
SCHEMA = ROOT / "tests" / "data" / "manifest.schema.1.0.0.json"

# Web API methods → the bot scope each needs (methods absent here need none).
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "users_info": {"users:read"},
    "users_list": {"users:read"},
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "conversations_open": {"im:write", "mpim:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "files_upload_v2": {"files:write"},
    "conversations_members": {"channels:read", "groups:read"},
    "chat_getPermalink": set(),  # Slack's docs: no scope required
}
# Events the code listens to → the bot events (and the scope each needs) that deliver them.
EVENTS = {
    "app_home_opened": ({"app_home_opened"}, set()),
    "message": ({"message.im"}, {"im:history"}),
}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def methods_called() -> set[str]:
    code = "\n".join(p.read_text() for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py"))
    return set(re.findall(r"client\.(\w+)\(", code))


def slacks_validator() -> jsonschema.Draft7Validator:
    assert SCHEMA.is_file(), f"Slack's manifest schema is missing: {SCHEMA}"
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_manifest_validates_against_slacks_schema() -> None:
    slacks_validator().validate(manifest())


@pytest.mark.parametrize(
    ("break_it", "error"),
    [
        (lambda m: m.pop("display_information"), "'display_information' is a required property"),
        (lambda m: m["display_information"].update(name="x" * 36), "is too long"),
        (lambda m: m["features"]["slash_commands"][0].pop("description"), "'description'"),
        (lambda m: m["settings"]["interactivity"].update(request_url="example.com"), "https?"),
    ],
    ids=["no display information", "name too long", "command undescribed", "url not http"],
)
def test_the_schema_refuses_a_manifest_slack_would_refuse(
    break_it: Callable[[dict], object], error: str
) -> None:
    """The check above can only pass by checking: each break is caught, with Slack's reason."""
    broken = manifest()
    break_it(broken)
    messages = [e.message for e in slacks_validator().iter_errors(broken)]
    assert any(error in message for message in messages), messages


def test_manifest_declares_the_three_commands() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert set(commands) == {"/fieldnote", "/promise", "/perspective"}
    assert commands["/fieldnote"]["should_escape"] is False
    assert commands["/promise"]["should_escape"] is False
    assert commands["/perspective"]["should_escape"] is True
    urls = {c["url"] for c in commands.values()}
    settings = manifest()["settings"]
    urls |= {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def events_handled() -> set[str]:
    code = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    return set(re.findall(r'app\.event\("(\w+)"\)', code))


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    needed = {"commands"}
    for method in methods_called():
        needed |= SCOPES.get(method, set())
    for event in events_handled():
        needed |= EVENTS[event][1]
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_subscribes_to_the_events_the_code_handles() -> None:
    subscribed = {name for event in events_handled() for name in EVENTS[event][0]}
    assert set(manifest()["settings"]["event_subscriptions"]["bot_events"]) == subscribed


def test_manifest_declares_the_shortcuts_the_code_handles() -> None:
    """Each shortcut's callback id is one a listener is registered for, of the same kind."""
    code = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    code += "\n".join(p.read_text() for p in (ROOT / "bot").rglob("blocks.py"))
    handled = {
        (kind, callback)
        for kind, constant in re.findall(r"app\.(global|message)_shortcut\(render\.(\w+)\)", code)
        for callback in re.findall(rf'^{constant} = "(\w+)"', code, re.MULTILINE)
    }
    declared = {(s["type"], s["callback_id"]) for s in manifest()["features"]["shortcuts"]}
    assert declared == handled


def test_the_messages_tab_takes_messages() -> None:
    """`help` and notes are typed to the bot there; read-only, no message.im ever arrives."""
    app_home = manifest()["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is False
