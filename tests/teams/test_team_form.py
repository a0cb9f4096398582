"""The team form (a manager picker and a reps picker) and `/perspective team` with plain
names: a name is taken only when exactly one member has it, never guessed."""

from __future__ import annotations

import pytest

from handlers.teams import open_team_form
from storage import teams
from tests.support.bot import ADMIN, MANAGER, OTHER_REP, REP, TEAM, RunningBot
from tests.support.forms import (
    closed,
    element_types,
    errors_of,
    open_form,
    submit,
    user_picked,
    users_picked,
)
from tests.support.messages import text_of, view_of
from tests.support.replies import perspective

BOB, ALICE, ALEX_K, ALEX_M, CARL = "U0BOB0001", "U0ALI0001", "U0ALX0001", "U0ALX0002", "U0CRL0001"


@pytest.fixture
def named(bot: RunningBot) -> RunningBot:
    """A workspace whose people have handles and display names, two of them "Alex"."""
    bot.fake.add_user(BOB, name="bob", display_name="Bob B.")
    bot.fake.add_user(ALICE, name="alice.w", display_name="alice")
    bot.fake.add_user(ALEX_K, name="alex.k", display_name="Alex")
    bot.fake.add_user(ALEX_M, name="alex.m", display_name="Alex")
    bot.fake.add_user(CARL, name="carl", deleted=True)
    return bot


def test_team_alone_opens_the_form_with_user_pickers(bot: RunningBot) -> None:
    view = open_form(bot, "team")
    assert view["callback_id"] == "team_form"
    assert element_types(view) == {"manager": "users_select", "reps": "multi_users_select"}
    assert view["private_metadata"] == "C0SALES01"  # confirmed where the command was typed


def test_the_team_form_saves_before_it_closes_and_confirms_where_it_was_opened(
    bot: RunningBot,
) -> None:
    view = open_form(bot, "team")
    reply = submit(
        bot, view, {"manager": user_picked(MANAGER), "reps": users_picked(REP, OTHER_REP)}
    )
    assert closed(reply)
    assert teams.reps_of(bot.db, TEAM, MANAGER) == sorted([REP, OTHER_REP])  # saved in the ack
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert confirmation["channel"] == "C0SALES01" and confirmation["user"] == ADMIN
    assert f"<@{REP}>, <@{OTHER_REP}> now report to <@{MANAGER}>" in text_of(confirmation)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"manager": user_picked(None), "reps": users_picked(REP)}, "manager", "Pick the manager."),
        ({"manager": user_picked(MANAGER), "reps": users_picked()}, "reps", "at least one rep"),
        (
            {"manager": user_picked(MANAGER), "reps": users_picked(REP, MANAGER)},
            "reps",
            "can't be one of their own reps",
        ),
    ],
    ids=["no manager", "no reps", "manager among the reps"],
)
def test_the_team_form_refuses_inline_and_stores_nothing(
    bot: RunningBot, values: dict, field: str, message: str
) -> None:
    view = open_form(bot, "team")
    errors = errors_of(submit(bot, view, values))
    assert list(errors) == [field] and message in errors[field]
    assert teams.all_managers(bot.db, TEAM) == []


def test_a_non_admin_gets_no_team_form(bot: RunningBot) -> None:
    assert "Only workspace admins" in perspective(bot, "team", user=REP)["text"]
    assert bot.fake.calls_to("views.open") == []


def test_a_team_form_opened_without_a_channel_confirms_in_a_dm(bot: RunningBot) -> None:
    """As from a Home button: the opener is public, and the Home has no channel."""
    client = bot.services.client
    refused = open_team_form(bot.services, client, "1.2.3", REP)
    assert refused is not None and "Only workspace admins" in refused.message
    assert open_team_form(bot.services, client, "1.2.4", ADMIN) is None
    [opened] = bot.fake.calls_to("views.open")
    view = view_of(opened)
    assert closed(submit(bot, view, {"manager": user_picked(MANAGER), "reps": users_picked(REP)}))
    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == ADMIN)
    assert f"<@{REP}> now reports to <@{MANAGER}>" in text_of(dm)


def test_plain_names_and_hand_typed_at_names_are_the_members_who_have_them(
    named: RunningBot,
) -> None:
    shown = perspective(named, "team bob alice")["text"]
    assert f"<@{ALICE}> now reports to <@{BOB}>" in shown
    perspective(named, f"team @BOB <@{REP}> alex.k")
    assert teams.reps_of(named.db, TEAM, BOB) == sorted([ALICE, REP, ALEX_K])
    assert len(named.fake.calls_to("users.list")) == 1  # every page, once, then cached


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team bob alex", f"`alex` could be <@{ALEX_K}>, <@{ALEX_M}>"),
        ("team bob zed", "Nobody in this workspace is called `zed`"),
        ("team bob carl", "Nobody in this workspace is called `carl`"),  # left the workspace
    ],
    ids=["ambiguous", "unknown", "deleted"],
)
def test_a_name_that_is_not_exactly_one_member_is_refused_saying_how_to_write_it(
    named: RunningBot, text: str, expected: str
) -> None:
    shown = perspective(named, text)["text"]
    assert expected in shown and "Mention" in shown and "/perspective team @manager" in shown
    assert teams.all_managers(named.db, TEAM) == []


def test_a_name_is_found_on_any_page_of_the_member_list(named: RunningBot) -> None:
    for number in range(250):
        named.fake.add_user(f"U0PAD{number:04d}", name=f"pad{number}")
    named.fake.add_user("U9ZED0001", name="zed")  # sorted last: on the second page
    assert "now reports to" in perspective(named, "team bob zed")["text"]
    pages = named.fake.calls_to("users.list")
    assert [page.get("cursor", "") != "" for page in pages] == [False, True]
    assert teams.reps_of(named.db, TEAM, BOB) == ["U9ZED0001"]
