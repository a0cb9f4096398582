"""The deal assignment form (a person picker) and `/perspective deal` read as typed: quoted
names stay quoted, owners may be plain names, and what can't be read is refused."""

from __future__ import annotations

import pytest

from storage import deals
from storage.deals import Deal
from tests.support.bot import OTHER_REP, REP, TEAM, RunningBot
from tests.support.deals import ACME, only_closure, prompts_to, send_deal, settle
from tests.support.forms import closed, element_types, errors_of, open_form, submit, user_picked
from tests.support.messages import text_of
from tests.support.replies import perspective

BOB = "U0BOB0001"


def unassigned_deal(bot: RunningBot) -> Deal:
    """A deal from the CRM whose owner's email Slack doesn't know."""
    assert (
        send_deal(bot, {**ACME, "owner_slack_id": None, "owner_email": "ghost@acme.com"}).status
        == 200
    )
    settle(bot)
    [deal] = deals.unassigned(bot.db, TEAM, 10)
    return deal


def test_deal_assign_without_an_owner_opens_a_person_picker(bot: RunningBot) -> None:
    deal = unassigned_deal(bot)
    view = open_form(bot, f"deal assign {deal.id}")
    assert view["callback_id"] == "deal_assign_form"
    assert element_types(view) == {"owner": "users_select"}
    assert "ghost@acme.com" in text_of({"blocks": view["blocks"]})


def test_the_assignment_form_saves_in_its_ack_and_the_owner_is_asked(bot: RunningBot) -> None:
    deal = unassigned_deal(bot)
    view = open_form(bot, f"deal assign {deal.id}")
    assert closed(submit(bot, view, {"owner": user_picked(OTHER_REP)}))
    assert deals.unassigned(bot.db, TEAM, 10) == []  # stored in the ack
    confirmation = bot.fake.wait_for("chat.postEphemeral")[-1]
    assert f"now belongs to <@{OTHER_REP}>" in text_of(confirmation)
    settle(bot)
    assert len(prompts_to(bot, OTHER_REP)) == 1


def test_the_assignment_form_refuses_inline(bot: RunningBot) -> None:
    deal = unassigned_deal(bot)
    view = open_form(bot, f"deal assign {deal.id}")
    assert errors_of(submit(bot, view, {"owner": user_picked(None)})) == {
        "owner": "Pick the deal's owner."
    }
    perspective(bot, f"deal assign {deal.id} <@{REP}>")  # someone else was quicker
    errors = errors_of(submit(bot, view, {"owner": user_picked(OTHER_REP)}))
    assert "isn't waiting for an owner" in errors["owner"]
    assert only_closure(bot).owner_id == REP


def test_no_form_for_a_deal_that_has_an_owner_or_for_a_non_admin(bot: RunningBot) -> None:
    perspective(bot, f'deal lost "Acme renewal" <@{REP}>', user=REP)
    settle(bot)
    [deal] = deals.recent_deals_of(bot.db, TEAM, REP, 5)
    assert "isn't waiting for an owner" in perspective(bot, f"deal assign {deal.id}")["text"]
    assert "Only workspace admins" in perspective(bot, f"deal assign {deal.id}", user=REP)["text"]
    assert bot.fake.calls_to("views.open") == []


def test_deal_assign_takes_a_plain_name(bot: RunningBot) -> None:
    bot.fake.add_user(BOB, name="bob")
    deal = unassigned_deal(bot)
    assert "now belongs to" in perspective(bot, f"deal assign {deal.id} bob")["text"]
    assert (
        "Nobody in this workspace is called `zed`" in perspective(bot, "deal assign 99 zed")["text"]
    )


def test_a_quoted_deal_name_with_words_after_it_is_refused_not_swallowed(bot: RunningBot) -> None:
    shown = perspective(bot, 'deal lost "Big deal" lots of money', user=REP)["text"]
    assert "I couldn't read `lots of money`" in shown
    assert '/perspective deal lost "Acme renewal" [Acme Corp] @jane $48,000' in shown
    assert deals.recent_deals_of(bot.db, TEAM, REP, 5) == []


@pytest.mark.parametrize(
    ("text", "name", "owner"),
    [
        ('deal lost "Big deal" [Acme] @bob $5k', "Big deal", BOB),
        ("deal lost “Big deal” $5k", "Big deal", REP),
        ("deal lost Big deal @bob", "Big deal", BOB),
        (f'deal lost "Big deal" <@{OTHER_REP}|bo>', "Big deal", OTHER_REP),
    ],
    ids=["quoted, owner by name", "curly quotes", "unquoted", "mention"],
)
def test_deal_names_and_owners_are_read_as_typed(
    bot: RunningBot, text: str, name: str, owner: str
) -> None:
    bot.fake.add_user(BOB, name="bob")
    assert "Recorded" in perspective(bot, text, user=REP)["text"]
    closure = only_closure(bot)
    assert (closure.deal.name, closure.deal.owner_id) == (name, owner)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deal lost Big @bob deal", "Put the deal name in double quotes"),
        ('deal lost "Big deal" "Other deal"', "one deal name in quotes"),
        ('deal lost "Big deal" @bob @bob', "one @owner"),
        ('deal lost "Big deal" $5k $6k', "one $amount"),
        ('deal lost "Big deal" @zed', "Nobody in this workspace is called `zed`"),
        ('deal lost "Big deal', "Close the quotes"),
    ],
)
def test_what_the_deal_command_cannot_read_is_refused_with_the_syntax(
    bot: RunningBot, text: str, expected: str
) -> None:
    bot.fake.add_user(BOB, name="bob")
    shown = perspective(bot, text, user=REP)["text"]
    assert expected in shown and "/perspective deal lost" in shown
    assert deals.recent_deals_of(bot.db, TEAM, REP, 5) == []
