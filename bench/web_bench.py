"""Web chat benchmark: concurrent people walking the triage over HTTP against `python -m bot web`.

Run: .venv/bin/python bench/web_bench.py                       # the four phases below
     .venv/bin/python bench/web_bench.py --sessions 100 --pauses --duration 30
     .venv/bin/python bench/web_bench.py --soak 600             # memory over ten minutes

The server is the real command (`python -m bot web`, bundled catalogue, a fresh SQLite file
in a temporary folder) on 127.0.0.1; this process plays the people over plain keep-alive
HTTP/1.1 connections (one per person at a time, written by hand: a light client).
Each person has a fresh session id and walks one journey, as the page does it: start ->
language -> who -> age -> status -> need -> (place when asked: a region) -> results ->
'Something else?' -> another need -> (place) -> results; then a new person takes their
place. With --pauses every person reads before each tap (1 to 3 s, uniform). Each person
sends a distinct X-Forwarded-For address (the server trusts it from 127.0.0.1), so the
per-address rate limit sees many people as it would behind a proxy.

Figures per phase (after a 2 s warm-up): requests/s; p50 and p99 latency of a request (sent
to answer read); CPU seconds of the server's process per request (/proc/<pid>/stat, all
threads); the server's highest RSS sampled during the phase and its peak (VmHWM); refused
requests (429 and others). The client shares the machine's cores with the server: on a
2-core machine its own CPU limits the requests/s without pauses.

With --soak SECONDS: people without pauses for that long, RSS sampled every second and
printed every tenth of the soak; memory is "flat" when the mean of the last tenth is less
than 10 % above the mean of the first tenth (after the first 10 s).

Targets (issue 17): p99 < 50 ms at 100 sessions with pauses; >= 500 requests/s without
pauses; flat memory in the soak. Exit status 0 when every target measured passes, 1 if not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web_server import WebServer  # noqa: E402

NEEDS = ("mental_health", "children_family", "work", "housing", "legal_admin", "language_school")
AGES = ("0-2", "3-8", "13-15", "19-21", "22-27", "28-64")
STATUSES = ("asylum_applicant", "international_protection", "temporary_protection", "no_papers")
REGIONS = ("Luxembourg", "Esch-sur-Alzette", "Ettelbruck", "Wiltz")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    journeys: int = 0
    since: float = 0.0  # time.monotonic() from which requests are counted (after warm-up)

    @property
    def measuring(self) -> bool:
        return time.monotonic() >= self.since


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def button(reply: dict, value: str, action: str = "c") -> str | None:
    for row in reply.get("buttons", ()):
        for b in row:
            if b["data"].split("|")[3:] == [action, value]:
                return b["data"]
    return None


class Connection:
    """One keep-alive HTTP/1.1 connection, written by hand: the client must cost far less
    CPU than the server it measures (aiohttp's client cost about as much as the server)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
        )
        self.writer.write(head.encode() + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Person:
    """One journey with a fresh session id; every request measured."""

    def __init__(self, connection: Connection, number: int, pauses: bool) -> None:
        self.connection = connection
        self.session = os.urandom(16).hex()
        address = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        self.headers = f"X-Forwarded-For: {address}\r\n"
        self.pauses = pauses
        self.rng = random.Random(number)

    async def send(self, figures: Figures, **body: object) -> dict:
        if self.pauses:
            await asyncio.sleep(self.rng.uniform(1.0, 3.0))
        payload = json.dumps({"session": self.session, **body}).encode()
        started = time.perf_counter()
        status, answer = await self.connection.post("/api/message", payload, self.headers)
        data = json.loads(answer)
        if figures.measuring:
            if status == 200:
                figures.latencies.append(time.perf_counter() - started)
            else:
                figures.refused[status] = figures.refused.get(status, 0) + 1
        return data

    async def tap(self, figures: Figures, reply: dict, value: str, action: str = "c") -> dict:
        data = button(reply, value, action)
        if data is None:
            raise RuntimeError(f"no button {action}|{value} at step {reply.get('step')}")
        return await self.send(figures, kind="tap", data=data)

    async def journey(self, measure: Figures) -> None:
        rng = self.rng
        reply = await self.send(measure, kind="start", payload="")
        reply = await self.tap(measure, reply, "en")
        for value in ("me", rng.choice(AGES), rng.choice(STATUSES)):
            reply = await self.tap(measure, reply, value)
        first, second = rng.sample(NEEDS, 2)
        for need in (first, second):
            reply = await self.tap(measure, reply, need)
            if reply.get("step") == "place":
                reply = await self.tap(measure, reply, rng.choice(REGIONS))
            if need == first:
                reply = await self.tap(measure, reply, "", "a")
        if reply.get("step") != "results":
            raise RuntimeError(f"the journey ended at {reply.get('step')}")


async def people(url: str, sessions: int, pauses: bool, seconds: float, figures: Figures) -> None:
    """`sessions` people at once for `seconds`; each finished journey starts a new person
    (a fresh session id) on the same connection."""
    host, port = url.removeprefix("http://").split(":")
    numbers = iter(range(1, 10**9))
    deadline = time.monotonic() + seconds

    async def seat() -> None:
        connection = Connection(host, int(port))
        try:
            while time.monotonic() < deadline:
                await Person(connection, next(numbers), pauses).journey(figures)
                if figures.measuring:
                    figures.journeys += 1
        finally:
            connection.close()

    await asyncio.gather(*(seat() for _ in range(sessions)))


async def phase(server: WebServer, sessions: int, pauses: bool, seconds: float) -> dict:
    pid = server.process.pid  # type: ignore[union-attr]
    figures = Figures(since=time.monotonic() + 2.0)
    rss_max = 0

    async def sample() -> None:
        nonlocal rss_max
        while True:
            rss_max = max(rss_max, memory_kb(pid, "VmRSS"))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    load = asyncio.create_task(people(server.url, sessions, pauses, seconds + 60, figures))
    await asyncio.sleep(2.0)  # warm-up: not measured
    cpu_before, wall_before, count_before = (
        cpu_seconds(pid),
        time.monotonic(),
        len(figures.latencies),
    )
    await asyncio.sleep(seconds)
    cpu_after, wall_after, count_after = cpu_seconds(pid), time.monotonic(), len(figures.latencies)
    load.cancel()  # the requests in flight are dropped
    sampler.cancel()
    await asyncio.gather(load, sampler, return_exceptions=True)
    requests = count_after - count_before
    latencies = sorted(figures.latencies)
    return {
        "sessions": sessions,
        "pauses": pauses,
        "requests_per_s": requests / (wall_after - wall_before),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "cpu_ms_per_request": 1000 * (cpu_after - cpu_before) / max(1, requests),
        "rss_max_mb": rss_max / 1024,
        "peak_rss_mb": memory_kb(pid, "VmHWM") / 1024,
        "refused": figures.refused,
        "journeys": figures.journeys,
    }


def show(result: dict) -> None:
    pauses = "with pauses   " if result["pauses"] else "without pauses"
    print(
        f"{result['sessions']:>5} sessions {pauses}: {result['requests_per_s']:7.0f} req/s  "
        f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
        f"CPU {result['cpu_ms_per_request']:.2f} ms/req  RSS max {result['rss_max_mb']:.0f} MB "
        f"(peak {result['peak_rss_mb']:.0f} MB)  journeys {result['journeys']}  "
        f"refused {result['refused'] or 0}",
        flush=True,
    )


async def soak(server: WebServer, sessions: int, seconds: float) -> bool:
    pid = server.process.pid  # type: ignore[union-attr]
    figures = Figures()
    samples: list[tuple[float, int]] = []
    load = asyncio.create_task(people(server.url, sessions, False, seconds, figures))
    started = time.monotonic()
    step = max(1.0, seconds / 10)
    next_print = started
    while not load.done():
        now = time.monotonic() - started
        samples.append((now, memory_kb(pid, "VmRSS")))
        if time.monotonic() >= next_print:
            print(
                f"  soak {now:6.0f} s: RSS {samples[-1][1] / 1024:6.1f} MB, "
                f"{len(figures.latencies)} requests so far",
                flush=True,
            )
            next_print += step
        await asyncio.sleep(1.0)
    await load
    settled = [rss for at, rss in samples if at >= min(10.0, seconds / 10)]
    tenth = max(1, len(settled) // 10)
    first = statistics.mean(settled[:tenth])
    last = statistics.mean(settled[-tenth:])
    growth = (last - first) / first
    flat = growth < 0.10
    print(
        f"soak {seconds:.0f} s, {sessions} sessions without pauses: {len(figures.latencies)} "
        f"requests, {figures.journeys} journeys, refused {figures.refused or 0}; RSS first "
        f"tenth {first / 1024:.1f} MB, last tenth {last / 1024:.1f} MB ({growth:+.1%}): "
        f"{'flat' if flat else 'GROWING'}",
        flush=True,
    )
    return flat


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, help="one phase with this many people")
    parser.add_argument("--pauses", action="store_true", help="people read before each tap")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per phase")
    parser.add_argument("--soak", type=float, default=0.0, help="then a soak of this many seconds")
    parser.add_argument("--soak-sessions", type=int, default=100)
    args = parser.parse_args()
    if args.sessions:
        plan = [(args.sessions, args.pauses)]
    elif args.soak:
        plan = []
    else:
        plan = [(100, True), (100, False), (1000, True), (1000, False)]
    ok = True
    with (
        tempfile.TemporaryDirectory() as folder,
        WebServer(Path(folder), BOT_LOG_LEVEL="WARNING") as server,
    ):
        print(f"python -m bot web, pid {server.process.pid}, on {server.url}", flush=True)  # type: ignore[union-attr]
        for sessions, pauses in plan:
            result = await phase(server, sessions, pauses, args.duration)
            show(result)
            if pauses and sessions == 100 and not result["p99_ms"] < 50:
                print("  target missed: p99 < 50 ms at 100 sessions with pauses")
                ok = False
            if not pauses and result["requests_per_s"] < 500:
                print("  target missed: >= 500 requests/s without pauses")
                ok = False
        if args.soak:
            ok = await soak(server, args.soak_sessions, args.soak) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
