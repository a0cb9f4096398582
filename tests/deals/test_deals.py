"""Closed deals end to end: intake by webhook, CSV and `/perspective deal`, the prompt DM,
the reason modal, reminders, escalation, App Home and reporting — on both databases."""

from __future__ import annotations

import csv
import json
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.deals import winloss
from bot.foreground import Foreground, foreground
from bot.home import compose_home
from bot.runtime.cli import main as cli
from bot.runtime.scheduler import run_tick
from storage import claims, deals, teams
from storage.db import Database
from storage.deals import Deal, DealAnswer, DealClosure
from tests.support.bot import (
    ADMIN,
    MANAGER,
    OTHER_REP,
    REP,
    TEAM,
    RunningBot,
    tick_concurrently,
)
from tests.support.deals import (
    ACME,
    ANSWER,
    press_reason,
    send_deal,
    settle,
    submit_answer,
    use_cli,
)
from tests.support.replies import perspective, reply_to
from tests.support.slack_requests import Reply

# ---- helpers ----------------------------------------------------------------------------


def prompts_to(bot: RunningBot, user: str) -> list[dict]:
    return bot.fake.calls_to(
        "chat.postMessage", lambda a: a["channel"] == user and not a.get("thread_ts")
    )


def escalations_to(bot: RunningBot, manager: str) -> list[dict]:
    """The one-off "reason is overdue" DMs, apart from the manager's daily nudges."""
    return [m for m in prompts_to(bot, manager) if "win/loss reason is overdue" in m["text"]]


def thread_replies(bot: RunningBot) -> list[dict]:
    return bot.fake.calls_to("chat.postMessage", lambda a: bool(a.get("thread_ts")))


def blocks_of(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def view_of(args: dict) -> dict:
    view = args["view"]
    return json.loads(view) if isinstance(view, str) else view


def shown(args: dict) -> str:
    return (args.get("text") or "") + json.dumps(blocks_of(args))


def count(db: Database, column: Any) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(column)))


def only_closure(bot: RunningBot) -> DealClosure:
    [closure] = list(deals.all_closures(bot.db))
    return closure


def prompted_closure(bot: RunningBot, payload: dict | None = None) -> DealClosure:
    assert send_deal(bot, payload or ACME).status == 200
    settle(bot)
    closure = only_closure(bot)
    assert closure.prompt_ts is not None
    return closure


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
    assert len(deals.unprompted(bot.db)) == 6 - sent_before_stop

    bot.fake.delay("chat.postMessage", 0)
    run_tick(bot.services, bot.clock.now)
    assert len(prompts_to(bot, REP)) == 6
    assert deals.unprompted(bot.db) == []


