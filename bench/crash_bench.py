"""Crash anywhere, continue: SIGKILL the bot at random points while people are mid-journey.

Run: .venv/bin/python bench/crash_bench.py [--kills 200] [--seed 1] [--users 20]
                                          [--timeout 1800] [--json]

This process runs the fake Telegram Bot API (`tests/fake_bot_api.py`, aiohttp on 127.0.0.1)
and simulated people; the bot runs as `python -m bot`, exactly as deployed (long polling,
SQLite in WAL mode), always on the same BOT_DATA_DIR. Each cycle starts the bot, lets it
run for a random while (uniform up to --max-uptime after its first getUpdates; one kill in
ten lands during start-up instead, before it polls), kills it with SIGKILL, leaves it down
for a random moment (people keep waiting, their updates stay unconfirmed in the fake) and
starts it again. After the last kill a final instance serves until every update has been
answered and confirmed, then gets SIGTERM.

Each person walks journeys without end: /start, then always a button of the screen in front
of them (an option, "Something else?", "More", or "Start over" on the emergency screen),
waiting for the reply and for Telegram to have the update confirmed before the next tap (so
that every reply can be attributed to one update; a reply that came before the kill is
still the documented crash window, since the update is delivered again).

Checked, and printed:

* every update got at least one reply (a message with a keyboard, never an empty screen);
* an update answered more than once was delivered more than once (the documented window:
  killed after sending, before acknowledging); these duplicates are counted;
* after every reply, the screen the person sees is for the step stored in the database;
  the stored `last_update` covers the update; neither it nor the screen counter ever goes
  back ("users whose step went backwards", must be 0);
* a tap on the current screen is always accepted (never "That button was on an older
  message", "no longer works" or "please choose");
* nothing is left unconfirmed in the fake at the end.

Loopback only; the bot's output goes to a log file in the temporary data directory (kept
with --keep). Child processes are killed on the way out and get SIGTERM if this process
dies. Exit status: 0 when every check holds, 1 when one fails, 2 when the bot never started,
3 when the time bound stopped the run before the requested kills.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import ctypes
import json
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.e2e_bench import child_environment  # noqa: E402
from bot.flows.model import Session  # noqa: E402
from tests.fake_bot_api import MESSAGE_METHODS, Call, FakeBotAPI  # noqa: E402

TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"
REJECTIONS = ("older message", "no longer works", "Please choose", "did not understand")


@dataclass
class Config:
    kills: int = 200
    seed: int = 1
    users: int = 20
    max_uptime: float = 1.0  # seconds after the first getUpdates
    startup_kills: float = 0.1  # share of kills during start-up
    max_downtime: float = 0.3
    think: float = 0.05  # a person's pause between a reply and the next tap, at most
    timeout: float = 1800.0  # the whole run
    reply_timeout: float = 120.0  # one reply, bot restarts included
    data_dir: Path | None = None


@dataclass
class Result:
    kills: int = 0
    kills_in_startup: int = 0
    kills_with_updates_in_flight: int = 0
    starts: int = 0
    mean_startup_s: float = 0.0
    updates_sent: int = 0
    updates_answered: int = 0
    updates_unanswered: int = 0
    updates_redelivered: int = 0
    answered_more_than_once: int = 0
    duplicates_outside_crash_window: int = 0
    empty_screens: int = 0
    screen_db_mismatches: int = 0
    rejected_taps: int = 0
    users_backwards: int = 0
    left_unconfirmed: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.updates_unanswered
            or self.duplicates_outside_crash_window
            or self.empty_screens
            or self.screen_db_mismatches
            or self.rejected_taps
            or self.users_backwards
            or self.left_unconfirmed
            or self.problems
        )


# --------------------------------------------------------------------------------------
# The bot's process
# --------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the bench dies (Linux prctl)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Bot:
    """Starts, kills and stops `python -m bot`; its output appended to one log file."""

    def __init__(self, fake: FakeBotAPI, data_dir: Path) -> None:
        self.fake = fake
        self.env = child_environment(fake, data_dir, BOT_CATALOG_CHECK_SECONDS="0")
        self.log_path = data_dir / "bot.log"
        self.process: asyncio.subprocess.Process | None = None
        self.startups: list[float] = []

    async def start(self) -> float:
        """Start; return the moment (monotonic) it was spawned."""
        with open(self.log_path, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=_die_with_parent,
            )
        return time.monotonic()

    async def ready(self, spawned: float, polls_before: int, timeout: float = 60.0) -> bool:
        """Wait for its first getUpdates; False if it died or took longer than `timeout`."""
        assert self.process is not None
        while self.fake.counts["getUpdates"] == polls_before:
            if self.process.returncode is not None or time.monotonic() - spawned > timeout:
                return False
            await asyncio.sleep(0.01)
        self.startups.append(time.monotonic() - spawned)
        return True

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
        if self.process is not None:
            await self.process.wait()

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 20 s; the exit status."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode


# --------------------------------------------------------------------------------------
# Replies, followed incrementally
# --------------------------------------------------------------------------------------


@dataclass(order=True)
class Reply:
    seq: int
    call: Call = field(compare=False)


class Replies:
    """The bot's messages with a keyboard, per chat, in order of the calls (a reply is one
    such message: questions are edited in place, results sent anew; the keyboard is always
    under the last message of a reply)."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.position = 0
        self.unfinished: list[Call] = []
        self.by_chat: defaultdict[int, list[Reply]] = defaultdict(list)

    def _take(self, call: Call) -> bool:
        """Record a finished call; False while it is still in flight."""
        if not call.effective:
            return call.status is not None or time.monotonic() - call.time > 60
        if call.method in MESSAGE_METHODS and isinstance(call.chat_id, int):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                bisect.insort(self.by_chat[call.chat_id], Reply(call.seq, call))
        return True

    def update(self) -> None:
        calls = self.fake.calls
        pending = [call for call in self.unfinished if not self._take(call)]
        while self.position < len(calls):
            call = calls[self.position]
            self.position += 1
            if call.method != "getUpdates" and not self._take(call):
                pending.append(call)
        self.unfinished = pending

    def after(self, chat: int, seq: int, until: int | None = None) -> list[Reply]:
        replies = self.by_chat.get(chat, [])
        start = bisect.bisect_right(replies, Reply(seq, None))  # type: ignore[arg-type]
        end = len(replies) if until is None else bisect.bisect_left(replies, Reply(until, None))  # type: ignore[arg-type]
        return replies[start:end]


# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------


@dataclass
class Observation:
    problems: list[str] = field(default_factory=list)
    empty: int = 0
    mismatches: int = 0
    rejected: int = 0
    backwards: bool = False


class Person:
    """Walks journeys without end; checks every reply against the database."""

    def __init__(self, user: int, fake: FakeBotAPI, replies: Replies, database: Path) -> None:
        self.user = user
        self.fake = fake
        self.replies = replies
        self.database = database
        self.rng = random.Random(user)
        self.updates: list[int] = []
        self.seen = Observation()
        self.last_update = 0
        self.screen_counter = -1
        self.db_screen = -1

    def _choose(self) -> tuple[str, str] | None:
        try:
            buttons = self.fake.screen(self.user).callback_data
        except LookupError:
            return None
        by_action: defaultdict[str, list[str]] = defaultdict(list)
        for data in buttons:
            by_action[data.split("|")[3]].append(data)
        if by_action.get("c"):
            choices = by_action["c"]
            if choices[0].split("|")[1] == "language":
                choices = [d for d in choices if d.endswith("|en")] or choices
            return "tap", self.rng.choice(choices)
        for action in ("a", "m", "r"):
            if by_action.get(action):
                return "tap", by_action[action][0]
        return None

    async def walk(self, stop: asyncio.Event, config: Config) -> None:
        while not stop.is_set():
            choice = self._choose()
            if choice is None:
                update = self.fake.user_message(self.user, "/start", language_code="en")
            else:
                update = self.fake.user_tap(self.user, choice[1])
            self.updates.append(update)
            await self._answered(update, config.reply_timeout)
            self._check(update)
            await asyncio.sleep(self.rng.uniform(0, config.think))

    async def _answered(self, update: int, timeout: float) -> None:
        """Until the update has a reply and Telegram forgot it (the bot confirmed it)."""
        record = self.fake.update(update)
        deadline = time.monotonic() + timeout
        while True:
            if record.taken_seq is not None and record.confirmed:
                self.replies.update()
                if self.replies.after(self.user, record.taken_seq):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"user {self.user}: no reply to update {update}")
            await asyncio.sleep(0.01)

    def _check(self, update: int) -> None:
        screen = self.fake.screen(self.user)
        data = screen.callback_data
        what = f"user {self.user}, update {update}"
        if not data or not screen.text.strip():
            self.seen.empty += 1
            self.seen.problems.append(f"{what}: empty screen {screen.text!r}")
            return
        step, counter = data[0].split("|")[1], int(data[0].split("|")[2])
        if any(text in screen.text for text in REJECTIONS):
            self.seen.rejected += 1
            self.seen.problems.append(f"{what}: tap refused: {screen.text[:120]!r}")
        session = stored_session(self.database, self.user)
        if session is None:
            self.seen.problems.append(f"{what}: no session stored")
            return
        if session.step.value != step:
            self.seen.mismatches += 1
            self.seen.problems.append(f"{what}: screen for {step}, stored {session.step.value}")
        if session.last_update < update:
            self.seen.backwards = True
            self.seen.problems.append(f"{what}: stored last_update {session.last_update}")
        if (
            session.last_update < self.last_update
            or session.screen < self.db_screen
            or counter < self.screen_counter
        ):
            self.seen.backwards = True
            self.seen.problems.append(
                f"{what}: went back: last_update {self.last_update} -> {session.last_update}, "
                f"stored screen {self.db_screen} -> {session.screen}, "
                f"shown {self.screen_counter} -> {counter}"
            )
        self.last_update = max(self.last_update, session.last_update)
        self.db_screen = max(self.db_screen, session.screen)
        self.screen_counter = max(self.screen_counter, counter)


