"""Each command of the sandbox language, against the real app, and how `--script` fails."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.sandbox.language import HELP
from storage.db import Database
from tests.support.cli import InProcessCli
from tests.support.sandbox import driven

DEAL = (
    'webhook deal {"deal_id": "d1", "name": "Acme renewal", "outcome": "lost", '
    '"owner_email": "alice@example.com"}'
)


def test_help_lists_the_commands_and_comments_do_nothing() -> None:
    with driven() as sandbox:
        assert sandbox.type("help").strip() == HELP
        assert sandbox.type("# a comment") == ""
        assert sandbox.type("   ") == ""


def test_a_slash_command_is_typed_by_the_acting_person_in_sales_or_another_channel() -> None:
    with driven() as sandbox:
        shown = sandbox.type("/fieldnote [Acme] They want SSO #pricing")
        assert shown.startswith("── only visible to alice in #sales ──\n")
        assert "Saved note #1 for Acme tagged `#pricing`." in shown
        sandbox.type("as erin")
        shown = sandbox.type("in #marketing /fieldnote mine")
        assert shown.startswith("── only visible to erin in #marketing ──\n")
        assert "You have no notes yet" in shown
        assert "Write `in #sales /…`" in sandbox.fails("in #nowhere /fieldnote help")
        assert "No one called `zed`" in sandbox.fails("as zed")


def test_click_presses_a_button_by_number_or_label_on_the_latest_surface_that_has_it() -> None:
    with driven() as sandbox:
        sandbox.type("/promise Send the SOC 2 report to [Acme] by 2026-12-04")
        home = sandbox.type("home")
        assert "── Home: alice ──\n" in home
        assert "[3 Kept] [4 Need more time] [5 Broken]" in home
        form = sandbox.type("click 4")
        assert "── form: Need more time ──" in form
        sandbox.type("cancel")
        kept = sandbox.type("click kept")
        assert "── Home: alice ──" in kept and "None open" in kept
        assert sandbox.fails("click Kept") == "no button 'Kept' on anything shown to alice"


def test_a_form_is_filled_in_by_label_and_submitted_or_cancelled() -> None:
    with driven() as sandbox:
        assert "── form: New field note ──" in sandbox.type("/fieldnote")
        assert "no field 'Note'" in sandbox.fails("set Note: hi")
        assert sandbox.fails("submit").startswith("the form refused it: What did the customer say?")
        sandbox.type("set Account: Globex")
        sandbox.type("set What did the customer say: Monthly billing, please")
        shown = sandbox.type("submit")
        assert "Saved note #1 for Globex" in shown
        assert sandbox.fails("submit") == "no form is open to submit"
        sandbox.type("/fieldnote")
        assert "closed the form 'New field note'" in sandbox.type("cancel")
        assert sandbox.fails("cancel") == "no form is open to cancel"
        assert sandbox.fails("set Account: x") == "no form is open; a command or a button opens one"


def test_choices_dates_and_checkboxes_are_set_by_what_they_say() -> None:
    with driven() as sandbox:
        sandbox.type(DEAL)
        sandbox.type("click Competitor")
        assert "is not one of the choices" in sandbox.fails("set Reason: Cheaper")
        sandbox.type("set Reason: Price")
        assert sandbox.fails("set Evidence: maybe") == "a checkbox takes `yes` or `no`"
        sandbox.type("set Evidence: yes")
        sandbox.type("set What did the customer say: Too expensive this year")
        assert "closed lost: Price" in sandbox.type("submit")
        sandbox.type("/promise")
        assert "is not a date" in sandbox.fails("set Due: next week")
        sandbox.type("set Due: 2026-12-09")


def test_a_crm_webhook_deal_prompts_its_owner_and_a_bad_one_is_refused() -> None:
    with driven() as sandbox:
        shown = sandbox.type(DEAL)
        assert shown.startswith("── DM to alice ──\n")
        assert "Acme renewal closed lost. What was the real reason?" in shown
        refused = sandbox.fails('webhook deal {"deal_id": "d2"}')
        assert refused.startswith("the webhook refused the deal: ")
        assert "isn't a sandbox command" not in sandbox.fails("webhook deal not-json")


def test_tick_moves_the_clock_and_runs_the_scheduler() -> None:
    with driven() as sandbox:
        sandbox.type("/promise Send the SOC 2 report to [Acme] by 2026-12-02")
        assert sandbox.type("tick +2h").strip() == "tick at 2026-11-30T16:00:00+00:00"
        sandbox.type("tick +30m")
        reminder = sandbox.type("tick 2026-12-01T14:00Z")
        assert "── DM to alice ──" in reminder and "[1 Kept]" in reminder
        assert "tick at 2026-12-02T14:00:00+00:00" in sandbox.type("tick +1d")
        assert "Write `tick +1d`" in sandbox.fails("tick tomorrow")


def test_a_shortcut_and_a_dm_reach_the_app_as_slack_sends_them() -> None:
    with driven() as sandbox:
        assert "── form: New field note ──" in sandbox.type("shortcut new_note")
        sandbox.type("cancel")
        said = sandbox.type("say They want SSO")
        assert said.startswith("── alice in a DM to Perspective ──\n  They want SSO\n")
        assert "── DM to alice ──" in said and "[1 Save as field note]" in said


def test_what_the_app_does_not_listen_for_is_not_available() -> None:
    """Bolt finds no listener, as for an event Slack sends that nobody handles."""
    with driven() as sandbox:
        assert sandbox.fails("shortcut nope") == (
            "not available: the app has no listener for the shortcut 'nope' yet "
            "(Slack would show nothing)"
        )


def test_an_unknown_line_fails_saying_how_to_find_the_commands() -> None:
    with driven() as sandbox:
        assert (
            sandbox.fails("dance") == "`dance` isn't a sandbox command; type `help` for the list."
        )


def test_a_script_stops_at_its_first_failing_line_with_the_line_number(
    cli: InProcessCli, tmp_path: Path
) -> None:
    script = tmp_path / "steps.txt"
    script.write_text("# set-up\n/fieldnote [Acme] hi\nclick Nope\n/fieldnote mine\n")
    result = cli(["sandbox", "--script", str(script)], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{script}:3: no button 'Nope' on anything shown to alice"
    assert "Saved note #1" in result.stdout
    assert "/fieldnote mine" not in result.stdout, "nothing after the failing line runs"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("dance", "`dance` isn't a sandbox command"),
        ("/fieldnote\nsubmit", "the form refused it: What did the customer say?"),
        ("webhook deal {}", "the webhook refused the deal"),
    ],
)
def test_a_script_fails_on_an_unknown_command_a_refused_form_or_a_refused_request(
    cli: InProcessCli, tmp_path: Path, line: str, reason: str
) -> None:
    script = tmp_path / "steps.txt"
    script.write_text(line + "\n")
    result = cli(["sandbox", "--script", str(script)], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{script}:{line.count(chr(10)) + 1}: {reason}")


def test_a_missing_script_is_one_line_on_standard_error(cli: InProcessCli, tmp_path: Path) -> None:
    result = cli(["sandbox", "--script", str(tmp_path / "nope.txt")], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"perspective: cannot read {tmp_path / 'nope.txt'}")


def test_the_interactive_sandbox_goes_on_after_a_failing_command(
    cli: InProcessCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("dance\n/fieldnote [Acme] hi\n"))
    result = cli(["sandbox", "--start", "2026-11-30T14:00Z"], {}, tmp_path)
    assert result.returncode == 0
    assert "`dance` isn't a sandbox command" in result.stderr
    assert "Saved note #1 for Acme" in result.stdout


def test_a_database_given_keeps_what_was_done_for_the_next_sandbox(db: Database) -> None:
    url = db.url.render_as_string(hide_password=False)
    with driven(database=url) as sandbox:
        sandbox.type("/fieldnote [Acme] They want SSO")
    with driven(database=url) as sandbox:
        assert "They want SSO" in sandbox.type("/fieldnote mine")


def test_a_database_url_of_another_kind_is_refused(cli: InProcessCli, tmp_path: Path) -> None:
    result = cli(["sandbox", "--database", "mysql://x", "--script", "-"], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("perspective: --database: it must look like sqlite:///")
