"""The two apps `bench/ack.py` holds Perspective against, on the same server.

- *bare*: a Bolt app that only acks `/fieldnote` and button presses: the ceiling.
- *naive*: the app anyone would write first: ack, then (a lazy listener) insert
  the note with SQLAlchemy and `respond()` with its number.

Both run under Perspective's own `HttpServer` (waitress, the same threads, a port
several processes share), so only the app differs.

    python -m bench.ack_apps bare|naive      # PORT, DATABASE_URL, SLACK_SIGNING_SECRET
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime

from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bot.runtime.server import HttpServer


class Base(DeclarativeBase):
    pass


class NaiveNote(Base):
    __tablename__ = "naive_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


def _bolt(secret: str) -> App:
    """Bolt as its documentation sets it up, with the Web API at the fake Slack."""
    token = os.environ["SLACK_BOT_TOKEN"]
    client = WebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    return App(signing_secret=secret, client=client, token_verification_enabled=False)


def bare_app(secret: str) -> App:
    app = _bolt(secret)
    app.command("/fieldnote")(lambda ack: ack())
    app.action("fieldnote_delete")(lambda ack: ack())
    return app


def naive_app(secret: str, database_url: str) -> App:
    engine = create_engine(database_url, pool_size=20)
    Base.metadata.create_all(engine)
    app = _bolt(secret)

    def save(command: dict, respond: Respond) -> None:
        with Session(engine) as session, session.begin():
            note = NaiveNote(
                team_id=command["team_id"],
                user_id=command["user_id"],
                text=command["text"],
                created_at=datetime.now(UTC),
            )
            session.add(note)
            session.flush()
            number = note.id
        respond(text=f"Saved note #{number}", response_type="ephemeral")

    def pressed(respond: Respond) -> None:
        respond(text="Done.", response_type="ephemeral", replace_original=False)

    def ack_now(ack: Ack) -> None:
        ack()

    app.command("/fieldnote")(ack=ack_now, lazy=[save])
    app.action("fieldnote_delete")(ack=ack_now, lazy=[pressed])
    return app


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    secret = os.environ["SLACK_SIGNING_SECRET"]
    kind = sys.argv[1]
    app = bare_app(secret) if kind == "bare" else naive_app(secret, os.environ["DATABASE_URL"])
    server = HttpServer(SlackRequestHandler(app), int(os.environ["PORT"]))  # type: ignore[arg-type]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = server.start_in_thread()
    print(f"serving HTTP on port {server.port} ({kind})", file=sys.stderr, flush=True)
    stop.wait()
    server.close()
    thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