_connections: dict[Path, sqlite3.Connection] = {}


def stored_session(database: Path, user: int) -> Session | None:
    """The session as stored, read through one long-lived connection of this process."""
    db = _connections.get(database)
    if db is None:
        db = _connections[database] = sqlite3.connect(database, isolation_level=None)
    row = db.execute("SELECT data FROM sessions WHERE user_id = ?", (user,)).fetchone()
    return None if row is None else Session.model_validate_json(row[0])


def close_connections() -> None:
    while _connections:
        _connections.popitem()[1].close()


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


async def run(config: Config, progress: bool = False) -> Result:
    result = Result()
    began = time.monotonic()
    owned = config.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="crash-bench-")) if owned else config.data_dir
    assert data_dir is not None
    rng = random.Random(config.seed)
    database = data_dir / "bot.sqlite3"
    async with FakeBotAPI(token=TOKEN, seed=config.seed) as fake:
        bot = Bot(fake, data_dir)
        replies = Replies(fake)
        people = [Person(900_000 + i, fake, replies, database) for i in range(config.users)]
        stop = asyncio.Event()
        walkers: list[asyncio.Task[None]] = []
        crash_window: set[int] = set()  # fetched by a bot that was then killed, unconfirmed
        try:
            polls = fake.counts["getUpdates"]
            spawned = await bot.start()
            if not await bot.ready(spawned, polls):
                result.problems.append("the bot did not start")
                return result
            walkers = [asyncio.create_task(p.walk(stop, config)) for p in people]
            reported = 0
            while result.kills < config.kills:
                if time.monotonic() - began > config.timeout:
                    result.stopped_early = True
                    break
                if walkers and any(w.done() for w in walkers):
                    break  # a person gave up waiting: reported below
                await asyncio.sleep(rng.uniform(0, config.max_uptime))
                await kill(bot, fake, result, crash_window)
                await asyncio.sleep(rng.uniform(0, config.max_downtime))
                polls = fake.counts["getUpdates"]
                spawned = await bot.start()
                result.starts += 1
                if rng.random() < config.startup_kills and result.kills < config.kills:
                    await asyncio.sleep(rng.uniform(0.05, 1.5))  # while importing, announcing
                    if fake.counts["getUpdates"] == polls:
                        result.kills_in_startup += 1
                    await kill(bot, fake, result, crash_window)
                    polls = fake.counts["getUpdates"]
                    spawned = await bot.start()
                    result.starts += 1
                if not await bot.ready(spawned, polls):
                    result.problems.append("the bot did not come back after a kill")
                    break
                if progress and result.kills // 20 > reported:
                    reported = result.kills // 20
                    sent = sum(len(p.updates) for p in people)
                    print(f"  {result.kills} kills, {sent} updates", flush=True)
            stop.set()
            outcomes = await asyncio.gather(*walkers, return_exceptions=True)
            result.problems += [repr(o) for o in outcomes if isinstance(o, BaseException)]
            try:
                await fake.wait_until_idle(quiet=0.5, timeout=60)
            except TimeoutError as error:
                result.problems.append(f"the last bot did not finish: {error}"[:500])
            status = await bot.stop()
            if status != 0:
                result.problems.append(f"the last bot exited with {status}")
        finally:
            stop.set()
            for walker in walkers:
                walker.cancel()
            await asyncio.gather(*walkers, return_exceptions=True)
            await bot.kill()
            close_connections()
        replies.update()
        tally(result, fake, replies, people, crash_window)
        result.mean_startup_s = round(statistics.mean(bot.startups), 2) if bot.startups else 0.0
    result.seconds = round(time.monotonic() - began, 1)
    if owned:
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


