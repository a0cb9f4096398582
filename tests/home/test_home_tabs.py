"""The Home tab per role, and its buttons, through the real HTTP stack and the fake Slack."""

from __future__ import annotations

from datetime import timedelta

from storage import deals, digests, note_uses, teams, workspace_settings
from tests.support.bot import ADMIN, MANAGER, REP, TEAM, RunningBot
from tests.support.deals import ACME, send_deal, settle
from tests.support.digests import MARKETER, MARKETING, add_note, subscribe
from tests.support.home import HOME_VIEW, dms_to, open_home, published_home
from tests.support.messages import view_of
from tests.support.promises import promise_cmd
from tests.support.replies import perspective

REP_SECTIONS = ("Win/loss questions waiting for you", "My open promises", "My recent field notes")


def test_a_reps_home_has_the_buttons_and_says_briefly_what_is_empty(bot: RunningBot) -> None:
    home = open_home(bot, REP)
    assert '"home_new_note"' in home and '"home_new_promise"' in home
    assert all(title in home for title in REP_SECTIONS)
    assert "None waiting." in home and "None open" in home and "None yet" in home
    assert "Digests" not in home and "Notes I marked used" not in home


def test_my_notes_say_how_often_marketing_used_them_this_month_and_in_all(
    bot: RunningBot,
) -> None:
    note = add_note(bot.services, "CFO says per-seat pricing kills it")
    note_uses.record_use(
        bot.db, TEAM, note.id, MARKETER, "pricing page", bot.clock() - timedelta(days=40)
    )
    note_uses.record_use(bot.db, TEAM, note.id, MARKETER, "Q1 deck", bot.clock())
    home = open_home(bot, REP)
    assert "per-seat pricing" in home and "used 1× this month, 2× in all" in home
    assert "Marketing used these notes 1× this month and 2× in all." in home


def test_a_managers_home_puts_the_teams_trouble_first(bot: RunningBot) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    promise_cmd(bot, "Price sheet to [Hooli] by 2026-12-11", REP)
    promise_cmd(bot, "broken 1 pricing changed", REP)
    home = open_home(bot, MANAGER)
    team = home.index("My team's broken and at-risk commitments")
    assert "pricing changed" in home
    assert (
        team < home.index("Win/loss reasons your reps still owe") < home.index("My open promises")
    )


def test_a_pure_admins_home_shows_the_set_up_and_no_rep_sections(bot: RunningBot) -> None:
    subscription = subscribe(bot.services)
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    home = open_home(bot, ADMIN)
    assert not any(title in home for title in REP_SECTIONS)
    assert f"*#{subscription.id}* <#{MARKETING}>" in home and '"home_digest_remove"' in home
    assert f"<@{MANAGER}>: <@{REP}>" in home
    assert "No rollouts yet" in home and "Every deal has a Slack owner" in home
    assert "lost *and won* deals" in home and '"home_win_prompts"' in home
    assert "Set-up checklist" in home  # no rollout yet


def test_remove_on_the_admins_home_removes_the_digest_and_shows_the_home_again(
    bot: RunningBot,
) -> None:
    subscription = subscribe(bot.services)
    open_home(bot, ADMIN)
    bot.slack.block_action("home_digest_remove", str(subscription.id), user=ADMIN, view=HOME_VIEW)
    home = published_home(bot, 2)
    assert digests.subscriptions(bot.db, TEAM) == []
    assert "No digests yet" in home
    assert any(f"Digest {subscription.id} removed" in dm for dm in dms_to(bot, ADMIN))


def test_a_rep_cannot_remove_a_digest_from_a_stale_home(bot: RunningBot) -> None:
    subscription = subscribe(bot.services)
    bot.slack.block_action("home_digest_remove", str(subscription.id), user=REP, view=HOME_VIEW)
    [refusal] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert "admin" in refusal["text"]
    assert "home_digest_remove" not in published_home(bot, 1)  # the Home shown again is a rep's
    assert len(digests.subscriptions(bot.db, TEAM)) == 1


