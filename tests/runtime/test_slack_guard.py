"""What reaches `/slack/events` that Slack would never send: a 4xx naming the problem,
nothing stored, nothing sent, and never a 5xx; and what Slack does send always gets in."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import fieldnotes
from tests.support.bot import TEAM, RunningBot
from tests.support.fieldnotes import fieldnote
from tests.support.slack_requests import Reply

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def event_body(event: Any) -> bytes:
    return json.dumps({"type": "event_callback", "event_id": "Ev1", "event": event}).encode()


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (FORM, b"payload=not-json", "payload is not JSON"),
        (FORM, urlencode({"payload": "[1, 2]"}).encode(), "payload must be a JSON object"),
        (FORM, urlencode({"payload": '{"user": {}}'}).encode(), "payload has no type"),
        (FORM, b"", "not a Slack command, interaction or event"),
        (FORM, b"hello=world", "not a Slack command, interaction or event"),
        (FORM, b"command=fieldnote&text=x", "not a Slack command, interaction or event"),
        (JSON, b"{", "body is not JSON"),
        (JSON, b"[]", "body must be a JSON object"),
        (JSON, b"null", "body must be a JSON object"),
        (JSON, b'{"type": 5}', "body has no type"),
        (JSON, b"\xff\xfe{}", "body is not UTF-8"),
        (JSON, event_body("app_home_opened"), "event must be a JSON object"),
        (JSON, b'{"type": "event_callback"}', "event must be a JSON object"),
        (JSON, event_body({"user": "U0REP0001"}), "event has no type"),
    ],
)
def test_a_malformed_signed_request_is_a_400_that_says_why(
    bot: RunningBot, content_type: str, body: bytes, reason: str
) -> None:
    reply = bot.slack.post(body, content_type)
    assert (reply.status, reply.json()) == (400, {"ok": False, "error": reason})
    assert bot.fake.calls == []


def test_a_body_over_a_megabyte_is_refused_unread(bot: RunningBot) -> None:
    body = bot.slack.command_body("/fieldnote", "x" * (1024 * 1024), "U0REP0001", "C1", "http://x/")
    reply = bot.slack.post(body, FORM)
    assert (reply.status, reply.json()) == (413, {"ok": False, "error": "body over 1 MB"})
    assert fieldnotes.search_notes(bot.db, TEAM, [], 10).notes == []


def test_a_note_that_mentions_a_payload_is_saved(bot: RunningBot) -> None:
    """Bolt alone reads any form body containing "payload" as a button press."""
    answer = fieldnote(bot, "[Acme] the payload limit is too small #api")
    assert answer["text"].startswith("Saved note #")
    (note,) = fieldnotes.search_notes(bot.db, TEAM, [], 10).notes
    assert note.text == "the payload limit is too small"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
slack_shaped = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["block_actions", "view_submission", "view_closed", "shortcut", "event_callback"]
        )
    },
    optional={
        "user": json_values,
        "team": json_values,
        "actions": json_values,
        "view": json_values,
        "event": json_values,
        "channel": json_values,
    },
)
# Buttons and forms in messages already posted must keep working: these ids are contracts.
ACTION_IDS = [
    "winloss_reason:price", "winloss_remind", "promise_kept", "promise_more_time",
    "promise_broken", "promise_handling", "promise_remind_rep", "promise_seen",
    "digest_ask_rep", "digest_used_it", "fieldnote_delete",
]  # fmt: skip
CALLBACK_IDS = [
    "winloss_modal", "promise_modal", "promise_move_modal", "promise_broken_modal",
    "digest_used_modal", "fieldnote_modal",
]  # fmt: skip
people = st.fixed_dictionaries({"id": st.sampled_from(["U0REP0001", "U0ADMIN01"]) | st.text()})
button_presses = st.fixed_dictionaries(
    {
        "type": st.just("block_actions"),
        "actions": st.lists(
            st.fixed_dictionaries(
                {"action_id": st.sampled_from(ACTION_IDS)},
                optional={"value": json_values, "block_id": json_values},
            ),
            min_size=1,
            max_size=1,
        ),
        "user": people,
    },
    optional={"team": st.fixed_dictionaries({"id": st.just(TEAM)}), "container": json_values},
)
form_submissions = st.fixed_dictionaries(
    {
        "type": st.just("view_submission"),
        "user": people,
        "view": st.fixed_dictionaries(
            {"callback_id": st.sampled_from(CALLBACK_IDS)},
            optional={
                "state": st.fixed_dictionaries({"values": json_values}),
                "private_metadata": st.text(max_size=20) | json_values.map(json.dumps),
            },
        ),
    }
)
payloads = json_values | slack_shaped | button_presses | form_submissions
requests = st.one_of(
    st.tuples(st.sampled_from([FORM, JSON]), st.binary(max_size=200)),
    st.tuples(st.just(JSON), (json_values | slack_shaped).map(lambda v: json.dumps(v).encode())),
    st.tuples(
        st.just(FORM), payloads.map(lambda v: urlencode({"payload": json.dumps(v)}).encode())
    ),
    st.tuples(
        st.just(FORM),
        st.dictionaries(st.sampled_from(["command", "text", "user_id", "team_id"]), st.text())
        .map(urlencode)
        .map(str.encode),
    ),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=requests)
def test_nothing_a_client_sends_is_answered_with_a_5xx(
    bot: RunningBot, request: tuple[str, bytes]
) -> None:
    content_type, body = request
    reply: Reply = bot.slack.post(body, content_type)
    assert reply.status < 500, (reply.status, reply.body)
