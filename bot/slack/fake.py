"""A fake Slack Web API: real HTTP on localhost that records calls and answers like Slack.

It rejects what Slack rejects (missing arguments, bad tokens, Block Kit limits)
with Slack's error shape — HTTP 200 and `ok: false`, or 429 with `Retry-After`
for rate limits — so a test fails wherever Slack would. It also serves
`response_url` posts (`/response/<id>`), which Bolt's `respond()` uses, and the
upload URLs (`/upload/<file id>`) that `files.getUploadURLExternal` hands out,
so `files_upload_v2` runs its three steps for real.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from bot.slack.rules import SlackError, check_required, validate_message, validate_view

BOT_USER_ID = "U0BOT0001"
Args = dict[str, Any]

MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
VIEW_METHODS = {"views.open", "views.push", "views.publish", "views.update"}


@dataclass
class Call:
    method: str
    args: Args
    ok: bool
    error: str | None = None
    answer: Args | None = None  # what the fake answered a successful call (its ts, channel…)


@dataclass
class Failure:
    status: int
    error: str
    retry_after: int | None = None
    after: int = 0  # calls of the method that still go through before this failure


@dataclass
class Upload:
    """A file on its way in: announced (`files.getUploadURLExternal`), sent, then shared."""

    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None


@dataclass
class FakeSlack:
    """State of the fake workspace; tests add users and channels, then read `calls`."""

    team_id: str = "T0001"
    token: str = "xoxb-test-token"
    users: dict[str, Args] = field(default_factory=dict)
    channels_without_bot: set[str] = field(default_factory=set)
    # Who is in which channel (conversations.members), for channels a test fills in.
    members: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    conversations: dict[str, list[str]] = field(default_factory=dict)  # opened DMs: members
    app_token: str = "xapp-1-test-token"
    socket_url: str | None = None
    upload_base: str = "http://127.0.0.1/upload/"  # the server's own address, once it runs
    uploads: dict[str, Upload] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _changed: threading.Condition = field(default_factory=threading.Condition)

    # ---- set-up -------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        *,
        tz: str = "America/New_York",
        is_admin: bool = False,
        email: str | None = None,
        status_text: str = "",
        status_emoji: str = "",
        name: str | None = None,
        display_name: str = "",
        deleted: bool = False,
        is_bot: bool = False,
    ) -> None:
        """A member; `name` is the handle (`bob`), `display_name` what Slack shows (`Bob B.`)."""
        handle = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": False,
            "profile": {
                "display_name": display_name,
                "display_name_normalized": display_name,
                "real_name": display_name or handle,
                "email": email or f"{user_id.lower()}@example.com",
                "status_text": status_text,
                "status_emoji": status_emoji,
                "status_expiration": 0,
            },
        }

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "fatal_error",
        retry_after: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next call of `method` (or the one `after` more calls) fail (429 answers carry Retry-After)."""
        failure = Failure(status, error, retry_after if status == 429 else None, after)
        self.failures.setdefault(method, []).append(failure)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of `method` `seconds` late, as a slow Slack does: the fake's
        server thread waits (the test does not), and the call is recorded once answered."""
        self.delays[method] = seconds

    def reset(self) -> None:
        with self._changed:
            self.users.clear()
            self.channels_without_bot.clear()
            self.members.clear()
            self.calls.clear()
            self.failures.clear()
            self.delays.clear()
            self.conversations.clear()
            self.uploads.clear()
            self.socket_url = None

    # ---- reading what the bot did -------------------------------------------------------
    def calls_to(self, method: str, where: Callable[[Args], bool] | None = None) -> list[Args]:
        with self._changed:
            return [
                c.args
                for c in self.calls
                if c.method == method and c.ok and (where is None or where(c.args))
            ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        where: Callable[[Args], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[Args]:
        """Block until at least `count` successful calls arrived (event-driven, not a sleep)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.calls_to(method, where)) >= count, timeout)
            found = self.calls_to(method, where)
        assert len(found) >= count, (
            f"expected {count} {method} call(s), got {len(found)}: {self.summary()}"
        )
        return found

    def calls_since(self, index: int) -> list[Call]:
        """Every call after the first `index`, failed ones too (the sandbox reads them in turn)."""
        with self._changed:
            return self.calls[index:]

    def shared_files(self, channel: str) -> list[Upload]:
        """The files shared in `channel` (uploaded and completed), in order."""
        with self._changed:
            return [u for u in self.uploads.values() if u.channel == channel]

    def summary(self) -> list[tuple[str, bool, str | None]]:
        return [(c.method, c.ok, c.error) for c in self.calls]

    # ---- answering ----------------------------------------------------------------------
    def handle(self, method: str, args: Args, auth: str | None) -> tuple[int, Args, dict]:
        time.sleep(self.delays.get(method, 0))
        try:
            expected = self.app_token if method == "apps.connections.open" else self.token
            if method != "response_url" and auth != f"Bearer {expected}":
                raise SlackError("invalid_auth")
            failure = self._pop_failure(method)
            if failure is not None:
                self._record(Call(method, args, ok=False, error=failure.error))
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                return failure.status, {"ok": False, "error": failure.error}, headers
            check_required(method, args)
            answer = self._answer(method, args)
        except SlackError as error:
            self._record(Call(method, args, ok=False, error=error.error))
            body: Args = {"ok": False, "error": error.error}
            if error.messages:
                body["response_metadata"] = {"messages": error.messages}
            return 200, body, {}
        self._record(Call(method, args, ok=True, answer=answer))
        return 200, {"ok": True, **answer}, {}

    def _pop_failure(self, method: str) -> Failure | None:
        with self._changed:
            queue = self.failures.get(method)
            if queue and queue[0].after > 0:
                queue[0].after -= 1
                return None
            return queue.pop(0) if queue else None

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _answer(self, method: str, args: Args) -> Args:
        if method in MESSAGE_METHODS:
            validate_message(args)
        if method in VIEW_METHODS:
            validate_view(args["view"])
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        return handler(args) if handler else {}

    def _next_ts(self) -> str:
        return f"{1_790_000_000 + next(self._ts)}.000100"

    def _auth_test(self, _args: Args) -> Args:
        return {"team_id": self.team_id, "user_id": BOT_USER_ID, "bot_id": "B0BOT0001"}

    def _apps_connections_open(self, _args: Args) -> Args:
        if self.socket_url is None:
            raise SlackError("not_allowed_token_type")
        return {"url": self.socket_url}

    def _chat_postMessage(self, args: Args) -> Args:
        channel = args["channel"]
        if channel in self.channels_without_bot:
            raise SlackError("not_in_channel")
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        return {"channel": channel, "ts": self._next_ts(), "message": {"text": args.get("text")}}

    def _chat_postEphemeral(self, args: Args) -> Args:
        if args["channel"] in self.channels_without_bot:
            raise SlackError("user_not_in_channel")
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: Args) -> Args:
        return {"channel": args["channel"], "ts": args["ts"], "text": args.get("text", "")}

    def _chat_getPermalink(self, args: Args) -> Args:
        ts = str(args["message_ts"]).replace(".", "")
        return {
            "channel": args["channel"],
            "permalink": f"https://example.slack.com/archives/{args['channel']}/p{ts}",
        }

    def _files_getUploadURLExternal(self, args: Args) -> Args:
        length = str(args["length"])
        if not length.isdigit() or int(length) == 0:
            raise SlackError("invalid_arguments", "length must be a positive integer")
        file_id = f"F{next(self._ts):09d}"
        with self._changed:
            self.uploads[file_id] = Upload(str(args["filename"]), int(length), args.get("alt_txt"))
        return {"upload_url": f"{self.upload_base}{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """The POST to an upload URL: 200 "OK - <bytes>", as files.slack.com answers."""
        with self._changed:
            upload = self.uploads.get(file_id)
            if upload is None:
                return 404, "file not found"
            upload.content = content
            self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(content)}, ok=True))
            self._changed.notify_all()
        return 200, f"OK - {len(content)}"

    def _files_completeUploadExternal(self, args: Args) -> Args:
        files = json.loads(args["files"]) if isinstance(args["files"], str) else args["files"]
        channel = args.get("channel_id") or args.get("channels")
        if channel in self.channels_without_bot:
            raise SlackError("not_in_channel")
        shared = []
        with self._changed:
            for entry in files:
                upload = self.uploads.get(str(entry.get("id")))
                if upload is None or upload.content is None:
                    raise SlackError("file_not_found")
                if len(upload.content) != upload.length:
                    raise SlackError("file_upload_size_mismatch")
                upload.title, upload.channel = entry.get("title"), channel
                upload.thread_ts = args.get("thread_ts")
                shared.append(
                    {"id": entry["id"], "name": upload.filename, "title": upload.title,
                     "alt_txt": upload.alt_txt, "size": upload.length}
                )  # fmt: skip
        return {"files": shared}

    def _views_open(self, args: Args) -> Args:
        return {"view": {"id": "V" + str(next(self._ts)), **args["view"]}}

    _views_push = _views_open
    _views_publish = _views_open
    _views_update = _views_open

    def _users_info(self, args: Args) -> Args:
        user = self.users.get(args["user"])
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def _users_lookupByEmail(self, args: Args) -> Args:
        for user in self.users.values():
            if user["profile"]["email"].lower() == str(args["email"]).lower():
                return {"user": user}
        raise SlackError("users_not_found")

    def _users_list(self, args: Args) -> Args:
        """Every member, deleted ones and bots included, in pages of `limit` (everything when
        absent, as Slack tries); `next_cursor` is "" on the last page, as Slack pages."""
        members = sorted(self.users.values(), key=lambda user: user["id"])
        start = _cursor_index(members, str(args.get("cursor") or ""))
        limit = str(args.get("limit") or "0")
        if not limit.isdigit():
            raise SlackError("invalid_limit")
        end = start + int(limit) if int(limit) else len(members)
        more = _cursor_for(members[end]) if end < len(members) else ""
        return {"members": members[start:end], "response_metadata": {"next_cursor": more}}

    def _conversations_open(self, args: Args) -> Args:
        users = str(args.get("users") or "").split(",")
        members = sorted(u.strip() for u in users if u.strip())
        key = "".join(members)
        channel = "D" + key[1:] if len(users) == 1 else "G" + key[1:18]
        self.conversations[channel] = members
        return {"channel": {"id": channel}}

    def _conversations_members(self, args: Args) -> Args:
        """Pages of `limit` (Slack's default 100) until `next_cursor` is "", as Slack pages."""
        channel = args["channel"]
        if channel in self.channels_without_bot:
            raise SlackError("channel_not_found")
        members = [*self.members.get(channel, []), BOT_USER_ID]
        cursor = str(args.get("cursor") or "0")
        if not cursor.isdigit():
            raise SlackError("invalid_cursor")
        start = int(cursor)
        limit = int(args.get("limit") or 100)
        if not 0 < limit <= 1000:
            raise SlackError("invalid_limit")
        end = start + limit
        more = str(end) if end < len(members) else ""
        return {"members": members[start:end], "response_metadata": {"next_cursor": more}}

    def _conversations_info(self, args: Args) -> Args:
        return {
            "channel": {
                "id": args["channel"],
                "is_member": args["channel"] not in self.channels_without_bot,
            }
        }


# What a view_submission's `state.values` holds for each input element, by its type (see
# /work/shared/slack/fixtures/view_submission_pickers.json): one value, an option object, or
# a list; an input left empty sends null (a list: []).
STATE_KEYS = {
    "plain_text_input": "value",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "static_select": "selected_option",
    "radio_buttons": "selected_option",
    "checkboxes": "selected_options",
}
OPTION_STATES = {"selected_option", "selected_options"}


def submitted_state(element: Args, picked: Any) -> Args:
    """The state Slack submits for `element` holding `picked`: a string (an ID, a date, a
    time, an option's value, text), a list of them for multi-pickers and checkboxes, or None
    for an empty input. Options come back as the element's own option objects."""
    kind = element["type"]
    key = STATE_KEYS[kind]
    if key in OPTION_STATES and picked is not None:
        options = {o["value"]: o for o in element.get("options", [])}
        chosen = [options.get(v, {"text": {"type": "plain_text", "text": v}, "value": v})
                  for v in (picked if isinstance(picked, list) else [picked])]  # fmt: skip
        picked = chosen if key == "selected_options" else chosen[0]
    if key == "selected_options" or kind.startswith("multi_"):
        picked = picked or []
    return {"type": kind, key: picked}


def _cursor_for(user: Args) -> str:
    """Slack's cursors are opaque; its users.list ones read `user:<id>` in base64."""
    return base64.b64encode(f"user:{user['id']}".encode()).decode()


def _cursor_index(members: list[Args], cursor: str) -> int:
    if not cursor:
        return 0
    for index, user in enumerate(members):
        if _cursor_for(user) == cursor:
            return index
    raise SlackError("invalid_cursor")


class _Handler(BaseHTTPRequestHandler):
    """Speaks HTTP/1.1 with keep-alive, as slack.com does, so connection reuse is exercised."""

    fake: FakeSlack
    protocol_version = "HTTP/1.1"
    # Buffered, so headers and body leave in one segment: written apart, the
    # client's delayed ACK and Nagle's algorithm cost 40 ms on a kept-alive connection.
    wbufsize = 64 * 1024
    connections: _Connections

    def setup(self) -> None:
        super().setup()
        self.connections.opened(self.connection)

    def finish(self) -> None:
        self.connections.closed(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(self.rfile.read(length))

    def _dispatch(self, raw: bytes) -> None:
        url = urlparse(self.path)
        if url.path.startswith("/upload/"):
            status, text = self.fake.receive_upload(url.path.removeprefix("/upload/"), raw)
            self._send(status, text.encode(), "text/plain; charset=utf-8", {})
            return
        args: Args = dict(parse_qsl(url.query))
        if raw:
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw.decode())))
        if url.path.startswith("/response/"):
            args["_response_id"] = url.path.removeprefix("/response/")
            status, body, headers = self.fake.handle("response_url", args, None)
        else:
            method = url.path.removeprefix("/api/")
            status, body, headers = self.fake.handle(
                method, args, self.headers.get("Authorization")
            )
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: Any) -> None:
        pass


class _Connections:
    """The client connections a fake Slack has accepted: counted, and closed on stop."""

    def __init__(self) -> None:
        self.accepted = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self.accepted += 1
            self._open.add(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def close_all(self) -> None:
        """Unblock the threads waiting on idle keep-alive connections."""
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when a tick sends several DMs
    # at once; the client then waits a second to retry, which Slack never makes it do.
    request_queue_size = 128


class FakeSlackServer:
    """Runs a `FakeSlack` on 127.0.0.1 in a background thread."""

    def __init__(self, fake: FakeSlack | None = None) -> None:
        self.fake = fake or FakeSlack()
        self.connections = _Connections()
        handler = type("Handler", (_Handler,), {"fake": self.fake, "connections": self.connections})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/api/"
        self.fake.upload_base = f"http://127.0.0.1:{self.port}/upload/"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # stop() waits for the loop to look at its flag: every 0.5 s by default.
        self._server.serve_forever(poll_interval=0.02)

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def start(self) -> FakeSlackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.connections.close_all()
