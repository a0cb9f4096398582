"""The welcome: one DM on a person's first Home open, written for their role."""

from __future__ import annotations

import threading

from storage import claims, teams
from tests.support.bot import ADMIN, MANAGER, REP, TEAM, RunningBot
from tests.support.digests import MARKETER
from tests.support.home import open_home, published_home, welcomes
from tests.support.messages import text_of
from tests.support.replies import perspective


def test_the_first_home_open_welcomes_once_and_later_opens_do_not(bot: RunningBot) -> None:
    open_home(bot, REP)
    [welcome] = welcomes(bot, REP)
    shown = text_of(welcome)
    assert "Welcome to Perspective" in shown and "/fieldnote" in shown
    assert '"home_new_note"' in shown and '"home_new_promise"' in shown

    open_home(bot, REP, opened_before=1)
    bot.slack.event({"type": "app_home_opened", "user": REP, "tab": "messages"})
    open_home(bot, REP, opened_before=2)
    assert len(welcomes(bot, REP)) == 1


def test_two_opens_racing_send_one_welcome(bot: RunningBot) -> None:
    """Two different events (the Events API dedupe cannot help) handled at once."""
    event = {"type": "app_home_opened", "user": REP, "tab": "home"}
    threads = [threading.Thread(target=bot.slack.event, args=(event,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    published_home(bot, 4)
    assert len(welcomes(bot, REP)) == 1


def test_each_role_gets_the_welcome_written_for_it(bot: RunningBot) -> None:
    bot.fake.add_user(MARKETER)
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    perspective(bot, f"marketers <@{MARKETER}>")
    for count, person in enumerate((REP, MANAGER, MARKETER, ADMIN)):
        open_home(bot, person, opened_before=count)

    assert "promise them" in text_of(welcomes(bot, REP)[0])
    assert "your team's broken and at-risk" in text_of(welcomes(bot, MANAGER)[0])
    marketer = text_of(welcomes(bot, MARKETER)[0])
    assert "*Ask rep*" in marketer and '"home_new_promise"' not in marketer
    admin = text_of(welcomes(bot, ADMIN)[0])
    assert "Set-up checklist" in admin and '"home_add_digest"' in admin
    assert "Set-up checklist" not in text_of(welcomes(bot, REP)[0])


def test_the_admins_checklist_ticks_itself_off_in_the_welcome_and_on_home(
    bot: RunningBot,
) -> None:
    home = open_home(bot, ADMIN)
    welcome = welcomes(bot, ADMIN)[0]
    assert text_of(welcome).count(":white_large_square:") == 3
    assert "Set-up checklist" in home

    perspective(bot, f"team <@{MANAGER}> <@{REP}>")
    home = open_home(bot, ADMIN, opened_before=1)
    [update] = bot.fake.calls_to("chat.update")
    sent = claims.result_of(bot.db, f"welcome:{TEAM}:{ADMIN}")
    assert f"{update['channel']}:{update['ts']}" == sent
    ticked = text_of(update)
    assert ticked.count(":white_large_square:") == 2 and "~A team: who reports to whom~" in ticked
    assert "~A team: who reports to whom~" in home

    open_home(bot, ADMIN, opened_before=2)  # nothing changed: the welcome is left alone
    assert len(bot.fake.calls_to("chat.update")) == 1
    assert len(welcomes(bot, ADMIN)) == 1
