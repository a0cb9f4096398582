"""Benchmark Slack's side of `/fieldnote`: how fast acks come back, and the confirmations.

Runs, one after the other on the same machine and server settings, `perspective serve
--http` (as docs/operations.md says: one process per core on one port), a bare Bolt
app that only acks, and a naive Bolt app (ack, then insert with SQLAlchemy and
`respond()`; `bench/ack_apps.py`), each against a fake Slack in its own process.
Each gets the same signed load at 50 concurrent connections: `/fieldnote` commands
and a share of button presses. It prints throughput, ack p50/p99, how many
confirmations reached the user (in the ack itself or by `response_url`) and how late
the last one came after the load stopped, and each server's peak RSS.

    .venv/bin/python -m bench.ack                         # SQLite file in a temp dir
    .venv/bin/python -m bench.ack --slack-latency-ms 2000 # Slack answering in 2 s
    .venv/bin/python -m bench.ack --database postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.fake_slack_process import FakeSlackProcess
from bench.webhook import client, free_port, wait_until_serving
from storage.db import Database
from tests.support.slack_requests import sign
from tests.support.throwaway_db import throwaway_database

SECRET = "bench-signing-secret"
TEAM = "T0BENCH01"
APPS = {
    "perspective": [sys.executable, "-m", "bot.runtime.cli", "serve", "--http", "--no-scheduler"],
    "bare": [sys.executable, "-m", "bench.ack_apps", "bare"],
    "naive": [sys.executable, "-m", "bench.ack_apps", "naive"],
}


@dataclass(frozen=True)
class Outcome:
    app: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int
    confirmed: int
    last_confirmation_after_s: float
    peak_rss_mb: float

    @property
    def confirmed_per_s(self) -> float:
        return self.confirmed / max(self.seconds + self.last_confirmation_after_s, 1e-9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--buttons", type=float, default=0.1, help="share of button presses")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--servers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--slack-latency-ms", type=int, default=0)
    parser.add_argument("--database", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--apps", default=",".join(APPS), help="which apps, comma-separated")
    args = parser.parse_args()
    outcomes = [measure(app, args) for app in args.apps.split(",")]
    report(outcomes, args)
    return 0


def measure(app: str, args: argparse.Namespace) -> Outcome:
    with (
        tempfile.TemporaryDirectory() as workdir,
        throwaway_database(args.database, Path(workdir), f"perspective_ack_{app}") as url,
        FakeSlackProcess(args.slack_latency_ms / 1000) as slack,
    ):
        if app == "perspective":
            Database(url).upgrade()
        port = free_port()
        servers = start(app, args.servers, url, port, slack, Path(workdir))
        try:
            requests = signed_requests(args.requests, args.buttons, slack.response_url_base)
            started = time.time()
            results = send(port, requests, args.concurrency)
            stopped = time.time()
            in_acks = sum(1 for status, body, _ in results if status == 200 and _says(body))
            expected = 0 if app == "bare" else len(results)
            by_url = wait_for_confirmations(slack, expected - in_acks)
            last = slack.last_call_at("response_url")
            rss = max(peak_rss_mb(server.pid) for server in servers)
            _show_failures(results, Path(workdir))
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)
    latencies = sorted(took * 1000 for _, _, took in results)
    return Outcome(
        app=app,
        requests=len(results),
        seconds=stopped - started,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        failed=sum(1 for status, _, _ in results if status != 200),
        confirmed=in_acks + by_url,
        last_confirmation_after_s=max(0.0, (last or stopped) - stopped),
        peak_rss_mb=rss,
    )


def start(
    app: str, count: int, url: str, port: int, slack: FakeSlackProcess, workdir: Path
) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "PORT": str(port),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),  # bench.ack_apps
    }
    env.pop("SLACK_APP_TOKEN", None)
    logs = [workdir / f"{app}-{i}.log" for i in range(count)]
    servers = [
        subprocess.Popen(
            APPS[app], env=env, cwd=workdir, stderr=log.open("w"), start_new_session=True
        )
        for log in logs
    ]
    for log in logs:
        wait_until_serving(log)
    return servers


def signed_requests(total: int, button_share: float, response_base: str) -> list[bytes]:
    """`/fieldnote` commands with a button press every 1/`button_share` requests."""
    every = round(1 / button_share) if button_share > 0 else total + 1
    return [
        _signed(_button(i, response_base) if i % every == every - 1 else _command(i, response_base))
        for i in range(total)
    ]


def _command(i: int, response_base: str) -> bytes:
    return urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C0SALES01",
            "user_id": f"U0REP{i % 40:04d}",
            "command": "/fieldnote",
            "text": f"[Account {i % 300}] asked about SSO and the price, note {i} #security",
            "response_url": f"{response_base}c{i}",
            "trigger_id": f"{i}.1.abc",
        }
    ).encode()


def _button(i: int, response_base: str) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": f"U0REP{i % 40:04d}"},
        "channel": {"id": "C0SALES01"},
        "container": {"type": "message", "is_ephemeral": True},
        "response_url": f"{response_base}b{i}",
        "trigger_id": f"{i}.2.abc",
        "actions": [{"action_id": "fieldnote_delete", "value": "999999999", "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _signed(body: bytes) -> bytes:
    stamp = str(int(time.time()) + 60)  # still fresh when the last request goes
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
        f"X-Slack-Signature: {sign(SECRET, stamp, body)}\r\n\r\n"
    )
    return head.encode() + body


def send(port: int, requests: list[bytes], concurrency: int) -> list[tuple[int, bytes, float]]:
    """Each request's status, body and seconds, with the sender's collector off (its pauses
    would count as server latency)."""
    gc.disable()
    try:
        return asyncio.run(_send_all(port, requests, concurrency))
    finally:
        gc.enable()


async def _send_all(
    port: int, requests: list[bytes], concurrency: int
) -> list[tuple[int, bytes, float]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    answers: list[tuple[int, bytes, float]] = []
    await asyncio.gather(*(client(port, queue, answers) for _ in range(concurrency)))
    return answers


def _says(body: bytes) -> bool:
    """An ack whose body Slack shows the user as the reply."""
    try:
        return bool(json.loads(body).get("text"))
    except ValueError:
        return False


def wait_for_confirmations(slack: FakeSlackProcess, expected: int, quiet_for: float = 10) -> int:
    """Replies go out after the acks; wait for all, or until none came for `quiet_for` s."""
    seen, changed = slack.calls("response_url"), time.monotonic()
    while seen < expected and time.monotonic() - changed < quiet_for:
        time.sleep(0.1)
        now_seen = slack.calls("response_url")
        if now_seen != seen:
            seen, changed = now_seen, time.monotonic()
    return seen


def _show_failures(results: list[tuple[int, bytes, float]], workdir: Path) -> None:
    """A benchmark whose requests fail measures nothing: say why at once."""
    failed = [(status, body) for status, body, _ in results if status != 200]
    if failed:
        logs = "".join(log.read_text()[-1500:] for log in workdir.glob("*.log"))
        print(f"{len(failed)} requests failed, e.g. {failed[0]}; server logs:\n{logs}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    backend = "postgresql" if args.database else "sqlite"
    print(
        f"{args.requests} requests ({args.buttons:.0%} button presses) at {args.concurrency} "
        f"concurrent, {args.servers} server processes, {backend}, Slack latency "
        f"{args.slack_latency_ms} ms, {os.cpu_count()} cores"
    )
    print(
        f"{'app':<12}{'req/s':>8}{'ack p50':>10}{'ack p99':>10}{'non-200':>9}"
        f"{'confirmed':>11}{'/s':>7}{'last after':>12}{'peak RSS':>10}"
    )
    for o in outcomes:
        print(
            f"{o.app:<12}{o.requests / o.seconds:>8.0f}{o.p50_ms:>8.1f}ms{o.p99_ms:>8.1f}ms"
            f"{o.failed:>9}{o.confirmed:>11}{o.confirmed_per_s:>7.0f}"
            f"{o.last_confirmation_after_s:>11.1f}s{o.peak_rss_mb:>8.0f}MB"
        )
    found = {o.app: o for o in outcomes}
    if {"perspective", "bare", "naive"} <= found.keys():
        ours, bare, naive = found["perspective"], found["bare"], found["naive"]
        print(
            f"perspective ack p99 = {ours.p99_ms / bare.p99_ms:.1f}x bare (target <= 1.5); "
            f"confirmed/s = {ours.confirmed_per_s / naive.confirmed_per_s:.1f}x naive "
            f"(target >= 2); last confirmation {ours.last_confirmation_after_s:.1f} s after the "
            f"load (target <= 2)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
