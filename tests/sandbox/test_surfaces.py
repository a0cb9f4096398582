"""Every message, form and Home view the app renders can be reached from the sandbox.

The renderers are listed from the code (each public function of `bot/*/blocks.py`, and
the few surfaces composed elsewhere); each one is either a surface, with the sandbox
lines that make the app render it, or a part of other surfaces. A new renderer is one
line in `SURFACES` or `PARTS`: the first test fails until it is in one of them.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import bot
from tests.support.sandbox import driven

# What the app renders as a whole surface, and the lines that show it, run in this order
# in one sandbox (lines lean on what the lines above them did; "" when those showed it).
SURFACES: dict[str, str] = {
    "bot.fieldnotes.blocks.saved": "/fieldnote [Acme Corp] They want SSO on the Team plan #pricing",
    "bot.fieldnotes.blocks.note_list": "/fieldnote mine",
    "bot.fieldnotes.blocks.capture_modal": "/fieldnote\ncancel",
    "bot.promises.blocks.saved": "/promise Send the SOC 2 report to [Acme Corp] by 2026-12-02",
    "bot.promises.blocks.promise_list": "/promise list",
    "bot.promises.blocks.capture_modal": "/promise\ncancel",
    "bot.home.compose_home": "home",
    "bot.home.blocks.welcome": "",
    "bot.home.blocks.recent_notes": "",
    "bot.home.blocks.usage_summary": "",
    "bot.fieldnotes.blocks.offer": "say They want SSO on the Team plan",
    "bot.home.blocks.role_help": "say help",
    "bot.promises.blocks.move_modal": "home\nclick Need more time\ncancel",
    "bot.promises.blocks.broken_modal": "home\nclick Broken\ncancel",
    "bot.digests.blocks.subscription_line": "as dana\n/perspective digest list",
    "bot.digests.blocks.digest_form": "/perspective digest add\ncancel",
    "bot.teams.team_form": "/perspective team\ncancel",
    "bot.promises.blocks.rollout_add_form": "/perspective rollout add\ncancel",
    "bot.promises.blocks.rollout_move_form": "/perspective rollout move\ncancel",
    "bot.deals.blocks.assign_form": 'webhook deal {"deal_id": "d0", "name": "Initech", "outcome": "lost", "owner_email": "nobody@example.com"}\n/perspective deal assign 1\ncancel',
    "bot.home.blocks.checklist_blocks": "home",
    "bot.home.blocks.unassigned_rows": "",
    "bot.home.blocks.digest_rows": "",
    "bot.home.blocks.team_lines": "",
    "bot.home.blocks.rollout_lines": "",
    "bot.home.blocks.win_prompts": "",
    "bot.home.blocks.marketer_notes": "as carol\nhome\nas alice",
    "bot.promises.blocks.reminder": "tick 2026-12-01T14:00Z",
    "bot.promises.blocks.reminders": "",
    "bot.digests.blocks.digest_messages": "tick 2026-12-01T14:05Z",
    "bot.digests.blocks.top_notes": "tick 2026-12-01T14:10Z",
    "bot.digests.blocks.all_notes": "",
    "bot.promises.blocks.outcome": "click Kept",
    "bot.digests.blocks.ask_rep_message": "as carol\nclick Ask rep",
    "bot.digests.blocks.used_modal": "click Used it",
    "bot.digests.blocks.thanks_message": "set Where did you use it: Q1 pricing page\nsubmit",
    "bot.digests.blocks.with_used_mark": "click Used it\nset Where did you use it: blog\nsubmit",
    "bot.deals.blocks.prompt": 'webhook deal {"deal_id": "d1", "name": "Acme renewal", "outcome": "lost", "owner_email": "alice@example.com"}',
    "bot.deals.blocks.my_waiting": "as alice\nhome",
    "bot.deals.blocks.superseded": 'webhook deal {"deal_id": "d1", "name": "Acme renewal", "outcome": "won", "owner_email": "alice@example.com"}',
    "bot.deals.blocks.reason_modal": "click 1",
    "bot.deals.blocks.answered": "set What did the customer say: The SSO roadmap\nsubmit",
    "bot.promises.blocks.risk_alert": "/promise SSO pilot to [Acme Corp] by 2026-12-18 needs:sso\nas dana\n/perspective rollout move sso 2027-01-31",
    "bot.promises.blocks.manager_risk_alert": "",
    "bot.promises.nudges.compose_nudge": "tick 2026-12-02T14:00Z",
    "bot.promises.nudges.ask_owner": "as bob\nclick Remind rep",
    "bot.deals.blocks.reminder": 'webhook deal {"deal_id": "d2", "name": "Globex", "outcome": "lost", "owner_email": "erin@example.com"}\ntick +1d',
    "bot.deals.blocks.team_waiting": "tick +2d\ntick +1d",
    "bot.deals.blocks.manager_reminder": "click Remind them",
    "bot.intel.blocks.competitor_list": "as alice\n/fieldnote [Acme] Gong demoed call scoring #competitor:gong\n/fieldnote competitors",
    "bot.intel.blocks.competitor_view": "click Competitor: gong",
    "bot.intel.blocks.field_message": 'as dana\n/perspective message "Gong pricing" They discount 20% for two years',
    "bot.intel.blocks.status": "/perspective message status",
    "bot.intel.blocks.acknowledged": "as alice\nclick Got it",
    "bot.intel.blocks.question_modal": "as erin\nclick I have a question",
    "bot.intel.blocks.question_for_sender": "set Your question: How big a discount may we give?\nsubmit",
    "bot.intel.blocks.reminder": 'as dana\n/perspective message "SSO" It ships in January\ntick +1d\ntick +2d',
    "bot.promises.blocks.reminders_after_answer": "as erin\n/promise Call back [Hooli] by 2026-12-20\n"
    "/promise Pricing to [Hooli] by 2026-12-20\ntick 2026-12-19T08:00Z\nclick Kept",
}
# Pieces of the surfaces above, or words they share; never shown on their own.
PARTS = {
    "bot.digests.blocks.chart_pointer",
    "bot.deals.blocks.deal_title",
    "bot.deals.blocks.money",
    "bot.deals.blocks.question",
    "bot.deals.blocks.reason_buttons",
    "bot.deals.blocks.reason_label",
    "bot.deals.blocks.reasons_for",
    "bot.deals.blocks.remind_button",
    "bot.digests.blocks.delivery_text",
    "bot.digests.blocks.note_actions",
    "bot.digests.blocks.note_block",
    "bot.digests.blocks.note_quote",
    "bot.digests.blocks.text_sections",
    "bot.fieldnotes.blocks.describe",
    "bot.fieldnotes.blocks.new_note_button",
    "bot.fieldnotes.blocks.source",
    "bot.home.blocks.add_digest_button",
    "bot.home.blocks.home_buttons",
    "bot.home.blocks.rollout_buttons",
    "bot.home.blocks.team_buttons",
    "bot.home.blocks.titled",
    "bot.home.blocks.welcome_buttons",
    "bot.intel.blocks.competitor_button",
    "bot.intel.blocks.competitor_buttons",
    "bot.intel.blocks.win_rate_text",
    "bot.promises.blocks.due",
    "bot.promises.blocks.handle",
    "bot.promises.blocks.history",
    "bot.promises.blocks.how_soon",
    "bot.promises.blocks.new_promise_button",
    "bot.promises.blocks.promise_buttons",
    "bot.promises.blocks.promise_ids_in",
    "bot.promises.blocks.rollout_select",
    "bot.promises.blocks.status_line",
}
# Surfaces composed outside a blocks module.
COMPOSED = {
    "bot.home.compose_home",
    "bot.promises.nudges.compose_nudge",
    "bot.promises.nudges.ask_owner",
    "bot.teams.team_form",
}


def renderers() -> set[str]:
    """Every public function of every `bot/<feature>/blocks.py`, and the composed surfaces."""
    found = set(COMPOSED)
    for package in pkgutil.iter_modules(bot.__path__):
        if not package.ispkg or package.name == "slack":
            continue
        try:
            module = importlib.import_module(f"bot.{package.name}.blocks")
        except ModuleNotFoundError:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_renderer_is_a_listed_surface_or_part() -> None:
    listed = set(SURFACES) | PARTS
    assert renderers() - listed == set(), "add these to SURFACES (with lines) or PARTS"
    assert listed - renderers() == set(), "these renderers are gone: remove them here"


def test_the_sandbox_reaches_every_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    called: set[str] = set()
    for path in SURFACES:
        _spy(monkeypatch, path, called)
    missed = []
    with driven() as sandbox:
        sandbox.type("as dana")
        sandbox.type("/perspective digest add #marketing daily 09:00 America/New_York")
        sandbox.type('/perspective rollout add sso "SSO integration" 2026-12-15')
        sandbox.type("as alice")
        for path, lines in SURFACES.items():
            for line in lines.splitlines():
                sandbox.type(line)
            if path not in called:
                missed.append(path)
    assert missed == [], "the sandbox lines no longer make the app render these"


def _spy(monkeypatch: pytest.MonkeyPatch, path: str, called: set[str]) -> None:
    """Record each call of the function at `path`, wherever a module holds it."""
    module_name, name = path.rsplit(".", 1)
    original = getattr(importlib.import_module(module_name), name)

    @functools.wraps(original)
    def spy(*args: Any, **kwargs: Any) -> Any:
        called.add(path)
        return original(*args, **kwargs)

    for module, attribute in _holders(original):
        monkeypatch.setattr(module, attribute, spy)


def _holders(function: Callable[..., Any]) -> Iterator[tuple[Any, str]]:
    """Modules that imported the function itself (`from bot.home import compose_home`)."""
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith(("bot.", "handlers")):
            for attribute, value in list(vars(module).items()):
                if value is function:
                    yield module, attribute
