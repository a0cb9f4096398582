"""Deals by webhook: intake, the prompt DM, resends, changed outcomes and owners."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.deals import winloss
from bot.foreground import Foreground, foreground
from bot.runtime.scheduler import run_tick
from storage import claims, deal_prompts, deals
from storage.deals import Deal, DealClosure
from tests.support.bot import (
    ADMIN,
    OTHER_REP,
    REP,
    TEAM,
    RunningBot,
)
from tests.support.deals import (
    ACME,
    blocks_of,
    count,
    only_closure,
    press_reason,
    prompted_closure,
    prompts_to,
    send_deal,
    settle,
    shown,
    submit_answer,
    view_of,
)
from tests.support.replies import perspective, reply_to
from tests.support.slack_requests import Reply

# ---- webhook → DM → button → modal → answer ---------------------------------------------


def test_webhook_deal_is_prompted_and_the_reps_answer_is_stored(bot: RunningBot) -> None:
    reply = send_deal(bot, ACME)
    assert reply.status == 200
    assert reply.json()["status"] == "recorded" and reply.json()["unassigned"] is False

    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert "Acme renewal* ($48,000) closed lost. What was the real reason?" in shown(dm)
    buttons = [e for b in blocks_of(dm) if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == [
        "Price", "Missing feature", "Competitor", "Timing/budget", "No decision",
        "Relationship", "Other",
    ]  # fmt: skip
    settle(bot)
    closure = only_closure(bot)
    assert closure.prompt_channel == "D" + REP[1:] and closure.prompted_at == bot.clock.now

    press_reason(bot, closure, "competitor")
    [opened] = bot.fake.wait_for("views.open")
    view = view_of(opened)
    reason_block = next(b for b in view["blocks"] if b.get("block_id") == "winloss_reason")
    assert reason_block["element"]["initial_option"]["value"] == "competitor"
    assert {"competitor", "customer_said", "talked", "marketing_note"} <= {
        b.get("block_id") for b in view["blocks"]
    }

    submitted = submit_answer(bot, closure.id, "competitor")
    assert submitted.status == 200 and submitted.body == ""
    [update] = bot.fake.wait_for("chat.update")
    assert (update["channel"], update["ts"]) == (closure.prompt_channel, closure.prompt_ts)
    assert all(b["type"] != "actions" for b in blocks_of(update)), "no buttons left to press"
    assert "Thanks" in shown(update) and "Gong bundled call recording" in shown(update)

    answer = only_closure(bot).answer
    assert answer is not None
    assert (answer.reason, answer.competitor, answer.talked_to_customer) == (
        "competitor",
        "Gong",
        True,
    )
    assert answer.customer_said == "Gong bundled call recording for free and the CFO took it"
    assert answer.marketing_note == "Lead with the recording roadmap"
    assert answer.answered_by == REP and answer.answered_at == bot.clock.now


def test_resent_webhook_is_acknowledged_and_prompts_once(bot: RunningBot) -> None:
    assert send_deal(bot, ACME).json()["status"] == "recorded"
    second = send_deal(bot, {**ACME, "owner_slack_id": OTHER_REP})
    assert second.status == 200 and second.json()["status"] == "duplicate"
    # A resend changes nothing: the answer describes the deal as stored.
    assert (second.json()["owner_slack_id"], second.json()["outcome"]) == (REP, "lost")
    settle(bot)
    run_tick(bot.services, bot.clock.now)
    assert len(prompts_to(bot, REP)) == 1
    assert count(bot.db, Deal.id) == 1 and count(bot.db, DealClosure.id) == 1


def test_shutdown_drops_queued_prompts_and_the_next_tick_sends_them(bot: RunningBot) -> None:
    bot.fake.delay("chat.postMessage", 2)
    for n in range(6):
        assert send_deal(bot, {**ACME, "deal_id": f"crm-{n}"}).status == 200
    winloss.prompts.drain(drop_queued=True)  # what `serve` does on SIGTERM
    sent_before_stop = len(prompts_to(bot, REP))
    assert sent_before_stop < 6
    assert len(deal_prompts.unprompted(bot.db)) == 6 - sent_before_stop

    bot.fake.delay("chat.postMessage", 0)
    run_tick(bot.services, bot.clock.now)
    assert len(prompts_to(bot, REP)) == 6
    assert deal_prompts.unprompted(bot.db) == []


def test_a_prompt_lost_with_its_process_is_sent_once_its_claim_lapses(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The intake claimed the prompt, then the process died before its queue sent it.
    monkeypatch.setattr(winloss.prompts, "submit", lambda *args, **kwargs: None)
    assert send_deal(bot, ACME).json()["status"] == "recorded"
    closure_id = deal_prompts.unprompted(bot.db)[0].id
    assert not claims.is_done(bot.db, deals.prompt_claim_key(closure_id, REP))

    run_tick(bot.services, bot.clock.now)  # the claim is still held: nobody sends twice
    assert prompts_to(bot, REP) == []

    run_tick(bot.services, bot.clock.advance(minutes=11))  # past the 10-minute lease
    run_tick(bot.services, bot.clock.advance(minutes=1))
    assert len(prompts_to(bot, REP)) == 1
    assert claims.is_done(bot.db, deals.prompt_claim_key(closure_id, REP))
    assert deal_prompts.unprompted(bot.db) == []


def test_prompt_dms_wait_for_the_requests_in_flight(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of webhooks is answered first; its prompts go out once the server is quiet."""
    monkeypatch.setattr(winloss.PromptQueue, "GIVE_WAY_AT_MOST", 60.0)
    quiet_when_sent: list[bool] = []
    wait_quiet = foreground.wait_quiet

    def watched(at_most: float) -> bool:
        quiet_when_sent.append(wait_quiet(at_most))
        return quiet_when_sent[-1]

    monkeypatch.setattr(foreground, "wait_quiet", watched)
    with foreground.serving():  # another client's request, still being answered
        assert send_deal(bot, ACME).status == 200
        assert prompts_to(bot, REP) == []
    settle(bot)
    assert quiet_when_sent == [True]
    assert len(prompts_to(bot, REP)) == 1


