"""`/perspective deal`, CSV import, settings, stats, export, App Home and digest queries."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.deals import winloss
from bot.home import compose_home
from bot.runtime.cli import main as cli
from bot.runtime.scheduler import run_tick
from storage import deal_stats, deals, teams
from storage.deals import Deal, DealClosure
from tests.support.bot import (
    ADMIN,
    MANAGER,
    OTHER_REP,
    REP,
    TEAM,
    RunningBot,
)
from tests.support.deals import (
    ACME,
    ANSWER,
    count,
    only_closure,
    press_reason,
    prompted_closure,
    prompts_to,
    send_deal,
    settle,
    shown,
    submit_answer,
    thread_replies,
    use_cli,
    view_of,
)
from tests.support.replies import perspective, reply_to

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


def test_a_won_deal_is_asked_what_tipped_it_not_given_the_lost_deal_advice(
    bot: RunningBot,
) -> None:
    send_deal(bot, {**ACME, "outcome": "won"})
    settle(bot)
    [dm] = bot.fake.wait_for("chat.postMessage", where=lambda a: a["channel"] == REP)
    assert "closed won" in shown(dm) and "What tipped it" in shown(dm)
    assert "skew to price" not in shown(dm)
    # an instant in each reader's own zone, with the day in the one short style as fallback
    assert re.search(
        r"closed <!date\^\d+\^\{date_short_pretty\}\|[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}>",
        shown(dm),
    )


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
    assert "last 90 days* — 5 closed deals asked about, 4 answered, 1 still waiting" in said
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
    refreshed = json.dumps(view_of(bot.fake.wait_for("views.publish", count=2)[-1]))
    assert "winloss_reason:price" not in refreshed and "None waiting." in refreshed


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
    assert [
        (r.outcome, r.reason, r.count) for r in deal_stats.reason_counts(bot.db, TEAM, since)
    ] == [("lost", "competitor", 1)]
    assert deal_stats.top_competitors(bot.db, TEAM, since, 5) == [("Gong", 1)]
