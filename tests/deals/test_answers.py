"""The reason modal: who may answer, what it asks, and once only."""

from __future__ import annotations

import pytest

from storage.deals import DealAnswer
from tests.support.bot import (
    OTHER_REP,
    REP,
    TEAM,
    RunningBot,
)
from tests.support.deals import (
    count,
    only_closure,
    press_reason,
    prompted_closure,
    submit_answer,
    view_of,
)
from tests.support.replies import reply_to

# ---- the modal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "values", "block"),
    [
        ("price", {"customer_said": "   ", "competitor": None}, "customer_said"),
        ("competitor", {"competitor": None}, "competitor"),
        ("nonsense", {}, "winloss_reason"),
    ],
)
def test_incomplete_answer_gets_an_inline_error_and_stores_nothing(
    bot: RunningBot, reason: str, values: dict, block: str
) -> None:
    closure = prompted_closure(bot)
    reply = submit_answer(bot, closure.id, reason, **values)
    assert reply.json()["response_action"] == "errors"
    assert block in reply.json()["errors"]
    assert count(bot.db, DealAnswer.id) == 0


def test_a_prompt_cannot_be_answered_twice(bot: RunningBot) -> None:
    closure = prompted_closure(bot)
    submit_answer(bot, closure.id, "price", competitor=None)
    bot.fake.wait_for("chat.update")
    _, response_url = press_reason(bot, closure, "other")
    assert "already answered" in reply_to(bot, response_url)["text"]
    second = submit_answer(bot, closure.id, "other", competitor=None)
    assert second.json()["response_action"] == "errors"
    assert count(bot.db, DealAnswer.id) == 1
    assert only_closure(bot).answer.reason == "price"  # type: ignore[union-attr]


def test_only_the_owner_can_answer(bot: RunningBot) -> None:
    closure = prompted_closure(bot)
    _, response_url = press_reason(bot, closure, "price", user=OTHER_REP)
    assert "This question is for" in reply_to(bot, response_url)["text"]
    assert submit_answer(bot, closure.id, "price", user=OTHER_REP).json()["errors"]
    assert count(bot.db, DealAnswer.id) == 0


def test_picking_a_competitor_reason_in_the_modal_shows_the_competitor_field(
    bot: RunningBot,
) -> None:
    closure = prompted_closure(bot)
    press_reason(bot, closure, "price")
    view = view_of(bot.fake.wait_for("views.open")[0])
    assert "competitor" not in {b.get("block_id") for b in view["blocks"]}
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": REP},
        "trigger_id": "1.2.3",
        "container": {"type": "view", "view_id": "V9"},
        "view": {**view, "id": "V9", "hash": "h1"},
        "actions": [
            {
                "type": "static_select",
                "action_id": "value",
                "block_id": "winloss_reason",
                "selected_option": {"value": "competitor"},
            }
        ],
    }
    assert bot.slack.interaction(payload).status == 200
    [updated] = bot.fake.wait_for("views.update")
    assert updated["view_id"] == "V9" and updated["hash"] == "h1"
    assert "competitor" in {b.get("block_id") for b in view_of(updated)["blocks"]}