def test_waiting_for_quiet_ends_with_the_last_request_or_the_time_given() -> None:
    quiet = Foreground()
    assert quiet.wait_quiet(at_most=0)
    released = threading.Event()
    with quiet.serving():
        assert not quiet.wait_quiet(at_most=0.01)
        waiter = threading.Thread(target=lambda: quiet.wait_quiet(60) and released.set())
        waiter.start()
        assert not released.is_set()
    waiter.join(timeout=30)
    assert released.is_set()


def test_concurrent_resends_of_a_new_deal_prompt_once(bot: RunningBot) -> None:
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(send_deal(bot, ACME))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle(bot)
    assert sorted(r.json()["status"] for r in replies) == ["duplicate"] * 4 + ["recorded"]
    assert len(prompts_to(bot, REP)) == 1


def test_changed_outcome_is_recorded_and_prompts_again(bot: RunningBot) -> None:
    won = prompted_closure(bot, {**ACME, "outcome": "won"})
    reply = send_deal(bot, ACME)
    assert reply.json()["status"] == "outcome_changed"
    settle(bot)
    assert send_deal(bot, ACME).json()["status"] == "duplicate"
    settle(bot)
    dms = prompts_to(bot, REP)
    assert len(dms) == 2 and "closed won" in shown(dms[0]) and "closed lost" in shown(dms[1])
    closures = list(deals.all_closures(bot.db))
    assert [c.outcome for c in closures] == ["won", "lost"]
    assert closures[0].superseded_at is not None and closures[1].superseded_at is None
    [retired] = bot.fake.calls_to("chat.update")
    assert (retired["channel"], retired["ts"]) == (won.prompt_channel, won.prompt_ts)
    assert "now lost; nothing to answer here" in shown(retired)
    assert all(b["type"] != "actions" for b in blocks_of(retired))

    _, response_url = press_reason(bot, won, "product_fit")
    assert "now recorded as lost" in reply_to(bot, response_url)["text"]
    assert bot.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("body", "signature", "status", "field"),
    [
        (ACME, "sha256=" + "0" * 64, 401, None),
        (ACME, "", 401, None),
        (b"{not json", None, 400, "body"),
        (b"[1, 2]", None, 400, "body"),
        ({k: v for k, v in ACME.items() if k != "deal_id"}, None, 400, "deal_id"),
        ({**ACME, "name": "  "}, None, 400, "name"),
        ({**ACME, "name": "Acme\u0000 renewal"}, None, 400, "name"),
        ({**ACME, "account": "Acme\u0000"}, None, 400, "account"),
        ({**ACME, "name": 42}, None, 400, "name"),
        ({**ACME, "amount": "lots"}, None, 400, "amount"),
        ({**ACME, "amount": True}, None, 400, "amount"),
        ({**ACME, "outcome": "pending"}, None, 400, "outcome"),
        ({k: v for k, v in ACME.items() if k != "outcome"}, None, 400, "outcome"),
        ({k: v for k, v in ACME.items() if k != "owner_slack_id"}, None, 400, "owner_slack_id"),
        ({**ACME, "owner_slack_id": None, "owner_email": "jane"}, None, 400, "owner_email"),
        ({**ACME, "closed_at": "last tuesday"}, None, 400, "closed_at"),
        ({**ACME, "closed_at": "0001-01-01T00:00:00+05:00"}, None, 400, "closed_at"),
        ({**ACME, "closed_at": "9999-12-31T23:59:59-05:00"}, None, 400, "closed_at"),
        ({**ACME, "currency": "dollars"}, None, 400, "currency"),
        ({**ACME, "name": "x" * 70_000}, None, 413, None),
    ],
)
def test_bad_webhook_gets_its_status_and_stores_nothing(
    bot: RunningBot, body: Any, signature: str | None, status: int, field: str | None
) -> None:
    reply = send_deal(bot, body, signature=signature)
    assert reply.status == status
    assert reply.json()["ok"] is False
    if field is not None:
        assert reply.json()["field"] == field and field in reply.json()["message"]
    settle(bot)
    assert count(bot.db, Deal.id) == 0 and count(bot.db, DealClosure.id) == 0
    assert bot.fake.calls_to("chat.postMessage") == []


