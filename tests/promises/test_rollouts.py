"""Teams and rollouts through `/perspective`, and a rollout slip reaching rep and manager once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from storage import digest_promises, rollouts, teams
from storage import promises as store
from storage.promises import BROKEN, Promise
from tests.support.bot import ADMIN, MANAGER, OTHER_REP, REP, TEAM, RunningBot
from tests.support.messages import blocks_of, text_of, view_of
from tests.support.promises import SECOND_MANAGER, all_promises, dm_ref, promise_cmd
from tests.support.replies import perspective


def test_admin_sets_a_team_from_escaped_mentions_and_raw_ids(bot: RunningBot) -> None:
    shown = perspective(bot, f"team <@{MANAGER}|maria> <@{REP}> {OTHER_REP}")["text"]
    assert "now report to" in shown
    assert teams.reps_of(bot.db, TEAM, MANAGER) == sorted([REP, OTHER_REP])
    assert REP in perspective(bot, f"team <@{MANAGER}>")["text"]


def test_reassigning_a_rep_moves_them_to_the_new_manager(bot: RunningBot) -> None:
    bot.fake.add_user(SECOND_MANAGER)
    perspective(bot, f"team <@{MANAGER}> <@{REP}> <@{OTHER_REP}>")
    shown = perspective(bot, f"team <@{SECOND_MANAGER}> <@{REP}>")["text"]
    assert f"was <@{MANAGER}>'s" in shown
    assert teams.manager_of(bot.db, TEAM, REP) == SECOND_MANAGER
    assert teams.reps_of(bot.db, TEAM, MANAGER) == [OTHER_REP]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"team <@{MANAGER}> acme", "Nobody in this workspace is called `acme`"),
        (f"team <@{MANAGER}> <!channel>", "`&lt;!channel&gt;` isn't a person"),
        (f"team <@{MANAGER}> <@{MANAGER}>", "can't report to themselves"),
        ('rollout add sso "SSO integration', "quote is left open"),
        ("rollout add sso", "a title in quotes and a date"),
        ('rollout add SSO! "SSO" 2026-12-01', "can't be a rollout key"),
        ('rollout add sso "SSO" whenever', "couldn't read `whenever`"),
        ('rollout add sso "SSO" 2026-01-01', "in the past"),
        ("rollout move nope 2027-01-01", "There is no rollout `nope`"),
        ("rollout launch sso", "isn't a rollout command"),
    ],
)
def test_bad_setup_commands_say_how_to_do_it_right(
    bot: RunningBot, text: str, expected: str
) -> None:
    assert expected in perspective(bot, text)["text"]
    assert rollouts.list_rollouts(bot.db, TEAM) == []
    assert teams.all_managers(bot.db, TEAM) == []


@pytest.mark.parametrize(
    "text",
    [
        f"team <@{MANAGER}> <@{REP}>",
        'rollout add sso "SSO" 2026-12-01',
        "rollout move sso 2027-01-01",
        "rollout list",
    ],
)
def test_non_admins_are_refused_setup_commands(bot: RunningBot, text: str) -> None:
    shown = perspective(bot, text, user=REP)["text"]
    assert "Only workspace admins" in shown
    assert teams.all_managers(bot.db, TEAM) == [] and rollouts.list_rollouts(bot.db, TEAM) == []


def test_perspective_admins_setting_makes_someone_an_admin(bot: RunningBot) -> None:
    object.__setattr__(bot.services.settings, "admins", frozenset({REP}))
    perspective(bot, 'rollout add sso "SSO integration" 2026-12-01', user=REP)
    assert [r.key for r in rollouts.list_rollouts(bot.db, TEAM)] == ["sso"]


def test_rollouts_are_added_and_listed_soonest_first(bot: RunningBot) -> None:
    assert (
        "ships Tue 1 Dec 2026"
        in perspective(bot, 'rollout add sso "SSO integration" 2026-12-01')["text"]
    )
    perspective(bot, "rollout add audit “Audit log” end of quarter")
    assert "exists already" in perspective(bot, 'rollout add sso "Again" 2026-12-02')["text"]
    listing = perspective(bot, "rollout list")["text"]
    assert listing.index("`sso`") < listing.index("`audit`")
    assert "Thu 31 Dec 2026" in listing


def set_up_slip(bot: RunningBot) -> None:
    perspective(bot, 'rollout add sso "SSO integration" 2026-12-01')
    perspective(bot, f"team <@{MANAGER}> <@{REP}> <@{OTHER_REP}>")
    promise_cmd(bot, "SSO for the pilot to [Acme] by 2026-12-15 needs:sso", REP)
    promise_cmd(bot, "SSO live to [Hooli] by 2026-12-20 needs:sso", OTHER_REP)
    promise_cmd(bot, "SSO GA to [Initech] by 2027-03-01 needs:sso", REP)  # still safe
    promise_cmd(bot, "Price sheet to [Globex] by 2026-12-10", REP)  # needs nothing


def dms_to(bot: RunningBot, user: str, text: str = "") -> list[dict]:
    return bot.fake.calls_to(
        "chat.postMessage", where=lambda a: a["channel"] == user and text in a["text"]
    )


MANAGER_ALERT = "Promises at risk on your team"


def test_rollout_slip_tells_each_owner_and_their_manager_exactly_once(
    bot: RunningBot, cli_tick: Callable[[str], int]
) -> None:
    set_up_slip(bot)
    shown = perspective(bot, "rollout move sso 2027-02-01")["text"]
    assert "2 promises are now at risk" in shown

    owner_dm = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)[0]
    assert "Acme" in text_of(owner_dm) and "Initech" not in text_of(owner_dm)
    assert "Tue 1 Dec 2026" in text_of(owner_dm)
    assert "Mon 1 Feb 2027" in text_of(owner_dm)
    actions = next(b for b in blocks_of(owner_dm) if b["type"] == "actions")["elements"]
    assert [e["text"]["text"] for e in actions] == [
        "Move my promise",
        "Mark broken",
        "I'll handle it",
    ]
    [manager_dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == MANAGER)
    assert "Acme" in text_of(manager_dm) and "Hooli" in text_of(manager_dm)
    assert "Initech" not in text_of(manager_dm) and "Globex" not in text_of(manager_dm)
    assert "2 of your team's promises are now at risk:" in text_of(manager_dm)

    cli_tick("2026-11-23T15:05:00Z")
    cli_tick("2026-11-23T15:06:00Z")
    assert len(dms_to(bot, REP)) == 1 and len(dms_to(bot, OTHER_REP)) == 1
    assert len(dms_to(bot, MANAGER, MANAGER_ALERT)) == 1
    [nudge] = dms_to(bot, MANAGER, "broken and at-risk")  # 10:05 in New York: today's nudge
    assert "At risk" in text_of(nudge) and "Hooli" in text_of(nudge)
    at_risk = {p.account for p in all_promises(bot) if p.at_risk}
    assert at_risk == {"Acme", "Hooli"}


def test_moving_a_rollout_earlier_clears_the_risk_without_alerts(bot: RunningBot) -> None:
    set_up_slip(bot)
    perspective(bot, "rollout move sso 2027-02-01")
    bot.fake.wait_for("chat.postMessage", 3)
    shown = perspective(bot, "rollout move sso 2026-12-16")["text"]
    assert "No promise is newly at risk; 1 is no longer at risk." in shown
    at_risk = {p.account for p in all_promises(bot) if p.at_risk}
    assert at_risk == {"Acme"}
    assert len(bot.fake.calls_to("chat.postMessage")) == 3
    kinds = [
        e.kind
        for e in digest_promises.events_after(bot.db, TEAM, 0, ["at_risk", "risk_cleared"], 50)
    ]
    assert kinds == ["at_risk", "at_risk", "risk_cleared"]


def test_moving_a_rollout_to_the_date_it_already_has_changes_nothing(bot: RunningBot) -> None:
    set_up_slip(bot)
    events_before = digest_promises.latest_event_id(bot.db, TEAM)
    shown = perspective(bot, "rollout move sso 2026-12-01")["text"]
    assert "`sso` is already planned for Tue 1 Dec 2026 — nothing changed" in shown
    assert rollouts.get_move(bot.db, 1) is None
    assert digest_promises.latest_event_id(bot.db, TEAM) == events_before
    assert bot.fake.calls_to("chat.postMessage") == []


def test_alert_that_slack_refused_is_sent_once_by_a_later_tick(
    bot: RunningBot, cli_tick: Callable[[str], int]
) -> None:
    set_up_slip(bot)
    bot.fake.fail_next("chat.postMessage", status=500, error="internal_error")
    perspective(bot, "rollout move sso 2027-02-01")
    bot.fake.wait_for("chat.postMessage", 2)
    assert len(bot.fake.calls_to("chat.postMessage")) == 2  # one of three failed

    cli_tick("2026-11-23T15:05:00Z")
    cli_tick("2026-11-23T15:06:00Z")
    assert len(dms_to(bot, REP)) == 1 and len(dms_to(bot, OTHER_REP)) == 1
    assert len(dms_to(bot, MANAGER, MANAGER_ALERT)) == 1
    assert rollouts.unnotified_moves(bot.db) == []


def acme_risk_alert(bot: RunningBot) -> tuple[Promise, str, str]:
    """Slip `sso` past the Acme promise: the promise and the (channel, ts) of its owner's alert."""
    set_up_slip(bot)
    perspective(bot, "rollout move sso 2027-02-01")
    bot.fake.wait_for("chat.postMessage", 3)
    acme = next(p for p in all_promises(bot) if p.account == "Acme")
    assert rollouts.list_rollouts(bot.db, TEAM)[0].ships_on == date(2027, 2, 1)
    return acme, *dm_ref(bot, f"rollout-risk:1:{acme.id}")


