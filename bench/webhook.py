"""Benchmark `POST /hooks/deals`: signed requests at 50 concurrent against the real server.

Starts a fake Slack (`bench/fake_slack_process.py`) and `perspective serve --http --no-scheduler` (waitress) as
separate processes, sends 10,000 signed deals of which 10 % are resends of
earlier ones, and reports throughput and latency percentiles. Then it checks
that nothing was lost or doubled: every unique deal stored once, one closure
each, and exactly one prompt DM per deal reached the fake Slack.

    .venv/bin/python -m bench.webhook                      # SQLite file in a temp dir
    .venv/bin/python -m bench.webhook --database postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, make_url, select

from bench.fake_slack_process import FakeSlackProcess
from bot.deals.webhook import signature_for
from storage.claims import Claim
from storage.db import Database
from storage.deals import Deal, DealClosure
from tests.support.throwaway_db import throwaway_database

SECRET = "bench-webhook-secret"
TOKEN = "xoxb-test-token"
REPS = [f"U0BENCH{i:03d}" for i in range(200)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=10_000, help="requests to send")
    parser.add_argument("--duplicates", type=float, default=0.10, help="share of resends")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--servers", type=int, default=1, help="`perspective serve` processes sharing the port"
    )
    parser.add_argument("--database", help="PostgreSQL base URL (default: a SQLite file)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as workdir,
        throwaway_database(args.database, Path(workdir), "perspective_bench") as url,
    ):
        return run(args, url, Path(workdir))


def run(args: argparse.Namespace, url: str, workdir: Path) -> int:
    Database(url).upgrade()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with FakeSlackProcess() as slack:
        return run_against(args, url, workdir, slack)


def run_against(args: argparse.Namespace, url: str, workdir: Path, slack: FakeSlackProcess) -> int:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "DEALS_WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
    }
    env.pop("SLACK_APP_TOKEN", None)
    logs = [workdir / f"serve-{i}.log" for i in range(args.servers)]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.cli", "serve", "--http", "--no-scheduler"],
            env=env,
            cwd=workdir,
            stderr=log.open("w"),
            start_new_session=True,
        )
        for log in logs
    ]
    try:
        for log in logs:
            wait_until_serving(log)
        bodies, unique = deal_bodies(args.deals, args.duplicates)
        cpu_before = cpu_seconds(servers)
        started = time.perf_counter()
        results = send_without_gc(port, bodies, args.concurrency)
        answered = time.perf_counter()
        during = slack.calls("chat.postMessage")
        report(results, answered - started, args, url)
        cpu = (cpu_seconds(servers) - cpu_before) / len(results)
        print(f"  server CPU: {cpu * 1000:.2f} ms a request")
        return verify(results, unique, url, slack, (answered, during))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


def send_without_gc(
    port: int, bodies: list[bytes], concurrency: int
) -> list[tuple[int, str, float]]:
    """Send with the sender's garbage collector off.

    The sender holds every request and answer: a full collection of that heap
    stopped it for 70-160 ms mid-burst, and each of the 50 requests in flight
    then counted the pause as server latency, enough to make the p99 by itself.
    """
    gc.disable()
    try:
        return asyncio.run(send_all(port, bodies, concurrency))
    finally:
        gc.enable()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(servers: list[subprocess.Popen]) -> float:
    """CPU time (user + system) the servers have used so far, from /proc (Linux)."""
    ticks = 0
    for server in servers:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_until_serving(log: Path) -> None:
    """Each server says when it listens; all must, or the kernel balances over fewer."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "serving HTTP" in log.read_text():
            return
        time.sleep(0.1)
    raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")


def deal_bodies(total: int, duplicate_share: float) -> tuple[list[bytes], int]:
    """Unique deals plus resends of random earlier ones, shuffled together."""
    rng = random.Random(4)
    unique = round(total * (1 - duplicate_share))
    bodies = [
        json.dumps(
            {
                "deal_id": f"bench-{i}",
                "name": f"Deal {i}",
                "account": f"Account {i % 700}",
                "amount": rng.randrange(1_000, 250_000),
                "currency": "USD",
                "outcome": rng.choice(["won", "lost"]),
                "owner_slack_id": rng.choice(REPS),
            }
        ).encode()
        for i in range(unique)
    ]
    bodies += [rng.choice(bodies) for _ in range(total - unique)]
    rng.shuffle(bodies)
    return bodies, unique


