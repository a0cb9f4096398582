"""The bot's Web API client: keep-alive connections, with slack-sdk's errors and retries intact.

Each test runs its own fake Slack, so the connections counted are this test's alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError

from bot.delivery import SEND_ERRORS, _retry_after
from bot.slack.client import PooledWebClient
from bot.slack.fake import FakeSlackServer


@pytest.fixture
def server() -> Iterator[FakeSlackServer]:
    server = FakeSlackServer().start()
    server.fake.add_user("U0REP")
    yield server
    server.stop()


@pytest.fixture
def client(server: FakeSlackServer) -> PooledWebClient:
    return PooledWebClient(token=server.fake.token, base_url=server.api_url)


def post(client: PooledWebClient, text: str = "hello") -> str:
    return client.chat_postMessage(channel="U0REP", text=text)["ts"]


def test_calls_one_after_another_share_one_connection(
    client: PooledWebClient, server: FakeSlackServer
) -> None:
    timestamps = [post(client, f"message {i}") for i in range(20)]
    client.users_info(user="U0REP")

    assert len(set(timestamps)) == 20
    assert len(server.fake.calls_to("chat.postMessage")) == 20
    assert server.connections.accepted == 1


def test_threads_share_the_pool_without_a_connection_per_call(
    client: PooledWebClient, server: FakeSlackServer
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        timestamps = list(pool.map(lambda i: post(client, f"message {i}"), range(60)))

    assert len(set(timestamps)) == 60
    assert server.connections.accepted <= 4


def test_a_connection_the_server_closed_is_replaced(
    client: PooledWebClient, server: FakeSlackServer
) -> None:
    post(client)
    server.connections.close_all()

    post(client)

    assert len(server.fake.calls_to("chat.postMessage")) == 2
    assert server.connections.accepted == 2


def test_slack_errors_keep_their_shape(client: PooledWebClient, server: FakeSlackServer) -> None:
    server.fake.fail_next("chat.postMessage", error="channel_not_found")

    with pytest.raises(SlackApiError) as refused:
        post(client)

    assert refused.value.response["error"] == "channel_not_found"


def test_a_429_carries_retry_after_as_slack_sdk_reports_it(
    client: PooledWebClient, server: FakeSlackServer
) -> None:
    server.fake.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=7)

    with pytest.raises(SlackApiError) as limited:
        post(client)

    assert limited.value.response.status_code == 429
    assert _retry_after(limited.value) == timedelta(seconds=7)
    post(client)  # the connection is still good after an error status
    assert server.connections.accepted == 1


def test_a_server_error_is_an_api_error(client: PooledWebClient, server: FakeSlackServer) -> None:
    server.fake.fail_next("chat.postMessage", status=500, error="internal_error")

    with pytest.raises(SlackApiError) as failed:
        post(client)

    assert failed.value.response.status_code == 500


def test_slack_out_of_reach_is_a_send_error_the_scheduler_retries(
    server: FakeSlackServer,
) -> None:
    server.stop()
    client = PooledWebClient(token=server.fake.token, base_url=server.api_url, timeout=2)

    with pytest.raises(SEND_ERRORS) as failed:
        post(client)

    assert isinstance(failed.value, OSError)
