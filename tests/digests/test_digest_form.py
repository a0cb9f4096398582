"""The digest form (channel picker, how often, time picker, zone, tags, sections, options),
opened by `/perspective digest add` alone and by the Home's *Add digest*; and the typed
`digest add` reading the times people type."""

from __future__ import annotations

import pytest

from bot.slack.rules import validate_view
from storage import digests as digest_store
from tests.support.bot import ADMIN, REP, TEAM, RunningBot
from tests.support.digests import MARKETING
from tests.support.forms import closed, element_types, errors_of, filled, open_form, submit
from tests.support.home import HOME_VIEW
from tests.support.messages import text_of, view_of
from tests.support.replies import perspective

FORM_INPUTS = {
    "channel": "conversations_select",
    "cadence": "radio_buttons",
    "post_at": "timepicker",
    "timezone": "static_select",
    "tags": "plain_text_input",
    "sections": "checkboxes",
    "options": "checkboxes",
}


def test_digest_add_alone_opens_the_form_in_the_admins_own_zone(bot: RunningBot) -> None:
    view = open_form(bot, "digest add")
    validate_view(view)  # what the fake accepted is valid Block Kit
    assert view["callback_id"] == "digest_form" and element_types(view) == FORM_INPUTS
    assert view["private_metadata"] == "C0SALES01"  # confirmed where the command was typed
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["timezone"]["initial_option"]["value"] == "America/New_York"  # the admin's
    assert elements["post_at"]["initial_time"] == "09:00"


def test_the_form_saves_before_it_closes_and_confirms_where_it_was_opened(
    bot: RunningBot,
) -> None:
    view = open_form(bot, "digest add")
    picks = {
        "channel": MARKETING,
        "cadence": "weekly",
        "post_at": "08:30",
        "timezone": "Europe/Berlin",
        "tags": "#Pricing #security, pricing",
        "sections": ["notes", "deals"],
        "options": ["always"],
    }
    assert closed(submit(bot, view, filled(view, picks)))
    [subscription] = digest_store.subscriptions(bot.db, TEAM)  # saved in the ack
    assert (subscription.channel_id, subscription.cadence, subscription.post_at) == (
        MARKETING,
        "weekly",
        "08:30",
    )
    assert subscription.timezone == "Europe/Berlin"
    assert subscription.tag_filter == ("pricing", "security")
    assert subscription.section_names == ("notes", "deals")
    assert subscription.post_when_empty and not subscription.chart
    [confirmation] = bot.fake.wait_for("chat.postEphemeral")
    assert confirmation["channel"] == "C0SALES01" and confirmation["user"] == ADMIN
    assert f"Digest set up: *#{subscription.id}* <#{MARKETING}>, weekly at 08:30" in text_of(
        confirmation
    )


def test_the_forms_defaults_make_a_daily_digest_of_every_section(bot: RunningBot) -> None:
    view = open_form(bot, "digest add")
    assert closed(submit(bot, view, filled(view, {"channel": MARKETING, "options": ["chart"]})))
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert (subscription.cadence, subscription.post_at, subscription.timezone) == (
        "daily",
        "09:00",
        "America/New_York",
    )
    assert subscription.section_names == () and subscription.tag_filter == ()
    assert subscription.chart and not subscription.post_when_empty


@pytest.mark.parametrize(
    ("picks", "field", "message"),
    [
        ({"channel": None}, "channel", "Pick the channel"),
        ({"channel": "C0NOBOT01"}, "channel", "/invite @Perspective"),
        ({"post_at": None}, "post_at", "Pick the time"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Pick a time zone"),
        ({"sections": []}, "sections", "at least one section"),
    ],
    ids=["no channel", "bot not in channel", "no time", "unknown zone", "no section"],
)
def test_the_form_refuses_inline_and_stores_nothing(
    bot: RunningBot, picks: dict, field: str, message: str
) -> None:
    bot.fake.channels_without_bot.add("C0NOBOT01")
    view = open_form(bot, "digest add")
    errors = errors_of(submit(bot, view, filled(view, {"channel": MARKETING, **picks})))
    assert list(errors) == [field] and message in errors[field]
    assert len(errors[field]) <= 150
    assert digest_store.subscriptions(bot.db, TEAM) == []


def test_the_same_digest_twice_is_refused_under_the_channel(bot: RunningBot) -> None:
    perspective(bot, "digest add <#C0MKT0001|marketing>")
    view = open_form(bot, "digest add")
    errors = errors_of(submit(bot, view, filled(view, {"channel": MARKETING})))
    assert "already gets this daily digest" in errors["channel"]
    assert len(digest_store.subscriptions(bot.db, TEAM)) == 1


def test_the_homes_add_digest_button_opens_the_form(bot: RunningBot) -> None:
    bot.slack.block_action("home_add_digest", "add", user=ADMIN, view=HOME_VIEW)
    view = view_of(bot.fake.wait_for("views.open")[0])
    assert view["callback_id"] == "digest_form" and view["private_metadata"] == ""
    assert closed(submit(bot, view, filled(view, {"channel": MARKETING})))
    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == ADMIN)
    assert "Digest set up" in text_of(dm)  # from the Home, confirmed in a DM


def test_a_rep_gets_no_digest_form(bot: RunningBot) -> None:
    assert "admin" in perspective(bot, "digest add", user=REP)["text"]
    bot.slack.block_action("home_add_digest", "add", user=REP, view=HOME_VIEW)
    [told] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert "admin" in told["text"] and bot.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9am", "09:00"),
        ("9AM", "09:00"),
        ("9:00", "09:00"),
        ("09:00", "09:00"),
        ("9:30pm", "21:30"),
        ("21:00", "21:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
    ],
)
def test_typed_digest_add_reads_the_times_people_type(
    bot: RunningBot, typed: str, stored: str
) -> None:
    text = perspective(bot, f"digest add <#C0MKT0001|marketing> {typed}")["text"]
    [subscription] = digest_store.subscriptions(bot.db, TEAM)
    assert subscription.post_at == stored and f"daily at {stored}" in text


@pytest.mark.parametrize("typed", ["25:00", "9ish", "9", "13pm", "9:5", "9:60", "0am", "9.30am"])
def test_typed_digest_add_refuses_a_time_it_cannot_read(bot: RunningBot, typed: str) -> None:
    text = perspective(bot, f"digest add <#C0MKT0001|marketing> {typed}")["text"]
    assert f"`{typed}` isn't a time of day I can read" in text
    assert "`9am`, `9:30pm`, `09:00` or `21:00`" in text
    assert digest_store.subscriptions(bot.db, TEAM) == []