def test_a_prompt_lost_with_its_process_is_sent_once_its_claim_lapses(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The intake claimed the prompt, then the process died before its queue sent it.
    monkeypatch.setattr(winloss.prompts, "submit", lambda *args, **kwargs: None)
    assert send_deal(bot, ACME).json()["status"] == "recorded"
    closure_id = deals.unprompted(bot.db)[0].id
    assert not claims.is_done(bot.db, deals.prompt_claim_key(closure_id, REP))

    run_tick(bot.services, bot.clock.now)  # the claim is still held: nobody sends twice
    assert prompts_to(bot, REP) == []

    run_tick(bot.services, bot.clock.advance(minutes=11))  # past the 10-minute lease
    run_tick(bot.services, bot.clock.advance(minutes=1))
    assert len(prompts_to(bot, REP)) == 1
    assert claims.is_done(bot.db, deals.prompt_claim_key(closure_id, REP))
    assert deals.unprompted(bot.db) == []


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


# ---- exactly once: retries, reminders, concurrency ---------------------------------------


def test_failed_prompt_is_sent_once_by_a_later_tick(bot: RunningBot) -> None:
    bot.fake.fail_next("chat.postMessage", status=429)
    assert send_deal(bot, ACME).status == 200
    settle(bot)
    assert prompts_to(bot, REP) == []
    run_tick(bot.services, bot.clock.advance(minutes=1))
    run_tick(bot.services, bot.clock.advance(minutes=1))
    assert len(prompts_to(bot, REP)) == 1


def test_reminders_come_in_the_thread_at_24_and_72_hours_then_the_manager_is_told(
    bot: RunningBot,
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    closure = prompted_closure(bot)
    start = bot.clock.now

    run_tick(bot.services, start + timedelta(hours=23, minutes=59))
    assert thread_replies(bot) == []
    run_tick(bot.services, start + timedelta(hours=24))
    run_tick(bot.services, start + timedelta(hours=25))
    [first] = thread_replies(bot)
    assert (first["channel"], first["thread_ts"]) == (closure.prompt_channel, closure.prompt_ts)
    assert "friendly reminder" in first["text"] and "Acme renewal" in first["text"]

    run_tick(bot.services, start + timedelta(hours=72))
    run_tick(bot.services, start + timedelta(hours=80))
    assert len(thread_replies(bot)) == 2
    assert "Last reminder" in thread_replies(bot)[1]["text"]
    assert prompts_to(bot, MANAGER) == []

    run_tick(bot.services, start + timedelta(hours=96))
    run_tick(bot.services, start + timedelta(hours=120))
    to_manager = prompts_to(bot, MANAGER)
    [escalation] = escalations_to(bot, MANAGER)
    assert f"<@{REP}>" in shown(escalation) and "Remind them" in shown(escalation)
    daily_nudges = [m for m in to_manager if m is not escalation]
    assert len(daily_nudges) == 2, "one nudge on each of the two mornings that followed"
    for nudge in daily_nudges:
        assert "Acme renewal" in shown(nudge), "the daily nudge lists it until it is answered"
    assert len(thread_replies(bot)) == 2 and len(prompts_to(bot, REP)) == 1
    escalated = only_closure(bot)
    assert escalated.escalated_to == MANAGER


def test_late_first_reminder_still_leaves_a_day_before_the_second(bot: RunningBot) -> None:
    prompted_closure(bot)
    run_tick(bot.services, bot.clock.now + timedelta(days=5))
    assert len(thread_replies(bot)) == 1
    run_tick(bot.services, bot.clock.now + timedelta(days=6))
    assert len(thread_replies(bot)) == 2


def test_prompts_older_than_two_weeks_get_no_more_follow_ups(bot: RunningBot) -> None:
    prompted_closure(bot)
    run_tick(bot.services, bot.clock.now + timedelta(days=15))
    assert thread_replies(bot) == []


def test_three_concurrent_ticks_send_one_prompt_and_one_reminder_per_step(
    bot: RunningBot, database_url: str
) -> None:
    if bot.db.is_sqlite:
        pytest.skip("concurrent processes are a PostgreSQL deployment")
    bot.fake.fail_next("chat.postMessage", status=500, error="internal_error")
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    assert send_deal(bot, ACME).status == 200
    settle(bot)
    assert prompts_to(bot, REP) == []
    start = bot.clock.now

    def tick_together(at: timedelta) -> None:
        tick_concurrently(bot.services, start + at)

    for at in (timedelta(minutes=1), timedelta(minutes=2)):
        tick_together(at)
    assert len(prompts_to(bot, REP)) == 1
    prompted_at = only_closure(bot).prompted_at
    assert prompted_at is not None
    for hours in (24, 25, 72, 73, 96, 97):
        tick_together(prompted_at - start + timedelta(hours=hours))
    assert len(prompts_to(bot, REP)) == 1
    assert len(thread_replies(bot)) == 2
    assert len(escalations_to(bot, MANAGER)) == 1


def test_answered_prompt_gets_no_reminders(bot: RunningBot) -> None:
    closure = prompted_closure(bot)
    submit_answer(bot, closure.id, "price", competitor=None)
    bot.fake.wait_for("chat.update")
    for hours in (24, 72, 96):
        run_tick(bot.services, bot.clock.now + timedelta(hours=hours))
    assert thread_replies(bot) == []


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


# ---- /perspective deal and CSV ---------------------------------------------------------


def test_slash_command_records_a_deal_and_the_owner_answers(bot: RunningBot) -> None:
    said = perspective(
        bot, f'deal lost "Acme renewal" [Acme Corp] <@{OTHER_REP}|bo> $48,000', user=REP
    )["text"]
    assert "Recorded *Acme renewal* ($48,000) as lost" in said and "asked" in said
    settle(bot)
    closure = only_closure(bot)
    assert (closure.deal.account, closure.deal.amount) == ("Acme Corp", Decimal("48000.00"))
    [dm] = prompts_to(bot, OTHER_REP)
    assert "closed lost" in shown(dm)

    press_reason(bot, closure, "timing_budget", user=OTHER_REP)
    bot.fake.wait_for("views.open")
    submit_answer(bot, closure.id, "timing_budget", user=OTHER_REP, competitor=None)
    bot.fake.wait_for("chat.update")
    assert only_closure(bot).answer.reason == "timing_budget"  # type: ignore[union-attr]

    again = perspective(bot, 'deal lost "Acme renewal" [acme corp]', user=OTHER_REP)["text"]
    assert "already recorded as lost" in again


def test_slash_command_owner_defaults_to_the_caller_and_understands_k(bot: RunningBot) -> None:
    assert "asked you" in perspective(bot, "deal won Globex pilot €12k", user=REP)["text"]
    settle(bot)
    closure = only_closure(bot)
    assert closure.deal.name == "Globex pilot" and closure.deal.currency == "EUR"
    assert "€12,000" in shown(prompts_to(bot, REP)[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deal lost", "Name the deal"),
        ('deal lost "Acme', "Close the quotes"),
        ("deal lost [Acme [Corp]] x", "square brackets"),
        ("deal tied Acme", "isn't a deal command"),
        ("deal stats forever", "days or weeks"),
    ],
)
def test_bad_deal_commands_say_how_and_store_nothing(
    bot: RunningBot, text: str, expected: str
) -> None:
    assert expected in perspective(bot, text, user=REP)["text"]
    assert count(bot.db, Deal.id) == 0


def test_csv_import_reports_each_row_and_prompts_the_new_deals(
    bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    assert send_deal(bot, ACME).status == 200  # already known: a duplicate in the file
    settle(bot)
    csv_file = tmp_path / "deals.csv"
    csv_file.write_text(
        "deal_id,name,account,amount,currency,outcome,owner_slack_id,owner_email,closed_at\n"
        "crm-1001,Acme renewal,Acme Corp,48000,USD,lost,U0REP0001,,\n"
        'crm-2,Globex pilot,Globex,"12,500",EUR,won,,u0rep0002@example.com,\n'
        "crm-3,Initech,Initech,9000,USD,maybe,U0REP0001,,\n"
        "crm-4,Hooli expansion,Hooli,,,lost,,nobody@hooli.com,\n"
        "crm-5,No owner,Umbrella,100,USD,lost,,,\n"
        "crm-6,Stark,Stark,100,USD,lost,U0REP0001,,2020-01-01\n",
        encoding="utf-8",
    )
    use_cli(bot, monkeypatch, tmp_path)

    assert cli(["import", "deals", str(csv_file)]) == 1
    out, err = capsys.readouterr()
    assert "imported 3 deals (1 unassigned), skipped 1 duplicates, rejected 2" in out
    assert 'row 4: rejected: outcome must be "won" or "lost"' in err
    assert "row 6: rejected: owner_slack_id or owner_email is required" in err

    names = {c.deal.name: c for c in deals.all_closures(bot.db)}
    assert set(names) == {"Acme renewal", "Globex pilot", "Hooli expansion", "Stark"}
    assert names["Globex pilot"].deal.amount == Decimal("12500.00")
    assert not names["Stark"].wants_prompt, "a deal closed years ago is recorded, not prompted"
    assert len(prompts_to(bot, OTHER_REP)) == 1 and len(prompts_to(bot, REP)) == 1

    globex = deals.closure_by_id(bot.db, names["Globex pilot"].id)
    assert globex is not None and globex.prompt_ts is not None
    press_reason(bot, globex, "speed", user=OTHER_REP)
    bot.fake.wait_for("views.open")
    submit_answer(bot, globex.id, "speed", user=OTHER_REP, competitor=None)
    bot.fake.wait_for("chat.update")
    assert deals.closure_by_id(bot.db, globex.id).answer.reason == "speed"  # type: ignore[union-attr]


HEADER = b"deal_id,name,account,amount,currency,outcome,owner_slack_id,owner_email,closed_at"


def csv_deal(deal_id: str, name: bytes, closed_at: bytes = b"2020-01-01") -> bytes:
    return b",".join([deal_id.encode(), name, b"Acme,100,USD,lost,U0REP0001,", closed_at])


def test_csv_rows_that_cannot_be_read_cost_only_themselves(
    bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    csv_file = tmp_path / "deals.csv"
    rows = [
        HEADER,
        csv_deal("crm-1", b"Before"),
        csv_deal("crm-2", b"Caf\xe9 in Latin-1"),
        csv_deal("crm-3", b"x" * 200_000),  # over the csv module's field size limit
        csv_deal("crm-4", b'"Stray" quote'),
        csv_deal("crm-5", b"Placeholder date", b"0001-01-01T00:00:00+05:00"),
        csv_deal("crm-6", b"After"),
        csv_deal("crm-7", b'"Never closed quote'),
    ]
    csv_file.write_bytes(b"\r\n".join(rows) + b"\r\n")
    use_cli(bot, monkeypatch, tmp_path)

    assert cli(["import", "deals", str(csv_file)]) == 1
    out, err = capsys.readouterr()
    assert "imported 2 deals (0 unassigned), skipped 0 duplicates, rejected 5" in out
    assert err.splitlines() == [
        "row 3: rejected: not valid UTF-8",
        "row 4: rejected: not readable as CSV: field larger than field limit (131072)",
        "row 5: rejected: not readable as CSV: ',' expected after '\"'",
        "row 6: rejected: closed_at must be a date between 1970 and 2100",
        "row 8: rejected: not readable as CSV: unexpected end of data",
    ]
    assert {c.deal.name for c in deals.all_closures(bot.db)} == {"Before", "After"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        (b"deal_id,n\xe4me\ncrm-1,Acme\n", "the header row is not valid UTF-8"),
    ],
)
def test_csv_file_that_cannot_be_read_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: Any,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / "deals.csv"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli(["import", "deals", str(path)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"perspective: cannot read {path}: ") and message in line


# ---- settings, stats, export ------------------------------------------------------------


def test_win_prompts_can_be_switched_off_by_admins_only(bot: RunningBot) -> None:
    assert "Only workspace admins" in perspective(bot, "settings win-prompts off", user=REP)["text"]
    assert "*off*" in perspective(bot, "settings win-prompts off", user=ADMIN)["text"]
    assert "*off*" in perspective(bot, "settings", user=REP)["text"]
    send_deal(bot, {**ACME, "outcome": "won"})
    send_deal(bot, {**ACME, "deal_id": "crm-2"})
    settle(bot)
    run_tick(bot.services, bot.clock.now)
    [dm] = prompts_to(bot, REP)
    assert "closed lost" in shown(dm)
    assert "Win prompts are off" in perspective(bot, 'deal won "Globex"', user=REP)["text"]


def test_stats_count_reasons_competitors_and_evidence(bot: RunningBot) -> None:
    given = [
        ("lost", "competitor", "Gong", True),
        ("lost", "competitor", " gong", False),
        ("lost", "price", None, True),
        ("won", "product_fit", None, True),
    ]
    for i, (outcome, reason, competitor, talked) in enumerate(given):
        closure = prompted_closure_n(bot, i, outcome)
        talked_state = (
            ANSWER["talked"] if talked else {"type": "checkboxes", "selected_options": []}
        )
        submit_answer(bot, closure.id, reason, competitor=competitor, talked=talked_state)
    bot.fake.wait_for("chat.update", count=len(given))
    prompted_closure_n(bot, 9, "lost")  # asked, not answered

    said = perspective(bot, "deal stats", user=REP)["text"]
    assert "last 90 days* — 5 closed deals asked, 4 answered, 1 still waiting" in said
    assert "*Lost:* Competitor 2 · Price 1" in said and "*Won:* Product fit 1" in said
    assert "*top competitors:* gong 2" in said.lower()
    assert "in 3 of 4 answers (75%)" in said
    bot.clock.advance(days=31)
    assert "No answers yet" in perspective(bot, "deal stats 30d", user=REP)["text"]


def prompted_closure_n(bot: RunningBot, n: int, outcome: str) -> DealClosure:
    assert send_deal(bot, {**ACME, "deal_id": f"crm-{n}", "outcome": outcome}).status == 200
    settle(bot)
    return deals.closures_after(bot.db, TEAM, 0, 100)[-1]


def test_export_deals_includes_reasons(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    closure = prompted_closure(bot)
    submit_answer(bot, closure.id, "competitor")
    bot.fake.wait_for("chat.update")
    use_cli(bot, monkeypatch, tmp_path)
    assert cli(["export", "deals", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["deal_id"] == "crm-1001" and row["outcome"] == "lost"
    assert (row["reason"], row["competitor"], row["talked_to_customer"]) == (
        "competitor",
        "Gong",
        True,
    )


def test_deals_exported_as_csv_import_again_under_the_same_columns(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    globex = {
        **ACME,
        "deal_id": "crm-2",
        "name": 'Globex, "the big one"',
        "amount": None,
        "outcome": "won",
        "owner_slack_id": None,
        "owner_email": "nobody@globex.com",  # unknown to Slack: unassigned
    }
    prompted_closure(bot)
    assert send_deal(bot, globex).status == 200
    settle(bot)
    use_cli(bot, monkeypatch, tmp_path)
    exported = tmp_path / "deals.csv"
    assert cli(["export", "deals", "--format", "csv", "--output", str(exported)]) == 0

    with exported.open(newline="", encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    columns = [*HEADER.decode().split(","), "team_id"]
    common = {"team_id": TEAM, "closed_at": "2026-11-23T12:00:00+00:00"}
    assert [{c: row[c] for c in columns} for row in rows] == [
        {**ACME, **common, "amount": "48000.00", "owner_email": ""},
        {**globex, **common, "amount": "", "owner_slack_id": ""},
    ]
    assert "owner_id" not in rows[0]

    assert cli(["import", "deals", str(exported)]) == 0
    assert "imported 0 deals (0 unassigned), skipped 2 duplicates" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert cli(["import", "deals", str(exported)]) == 0
    assert "imported 2 deals (1 unassigned), skipped 0 duplicates" in capsys.readouterr().out


# ---- App Home and the manager's view ---------------------------------------------------


def test_app_home_lists_my_pending_prompts_with_buttons(bot: RunningBot) -> None:
    closure = prompted_closure(bot)
    assert bot.slack.event({"type": "app_home_opened", "user": REP, "tab": "home"}).status == 200
    [published] = bot.fake.wait_for("views.publish")
    home = json.dumps(view_of(published))
    assert "Win/loss questions waiting for you" in home and "winloss_reason:price" in home

    view = {"id": "VHOME", "type": "home", "blocks": []}
    bot.slack.block_action("winloss_reason:price", str(closure.id), view=view)
    modal = view_of(bot.fake.wait_for("views.open")[0])
    assert json.loads(modal["private_metadata"])["home"] is True
    reply = bot.slack.view_submission(
        "winloss_modal",
        {
            "customer_said": "Too pricey",
            "winloss_reason": {"type": "static_select", "selected_option": {"value": "price"}},
        },
        private_metadata=modal["private_metadata"],
    )
    assert reply.status == 200
    refreshed = bot.fake.wait_for("views.publish", count=2)[-1]
    assert "Win/loss questions waiting for you" not in json.dumps(view_of(refreshed))


def test_manager_sees_escalated_prompts_in_the_nudge_and_home_and_can_remind(
    bot: RunningBot,
) -> None:
    teams.assign_reps(bot.db, TEAM, MANAGER, [REP])
    closure = prompted_closure(bot)
    now = bot.clock.now
    assert winloss.manager_nudge_section(bot.services, TEAM, MANAGER, [REP], now) == []
    for hours in (24, 72, 96):
        run_tick(bot.services, now + timedelta(hours=hours))

    section = json.dumps(winloss.manager_nudge_section(bot.services, TEAM, MANAGER, [REP], now))
    assert "Acme renewal" in section and "winloss_remind" in section
    home = json.dumps(compose_home(bot.services, TEAM, MANAGER))
    assert "Win/loss reasons your reps still owe" in home
    assert winloss.manager_nudge_section(bot.services, TEAM, MANAGER, [OTHER_REP], now) == []

    _, response_url = bot.slack.block_action("winloss_remind", str(closure.id), user=MANAGER)
    assert "Reminded" in reply_to(bot, response_url)["text"]
    _, again = bot.slack.block_action("winloss_remind", str(closure.id), user=MANAGER)
    assert "already reminded" in reply_to(bot, again)["text"]
    nudges = [r for r in thread_replies(bot) if f"<@{MANAGER}> is asking too" in r["text"]]
    assert len(nudges) == 1
    _, stranger = bot.slack.block_action("winloss_remind", str(closure.id), user=OTHER_REP)
    assert "Only the rep's manager" in reply_to(bot, stranger)["text"]

    submit_answer(bot, closure.id, "price", competitor=None)
    bot.fake.wait_for("chat.update")
    assert winloss.manager_nudge_section(bot.services, TEAM, MANAGER, [REP], now) == []


# ---- queries the digests build on -------------------------------------------------------


def test_closures_and_answers_are_tracked_by_id_for_digests(bot: RunningBot) -> None:
    assert deals.latest_closure_id(bot.db, TEAM) == 0
    first = prompted_closure_n(bot, 1, "lost")
    second = prompted_closure_n(bot, 2, "won")
    assert deals.latest_closure_id(bot.db, TEAM) == second.id
    assert [c.id for c in deals.closures_after(bot.db, TEAM, 0, 10)] == [first.id, second.id]
    assert [c.id for c in deals.closures_after(bot.db, TEAM, first.id, 10)] == [second.id]
    assert deals.closures_after(bot.db, "T0OTHER", 0, 10) == []

    submit_answer(bot, first.id, "competitor")
    bot.fake.wait_for("chat.update")
    [with_answer, without] = deals.closures_after(bot.db, TEAM, 0, 10)
    assert with_answer.answer is not None and with_answer.answer.customer_said.startswith("Gong")
    assert without.answer is None
    [answer] = deals.answers_after(bot.db, TEAM, 0, 10)
    assert answer.closure.deal.name == "Acme renewal"
    since = bot.clock.now - timedelta(days=1)
    assert [(r.outcome, r.reason, r.count) for r in deals.reason_counts(bot.db, TEAM, since)] == [
        ("lost", "competitor", 1)
    ]
    assert deals.top_competitors(bot.db, TEAM, since, 5) == [("Gong", 1)]
