"""Faults under the store and the Bot API: does everyone still get an answer, exactly once?

Run: .venv/bin/python bench/fault_bench.py [--scenario disk-full --scenario lock ...]
                                          [--users 8] [--outage 12] [--seed 1] [--json]

This process runs the fake Telegram Bot API (`tests/fake_bot_api.py`, 127.0.0.1 only) and
simulated people; the bot runs as `python -m bot`, exactly as deployed (long polling, SQLite
in WAL mode, one admin in BOT_ADMIN_IDS). For each scenario, a fresh bot and data folder:

1. every person (and the admin) opens a chat: `/start`, then their language;
2. the fault is switched on (`Scenario.fault`, an async context manager);
3. while it lasts, each person taps "Me" and, once something came back (or after
   `--reply-timeout`), types "25" (their age): two updates each;
4. the fault is switched off; the bench waits until every update is confirmed (or
   `--settle` seconds), then stops the bot with SIGTERM and reads its SQLite file.

Counted per update, from what the fake received (a reply is recognised by the step in its
buttons, so the count does not depend on when Telegram handed the update over):

* answered: it got its own reply (the age question for the tap, the situation question for
  the age), or at least the emergency screen while the fault lasted;
* answered in the fault: something came back within `--reply-timeout` during the fault;
* lost: nothing at all came back for it, or its answer is not in the database at the end;
* duplicated: its own reply came more than once;
* unconfirmed: Telegram still holds it at the end.

And per scenario: the messages the admin got about the database (one at the start of the
outage and one at its end is right).

Scenarios (`SCENARIOS`; add one by writing an async context manager `fault(run)` that puts
the fault in place on entry and removes it on exit, and a `Scenario` line):

* `disk-full`: the data folder is a 2 MiB tmpfs; a filler file takes the rest of it while
  the fault lasts (needs root to mount; reported as skipped otherwise);
* `lock`: another process holds `BEGIN EXCLUSIVE` on the SQLite file;
* `getupdates`: 60 % of getUpdates calls fail with a 5xx.

* `webhook-outage`: the bot in webhook mode; the fake delivers updates as Telegram does
  (in order, again and again until one is answered with a 2xx) while every call the bot
  makes to the Bot API fails with a 5xx.

Exit status: 0 when no update was lost or duplicated in any scenario that ran, 1 otherwise,
2 when a bot did not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.e2e_bench import child_environment  # noqa: E402
from bot.conversation import RECOVERY_QUIET  # noqa: E402
from tests.fake_bot_api import FakeBotAPI, Faults  # noqa: E402

TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ADMIN = 990_001
FIRST_USER = 700_001


@dataclass
class Config:
    scenarios: list[str] = field(
        default_factory=lambda: ["disk-full", "lock", "getupdates", "webhook-outage"]
    )
    users: int = 8
    outage: float = 12.0  # seconds the fault lasts
    reply_timeout: float = 15.0  # how long a person waits for something during the fault
    settle: float = 90.0  # after the fault, for everything to be answered and confirmed
    seed: int = 1


@dataclass
class Outcome:
    scenario: str
    skipped: str = ""
    updates: int = 0
    answered: int = 0
    answered_in_fault: int = 0
    lost: int = 0
    duplicated: int = 0
    unconfirmed: int = 0
    fallback_screens: int = 0
    admin_outage_messages: int = 0
    admin_recovery_messages: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.skipped) or not (self.lost or self.duplicated or self.problems)


# --------------------------------------------------------------------------------------
# One run: a fake, a bot process, people
# --------------------------------------------------------------------------------------


class Run:
    """A fresh bot on `data_dir` against `fake`, and what the scenario needs to reach."""

    def __init__(
        self, fake: FakeBotAPI, data_dir: Path, config: Config, webhook: bool = False
    ) -> None:
        self.webhook = webhook
        self._delivery: asyncio.Task[None] | None = None
        self.fake = fake
        self.data_dir = data_dir
        self.config = config
        self.database = data_dir / "bot.sqlite3"
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = Path(tempfile.mkdtemp(prefix="fault-bench-log-")) / "bot.log"

    async def start(self) -> bool:
        extra = {"BOT_ADMIN_IDS": str(ADMIN), "BOT_CATALOG_CHECK_SECONDS": "0"}
        if self.webhook:
            port = free_port()
            extra.update(
                BOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                BOT_WEBHOOK_ALLOW_LOCAL_HTTP="1",  # the fake Bot API speaks plain http
                BOT_WEBHOOK_SECRET="fault-bench-secret",
                BOT_WEBHOOK_LISTEN="127.0.0.1",
                BOT_WEBHOOK_PORT=str(port),
            )
        env = child_environment(self.fake, self.data_dir, **extra)
        with open(self.log_path, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        began = time.monotonic()
        while not (self.fake.webhook_url if self.webhook else self.fake.counts["getUpdates"]):
            if self.process.returncode is not None or time.monotonic() - began > 60:
                return False
            await asyncio.sleep(0.02)
        if self.webhook:
            self._delivery = asyncio.create_task(self._deliver())
        return True

    async def _deliver(self) -> None:
        """Telegram's webhook delivery: pending updates in order, again after a failure."""
        while True:
            try:
                statuses = await self.fake.deliver_to_webhook()
            except (aiohttp.ClientError, TimeoutError, OSError):
                statuses = [0]  # Telegram counts a time-out or a refused connection as failed
            await asyncio.sleep(0.5 if statuses and statuses[-1] >= 300 else 0.05)

    async def stop(self) -> int | None:
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
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


