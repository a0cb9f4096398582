"""The rollout forms: add (key, title, date picker) and move (rollout select, date picker),
opened by `/perspective rollout add|move` alone, checked inline and saved in the ack."""

from __future__ import annotations

from datetime import date

import pytest

from storage import promises as store
from storage import rollouts
from tests.support.bot import ADMIN, MANAGER, REP, TEAM, RunningBot
from tests.support.forms import (
    closed,
    date_picked,
    element_types,
    errors_of,
    open_form,
    option_picked,
    submit,
)
from tests.support.messages import text_of
from tests.support.promises import add_rollout, promise_cmd
from tests.support.replies import perspective


def test_rollout_add_alone_opens_a_form_with_a_date_picker_from_today(bot: RunningBot) -> None:
    view = open_form(bot, "rollout add")
    assert view["callback_id"] == "rollout_add_form"
    assert element_types(view) == {
        "key": "plain_text_input",
        "title": "plain_text_input",
        "ships_on": "datepicker",
    }
    picker = next(b for b in view["blocks"] if b.get("block_id") == "ships_on")["element"]
    assert picker["initial_date"] == bot.clock().date().isoformat()


def test_the_add_form_saves_before_it_closes(bot: RunningBot) -> None:
    view = open_form(bot, "rollout add")
    values = {"key": "SSO", "title": " SSO  integration ", "ships_on": date_picked("2026-12-15")}
    assert closed(submit(bot, view, values))
    [rollout] = rollouts.list_rollouts(bot.db, TEAM)  # stored in the ack
    assert (rollout.key, rollout.title, rollout.ships_on) == (
        "sso",
        "SSO integration",
        date(2026, 12, 15),
    )
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert "Rollout `sso` (SSO integration) ships Tue 15 Dec 2026" in text_of(confirmation)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"key": "SSO!", "title": "SSO", "ships_on": date_picked("2026-12-15")},
            "key",
            "lower-case",
        ),
        ({"key": "sso", "title": "  ", "ships_on": date_picked("2026-12-15")}, "title", "a title"),
        (
            {"key": "sso", "title": "SSO", "ships_on": date_picked(None)},
            "ships_on",
            "Pick the date",
        ),
        (
            {"key": "sso", "title": "SSO", "ships_on": date_picked("2026-11-22")},
            "ships_on",
            "Sun 22 Nov 2026 is in the past",
        ),
        (
            {"key": "audit", "title": "Audit", "ships_on": date_picked("2026-12-15")},
            "key",
            "exists already",
        ),
    ],
    ids=["bad key", "no title", "no date", "past date", "key taken"],
)
def test_the_add_form_refuses_inline(
    bot: RunningBot, values: dict, field: str, message: str
) -> None:
    add_rollout(bot, "audit", date(2027, 1, 10))
    view = open_form(bot, "rollout add")
    errors = errors_of(submit(bot, view, values))
    assert list(errors) == [field] and message in errors[field]
    assert [r.key for r in rollouts.list_rollouts(bot.db, TEAM)] == ["audit"]


def test_a_date_past_in_the_admins_own_zone_is_refused_in_the_form(bot: RunningBot) -> None:
    """15:00 UTC is already tomorrow in Auckland: "today" in UTC is past there."""
    bot.fake.add_user(ADMIN, tz="Pacific/Auckland", is_admin=True)
    view = open_form(bot, "rollout add")  # opening it asks Slack who the admin is
    values = {"key": "sso", "title": "SSO", "ships_on": date_picked("2026-11-23")}
    assert "in the past" in errors_of(submit(bot, view, values))["ships_on"]


def test_rollout_move_alone_opens_a_form_over_the_known_rollouts(bot: RunningBot) -> None:
    assert "nothing to move" in perspective(bot, "rollout move")["text"]
    add_rollout(bot, "sso", date(2026, 12, 1))
    add_rollout(bot, "audit", date(2027, 1, 10))
    view = open_form(bot, "rollout move")
    assert view["callback_id"] == "rollout_move_form"
    assert element_types(view) == {"rollout": "static_select", "ships_on": "datepicker"}
    rollout_input = next(b for b in view["blocks"] if b.get("block_id") == "rollout")
    assert [o["value"] for o in rollout_input["element"]["options"]] == ["sso", "audit"]


def test_the_move_form_saves_in_the_ack_then_warns_owners(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    perspective(bot, f"team <@{MANAGER}> <@{REP}>")
    promise_cmd(bot, "SSO for the pilot to [Acme] by 2026-12-15 needs:sso", REP)
    view = open_form(bot, "rollout move")
    values = {"rollout": option_picked("sso"), "ships_on": date_picked("2027-02-01")}
    assert closed(submit(bot, view, values))
    assert rollouts.get_rollout(bot.db, TEAM, "sso").ships_on == date(2027, 2, 1)
    [promise] = store.all_promises(bot.db)
    assert promise.at_risk  # flagged in the same ack
    alert = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)[0]
    assert "Acme" in text_of(alert)
    confirmation = bot.fake.wait_for("chat.postEphemeral")[-1]
    assert "moved from Tue 1 Dec 2026 to Mon 1 Feb 2027" in text_of(confirmation)
    assert "1 promise is now at risk" in text_of(confirmation)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"rollout": option_picked(None), "ships_on": date_picked("2027-01-01")},
            "rollout",
            "Pick the rollout",
        ),
        (
            {"rollout": option_picked("gone"), "ships_on": date_picked("2027-01-01")},
            "rollout",
            "no rollout gone",
        ),
        (
            {"rollout": option_picked("sso"), "ships_on": date_picked("2026-01-01")},
            "ships_on",
            "in the past",
        ),
        (
            {"rollout": option_picked("sso"), "ships_on": date_picked("2026-12-01")},
            "ships_on",
            "already ships",
        ),
    ],
    ids=["no rollout", "unknown rollout", "past date", "same date"],
)
def test_the_move_form_refuses_inline(
    bot: RunningBot, values: dict, field: str, message: str
) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    view = open_form(bot, "rollout move")
    errors = errors_of(submit(bot, view, values))
    assert list(errors) == [field] and message in errors[field]
    assert rollouts.get_rollout(bot.db, TEAM, "sso").ships_on == date(2026, 12, 1)


def test_a_non_admin_gets_no_rollout_form(bot: RunningBot) -> None:
    assert "Only workspace admins" in perspective(bot, "rollout add", user=REP)["text"]
    assert bot.fake.calls_to("views.open") == []


def test_a_key_taken_between_the_forms_check_and_its_save_keeps_the_form_open(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another admin adds the same key between the check and the insert: the form says so
    under the key instead of closing on nothing saved."""
    add_rollout(bot, "sso", date(2026, 12, 15))
    view = open_form(bot, "rollout add")
    monkeypatch.setattr(rollouts, "get_rollout", lambda *_: None)  # the check saw no sso yet
    values = {"key": "sso", "title": "SSO again", "ships_on": date_picked("2026-12-20")}
    errors = errors_of(submit(bot, view, values))
    assert "exists already" in errors["key"]
    [rollout] = rollouts.list_rollouts(bot.db, TEAM)
    assert rollout.title != "SSO again"