def test_owner_buttons_on_the_risk_alert_work(bot: RunningBot) -> None:
    acme, channel, ts = acme_risk_alert(bot)

    bot.slack.block_action("promise_handling", str(acme.id), channel=channel, message_ts=ts)
    [update] = bot.fake.wait_for("chat.update")
    assert "You're handling it" in text_of(update)
    assert store.get_promise(bot.db, TEAM, acme.id).owner_handling_at is not None

    bot.slack.block_action("promise_more_time", str(acme.id), channel=channel, message_ts=ts)
    bot.fake.wait_for("views.open")


def test_mark_broken_on_the_risk_alert_asks_why_and_breaks_the_promise(bot: RunningBot) -> None:
    acme, channel, ts = acme_risk_alert(bot)
    bot.slack.block_action("promise_broken", str(acme.id), channel=channel, message_ts=ts)
    view = view_of(bot.fake.wait_for("views.open")[0])
    assert view["callback_id"] == "promise_broken_modal"

    bot.slack.view_submission(
        "promise_broken_modal",
        {"why": "SSO slipped to February"},
        private_metadata=view["private_metadata"],
    )
    [update] = bot.fake.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == (channel, ts) and "broken" in text_of(update)
    broken = store.get_promise(bot.db, TEAM, acme.id)
    assert (broken.status, broken.broken_reason) == (BROKEN, "SSO slipped to February")


