"""The Web API client the bot sends with: slack-sdk's WebClient on keep-alive connections.

slack-sdk's WebClient opens a new connection (and a new TLS handshake against
slack.com) for every call. A 09:00 tick or a burst of closed deals makes hundreds
of calls, so here the transport is a urllib3 connection pool shared by every
thread of the process. Everything above the transport — arguments, retries,
rate-limit handling, `SlackApiError` — stays slack-sdk's: an error status is
raised as the same `HTTPError` and a network failure as the same `URLError`
the stock client raises, so callers cannot tell the difference.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web import SlackResponse

# Enough idle connections for every sender thread of one process (tick workers,
# prompt senders, HTTP request threads); more are opened and dropped as needed.
POOL_SIZE = 32
BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.25)  # 0.25 s, then 0.5 s
# What a person waits on (a reply, a confirmation, a form) is retried on a dropped
# connection, a 5xx or a 429 (after its Retry-After); scheduled sends are not: their
# claims retry them on a later tick instead of holding a worker.
REPLY_RETRIES = [
    ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=BACKOFF),
    ServerErrorRetryHandler(max_retry_count=2, interval_calculator=BACKOFF),
    RateLimitErrorRetryHandler(max_retry_count=2),
]


class PooledWebClient(WebClient):
    """A WebClient whose calls reuse connections instead of opening one each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool = urllib3.PoolManager(
            maxsize=POOL_SIZE, ssl_context=self.ssl, timeout=self.timeout, retries=False
        )

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        if not url.lower().startswith("http"):
            raise URLError(f"not an HTTP URL: {url}")
        try:
            response = self._pool.request(
                req.get_method(), url, body=req.data, headers=dict(req.header_items())
            )
        except urllib3.exceptions.HTTPError as error:
            raise URLError(error) from error
        headers = _message(response.headers)
        if not 200 <= response.status < 300:
            raise HTTPError(
                url, response.status, response.reason, headers, io.BytesIO(response.data)
            )
        body: str | bytes = response.data
        if headers.get_content_type() != "application/gzip":
            body = response.data.decode(headers.get_content_charset() or "utf-8")
        return {"status": response.status, "headers": headers, "body": body}


class DryRunClient(PooledWebClient):
    """Reads go to Slack; every post, update, publish or upload is printed instead and
    answered as Slack would, so an operator sees what `tick --dry-run` would send."""

    SENDS = ("chat.", "views.", "files.", "reactions.", "conversations.open")

    def __init__(self, *args: Any, say: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._say = say
        self._sent = itertools.count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        if not api_method.startswith(self.SENDS):
            return super().api_call(api_method, **kwargs)
        args = {
            **(kwargs.get("params") or {}),
            **(kwargs.get("data") or {}),
            **(kwargs.get("json") or {}),
        }
        self._say(_described(api_method, args))
        channel = str(args.get("channel") or args.get("users") or "D0DRYRUN")
        ts = f"1700000000.{next(self._sent):06d}"
        data = {
            "ok": True,
            "channel": {"id": channel} if api_method == "conversations.open" else channel,
            "ts": ts,
        }
        return SlackResponse(
            client=self, http_verb="POST", api_url=api_method, req_args={}, data=data,
            headers={}, status_code=200,
        )  # fmt: skip

    def files_upload_v2(self, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        return self.api_call("files.upload", json={k: v for k, v in kwargs.items() if k != "file"})


def _described(method: str, args: dict[str, Any]) -> str:
    """One line: where it would go and the start of what it says."""
    where = (
        args.get("channel")
        or args.get("user_id")
        or args.get("users")
        or args.get("channel_id")
        or "-"
    )
    text = " ".join(
        str(args.get("text") or args.get("title") or args.get("filename") or "").split()
    )
    return f"would {method} to {where}: {text[:100]}"


def retrying(client: WebClient) -> PooledWebClient:
    """A client like `client` for listeners, each of whose calls someone is waiting on."""
    return PooledWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=REPLY_RETRIES,
    )


def _message(headers: urllib3.HTTPHeaderDict) -> HTTPMessage:
    """The header type urllib answers with, which slack-sdk reads charsets and Retry-After from."""
    message = HTTPMessage()
    for name, value in headers.items():
        message[name] = value
    return message
