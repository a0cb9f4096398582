"""Settings: every variable the bot reads, and one clear line (exit 2) for a bad one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, parse_settings
from bot.slack.fake import FakeSlack, FakeSlackServer
from tests.support.cli import InProcessCli, run_cli

BASE = {"SLACK_BOT_TOKEN": "xoxb-1-abc"}


def test_defaults_need_only_a_bot_token() -> None:
    settings = parse_settings(BASE)
    assert settings.database_url == "sqlite:///perspective.db"
    assert settings.port == 3000
    assert settings.default_timezone == "UTC"
    assert settings.slack_api_url is None and not settings.socket_mode
    assert settings.admins == frozenset()


def test_every_setting_is_read() -> None:
    settings = parse_settings(
        {
            **BASE,
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_APP_TOKEN": "xapp-1-abc",
            "DATABASE_URL": "postgresql://u:p@db:5432/perspective",
            "SLACK_API_URL": "http://127.0.0.1:9000/api",
            "PERSPECTIVE_ADMINS": "U012AB, W0CDEF ,",
            "DEALS_WEBHOOK_SECRET": "hook",
            "PORT": "8080",
            "DEFAULT_TIMEZONE": "Europe/Berlin",
            "LOG_FORMAT": "JSON",
        }
    )
    assert settings.slack_signing_secret == "s3cret" and settings.socket_mode
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/perspective"
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.admins == {"U012AB", "W0CDEF"}
    assert (settings.deals_webhook_secret, settings.port) == ("hook", 8080)
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "", "SLACK_BOT_TOKEN is not set"),
        ("SLACK_BOT_TOKEN", "xoxp-user", "SLACK_BOT_TOKEN must be a bot token"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN must be an app-level token"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must look like"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http(s) URL"),
        ("PERSPECTIVE_ADMINS", "alice,bob", "PERSPECTIVE_ADMINS must be comma-separated"),
        ("PORT", "eighty", "PORT must be a number"),
        ("PORT", "70000", "PORT must be a number"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE must be an IANA time zone"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be text (the default) or json"),
    ],
)
def test_a_bad_setting_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_settings({**BASE, name: value})


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\n")
    settings = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert (settings.slack_bot_token, settings.port) == ("xoxb-from-file", 5000)


def test_cli_reports_a_missing_setting_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    """A real process: what a shell or cron sees, down to the exit code."""
    result = run_cli(["tick"], {}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "perspective: SLACK_BOT_TOKEN is not set: it should be a bot token like xoxb-… "
        "(first time? `cp .env.example .env`, then fill it in; "
        "`perspective sandbox` tries Perspective with no Slack at all)"
    ]


def test_the_example_values_from_dotenv_example_are_refused(tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is still the example value"):
        load_settings({}, dotenv_path=tmp_path / ".env")


def test_database_commands_need_no_slack_token(cli: InProcessCli, tmp_path: Path) -> None:
    assert cli(["db", "upgrade"], {}, tmp_path).returncode == 0
    exported = cli(["export", "notes", "--format", "json"], {}, tmp_path)
    assert (exported.returncode, exported.stdout.strip()) == (0, "[]")


def test_cli_reports_a_malformed_setting_without_a_traceback(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(["serve"], {"SLACK_BOT_TOKEN": "xoxb-1", "PORT": "abc"}, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == "perspective: PORT must be a number between 1 and 65535, not 'abc'"
    )


def test_http_mode_without_signing_secret_is_a_config_error(
    cli: InProcessCli, tmp_path: Path
) -> None:
    result = cli(["serve", "--http"], {"SLACK_BOT_TOKEN": "xoxb-1"}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_every_command_has_help(cli: InProcessCli, tmp_path: Path) -> None:
    for args in (["--help"], ["serve", "--help"], ["tick", "--help"], ["db", "upgrade", "--help"]):
        result = cli(args, {}, tmp_path)
        assert result.returncode == 0 and "usage: perspective" in result.stdout


@pytest.mark.parametrize("command", [["serve", "--http"], ["worker"]])
def test_a_bot_token_slack_refuses_is_one_line_at_start(
    cli: InProcessCli, tmp_path: Path, fake_slack_server: FakeSlackServer, command: list[str]
) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-not-this-app",
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_API_URL": fake_slack_server.api_url,
    }
    result = cli(command, env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "perspective: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth "
        "Token from your app's OAuth & Permissions page again"
    )


def test_an_app_token_slack_refuses_is_one_line_in_socket_mode(
    cli: InProcessCli, tmp_path: Path, fake: FakeSlack, fake_slack_server: FakeSlackServer
) -> None:
    env = {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_APP_TOKEN": "xapp-1-not-this-app",
        "SLACK_API_URL": fake_slack_server.api_url,
    }
    result = cli(["serve", "--no-scheduler"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "perspective: Slack refused SLACK_APP_TOKEN (invalid_auth): create an app-level "
        "token with the connections:write scope and set it again"
    )