async def send_all(
    port: int, bodies: list[bytes], concurrency: int
) -> list[tuple[int, str, float]]:
    """Signed requests built before the clock starts, so the sender spends its (shared)
    CPU on sending and the latencies measure the server, not the signing."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(signed_request(body))
    answers: list[tuple[int, bytes, float]] = []
    await asyncio.gather(*(client(port, queue, answers) for _ in range(concurrency)))
    return [
        (status, json.loads(answer).get("status", ""), took) for status, answer, took in answers
    ]


def signed_request(body: bytes) -> bytes:
    head = (
        f"POST /hooks/deals HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Perspective-Signature: {signature_for(SECRET, body)}\r\n\r\n"
    )
    return head.encode() + body


async def client(port: int, queue: asyncio.Queue[bytes], answers: list) -> None:
    """One keep-alive connection sending signed deals until the queue is empty."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while not queue.empty():
        request = queue.get_nowait()
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        status, answer = await read_response(reader)
        answers.append((status, answer, time.perf_counter() - started))
    writer.close()
    await writer.wait_closed()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return int(status_line.split()[1]), await reader.readexactly(length)


def report(
    results: list[tuple[int, str, float]], wall: float, args: argparse.Namespace, url: str
) -> None:
    latencies = sorted(r[2] * 1000 for r in results)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    backend = make_url(url).get_backend_name()
    print(
        f"{backend}: {len(results)} requests at {args.concurrency} concurrent in {wall:.1f} s = "
        f"{len(results) / wall:.0f} req/s; latency p50 {pct(0.50):.1f} ms, "
        f"p99 {pct(0.99):.1f} ms, max {latencies[-1]:.1f} ms"
    )


def verify(
    results: list[tuple[int, str, float]],
    unique: int,
    url: str,
    slack: FakeSlackProcess,
    burst_end: tuple[float, int],
) -> int:
    statuses = [status for status, _, _ in results]
    recorded = sum(1 for _, outcome, _ in results if outcome == "recorded")
    db = Database(url)
    wait_for_prompts(db, unique)
    answered, during = burst_end
    print(
        f"  prompt DMs: {during} sent during the burst; the last went out "
        f"{time.perf_counter() - answered:.1f} s after the last request was answered"
    )
    with db.session() as session:
        deals = session.scalar(select(func.count(Deal.id)))
        closures = session.scalar(select(func.count(DealClosure.id)))
        prompted = session.scalar(
            select(func.count(DealClosure.id)).where(DealClosure.prompted_at.is_not(None))
        )
        claimed = session.scalar(
            select(func.count(Claim.key)).where(
                Claim.key.like("deal-prompt:%"), Claim.done_at.is_not(None)
            )
        )
    db.dispose()
    prompts, distinct = slack.calls("chat.postMessage"), slack.distinct_posts()
    checks = {
        "every request answered 200": statuses.count(200) == len(results),
        f"{unique} answered 'recorded'": recorded == unique,
        f"{unique} deals stored": deals == unique,
        f"{unique} closures stored": closures == unique,
        f"{unique} prompts recorded": prompted == unique and claimed == unique,
        f"{unique} prompt DMs at the fake Slack": prompts == distinct == unique,
    }
    for check, passed in checks.items():
        print(f"  {'ok  ' if passed else 'FAIL'} {check}")
    return 0 if all(checks.values()) else 1


def wait_for_prompts(db: Database, expected: int, timeout: float = 300) -> None:
    """Prompts go out in the background after each 200; wait for the last of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as session:
            done = session.scalar(
                select(func.count(DealClosure.id)).where(DealClosure.prompted_at.is_not(None))
            )
        if done >= expected:
            return
        time.sleep(0.1)


if __name__ == "__main__":
    raise SystemExit(main())
