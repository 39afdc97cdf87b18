"""End-to-end benchmark: the real bot process against the fake Bot API, beside a bare echo bot.

Run: .venv/bin/python bench/e2e_bench.py [--users N] [--journeys K] [--concurrency C]
                                          [--soak SECONDS] [--json]      (see --help, README)

Three processes, so that every figure of a bot is its own:

* this process: the fake Telegram Bot API (`tests/fake_bot_api.py`, aiohttp on 127.0.0.1,
  no delay unless --api-delay) and the simulated people;
* `python -m bot`, the triage bot exactly as deployed (long polling through its own loop),
  with TELEGRAM_BASE_URL pointing at the fake and a fresh BOT_DATA_DIR;
* `bench/echo_bot.py`, a bare python-telegram-bot Application (one MessageHandler, one
  CallbackQueryHandler), polled by default with the same loop (`bot.channels.polling.poll`).

Each simulated person walks a full journey: /start -> language -> who -> age -> status ->
need -> (place when asked: 'skip' or a region) -> results -> 'Something else?' -> another
need -> (place) -> results, waiting for the bot's reply before the next tap. The echo bot gets
the same people sending the same number of messages and taps (each person's journey lengths
are copied from the triage run).

Figures, per bot, over the measured phase (after a short warm-up, start-up calls excluded):

* updates/s: user updates / wall time from the first update to the last reply;
* Bot API calls per update: every call the bot made except getUpdates / number of updates;
* tap-to-reply latency: from enqueueing the update in the fake to the arrival of the first
  message-producing call (sendMessage, editMessageText, ...) for that chat after it;
* CPU seconds per update of the bot's process (/proc/<pid>/stat, all threads);
* peak RSS of the bot's process (VmHWM in /proc/<pid>/status, start-up included).

With --soak SECONDS the triage bot then serves fresh people without pause for that long while
its RSS is sampled every second; memory is "flat" when the mean RSS of the last tenth of the
soak is less than 10 % above the mean of the first tenth.

Everything listens on and connects to 127.0.0.1 only; child processes are stopped (SIGTERM,
then SIGKILL) on the way out and are killed if this process dies. The run is bounded by
--timeout per phase and --reply-timeout per reply. Exit status: 0 when every target passes,
1 when one fails, 2 when a bot could not be started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import platform
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_bot_api import FakeBotAPI, Faults  # noqa: E402

TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_STEPS = 30  # a journey longer than this is a bug in the bot or here
WARMUP_UID = 9_000_000
SOAK_UID = 10_000_000

# Targets of the issue.
MIN_RATIO = 0.7
MIN_UPDATES_PER_S = 200.0
MAX_CALLS_PER_UPDATE = 2.0
MAX_RSS_MB = 150.0
MAX_SOAK_GROWTH = 0.10


# --------------------------------------------------------------------------------------
# The bot's process, seen through /proc
# --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), in seconds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB (empty once it is gone)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def load_average() -> float:
    """The machine's 1-minute load average: how much else wanted the CPUs."""
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _die_with_parent() -> None:
    """In the child before exec: be killed if the benchmark dies (Linux prctl). SIGKILL, not
    SIGTERM: with the fake gone, a graceful stop would only retry calls for many seconds."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def child_environment(fake: FakeBotAPI, data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without bot settings or proxies, plus the fake's address."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "BOT_")) and key.lower() not in proxies
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=fake.base_url,
        BOT_DATA_DIR=str(data_dir),
        BOT_LOG_LEVEL="WARNING",
        PTB_TIMEDELTA="1",
        NO_PROXY="127.0.0.1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class BotProcess:
    """One bot in its own process, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, fake: BenchFake, timeout: float = 60.0) -> None:
        """Start, and wait for the first getUpdates (start-up done)."""
        with open(self.log, "wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while fake.counts["getUpdates"] == 0:
            if self.process.returncode is not None:
                status = self.process.returncode
                raise StartError(f"{self.name} exited with {status}: {self.tail()}")
            if time.monotonic() > deadline:
                raise StartError(f"{self.name} did not poll within {timeout:.0f}s: {self.tail()}")
            await asyncio.sleep(0.02)

    async def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status."""
        process = self.process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return await process.wait()

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def error_lines(self) -> int:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if " ERROR " in line or "Traceback" in line)


class StartError(RuntimeError):
    """A bot process could not be started."""


# --------------------------------------------------------------------------------------
# The fake, instrumented
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Waiter:
    """A person waiting for the bot's answer in their chat."""

    t0: float
    future: asyncio.Future[tuple[int, dict[str, Any]]]
    first: float | None = None  # arrival of the first message-producing call


class BenchFake(FakeBotAPI):
    """The tests' fake with O(1) reply tracking per chat and bounded bookkeeping.

    `FakeBotAPI.wait_for_reply` rescans every message sent so far on each change, which
    makes thousands of waiting people quadratic; here the fake resolves the waiting person's
    future itself when a message with a keyboard (a complete screen) reaches their chat.
    """

    def __init__(self) -> None:
        super().__init__(token=TOKEN, seed=0)
        self.waiters: dict[int, Waiter] = {}
        self.rejected: Counter[str] = Counter()
        self.delivered = 0  # updates handed out by getUpdates, re-deliveries included

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch = super()._take(limit)
        self.delivered += len(batch)
        return batch

    async def _handle(self, request):  # type: ignore[no-untyped-def]
        response = await super()._handle(request)
        if response.status >= 400:
            description = ""
            with contextlib.suppress(Exception):
                description = json.loads(response.text).get("description", "")
            self.rejected[f"{request.match_info['method']}: {description[:80]}"] += 1
        return response

    def _record_sent(self, method, chat, payload, params) -> None:  # type: ignore[no-untyped-def]
        super()._record_sent(method, chat, payload, params)
        waiter = self.waiters.get(chat.id)
        if waiter is None:
            return
        if waiter.first is None:
            waiter.first = self._arrival(self._current_seq)
        markup = payload.get("reply_markup")
        if markup:
            del self.waiters[chat.id]
            if not waiter.future.done():
                waiter.future.set_result((payload["message_id"], markup))

    def _arrival(self, seq: int) -> float:
        for call in reversed(self.calls):
            if call.seq == seq:
                return call.time
            if call.seq < seq:
                break
        return time.monotonic()

    def forget_chat(self, chat_id: int) -> None:
        """Drop a private chat whose person will not come back (soak)."""
        self._chats.pop(chat_id, None)
        self._users.pop(chat_id, None)

    def compact(self, keep_calls: int = 5000, keep_messages: int = 4) -> None:
        """Forget what the benchmark no longer needs, so long runs stay small and fast."""
        del self.calls[:-keep_calls]
        self._sent.clear()
        for update_id in [u for u, r in self._updates.items() if r.confirmed]:
            del self._updates[update_id]
        for query_id in self.callback_answers:
            self._callback_queries.pop(query_id, None)
        self.callback_answers.clear()
        for chat in self._chats.values():
            if len(chat.messages) > 2 * keep_messages:
                for message_id in sorted(chat.messages)[:-keep_messages]:
                    del chat.messages[message_id]


# --------------------------------------------------------------------------------------
# Simulated people
# --------------------------------------------------------------------------------------


class JourneyError(RuntimeError):
    """The bot answered something a person following the journey cannot act on."""


@dataclass
class Stats:
    """What the people saw during one phase."""

    latencies: list[float] = field(default_factory=list)  # to the first message
    complete: list[float] = field(default_factory=list)  # to the full screen (keyboard)
    updates: int = 0
    messages: int = 0
    taps: int = 0
    journeys: int = 0
    timeouts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lengths: dict[tuple[int, int], int] = field(default_factory=dict)
    started: float | None = None
    ended: float = 0.0


Buttons = list[tuple[str, str, str, str]]  # (callback data, step, action, value)


def buttons_of(markup: dict[str, Any]) -> Buttons:
    found: Buttons = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if isinstance(data, str):
                parts = data.split("|")
                if len(parts) == 5:
                    found.append((data, parts[1], parts[3], parts[4]))
    return found


class People:
    """Drives simulated people against one fake; every update and reply is recorded."""

    def __init__(
        self, fake: BenchFake, stats: Stats, *, reply_timeout: float, think: float
    ) -> None:
        self.fake = fake
        self.stats = stats
        self.reply_timeout = reply_timeout
        self.think = think
        self.rng = random.Random(0)

    async def act(self, chat_id: int, send: Callable[[], int]) -> tuple[int, dict[str, Any]]:
        """Enqueue one update and wait for the screen it produces."""
        if self.think:  # reading the screen: think time +-50 %, so people drift apart
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
        stats = self.stats
        loop = asyncio.get_running_loop()
        send()
        t0 = time.monotonic()
        if stats.started is None:
            stats.started = t0
        waiter = Waiter(t0, loop.create_future())
        self.fake.waiters[chat_id] = waiter
        stats.updates += 1
        try:
            message_id, markup = await asyncio.wait_for(waiter.future, self.reply_timeout)
        except TimeoutError:
            self.fake.waiters.pop(chat_id, None)
            stats.timeouts += 1
            raise
        done = time.monotonic()
        stats.ended = max(stats.ended, done)
        stats.latencies.append((waiter.first or done) - t0)
        stats.complete.append(done - t0)
        return message_id, markup

    async def start(self, uid: int) -> tuple[int, dict[str, Any]]:
        self.stats.messages += 1
        return await self.act(uid, lambda: self.fake.user_message(uid, "/start"))

    async def tap(self, uid: int, data: str, message_id: int) -> tuple[int, dict[str, Any]]:
        self.stats.taps += 1
        return await self.act(uid, lambda: self.fake.user_tap(uid, data, message_id))

    async def triage_journey(self, uid: int, rng: random.Random) -> int:
        """One full journey through the triage bot; returns the number of updates sent."""
        message_id, markup = await self.start(uid)
        sent, results, first_need = 1, 0, None
        while True:
            buttons = buttons_of(markup)
            steps = {step for _, step, _, _ in buttons}
            if len(steps) != 1:
                raise JourneyError(f"a screen with buttons of steps {sorted(steps)}")
            step = steps.pop()
            choices = [(data, value) for data, _, action, value in buttons if action == "c"]
            if step == "results":
                results += 1
                if results == 2:
                    return sent
                data = next((d for d, _, action, _ in buttons if action == "a"), None)
                if data is None:
                    raise JourneyError("no 'Something else?' button on the results")
            elif step == "need":
                options = [c for c in choices if c[1] != first_need]
                data, first_need = rng.choice(options)
            elif step == "place":
                skip = [data for data, value in choices if value == "skip"]
                regions = [data for data, value in choices if value != "skip"]
                if skip and (not regions or rng.random() < 0.5):
                    data = skip[0]
                elif regions:
                    data = rng.choice(regions)
                else:
                    raise JourneyError("a place screen without choices")
            elif step in ("language", "who", "age", "status") and choices:
                data = rng.choice(choices)[0]
            else:
                raise JourneyError(f"unexpected screen {step!r}")
            message_id, markup = await self.tap(uid, data, message_id)
            sent += 1
            if sent > MAX_STEPS:
                raise JourneyError(f"journey longer than {MAX_STEPS} updates")

    async def echo_journey(self, uid: int, length: int) -> int:
        """The same number of updates against the echo bot: /start, then taps."""
        message_id, markup = await self.start(uid)
        for _ in range(length - 1):
            data = buttons_of(markup)[0][0]
            message_id, markup = await self.tap(uid, data, message_id)
        return length


async def run_people(
    people: People,
    uids: list[int],
    journeys: int,
    concurrency: int,
    *,
    kind: str,
    seed: int,
    lengths: dict[tuple[int, int], int] | None,
    deadline: float,
) -> None:
    """Every person does `journeys` journeys; at most `concurrency` people at once."""
    gate = asyncio.Semaphore(concurrency)
    stats = people.stats

    async def person(index: int, uid: int) -> None:
        async with gate:
            rng = random.Random(seed * 1_000_003 + uid)
            for j in range(journeys):
                try:
                    if kind == "triage":
                        n = await people.triage_journey(uid, rng)
                    else:
                        n = await people.echo_journey(uid, (lengths or {}).get((index, j), 10))
                except TimeoutError:
                    stats.errors["no reply within --reply-timeout"] += 1
                    return
                except JourneyError as error:
                    stats.errors[str(error)] += 1
                    return
                stats.lengths[index, j] = n
                stats.journeys += 1

    tasks = [asyncio.create_task(person(i, uid)) for i, uid in enumerate(uids)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), max(1.0, deadline - time.monotonic()))
    except TimeoutError:
        stats.errors["phase stopped by --timeout"] += 1
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def compact_forever(fake: BenchFake, every: float = 2.0) -> None:
    while True:
        await asyncio.sleep(every)
        fake.compact()