async def kill(bot: Bot, fake: FakeBotAPI, result: Result, crash_window: set[int]) -> None:
    """SIGKILL; remember the updates it had fetched and not confirmed (delivered again)."""
    await bot.kill()
    result.kills += 1
    in_flight = {u for u in fake.pending_updates if fake.update(u).deliveries}
    result.kills_with_updates_in_flight += bool(in_flight)
    crash_window |= in_flight


def tally(
    result: Result,
    fake: FakeBotAPI,
    replies: Replies,
    people: list[Person],
    crash_window: set[int],
) -> None:
    """Replies per update: those in its chat after it was first taken, before the next."""
    result.left_unconfirmed = len(fake.pending_updates)
    counts: Counter[int] = Counter()
    for person in people:
        records = [fake.update(u) for u in person.updates]
        taken = [r for r in records if r.taken_seq is not None]
        taken.sort(key=lambda r: r.taken_seq or 0)
        for record, following in zip(taken, [*taken[1:], None], strict=True):
            until = following.taken_seq if following is not None else None
            counts[record.update_id] = len(replies.after(person.user, record.taken_seq or 0, until))
        for record in records:
            result.updates_sent += 1
            n = counts[record.update_id]
            result.updates_answered += n >= 1
            result.updates_unanswered += n == 0
            again = record.update_id in crash_window
            result.updates_redelivered += again
            result.answered_more_than_once += n > 1
            result.duplicates_outside_crash_window += n > 1 and not again
        seen = person.seen
        result.empty_screens += seen.empty
        result.screen_db_mismatches += seen.mismatches
        result.rejected_taps += seen.rejected
        result.users_backwards += seen.backwards
        result.problems += seen.problems[:5]


def report(result: Result, config: Config) -> str:
    lines = [
        f"crash bench: {config.users} people, seed {config.seed}, {result.seconds} s",
        f"  kills done:                      {result.kills} (requested {config.kills}; "
        f"{result.kills_in_startup} during start-up, "
        f"{result.kills_with_updates_in_flight} with updates in flight)",
        f"  bot starts:                      {result.starts + 1} "
        f"(ready in {result.mean_startup_s} s on average)",
        f"  updates sent:                    {result.updates_sent}",
        f"  updates answered:                {result.updates_answered}",
        f"  updates unanswered:              {result.updates_unanswered}",
        f"  delivered again after a kill:    {result.updates_redelivered}",
        f"  answered more than once:         {result.answered_more_than_once} "
        f"(outside the crash window: {result.duplicates_outside_crash_window})",
        f"  empty screens:                   {result.empty_screens}",
        f"  screen/database mismatches:      {result.screen_db_mismatches}",
        f"  taps on the current screen refused: {result.rejected_taps}",
        f"  users whose step went backwards: {result.users_backwards}",
        f"  updates left unconfirmed:        {result.left_unconfirmed}",
    ]
    if result.stopped_early:
        lines.append("  STOPPED EARLY by --timeout")
    for problem in result.problems[:20]:
        lines.append(f"  problem: {problem}")
    lines.append("  result: " + ("OK" if result.ok else "FAILED"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--users", type=int, default=20, help="simulated people (default 20)")
    parser.add_argument(
        "--max-uptime", type=float, default=1.0, help="seconds up before a kill, at most"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="bound on the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and log")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    config = Config(
        kills=args.kills,
        seed=args.seed,
        users=args.users,
        max_uptime=args.max_uptime,
        timeout=args.timeout,
    )
    if args.keep:
        config.data_dir = Path(tempfile.mkdtemp(prefix="crash-bench-"))
        print(f"data and bot log in {config.data_dir}")
    result = asyncio.run(run(config, progress=not args.json))
    if args.json:
        print(json.dumps({**asdict(result), "ok": result.ok}, indent=2))
    else:
        print(report(result, config))
    if result.kills == 0 and result.problems:
        return 2
    if result.stopped_early:
        return 3
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
