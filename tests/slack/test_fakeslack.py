"""The fake Slack refuses what Slack refuses, in Slack's shape (HTTP 200, `ok: false` and
the error's name), so no test can pass on a call that Slack itself would reject.

Each limit is tested at its edge: the largest call Slack accepts goes through, one more
block or character is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.fake import FakeSlack, FakeSlackServer, submitted_state

Refused = dict[str, Any]


@pytest.fixture
def client(fake: FakeSlack, fake_slack_server: FakeSlackServer) -> WebClient:
    """The Slack SDK's own client, over HTTP, as the bot calls Slack."""
    return WebClient(token=fake.token, base_url=fake_slack_server.api_url)


def sections(count: int, chars: int = 10) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * chars}} for _ in range(count)
    ]


def modal(blocks: list[dict[str, Any]], title: str = "New promise") -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks}


def refused(call: Callable[[], SlackResponse]) -> Refused:
    """The body of a refused call, checked to be Slack's shape: HTTP 200 and `ok: false`
    (which the SDK raises as SlackApiError, as it does for Slack)."""
    with pytest.raises(SlackApiError) as caught:
        call()
    response = caught.value.response
    assert response.status_code == 200
    assert response.data["ok"] is False
    return dict(response.data)


def reasons(answer: Refused) -> str:
    return " ".join(answer.get("response_metadata", {}).get("messages", []))


def post_message(client: WebClient, blocks: list[dict[str, Any]]) -> SlackResponse:
    return client.chat_postMessage(channel="C0SALES01", text="fallback", blocks=blocks)


def publish_home(client: WebClient, blocks: list[dict[str, Any]]) -> SlackResponse:
    return client.views_publish(user_id="U0REP0001", view={"type": "home", "blocks": blocks})


def test_a_message_has_at_most_50_blocks(client: WebClient, fake: FakeSlack) -> None:
    assert post_message(client, sections(50))["ok"]
    answer = refused(lambda: post_message(client, sections(51)))
    assert answer["error"] == "invalid_blocks"
    assert "no more than 50 items" in reasons(answer)
    assert len(fake.calls_to("chat.postMessage")) == 1  # a refused call never counts as sent


def test_a_view_has_at_most_100_blocks(client: WebClient) -> None:
    assert client.views_open(trigger_id="1.2.abc", view=modal(sections(100)))["ok"]
    answer = refused(lambda: client.views_open(trigger_id="1.2.abc", view=modal(sections(101))))
    assert answer["error"] == "invalid_arguments"
    assert "no more than 100 items" in reasons(answer)


@pytest.mark.parametrize(
    ("send", "error"),
    [(post_message, "invalid_blocks"), (publish_home, "invalid_arguments")],
    ids=["message", "view"],
)
def test_section_text_has_at_most_3000_characters(
    client: WebClient, send: Callable[[WebClient, list], SlackResponse], error: str
) -> None:
    assert send(client, sections(1, chars=3000))["ok"]
    answer = refused(lambda: send(client, sections(1, chars=3001)))
    assert answer["error"] == error
    assert "less than 3001 characters" in reasons(answer)


def test_a_modal_title_has_at_most_24_characters(client: WebClient) -> None:
    assert client.views_open(trigger_id="1.2.abc", view=modal(sections(1), title="x" * 24))["ok"]
    answer = refused(
        lambda: client.views_open(trigger_id="1.2.abc", view=modal(sections(1), title="x" * 25))
    )
    assert answer["error"] == "invalid_arguments"
    assert "/view/title/text" in reasons(answer)


@pytest.mark.parametrize(
    ("method", "args", "missing"),
    [
        ("views.open", {"view": modal(sections(1))}, "trigger_id"),
        ("views.open", {"trigger_id": "1.2.abc"}, "view"),
        ("views.publish", {"view": {"type": "home", "blocks": []}}, "user_id"),
        ("chat.update", {"channel": "C0SALES01", "text": "edited"}, "ts"),
    ],
)
def test_a_missing_required_argument_is_refused(
    client: WebClient, fake: FakeSlack, method: str, args: dict[str, Any], missing: str
) -> None:
    answer = refused(lambda: client.api_call(method, json=args))
    assert answer["error"] == "invalid_arguments"
    assert f"missing required field: {missing}" in reasons(answer)
    assert fake.calls_to(method) == []


def test_a_delayed_method_answers_late_and_still_answers(
    client: WebClient, fake: FakeSlack
) -> None:
    fake.delay("users.info", 0.3)
    started = time.monotonic()
    assert client.users_info(user="U0REP0001")["user"]["id"] == "U0REP0001"
    assert time.monotonic() - started >= 0.3


# ---- pickers and users.list, as the set-up forms use them ---------------------------------


def picker_input(element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Pick"},
        "element": {"action_id": "value", **element},
    }


def picker_modal(element: dict[str, Any]) -> dict[str, Any]:
    view = modal([picker_input(element)])
    view["submit"] = {"type": "plain_text", "text": "Save"}
    return view


OPTION = {"text": {"type": "plain_text", "text": "SSO"}, "value": "sso"}