# --------------------------------------------------------------------------------------
# One bot, measured
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    updates: int = 0
    messages: int = 0
    taps: int = 0
    journeys: int = 0
    wall_s: float = 0.0
    updates_per_s: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    calls_per_update: float = 0.0
    get_updates: int = 0
    deliveries_per_update: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    complete_p99_ms: float = 0.0
    cpu_s: float = 0.0
    cpu_ms_per_update: float = 0.0
    cpu_share: float = 0.0
    peak_rss_mb: float = 0.0
    rss_end_mb: float = 0.0
    generator_cpu_share: float = 0.0
    load_average: float = 0.0  # of the machine, at the end of the phase
    errors: dict[str, int] = field(default_factory=dict)
    rejected_calls: dict[str, int] = field(default_factory=dict)
    error_log_lines: int = 0
    exit_status: int | None = None
    soak: dict[str, Any] | None = None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def bot_command(kind: str, profile_dir: Path | None) -> list[str]:
    """`python -m bot` or the echo bot; under cProfile (to DIR/<kind>.prof) with --profile."""
    target = [str(ROOT / "bench" / "echo_bot.py")] if kind == "echo" else ["-m", "bot"]
    if profile_dir is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile_dir / f"{kind}.prof"), *target]
    return [sys.executable, *target]