def test_the_win_prompt_button_flips_the_setting(bot: RunningBot) -> None:
    bot.slack.block_action("home_win_prompts", "off", user=ADMIN, view=HOME_VIEW)
    home = published_home(bot, 1)
    assert workspace_settings.get_setting(bot.db, TEAM, "win_prompts", "on") == "off"
    assert "lost deals only" in home and "Ask about won deals too" in home


def test_a_marketers_home_lists_the_notes_they_used_and_asked_about(bot: RunningBot) -> None:
    bot.fake.add_user(MARKETER)
    bot.fake.members[MARKETING] = [MARKETER]
    subscribe(bot.services)
    asked = add_note(bot.services, "Security review takes a month")
    used = add_note(bot.services, "Loves the Slack-first workflow")
    note_uses.record_use(bot.db, TEAM, used.id, MARKETER, "Q1 launch page", bot.clock())
    bot.slack.block_action("digest_ask_rep", str(asked.id), user=MARKETER, channel=MARKETING)
    bot.fake.wait_for("chat.postMessage", where=lambda a: "Security review" in a["text"])

    home = open_home(bot, MARKETER)
    used_at = home.index("Notes I marked used")
    assert used_at < home.index("Slack-first workflow") < home.index("Questions I asked reps")
    assert home.index("Questions I asked reps") < home.index("Security review")
    assert "Q1 launch page" in home
    assert not any(title in home for title in REP_SECTIONS)


def test_someone_named_a_marketer_gets_a_marketers_home(bot: RunningBot) -> None:
    bot.fake.add_user(MARKETER)
    assert "now see marketing's Home" in perspective(bot, f"marketers <@{MARKETER}>")["text"]
    assert f"<@{MARKETER}>" in perspective(bot, "marketers")["text"]
    home = open_home(bot, MARKETER)
    assert "None yet — press *Used it*" in home and "None yet — press *Ask rep*" in home


def test_only_admins_name_marketers_and_only_people_can_be_named(bot: RunningBot) -> None:
    assert "admin" in perspective(bot, f"marketers <@{MARKETER}>", user=REP)["text"]
    assert "isn't a person" in perspective(bot, "marketers <!channel>")["text"]
    assert (
        "Nobody in this workspace is called `carol`" in perspective(bot, "marketers carol")["text"]
    )


def test_the_homes_buttons_open_the_note_and_promise_forms(bot: RunningBot) -> None:
    bot.slack.block_action("home_new_note", "new", view=HOME_VIEW)
    note_form = view_of(bot.fake.wait_for("views.open")[0])
    assert note_form["callback_id"] == "fieldnote_modal"
    bot.slack.block_action("home_new_promise", "new", view=HOME_VIEW)
    promise_form = view_of(bot.fake.wait_for("views.open", 2)[1])
    assert promise_form["callback_id"] == "promise_modal"


def test_the_admins_home_opens_the_team_rollout_and_assignment_forms(bot: RunningBot) -> None:
    assert (
        send_deal(bot, {**ACME, "owner_slack_id": None, "owner_email": "ghost@acme.com"}).status
        == 200
    )
    settle(bot)
    [deal] = deals.unassigned(bot.db, TEAM, 10)
    home = open_home(bot, ADMIN)
    assert '"home_team_form"' in home and '"home_rollout_add"' in home
    assert '"home_rollout_move"' not in home, "nothing to move before a rollout exists"
    assert f"*#{deal.id}*" in home and "ghost@acme.com" in home

    presses = [
        ("home_team_form", "team"),
        ("home_rollout_add", "add"),
        ("home_deal_assign", str(deal.id)),
    ]
    for count, (action, value) in enumerate(presses, start=1):
        bot.slack.block_action(action, value, user=ADMIN, view=HOME_VIEW)
        bot.fake.wait_for("views.open", count)
    opened = [view_of(call)["callback_id"] for call in bot.fake.calls_to("views.open")]
    assert opened == ["team_form", "rollout_add_form", "deal_assign_form"]


def test_a_rep_pressing_a_stale_set_up_button_is_told_who_may(bot: RunningBot) -> None:
    bot.slack.block_action("home_team_form", "team", user=REP, view=HOME_VIEW)
    [told] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert "admin" in told["text"] and bot.fake.calls_to("views.open") == []