def test_webhook_deal_ids_may_be_numbers_and_optional_fields_may_be_absent(
    bot: RunningBot,
) -> None:
    minimal = {"deal_id": 77, "name": "Globex pilot", "outcome": "lost", "owner_slack_id": REP}
    assert send_deal(bot, minimal).json()["status"] == "recorded"
    settle(bot)
    closure = only_closure(bot)
    assert closure.deal.deal_id == "77" and closure.deal.amount is None
    assert closure.closed_at == bot.clock.now
    assert "*Globex pilot* closed lost" in shown(prompts_to(bot, REP)[0])


def test_deal_for_another_team_id_is_kept_apart(bot: RunningBot) -> None:
    assert send_deal(bot, {**ACME, "team_id": "T0OTHER"}).status == 200
    assert send_deal(bot, ACME).json()["status"] == "recorded", "same deal id, other workspace"
    settle(bot)
    assert sorted(c.team_id for c in deals.all_closures(bot.db)) == ["T0001", "T0OTHER"]


# ---- owners -----------------------------------------------------------------------------


def test_owner_email_is_resolved_through_slack_once(bot: RunningBot) -> None:
    by_email = {**ACME, "owner_slack_id": None, "owner_email": "U0REP0002@Example.com"}
    assert send_deal(bot, by_email).json()["owner_slack_id"] == OTHER_REP
    assert send_deal(bot, {**by_email, "deal_id": "crm-2"}).status == 200
    settle(bot)
    assert len(prompts_to(bot, OTHER_REP)) == 2
    assert len(bot.fake.calls_to("users.lookupByEmail")) == 1, "cached after the first lookup"


def test_unknown_owner_email_lands_in_unassigned_for_admins(bot: RunningBot) -> None:
    stranger = {**ACME, "owner_slack_id": None, "owner_email": "ghost@acme.com"}
    reply = send_deal(bot, stranger)
    assert reply.status == 200 and reply.json()["unassigned"] is True
    settle(bot)
    run_tick(bot.services, bot.clock.now)
    assert bot.fake.calls_to("chat.postMessage") == [], "nobody to ask yet"
    [deal] = deals.unassigned(bot.db, TEAM, 10)

    listing = perspective(bot, "deal unassigned", user=ADMIN)["text"]
    assert "Acme renewal" in listing and "ghost@acme.com" in listing and f"#{deal.id}" in listing
    assert "Only workspace admins" in perspective(bot, "deal unassigned", user=REP)["text"]

    assigned = perspective(bot, f"deal assign {deal.id} <@{OTHER_REP}|bo>", user=ADMIN)["text"]
    assert "now belongs to" in assigned
    settle(bot)
    assert len(prompts_to(bot, OTHER_REP)) == 1
    assert deals.unassigned(bot.db, TEAM, 10) == []


def test_owner_who_left_slack_moves_the_deal_to_unassigned(bot: RunningBot) -> None:
    bot.fake.fail_next("chat.postMessage", error="user_not_found")
    assert send_deal(bot, ACME).status == 200
    settle(bot)
    run_tick(bot.services, bot.clock.advance(minutes=1))
    assert len(bot.fake.calls_to("chat.postMessage")) == 0, "not retried every minute"
    [deal] = deals.unassigned(bot.db, TEAM, 10)
    perspective(bot, f"deal assign {deal.id} <@{OTHER_REP}>", user=ADMIN)
    settle(bot)
    assert len(prompts_to(bot, OTHER_REP)) == 1


def test_slack_outage_during_email_lookup_stores_nothing_and_asks_to_resend(
    bot: RunningBot,
) -> None:
    bot.fake.fail_next("users.lookupByEmail", status=500, error="internal_error")
    reply = send_deal(bot, {**ACME, "owner_slack_id": None, "owner_email": "u0rep0001@example.com"})
    assert reply.status == 503
    assert count(bot.db, Deal.id) == 0
