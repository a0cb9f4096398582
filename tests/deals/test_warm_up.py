"""What `perspective serve` does before its first request, so a burst meets a warm process."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.deals import intake as deals
from bot.services import Services
from storage import workspace_settings
from storage.db import WARM_CONNECTIONS, Database
from tests.support.bot import TEAM, RunningBot
from tests.support.deals import ACME, send_deal
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def fresh_workspace(monkeypatch: pytest.MonkeyPatch) -> deals.Workspace:
    """A process that has not asked Slack for its workspace yet."""
    workspace = deals.Workspace()
    monkeypatch.setattr(deals, "workspace", workspace)
    return workspace


def test_warm_opens_connections_in_every_pool(database_url: str) -> None:
    db = Database(database_url)
    try:
        pools = [engine.pool for engine in db.engines]
        assert [pool.checkedin() for pool in pools] == [0] * len(pools)  # type: ignore[attr-defined]
        db.warm()
        warm = [WARM_CONNECTIONS] * len(pools)
        assert [pool.checkedin() for pool in pools] == warm  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_warm_asks_slack_for_the_workspace_once_and_remembers_the_win_prompt_switch(
    bot: RunningBot, fresh_workspace: deals.Workspace
) -> None:
    deals.warm(bot.services)
    assert len(bot.fake.calls_to("auth.test")) == 1
    # Switched off behind the process's back: the switch read at start still applies.
    workspace_settings.set_setting(bot.db, TEAM, deals.WIN_PROMPTS, "off")
    assert deals.win_prompts_on(bot.services, TEAM)

    assert send_deal(bot, ACME).status == 200
    assert len(bot.fake.calls_to("auth.test")) == 1


def test_warm_without_slack_logs_it_and_the_first_deal_asks_again(
    bot: RunningBot, fresh_workspace: deals.Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_next("auth.test", status=500, error="internal_error")
    with caplog.at_level(logging.WARNING, logger="bot.deals.intake"):
        deals.warm(bot.services)
    assert "Slack did not say which workspace this is" in caplog.text

    reply = send_deal(bot, ACME)
    assert reply.status == 200, reply.body
    assert len(bot.fake.calls_to("auth.test")) == 1


def test_warm_leaves_slack_alone_when_no_webhook_is_configured(
    services: Services, fake: FakeSlack, fresh_workspace: deals.Workspace
) -> None:
    deals.warm(replace(services, settings=replace(services.settings, deals_webhook_secret=None)))
    assert fake.calls_to("auth.test") == []