def test_events_after_pages_through_state_changes_with_their_promise(bot: RunningBot) -> None:
    set_up_slip(bot)
    assert digest_promises.latest_event_id(bot.db, TEAM) == 0
    perspective(bot, "rollout move sso 2027-02-01")
    mark = digest_promises.latest_event_id(bot.db, TEAM)
    price = next(p for p in all_promises(bot) if p.account == "Globex")
    promise_cmd(bot, f"broken {price.id} pricing changed", REP)

    first = digest_promises.events_after(bot.db, TEAM, 0, ["at_risk", "broken"], 10)
    assert [(e.kind, e.promise.account) for e in first] == [
        ("at_risk", "Acme"),
        ("at_risk", "Hooli"),
        ("broken", "Globex"),
    ]
    later = digest_promises.events_after(bot.db, TEAM, mark, ["at_risk", "broken"], 10)
    assert [(e.kind, e.promise.owner_id, e.promise.text, e.promise.due_on) for e in later] == [
        ("broken", REP, "Price sheet", date(2026, 12, 10))
    ]
    assert digest_promises.events_after(bot.db, "T0OTHER", 0, ["broken"], 10) == []
    assert (
        digest_promises.events_after(bot.db, TEAM, 0, ["broken"], 1)[0].promise.account == "Globex"
    )
    assert ADMIN  # the admin moved it; nothing else to check here


def test_perspective_help_lists_team_and_rollout_commands_for_admins(bot: RunningBot) -> None:
    shown = perspective(bot, "help", user=ADMIN)["text"]
    for command in ("team @manager", "rollout add", "rollout move", "rollout list"):
        assert command in shown


def test_perspective_help_shows_a_rep_what_a_rep_can_do_and_admins_the_set_up(
    bot: RunningBot,
) -> None:
    for_rep = perspective(bot, "help", user=REP)["text"]
    assert "/fieldnote" in for_rep and "/promise" in for_rep
    assert "rollout add" not in for_rep and "is for workspace admins" in for_rep
    assert perspective(bot, "help", user=ADMIN)["text"].startswith("*Perspective set-up*")


def test_the_examples_in_the_set_up_help_work_as_written(bot: RunningBot) -> None:
    """Examples with dates in them must not fall into the past as the calendar moves on."""
    added = perspective(bot, 'rollout add sso "SSO integration" end of quarter')["text"]
    assert added.startswith(":rocket: Rollout `sso`")
    moved = perspective(bot, "rollout move sso in 6 weeks")["text"]
    assert "moved from" in moved and moved.endswith("No open promise is affected.")