def buttons_step(sent: Any) -> str | None:
    """The step a bot message is for, read from its first button's callback data."""
    for _, data in (button for row in sent.buttons for button in row):
        if data and data.count("|") >= 4:
            return data.split("|")[1]
    return None


async def wait_for_any(fake: FakeBotAPI, user: int, before: int, timeout: float) -> bool:
    """Whether some message reached `user` after the first `before` ones, within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(fake.sent(user)) > before:
            return True
        await asyncio.sleep(0.05)
    return False


async def warm_up(fake: FakeBotAPI, user: int) -> None:
    update = fake.user_message(user, "/start", language_code="en")
    await fake.wait_for_reply(user, after_update_id=update, timeout=60)
    if user == ADMIN:
        return
    data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == "en")
    update = fake.user_tap(user, data)
    await fake.wait_for_reply(user, after_update_id=update, timeout=60)


async def act_in_fault(fake: FakeBotAPI, user: int, timeout: float) -> tuple[list[int], int]:
    """Tap "Me", then type an age; returns the update ids and how many got something back."""
    answered = 0
    data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == "me")
    before = len(fake.sent(user))
    tap = fake.user_tap(user, data)
    answered += await wait_for_any(fake, user, before, timeout)
    before = len(fake.sent(user))
    typed = fake.user_message(user, "25")
    answered += await wait_for_any(fake, user, before, timeout)
    return [tap, typed], answered


async def run_scenario(scenario: Scenario, config: Config) -> Outcome:
    outcome = Outcome(scenario.name)
    began = time.monotonic()
    async with contextlib.AsyncExitStack() as stack:
        try:
            data_dir = await stack.enter_async_context(scenario.data_dir())
        except OSError as error:
            outcome.skipped = f"{type(error).__name__}: {error}"
            return outcome
        fake = await stack.enter_async_context(FakeBotAPI(token=TOKEN, seed=config.seed))
        run = Run(fake, data_dir, config, webhook=scenario.webhook)
        if not await run.start():
            outcome.problems.append(f"the bot did not start (log: {run.log_path})")
            await run.stop()
            return outcome
        users = [FIRST_USER + i for i in range(config.users)]
        try:
            await warm_up(fake, ADMIN)
            await asyncio.gather(*(warm_up(fake, user) for user in users))
            await fake.wait_until_idle(quiet=0.3, timeout=60)
            marks = {user: len(fake.sent(user)) for user in users}
            async with scenario.fault(run):
                fault_began = time.monotonic()
                acted = await asyncio.gather(
                    *(act_in_fault(fake, user, config.reply_timeout) for user in users)
                )
                # the fault lasts its full time even when everyone had something back
                await asyncio.sleep(max(0.0, config.outage - (time.monotonic() - fault_began)))
            with contextlib.suppress(TimeoutError):
                await fake.wait_until_idle(quiet=1.0, timeout=config.settle)
            await admin_told(fake, timeout=RECOVERY_QUIET + 10)
        finally:
            code = await run.stop()
        if code not in (0, None):
            outcome.problems.append(f"the bot exited with {code} (log: {run.log_path})")
        tally(outcome, fake, run, users, marks, acted)
    outcome.seconds = round(time.monotonic() - began, 1)
    return outcome


async def admin_told(fake: FakeBotAPI, timeout: float) -> None:
    """Wait (bounded) until every outage told to the admin has its end told too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [(sent.text or "").lower() for sent in fake.sent(ADMIN)]
        failing = sum("database is failing" in text for text in texts)
        works = sum("database works again" in text for text in texts)
        if works >= failing:
            return
        await asyncio.sleep(0.1)


def tally(
    outcome: Outcome,
    fake: FakeBotAPI,
    run: Run,
    users: list[int],
    marks: dict[int, int],
    acted: list[tuple[list[int], int]],
) -> None:
    stored = read_sessions(run.database)
    for user, (updates, answered) in zip(users, acted, strict=True):
        outcome.updates += len(updates)
        outcome.answered_in_fault += answered
        after = fake.sent(user)[marks[user] :]
        steps = [buttons_step(sent) for sent in after]
        fallback = steps.count("emergency")
        outcome.fallback_screens += fallback
        session = stored.get(user) or {}
        for update, own in zip(updates, ("age", "status"), strict=True):
            replies = steps.count(own)
            saved = session.get("last_update", 0) >= update
            if replies or (fallback and saved):
                outcome.answered += 1
            if not saved or not (replies or fallback):
                outcome.lost += 1
            if replies > 1:
                outcome.duplicated += 1
            if not fake.update(update).confirmed:
                outcome.unconfirmed += 1
    for sent in fake.sent(ADMIN):
        text = (sent.text or "").lower()
        if "database is failing" in text:
            outcome.admin_outage_messages += 1
        elif "database works again" in text:
            outcome.admin_recovery_messages += 1


