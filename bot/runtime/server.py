"""HTTP mode: one WSGI application served by waitress (a production server).

Routes: `POST /slack/events` (Bolt), `GET /healthz`, and the extra endpoints
features add (the CRM webhook). Socket Mode lives here too, so `serve` has one
place that decides how the bot meets Slack.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from waitress.server import create_server

from bot.deals.webhook import PATH as DEALS_PATH
from bot.deals.webhook import deals_endpoint
from bot.foreground import foreground
from bot.runtime.slack_http import ACK_DEADLINE_S, SlackEndpoint, describe
from bot.services import Services
from bot.web import Endpoint, Refused, Reply, read_body, request_headers
from storage.db import deadline

log = logging.getLogger(__name__)

STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    503: "Service Unavailable",
}


class WebApp:
    """Routes requests to Bolt, the health check and feature endpoints."""

    def __init__(self, app: App, services: Services) -> None:
        self._slack = SlackEndpoint(app, services.settings.slack_signing_secret or "")
        self._services = services
        self._posts: dict[str, Endpoint] = {}

    def add_post(self, path: str, endpoint: Endpoint) -> None:
        self._posts[path] = endpoint

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        with foreground.serving():
            return self._route(environ, start_response)

    def _route(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/slack/events":
            return self._slack(environ, start_response)
        if path == "/healthz" and method == "GET":
            return _send(start_response, self._health())
        endpoint = self._posts.get(path)
        if endpoint is None:
            return _send(start_response, Reply(404, {"ok": False, "error": "not_found"}))
        if method != "POST":
            return _send(start_response, Reply(405, {"ok": False, "error": "use POST"}))
        return _send(start_response, _call(endpoint, environ))

    def _health(self) -> Reply:
        if self._services.db.healthy():
            return Reply(200, {"ok": True})
        return Reply(503, {"ok": False, "error": "database unavailable"})


def _call(endpoint: Endpoint, environ: dict[str, Any]) -> Reply:
    try:
        body = read_body(environ)
    except Refused as refused:
        return Reply(refused.status, {"ok": False, "error": refused.reason})
    return endpoint(body, request_headers(environ))


def _send(start_response: Callable, reply: Reply) -> list[bytes]:
    payload = json.dumps(reply.body).encode()
    status = f"{reply.status} {STATUS_TEXT.get(reply.status, '')}".strip()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def build_web_app(app: App, services: Services) -> WebApp:
    web_app = WebApp(app, services)
    web_app.add_post(DEALS_PATH, deals_endpoint(services))
    return web_app


class HttpServer:
    """waitress on a port (0 picks a free one, for tests); `close()` stops it from any thread."""

    def __init__(self, web_app: WebApp, port: int, host: str = "0.0.0.0", threads: int = 16):
        self._server = create_server(
            web_app, sockets=[_listening_socket(host, port)], threads=threads, ident="perspective"
        )
        self.port = int(self._server.effective_port)  # type: ignore[union-attr]

    def serve_forever(self) -> None:
        # run() raises "bad file descriptor" once close() has pulled the socket away.
        with contextlib.suppress(OSError):
            self._server.run()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._server.close()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket several `serve` processes on one machine can share.

    With SO_REUSEPORT the kernel spreads new connections over every process
    bound to the port, so one machine scales past one interpreter's GIL by
    starting `perspective serve` once per core — no load balancer needed.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


class LoggedSocketModeHandler(SocketModeHandler):
    """Socket Mode requests answered under the same ack deadline, with the same one log
    line, as requests over HTTP."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        with deadline(ACK_DEADLINE_S):
            response = run_bolt_app(self.app, req)
        payload = req.payload if isinstance(req.payload, dict) else {}
        log.info(
            "%s → %s in %.0f ms (socket mode)", describe(payload), response.status,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        send_response(client, req, response, started)


def run_socket_mode(app: App, app_token: str, stop: threading.Event) -> None:
    """Connect over Socket Mode and stay connected until `stop` is set."""
    handler = LoggedSocketModeHandler(app, app_token)
    handler.connect()
    try:
        stop.wait()
    finally:
        handler.close()