@pytest.mark.parametrize(
    "element",
    [
        {"type": "users_select", "initial_user": "U0MGR0001"},
        {"type": "multi_users_select", "initial_users": ["U0REP0001"], "max_selected_items": 5},
        {"type": "datepicker", "initial_date": "2026-12-31"},
        {"type": "static_select", "options": [OPTION], "initial_option": OPTION},
        {"type": "timepicker", "initial_time": "21:30", "timezone": "Europe/Berlin"},
        {"type": "radio_buttons", "options": [OPTION], "initial_option": OPTION},
        {"type": "checkboxes", "options": [OPTION], "initial_options": [OPTION]},
        {"type": "conversations_select", "filter": {"include": ["public", "private"]}},
    ],
    ids=[
        "users_select",
        "multi_users_select",
        "datepicker",
        "static_select",
        "timepicker",
        "radio_buttons",
        "checkboxes",
        "conversations_select",
    ],
)
def test_the_pickers_set_up_forms_use_are_accepted(
    client: WebClient, element: dict[str, Any]
) -> None:
    assert client.views_open(trigger_id="1.2.3", view=picker_modal(element))["ok"]


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        ({"type": "button", "text": {"type": "plain_text", "text": "Go"}}, "not a valid element"),
        ({"type": "users_select", "initial_user": "bob"}, "initial_user must be a user ID"),
        ({"type": "multi_users_select", "initial_users": "U0REP0001"}, "initial_users"),
        ({"type": "multi_users_select", "max_selected_items": 0}, "max_selected_items"),
        ({"type": "datepicker", "initial_date": "31/12/2026"}, "YYYY-MM-DD"),
        ({"type": "datepicker", "initial_date": "2026-02-30"}, "YYYY-MM-DD"),
        ({"type": "static_select"}, "needs options"),
        (
            {
                "type": "static_select",
                "options": [OPTION],
                "initial_option": {**OPTION, "value": "x"},
            },
            "initial_option must be one of the options",
        ),
        ({"type": "timepicker", "initial_time": "9am"}, "HH:mm"),
        ({"type": "timepicker", "initial_time": "24:00"}, "HH:mm"),
        ({"type": "timepicker", "timezone": "Mars/Base"}, "IANA time zone"),
        ({"type": "radio_buttons"}, "1-10 items"),
        ({"type": "checkboxes", "options": [OPTION] * 11}, "1-10 items"),
        (
            {
                "type": "checkboxes",
                "options": [OPTION],
                "initial_options": [{**OPTION, "value": "x"}],
            },
            "among the options",
        ),
        ({"type": "checkboxes", "options": [OPTION], "initial_options": []}, "non-empty"),
        ({"type": "conversations_select", "initial_conversation": "#sales"}, "conversation ID"),
        ({"type": "conversations_select", "filter": {"include": ["channels"]}}, "filter.include"),
    ],
    ids=[
        "button as input",
        "user by name",
        "users not a list",
        "max 0",
        "date format",
        "no such day",
        "no options",
        "initial not an option",
        "time as typed",
        "no such hour",
        "unknown zone",
        "radio without options",
        "eleven checkboxes",
        "ticked not an option",
        "ticked empty",
        "channel by name",
        "unknown conversation kind",
    ],
)
def test_a_picker_slack_would_refuse_is_refused(
    client: WebClient, element: dict[str, Any], reason: str
) -> None:
    answer = refused(lambda: client.views_open(trigger_id="1.2.3", view=picker_modal(element)))
    assert answer["error"] == "invalid_arguments" and reason in reasons(answer)


def test_users_list_pages_with_cursor_and_limit_like_slack(
    client: WebClient, fake: FakeSlack
) -> None:
    for number in range(1, 6):
        fake.add_user(f"U0NEW000{number}", name=f"new{number}")
    # The SDK follows next_cursor to the end, updating one response page by page.
    pages = [list(page["members"]) for page in client.users_list(limit=3)]
    ids = [member["id"] for page in pages for member in page]
    assert sorted(ids) == sorted(fake.users) and len(ids) == len(set(ids))
    assert [len(page) for page in pages] == [3, 3, 3]
    everyone = client.users_list()
    assert len(everyone["members"]) == 9 and everyone["response_metadata"]["next_cursor"] == ""
    assert (
        refused(lambda: client.users_list(cursor="bm90IGEgY3Vyc29y"))["error"] == "invalid_cursor"
    )


@pytest.mark.parametrize(
    ("element", "picked", "state"),
    [
        ({"type": "timepicker"}, "14:30", {"type": "timepicker", "selected_time": "14:30"}),
        (
            {"type": "conversations_select"},
            "C0SALES01",
            {"type": "conversations_select", "selected_conversation": "C0SALES01"},
        ),
        (
            {"type": "radio_buttons", "options": [OPTION]},
            "sso",
            {"type": "radio_buttons", "selected_option": OPTION},
        ),
        (
            {"type": "checkboxes", "options": [OPTION]},
            ["sso"],
            {"type": "checkboxes", "selected_options": [OPTION]},
        ),
        (
            {"type": "checkboxes", "options": [OPTION]},
            None,
            {"type": "checkboxes", "selected_options": []},
        ),
        (
            {"type": "radio_buttons", "options": [OPTION]},
            None,
            {"type": "radio_buttons", "selected_option": None},
        ),
    ],
    ids=["time", "conversation", "radio", "checkboxes", "nothing ticked", "no radio"],
)
def test_submitted_states_have_slacks_shapes(element: dict, picked: Any, state: dict) -> None:
    assert submitted_state(element, picked) == state