def progress(message: str) -> None:
    print(f"[e2e_bench] {message}", file=sys.stderr, flush=True)


async def measure(
    kind: str,
    args: argparse.Namespace,
    workdir: Path,
    lengths: dict[tuple[int, int], int] | None = None,
    soak_after: bool = False,
) -> tuple[Result, Stats]:
    """Start one bot against a fresh fake, warm it up, measure, optionally soak, stop it."""
    name = "triage bot" if kind == "triage" else "echo bot"
    result = Result(name)
    data_dir = workdir / f"{kind}-data"
    data_dir.mkdir()
    async with BenchFake() as fake:
        if args.api_delay:  # every answer but getUpdates's is late by this much
            fake.faults = Faults(delay=args.api_delay)
        env = child_environment(fake, data_dir, ECHO_POLL=args.echo_poll)
        bot = BotProcess(name, bot_command(kind, args.profile), env, workdir / f"{kind}.log")
        compactor = asyncio.create_task(compact_forever(fake))
        try:
            await bot.start(fake)
            progress(f"{name} ready (pid {bot.pid}), fake Bot API at {fake.url}")
            journey_lengths = lengths or {}

            # Warm-up: a few people, not counted (first-call costs, lazy imports).
            if args.warmup:
                warm = People(fake, Stats(), reply_timeout=args.reply_timeout, think=0.0)
                uids = [WARMUP_UID + i for i in range(args.warmup)]
                await run_people(
                    warm,
                    uids,
                    1,
                    args.warmup,
                    kind=kind,
                    seed=args.seed + 1,
                    lengths=None,
                    deadline=time.monotonic() + args.timeout,
                )
                await asyncio.sleep(0.2)

            progress(f"{name}: {args.users} people x {args.journeys} journey(s)")
            stats = Stats()
            people = People(fake, stats, reply_timeout=args.reply_timeout, think=args.think)
            counts_before = Counter(fake.counts)
            delivered_before = fake.delivered
            cpu_before = cpu_seconds(bot.pid)
            own_before = own_cpu_seconds()
            await run_people(
                people,
                [1000 + i for i in range(args.users)],
                args.journeys,
                args.concurrency,
                kind=kind,
                seed=args.seed,
                lengths=journey_lengths,
                deadline=time.monotonic() + args.timeout,
            )
            cpu_after = cpu_seconds(bot.pid)
            own_after = own_cpu_seconds()
            counts = Counter(fake.counts)
            counts.subtract(counts_before)
            memory = memory_kb(bot.pid)

            wall = max(1e-9, stats.ended - (stats.started or stats.ended))
            calls = {m: n for m, n in sorted(counts.items()) if n and m != "getUpdates"}
            result.updates, result.messages, result.taps = stats.updates, stats.messages, stats.taps
            result.journeys = stats.journeys
            result.wall_s = wall
            result.updates_per_s = stats.updates / wall
            result.calls = calls
            result.calls_per_update = sum(calls.values()) / max(1, stats.updates)
            result.get_updates = counts["getUpdates"]
            result.deliveries_per_update = (fake.delivered - delivered_before) / max(
                1, stats.updates
            )
            if stats.latencies:
                result.p50_ms = percentile(stats.latencies, 50) * 1000
                result.p90_ms = percentile(stats.latencies, 90) * 1000
                result.p99_ms = percentile(stats.latencies, 99) * 1000
                result.max_ms = max(stats.latencies) * 1000
                result.complete_p99_ms = percentile(stats.complete, 99) * 1000
            result.cpu_s = cpu_after - cpu_before
            result.cpu_ms_per_update = 1000 * result.cpu_s / max(1, stats.updates)
            result.cpu_share = result.cpu_s / wall
            result.generator_cpu_share = (own_after - own_before) / wall
            result.load_average = load_average()
            result.rss_end_mb = memory.get("VmRSS", 0) / 1024
            result.errors = dict(stats.errors)

            if soak_after and args.soak:
                progress(f"soak: fresh people for {args.soak:.0f}s")
                result.soak = await soak(fake, bot, args)

            result.peak_rss_mb = memory_kb(bot.pid).get("VmHWM", 0) / 1024
            result.rejected_calls = dict(fake.rejected)
        finally:
            compactor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await compactor
            result.exit_status = await bot.stop()
            result.error_log_lines = bot.error_lines()
    return result, stats


