"""The database down while a rep types `/fieldnote`: the ack hands their words back,
nothing is half-saved, and the same process saves again once the database is back."""

from __future__ import annotations

from pathlib import Path

from bot.runtime.app import build_app
from bot.runtime.server import build_web_app
from bot.services import build_services
from bot.slack.fake import FakeSlack, FakeSlackServer
from storage import fieldnotes
from storage.db import Database
from tests.support.bot import SIGNING_SECRET, TEAM, CurrentWebApp, make_settings
from tests.support.slack_requests import SlackSender

TYPED = "[Acme] <!channel> wants SSO before renewal #security"


def test_a_note_the_database_cannot_take_is_handed_back_and_saved_once_it_is_back(
    fake: FakeSlack,
    fake_slack_server: FakeSlackServer,
    bot_server: tuple[CurrentWebApp, str],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "not-there-yet"
    db = Database(f"sqlite:///{folder}/perspective.db")
    services = build_services(make_settings(fake_slack_server.api_url, str(db.url)), db=db)
    current, base_url = bot_server
    current.web_app = build_web_app(build_app(services), services)
    sender = SlackSender(
        f"{base_url}/slack/events", SIGNING_SECRET, fake_slack_server.response_url("d")
    )
    try:
        reply, _ = sender.command("/fieldnote", TYPED)
        assert reply.status == 200
        answer = reply.json()
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith(":warning: Couldn't save your note — here it is")
        assert "[Acme] &lt;!channel&gt; wants SSO before renewal #security" in answer["text"]
        assert "nothing was changed" not in answer["text"]

        folder.mkdir()
        db.upgrade()
        reply, _ = sender.command("/fieldnote", TYPED)
        assert reply.json()["text"] == "Saved note #1"
        [note] = fieldnotes.search_notes(db, TEAM, [], 10).notes
        assert (note.account, note.text) == ("Acme", "<!channel> wants SSO before renewal")
        assert fake.calls_to("response_url") == []
    finally:
        current.web_app = None
        db.dispose()
