"""/promise typed: capture, list, kept, broken, move, snooze, help, and the export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.runtime.cli import main
from storage import promises as store
from storage.db import Database
from storage.promises import BROKEN, KEPT, OPEN
from tests.support.bot import ADMIN, OTHER_REP, REP, TEAM, RunningBot
from tests.support.messages import text_of
from tests.support.promises import add_rollout, all_promises, only_promise, promise_cmd


def test_promise_with_account_and_rollout_is_saved_and_confirmed_with_weekday(
    bot: RunningBot,
) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    message = promise_cmd(bot, "SSO support to [Acme Corp] by 2026-12-15 needs:sso", REP)

    promise = only_promise(bot)
    assert (promise.owner_id, promise.account, promise.text) == (REP, "Acme Corp", "SSO support")
    assert (promise.due_on, promise.rollout_key, promise.status) == (
        date(2026, 12, 15),
        "sso",
        OPEN,
    )
    assert promise.at_risk is False
    shown = text_of(message)
    assert message["response_type"] == "ephemeral"
    assert "Tue 15 Dec 2026" in shown and f"#{promise.id}" in shown
    assert "Acme Corp" in shown and "`sso`" in shown


def test_customer_and_rollout_may_stand_anywhere_in_the_text(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 1))
    promise_cmd(bot, "needs:sso SSO support by 2026-12-15 to [Acme Corp]", REP)
    promise = only_promise(bot)
    assert (promise.text, promise.account, promise.due_on) == (
        "SSO support",
        "Acme Corp",
        date(2026, 12, 15),
    )
    assert promise.rollout_key == "sso"


def test_promise_needing_a_later_rollout_is_at_risk_from_the_start(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2027, 1, 10))
    shown = text_of(promise_cmd(bot, "SSO to [Acme] by 2026-12-15 needs:sso", REP))
    assert only_promise(bot).at_risk is True
    assert "at risk" in shown
    [event] = store.events_of(bot.db, only_promise(bot).id)
    assert event.kind == "at_risk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSO support to [Acme] by 2026-11-01", "in the past"),
        ("SSO support to [Acme] on friday", "Add `by <date>`"),
        ("SSO support to [Acme] by 2026-12-15 needs:nope", "There is no rollout `nope`"),
        ("SSO support to [Acme] by the blue moon", "couldn't read `the blue moon` as a date"),
        ("to [Acme] by friday", "What did you promise?"),
        ("SSO support to [Acme by friday", "square brackets"),
        ("SSO to [] by friday", "brackets are empty"),
        ("lsit", "Did you mean `/promise list`"),
        ("kept twelve", "by its number"),
        ("broken 3", "Say why it broke"),
        ("move 3", "Say the new date"),
        ("kept 999", "no promise #999"),
        ("SSO x by friday needs:a needs:b", "one rollout"),
    ],
)
def test_bad_input_gets_a_correct_example_and_stores_nothing(
    bot: RunningBot, text: str, expected: str
) -> None:
    message = promise_cmd(bot, text, REP)
    assert expected in message["text"]
    assert message["response_type"] == "ephemeral"
    assert all_promises(bot) == []


def test_refusals_for_dates_show_a_working_example(bot: RunningBot) -> None:
    shown = promise_cmd(bot, "SSO to [Acme] by someday", REP)["text"]
    assert "/promise SSO support to [Acme Corp] by end of month needs:sso" in shown
    assert "`end of month`" in shown


def test_list_shows_open_promises_first_by_due_date_with_buttons(bot: RunningBot) -> None:
    promise_cmd(bot, "Late one to [Initech] by 2027-01-20", REP)
    promise_cmd(bot, "Soon one to [Acme] by 2026-12-01", REP)
    promise_cmd(bot, "Done one to [Hooli] by 2026-12-05", REP)
    promise_cmd(bot, "Not mine to [Globex] by 2026-12-02", OTHER_REP)
    kept = next(p for p in all_promises(bot) if p.text == "Done one")
    promise_cmd(bot, f"kept {kept.id}", REP)

    shown = text_of(promise_cmd(bot, "list", REP))
    assert shown.index("Soon one") < shown.index("Late one") < shown.index("Done one")
    assert "Not mine" not in shown
    assert shown.count('"action_id": "promise_kept"') == 2


def test_kept_broken_and_move_change_the_promise_and_keep_history(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)

    moved = text_of(promise_cmd(bot, f"move {promise.id} 2026-12-18", REP))
    assert "Fri 18 Dec 2026" in moved and "2026-12-10 → 2026-12-18" in moved
    promise_cmd(bot, f"move {promise.id} in 4 weeks", REP)
    history = store.due_date_history(bot.db, promise.id)
    assert [(h.old_due_on, h.new_due_on) for h in history] == [
        (date(2026, 12, 10), date(2026, 12, 18)),
        (date(2026, 12, 18), date(2026, 12, 21)),
    ]

    assert "broken" in text_of(promise_cmd(bot, f"broken {promise.id} legal blocked it", REP))
    broken = only_promise(bot)
    assert (broken.status, broken.broken_reason) == (BROKEN, "legal blocked it")
    assert "already marked broken" in promise_cmd(bot, f"kept {promise.id}", REP)["text"]
    kinds = [e.kind for e in store.events_of(bot.db, promise.id)]
    assert kinds == ["moved", "moved", "broken"]


def test_moving_a_promise_before_its_rollout_puts_it_at_risk(bot: RunningBot) -> None:
    add_rollout(bot, "sso", date(2026, 12, 20))
    promise_cmd(bot, "SSO to [Acme] by 2026-12-22 needs:sso", REP)
    promise = only_promise(bot)
    assert promise.at_risk is False
    promise_cmd(bot, f"move {promise.id} 2026-12-18", REP)
    assert only_promise(bot).at_risk is True
    promise_cmd(bot, f"move {promise.id} 2026-12-21", REP)
    assert only_promise(bot).at_risk is False
    kinds = [e.kind for e in store.events_of(bot.db, promise.id)]
    assert kinds == ["moved", "at_risk", "moved", "risk_cleared"]


def test_only_the_owner_or_an_admin_changes_a_promise(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    refusal = promise_cmd(bot, f"kept {promise.id}", OTHER_REP)["text"]
    assert "only its owner or an admin" in refusal
    assert only_promise(bot).status == OPEN
    promise_cmd(bot, f"kept {promise.id}", ADMIN)
    assert only_promise(bot).status == KEPT
    assert [e.kind for e in store.events_of(bot.db, promise.id)] == ["kept"]
    assert "already marked kept" in promise_cmd(bot, f"kept {promise.id}", REP)["text"]


def test_snooze_turns_the_reminder_off_or_moves_it(bot: RunningBot) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    promise = only_promise(bot)
    assert promise.remind_at is not None
    assert "No reminder" in promise_cmd(bot, f"snooze {promise.id}", REP)["text"]
    snoozed = only_promise(bot)
    assert (snoozed.snoozed, snoozed.remind_at) == (True, None)

    shown = promise_cmd(bot, f"snooze {promise.id} 2026-12-07", REP)["text"]
    assert "Monday 07 December at 09:00" in shown
    assert only_promise(bot).remind_at.isoformat() == "2026-12-07T14:00:00+00:00"
    assert (
        "after the promise is due"
        in promise_cmd(bot, f"snooze {promise.id} 2026-12-20", REP)["text"]
    )
    promise_cmd(bot, f"snooze {promise.id}", REP)
    promise_cmd(bot, f"move {promise.id} 2026-12-17", REP)  # a new date: reminders come back
    moved = only_promise(bot)
    assert (moved.snoozed, moved.remind_at.isoformat()) == (False, "2026-12-16T14:00:00+00:00")


def test_help_explains_every_subcommand_and_date_phrase(bot: RunningBot) -> None:
    shown = promise_cmd(bot, "help", REP)["text"]
    for word in ("list", "kept", "broken", "move", "snooze", "needs:", "end of quarter", "Q1"):
        assert word in shown


def test_hostile_text_is_escaped_in_the_confirmation(bot: RunningBot) -> None:
    shown = text_of(
        promise_cmd(bot, "Tell <!here> and <@U0BOSS> to [<!channel> & Co] by friday", REP)
    )
    assert "<!here>" not in shown and "<@U0BOSS>" not in shown and "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; Co" in shown


def test_export_writes_promises_as_json(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    promise_cmd(bot, "Pilot report to [Acme] by 2026-12-10", REP)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", bot.db.url.render_as_string(hide_password=False))
    assert main(["export", "promises", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["account"], row["due_on"], row["status"]) == ("Acme", "2026-12-10", "open")


def test_the_managers_query_reads_the_partial_index_that_migration_0008_builds_on_sqlite(
    tmp_path: Path,
) -> None:
    """SQLite uses a partial index only while the query repeats the index's WHERE literally:
    if `NEEDS_ATTENTION` and the migrated index drift apart, the nudge and Home tab read
    every promise of each rep again, and no other test would notice."""
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.upgrade()
    sent: list[tuple[str, tuple]] = []
    event.listen(
        database.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, params, _context, _many: sent.append((statement, params)),
    )
    store.needing_attention(database, TEAM, [REP, OTHER_REP])
    [(query, params)] = [(sql, params) for sql, params in sent if sql.startswith("SELECT")]
    with database.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", params).all()
    database.dispose()
    assert any("USING INDEX ix_promises_team_owner_attention" in row.detail for row in plan), plan


def test_once_the_reps_zone_is_known_a_promise_is_saved_and_confirmed_in_the_ack(
    bot: RunningBot,
) -> None:
    """The first command asks Slack for the rep's zone, so its answer comes afterwards;
    from then on the promise is stored before Slack hears back."""
    first, _ = bot.slack.command("/promise", "Send the SOC 2 report to [Acme] by friday")
    assert first.status == 200 and first.json() is None
    assert "Saved promise #1" in json.dumps(bot.fake.wait_for("response_url")[-1])
    second, _ = bot.slack.command("/promise", "Call back [Globex] by friday")
    assert second.json()["text"] == "Saved promise #2"
    assert [p.id for p in all_promises(bot)] == [1, 2]
    assert len(bot.fake.calls_to("response_url")) == 1