async def soak(fake: BenchFake, bot: BotProcess, args: argparse.Namespace) -> dict[str, Any]:
    """Fresh people without pause for --soak seconds; the bot's RSS sampled every second."""
    stats = Stats()
    people = People(fake, stats, reply_timeout=args.reply_timeout, think=args.think)
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    end = start + args.soak
    next_uid = iter(range(SOAK_UID, SOAK_UID + 10**9))
    cpu_before = cpu_seconds(bot.pid)

    async def worker(index: int) -> None:
        rng = random.Random(args.seed * 7919 + index)
        while time.monotonic() < end:
            uid = next(next_uid)
            try:
                await people.triage_journey(uid, rng)
                stats.journeys += 1
            except TimeoutError:
                stats.errors["no reply within --reply-timeout"] += 1
            except JourneyError as error:
                stats.errors[str(error)] += 1
            fake.forget_chat(uid)

    async def sampler() -> None:
        while True:
            samples.append((time.monotonic() - start, memory_kb(bot.pid).get("VmRSS", 0) / 1024))
            await asyncio.sleep(1.0)

    sampling = asyncio.create_task(sampler())
    workers = [asyncio.create_task(worker(i)) for i in range(min(args.users, args.concurrency))]
    try:
        await asyncio.wait_for(asyncio.gather(*workers), args.soak + args.reply_timeout + 30)
    except TimeoutError:
        stats.errors["soak overran"] += 1
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    finally:
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
    elapsed = time.monotonic() - start
    tenth = max(1, len(samples) // 10)
    first = statistics.fmean(rss for _, rss in samples[:tenth])
    last = statistics.fmean(rss for _, rss in samples[-tenth:])
    return {
        "seconds": round(elapsed, 1),
        "updates": stats.updates,
        "journeys": stats.journeys,
        "updates_per_s": stats.updates / elapsed,
        "p99_ms": percentile(stats.latencies, 99) * 1000 if stats.latencies else 0.0,
        "cpu_ms_per_update": 1000 * (cpu_seconds(bot.pid) - cpu_before) / max(1, stats.updates),
        "rss_first_tenth_mb": first,
        "rss_last_tenth_mb": last,
        "rss_min_mb": min(rss for _, rss in samples),
        "rss_max_mb": max(rss for _, rss in samples),
        "growth": last / first - 1 if first else 0.0,
        "rss_by_tenth_mb": [
            round(statistics.fmean(rss for _, rss in chunk), 1)
            for i in range(10)
            if (chunk := samples[i * len(samples) // 10 : (i + 1) * len(samples) // 10])
        ],
        "samples": len(samples),
        "errors": dict(stats.errors),
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: str
    passed: bool | None  # None: no target for this configuration


def p99_target(active: int) -> float | None:
    if active <= 100:
        return 0.050
    if active <= 1000:
        return 1.0
    return None


def targets(
    args: argparse.Namespace,
    triage: Result,
    ratio: float | None,
    stats_ok: bool,
) -> list[Target]:
    found: list[Target] = []
    # With think time people set the pace, not the bot: throughput is then the offered load.
    saturating = args.think == 0
    if ratio is not None:
        found.append(
            Target(
                f"throughput >= {MIN_RATIO} x echo bot's",
                f"{ratio:.2f} x",
                ratio >= MIN_RATIO if saturating else None,
            )
        )
    found.append(
        Target(
            f"throughput >= {MIN_UPDATES_PER_S:.0f} updates/s",
            f"{triage.updates_per_s:.0f}/s",
            triage.updates_per_s >= MIN_UPDATES_PER_S if saturating else None,
        )
    )
    found.append(
        Target(
            f"Bot API calls per update <= {MAX_CALLS_PER_UPDATE:g}",
            f"{triage.calls_per_update:.2f}",
            triage.calls_per_update <= MAX_CALLS_PER_UPDATE,
        )
    )
    active = min(args.users, args.concurrency)
    limit = p99_target(active)
    if limit is None:
        found.append(Target("p99 tap-to-reply (no target above 1,000 users)", "-", None))
    else:
        found.append(
            Target(
                f"p99 tap-to-reply < {limit * 1000:.0f} ms with {active} users at once",
                f"{triage.p99_ms:.1f} ms",
                triage.p99_ms < limit * 1000,
            )
        )
    found.append(
        Target(
            f"peak RSS < {MAX_RSS_MB:.0f} MB",
            f"{triage.peak_rss_mb:.1f} MB",
            triage.peak_rss_mb < MAX_RSS_MB,
        )
    )
    if triage.soak is not None:
        growth = triage.soak["growth"]
        found.append(
            Target(
                f"memory flat over a {args.soak:.0f}s soak (< {MAX_SOAK_GROWTH:.0%} growth)",
                f"{growth:+.1%}",
                growth < MAX_SOAK_GROWTH and not triage.soak["errors"],
            )
        )
    found.append(
        Target(
            "every journey completed, no rejected call, no error logged, clean exit",
            "yes" if stats_ok else "no",
            stats_ok,
        )
    )
    return found


def clean(result: Result) -> bool:
    stopped = result.exit_status == 0
    return stopped and not (result.errors or result.rejected_calls or result.error_log_lines)


def text_report(
    args: argparse.Namespace,
    triage: Result,
    echo: Result | None,
    rounds: list[tuple[Result, Result | None]],
    found: list[Target],
) -> str:
    columns = [triage] + ([echo] if echo else [])
    polling = {
        "same": "the bot's own loop (bot.channels.polling.poll)",
        "ptb": "the standard PTB way (Application.run_polling)",
    }[args.echo_poll]
    lines = [
        f"e2e benchmark: {args.users} users x {args.journeys} journey(s), "
        f"{min(args.users, args.concurrency)} at once, think time {args.think * 1000:.0f} ms, "
        f"Bot API delay {args.api_delay * 1000:.0f} ms, "
        f"warm-up {args.warmup} users, seed {args.seed}, {args.rounds} round(s)",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"echo bot polled with {polling}",
        "",
        f"{'':34}" + "".join(f"{r.name:>14}" for r in columns),
    ]

    def row(label: str, fmt: Callable[[Result], str]) -> None:
        lines.append(f"{label:34}" + "".join(f"{fmt(r):>14}" for r in columns))

    row("journeys completed", lambda r: f"{r.journeys}")
    row("user updates (messages + taps)", lambda r: f"{r.messages}+{r.taps}")
    row("wall time (s)", lambda r: f"{r.wall_s:.2f}")
    row("updates/s", lambda r: f"{r.updates_per_s:.0f}")
    row("Bot API calls per update", lambda r: f"{r.calls_per_update:.2f}")
    methods = sorted({m for r in columns for m in r.calls})
    for method in methods:
        row(f"  {method}", lambda r, m=method: f"{r.calls.get(m, 0) / max(1, r.updates):.2f}")
    row("getUpdates calls per update", lambda r: f"{r.get_updates / max(1, r.updates):.2f}")
    row("deliveries of each update", lambda r: f"{r.deliveries_per_update:.2f}")
    row("tap-to-reply p50 (ms)", lambda r: f"{r.p50_ms:.1f}")
    row("tap-to-reply p90 (ms)", lambda r: f"{r.p90_ms:.1f}")
    row("tap-to-reply p99 (ms)", lambda r: f"{r.p99_ms:.1f}")
    row("tap-to-reply max (ms)", lambda r: f"{r.max_ms:.1f}")
    row("full screen p99 (ms)", lambda r: f"{r.complete_p99_ms:.1f}")
    row("CPU per update (ms)", lambda r: f"{r.cpu_ms_per_update:.2f}")
    row("CPU busy (cores)", lambda r: f"{r.cpu_share:.2f}")
    row("peak RSS (MB)", lambda r: f"{r.peak_rss_mb:.1f}")
    row("RSS at end (MB)", lambda r: f"{r.rss_end_mb:.1f}")
    row("fake + people CPU busy (cores)", lambda r: f"{r.generator_cpu_share:.2f}")
    row("machine load average (1 min)", lambda r: f"{r.load_average:.2f}")
    if echo is not None and triage.cpu_ms_per_update and echo.cpu_ms_per_update:
        lines.append(
            f"CPU per update: triage bot {triage.cpu_ms_per_update:.2f} ms, echo bot "
            f"{echo.cpu_ms_per_update:.2f} ms "
            f"({triage.cpu_ms_per_update / echo.cpu_ms_per_update:.1f} x)"
        )
    if len(rounds) > 1:
        lines.append("rounds (the table shows the round with the median triage throughput):")
        for i, (t, e) in enumerate(rounds, 1):
            other = ""
            if e is not None and e.updates_per_s:
                other = (
                    f", echo {e.updates_per_s:.0f}/s {e.cpu_ms_per_update:.2f} ms CPU, "
                    f"ratio {t.updates_per_s / e.updates_per_s:.2f}"
                )
            lines.append(
                f"  {i}: triage {t.updates_per_s:.0f}/s p99 {t.p99_ms:.0f} ms "
                f"{t.cpu_ms_per_update:.2f} ms CPU{other}"
            )
    if triage.soak is not None:
        s = triage.soak
        lines += [
            "",
            f"soak {s['seconds']}s: {s['updates']} updates ({s['updates_per_s']:.0f}/s), "
            f"{s['journeys']} journeys by fresh people, p99 {s['p99_ms']:.1f} ms, "
            f"CPU {s['cpu_ms_per_update']:.2f} ms/update",
            f"  RSS first tenth {s['rss_first_tenth_mb']:.1f} MB, last tenth "
            f"{s['rss_last_tenth_mb']:.1f} MB ({s['growth']:+.1%}), min "
            f"{s['rss_min_mb']:.1f}, max {s['rss_max_mb']:.1f} MB, {s['samples']} samples",
            "  RSS by tenth of the soak (MB): " + " ".join(map(str, s["rss_by_tenth_mb"])),
        ]
    for r in columns:
        busy = r.generator_cpu_share
        if busy > 0.85:
            lines.append(
                f"note: the fake + people used {busy:.2f} cores during the {r.name} run: "
                "the load generator may be the limit, read its throughput as a lower bound"
            )
        problems = [*(f"{k} x{n}" for k, n in r.errors.items())]
        problems += [f"rejected {k} x{n}" for k, n in r.rejected_calls.items()]
        if r.error_log_lines:
            problems.append(f"{r.error_log_lines} error lines in its log")
        if r.exit_status != 0:
            problems.append(f"exit status {r.exit_status} after SIGTERM")
        if r.soak and r.soak["errors"]:
            problems += [f"soak: {k} x{n}" for k, n in r.soak["errors"].items()]
        if problems:
            lines.append(f"problems ({r.name}): " + "; ".join(problems[:10]))
    if args.think:
        lines.append(
            "note: with --think the people set the pace; throughput targets are judged only "
            "without think time"
        )
    lines += ["", "targets:"]
    for t in found:
        verdict = "n/a " if t.passed is None else ("PASS" if t.passed else "FAIL")
        lines.append(f"  {verdict}  {t.name}: {t.value}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/e2e_bench.py",
        description="The real bot process vs a bare PTB echo bot, against the fake Bot API.",
    )
    parser.add_argument("--users", type=int, default=100, help="simulated people (100)")
    parser.add_argument("--journeys", type=int, default=1, help="journeys per person (1)")
    parser.add_argument("--concurrency", type=int, default=None, help="people acting at once (all)")
    parser.add_argument(
        "--soak", type=float, default=0.0, help="then soak the triage bot this many seconds"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--echo-poll",
        choices=("same", "ptb"),
        default="same",
        help="echo bot polled with the bot's own loop (same) or Application.run_polling (ptb)",
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bot")
    parser.add_argument(
        "--api-delay",
        type=float,
        default=0.0,
        help="seconds the fake waits before answering each call but getUpdates, to mimic "
        "the round trip to Telegram (0)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a person reads before each action, +-50%% (0: act at once)",
    )
    parser.add_argument("--warmup", type=int, default=5, help="uncounted warm-up people (5)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat triage + echo this many times; median round reported (1)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per phase (600)")
    parser.add_argument(
        "--reply-timeout", type=float, default=60.0, help="seconds to wait for a reply (60)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="run both bots under cProfile: DIR/triage.prof, DIR/echo.prof",
    )
    args = parser.parse_args(argv)
    if args.concurrency is None:
        args.concurrency = args.users
    if min(args.users, args.journeys, args.concurrency, args.rounds) < 1 or args.warmup < 0:
        parser.error("--users, --journeys, --concurrency, --rounds must be >= 1, --warmup >= 0")
    if args.profile is not None:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    return args


def combine(
    rounds: list[tuple[Result, Result | None]],
) -> tuple[Result, Result | None, float | None]:
    """The round with the median triage throughput (its echo beside it), the worst peak RSS
    and every problem of all rounds, and the median of the per-round throughput ratios."""
    order = sorted(range(len(rounds)), key=lambda i: rounds[i][0].updates_per_s)
    middle = order[(len(order) - 1) // 2]
    triage, echo = rounds[middle]
    triage, echo = replace(triage), (replace(echo) if echo else None)  # rounds stay as measured
    ratios = [t.updates_per_s / e.updates_per_s for t, e in rounds if e and e.updates_per_s]
    for column, result in ((0, triage), (1, echo)):
        if result is None:
            continue
        others = [pair[column] for i, pair in enumerate(rounds) if i != middle]
        for r in others:
            if r is None:
                continue
            result.peak_rss_mb = max(result.peak_rss_mb, r.peak_rss_mb)
            result.errors = dict(Counter(result.errors) + Counter(r.errors))
            result.rejected_calls = dict(Counter(result.rejected_calls) + Counter(r.rejected_calls))
            result.error_log_lines += r.error_log_lines
            if r.exit_status != 0:
                result.exit_status = r.exit_status
            result.soak = result.soak or r.soak
    return triage, echo, statistics.median(ratios) if ratios else None


async def main_async(args: argparse.Namespace) -> int:
    rounds: list[tuple[Result, Result | None]] = []
    with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
        try:
            for number in range(args.rounds):
                workdir = Path(tmp) / f"round{number + 1}"
                workdir.mkdir()
                last = number == args.rounds - 1
                triage, stats = await measure("triage", args, workdir, soak_after=last)
                echo = None
                if not args.no_echo:
                    echo, _ = await measure("echo", args, workdir, lengths=stats.lengths)
                rounds.append((triage, echo))
        except StartError as error:
            print(f"could not start a bot: {error}", file=sys.stderr)
            return 2
    triage, echo, ratio = combine(rounds)
    ok = clean(triage) and (echo is None or clean(echo))
    found = targets(args, triage, ratio, ok)
    if args.json:
        payload = {
            "config": {
                key: (str(value) if isinstance(value, Path) else value)
                for key, value in vars(args).items()
            },
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "triage": vars(triage),
            "echo": vars(echo) if echo else None,
            "throughput_ratio": ratio,
            "rounds": [{"triage": vars(t), "echo": vars(e) if e else None} for t, e in rounds],
            "targets": [vars(t) for t in found],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(text_report(args, triage, echo, rounds, found))
    return 0 if all(t.passed is not False for t in found) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
