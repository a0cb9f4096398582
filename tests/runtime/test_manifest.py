"""manifest.yml must be an app Slack accepts, and declare exactly what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path("/work/shared/slack/manifest-schema/schemas/manifest.schema.1.0.0.json")
VENDORED_SCHEMA = ROOT / "tests" / "data" / "manifest.schema.1.0.0.json"

# Web API methods → the bot scope each needs (methods absent here need none).
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "users_info": {"users:read"},
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "conversations_open": {"im:write", "mpim:write"},
    "conversations_info": {"channels:read", "groups:read"},
}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def methods_called() -> set[str]:
    code = "\n".join(p.read_text() for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py"))
    return set(re.findall(r"client\.(\w+)\(", code))


def test_manifest_validates_against_slacks_schema() -> None:
    schema = json.loads(VENDORED_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(manifest())


def test_vendored_schema_is_slacks_published_one() -> None:
    if SCHEMA.is_file():
        assert json.loads(SCHEMA.read_text()) == json.loads(VENDORED_SCHEMA.read_text())


def test_manifest_declares_the_three_commands_as_the_spec_says() -> None:
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


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    needed = {"commands"}
    for method in methods_called():
        needed |= SCOPES.get(method, set())
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_subscribes_to_the_events_the_code_handles() -> None:
    code = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    handled = set(re.findall(r'app\.event\("(\w+)"\)', code))
    assert set(manifest()["settings"]["event_subscriptions"]["bot_events"]) == handled