def read_sessions(database: Path) -> dict[int, dict[str, Any]]:
    if not database.exists():
        return {}
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {
            user: json.loads(data)
            for user, data in db.execute("SELECT user_id, data FROM sessions")
        }


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def temporary_dir() -> AsyncIterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fault-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.asynccontextmanager
async def small_tmpfs() -> AsyncIterator[Path]:
    """A 2 MiB tmpfs as the data folder (root only: raises OSError when it cannot mount)."""
    path = Path(tempfile.mkdtemp(prefix="fault-bench-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        path.rmdir()
        raise OSError(f"cannot mount a tmpfs ({mounted.stderr.strip() or 'not root'})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        with contextlib.suppress(OSError):
            path.rmdir()


@contextlib.asynccontextmanager
async def disk_full(run: Run) -> AsyncIterator[None]:
    filler = run.data_dir / "filler"
    with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as out:
        while True:
            out.write(b"\0" * 4096)
    try:
        yield
    finally:
        filler.unlink()


LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE sessions SET updated_at = updated_at")
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextlib.asynccontextmanager
async def lock(run: Run) -> AsyncIterator[None]:
    locker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LOCKER,
        str(run.database),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert locker.stdout is not None and locker.stdin is not None
    try:
        line = await asyncio.wait_for(locker.stdout.readline(), 10)
        if line.strip() != b"locked":
            raise RuntimeError("the locker could not take the lock")
        yield
    finally:
        if locker.stdin is not None:
            locker.stdin.close()
        try:
            await asyncio.wait_for(locker.wait(), 10)
        except TimeoutError:
            locker.kill()
            await locker.wait()


@contextlib.asynccontextmanager
async def getupdates_faults(run: Run) -> AsyncIterator[None]:
    run.fake.faults = Faults(error_5xx=0.6, methods={"getUpdates"}, seed=run.config.seed)
    try:
        yield
    finally:
        run.fake.faults = None


@contextlib.asynccontextmanager
async def bot_api_outage(run: Run) -> AsyncIterator[None]:
    """Every call the bot makes fails with a 5xx (Telegram down for the bot's sends)."""
    run.fake.faults = Faults(error_5xx=1.0, seed=run.config.seed)  # all but getUpdates
    try:
        yield
    finally:
        run.fake.faults = None


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: Callable[[Run], contextlib.AbstractAsyncContextManager[None]]
    data_dir: Callable[[], contextlib.AbstractAsyncContextManager[Path]] = temporary_dir
    webhook: bool = False


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario("disk-full", disk_full, data_dir=small_tmpfs),
        Scenario("lock", lock),
        Scenario("getupdates", getupdates_faults),
        Scenario("webhook-outage", bot_api_outage, webhook=True),
    )
}


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def report(outcomes: list[Outcome], config: Config) -> str:
    lines = [
        f"fault bench: {config.users} people, 2 updates each during a {config.outage:.0f} s fault",
        f"{'scenario':<12} {'updates':>7} {'answered':>8} {'in fault':>8} {'lost':>5} "
        f"{'dup':>4} {'unconf':>6} {'fallback':>8} {'admin':>6} {'secs':>6}",
    ]
    for o in outcomes:
        if o.skipped:
            lines.append(f"{o.scenario:<12} skipped: {o.skipped}")
            continue
        admin = f"{o.admin_outage_messages}/{o.admin_recovery_messages}"
        lines.append(
            f"{o.scenario:<12} {o.updates:>7} {o.answered:>8} {o.answered_in_fault:>8} "
            f"{o.lost:>5} {o.duplicated:>4} {o.unconfirmed:>6} {o.fallback_screens:>8} "
            f"{admin:>6} {o.seconds:>6}"
        )
        lines += [f"  problem: {problem}" for problem in o.problems]
    lines.append(
        "answered: its own reply, or the emergency screen and its answer saved; in fault: "
        "something back within the reply timeout while the fault lasted; admin: messages "
        "about the outage / about the recovery"
    )
    return "\n".join(lines)


async def run(config: Config) -> list[Outcome]:
    outcomes = []
    for name in config.scenarios:
        print(f"scenario {name}...", file=sys.stderr, flush=True)
        outcomes.append(await run_scenario(SCENARIOS[name], config))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--users", type=int, default=Config.users)
    parser.add_argument("--outage", type=float, default=Config.outage)
    parser.add_argument("--reply-timeout", type=float, default=Config.reply_timeout)
    parser.add_argument("--settle", type=float, default=Config.settle)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    config = Config(
        users=args.users,
        outage=args.outage,
        reply_timeout=args.reply_timeout,
        settle=args.settle,
        seed=args.seed,
    )
    if args.scenario:
        config.scenarios = args.scenario
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    outcomes = asyncio.run(run(config))
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        print(report(outcomes, config))
    if any(o.problems and "did not start" in " ".join(o.problems) for o in outcomes):
        return 2
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
