"""A failing store never leaves a person with nothing (issue 16, point 1).

Disk full, a lock held by another process, a read-only file, a corrupt page: the person still
gets a reply (the emergency numbers from the catalogue, in their language), the update is not
acknowledged until its state is saved (Telegram sends it again), the admins are told once per
outage and once when it is over, and the bot carries on by itself once the store works again.

Faults come in two ways: a connection that raises what SQLite raises (`FaultyConnection`,
wrapped around the store's real connection), and a real second process holding
`BEGIN EXCLUSIVE` on the file for longer than the busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.conftest import BOT_TOKEN, running_bot
from tests.fake_bot_api import FakeBotAPI

ADMIN = 990_001
FAULTS = {
    "disk full": (sqlite3.OperationalError("database or disk is full"), False),
    "locked": (sqlite3.OperationalError("database is locked"), False),
    "read-only": (sqlite3.OperationalError("attempt to write a readonly database"), False),
    "corrupt": (sqlite3.DatabaseError("database disk image is malformed"), True),
}


class FaultyConnection:
    """The store's aiosqlite connection, but writes (and reads, if asked) raise `error`."""

    def __init__(self, db: object, error: Exception, reads: bool) -> None:
        self._db = db
        self.error: Exception | None = error
        self.reads = reads
        self.raised = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)

    def _check(self, write: bool) -> None:
        if self.error is not None and (write or self.reads):
            self.raised += 1
            raise self.error

    def execute(self, sql: str, *args: object) -> object:
        self._check(not sql.lstrip().upper().startswith("SELECT"))
        return self._db.execute(sql, *args)  # type: ignore[attr-defined]

    def executescript(self, sql: str) -> object:
        self._check(True)
        return self._db.executescript(sql)  # type: ignore[attr-defined]

    async def commit(self) -> None:
        self._check(True)
        await self._db.commit()  # type: ignore[attr-defined]


def tap(fake: FakeBotAPI, user: int, value: str) -> int:
    data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == value)
    return fake.user_tap(user, data)


def step_of(fake: FakeBotAPI, user: int) -> str:
    return fake.screen(user).callback_data[0].split("|")[1]


def admin_texts(fake: FakeBotAPI) -> list[str]:
    """What the admin was told about the database (their own screens left out)."""
    return [s.text or "" for s in fake.sent(ADMIN) if "database" in (s.text or "").lower()]


async def until(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.05)


async def start_in_french(fake: FakeBotAPI, user: int) -> None:
    admin = fake.user_message(ADMIN, "/start", language_code="en")  # a chat with the bot
    await fake.wait_for_reply(ADMIN, after_update_id=admin, timeout=20)
    update = fake.user_message(user, "/start", language_code="fr")
    await fake.wait_for_reply(user, after_update_id=update, timeout=20)
    update = tap(fake, user, "fr")
    await fake.wait_for_reply(user, after_update_id=update, timeout=20)
    assert step_of(fake, user) == "who"


@pytest.mark.parametrize("kind", list(FAULTS))
async def test_a_failing_store_still_answers_and_recovers_by_itself(tmp_path, kind):
    error, reads = FAULTS[kind]
    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=16) as fake,
        running_bot(fake, tmp_path, admin_ids=frozenset({ADMIN})) as runtime,
    ):
        user, newcomer = 501, 502
        await start_in_french(fake, user)
        faulty = FaultyConnection(runtime.store._db, error, reads)
        runtime.store._db = faulty
        try:
            tapped = tap(fake, user, "me")
            await fake.wait_for_reply(user, after_update_id=tapped, timeout=15)
            screen = fake.screen(user).text
            for number in ("112", "113", "116 111"):  # the emergency-numbers entry
                assert number in screen, screen
            assert "Si quelqu’un est en danger" in screen  # in the language they chose
            # someone new during the outage: in the language of their Telegram app
            first = fake.user_message(newcomer, "/start", language_code="de")
            await fake.wait_for_reply(newcomer, after_update_id=first, timeout=15)
            assert "Wenn jemand jetzt in Gefahr ist" in fake.screen(newcomer).text
            assert "112" in fake.screen(newcomer).text
            await asyncio.sleep(2.5)  # the poller tries both updates again meanwhile
            assert faulty.raised >= 3
            assert not fake.update(tapped).confirmed, "acknowledged before it was saved"
            assert not fake.update(first).confirmed
            assert len([s for s in fake.sent(user) if "112" in (s.text or "")]) == 1
            assert len(fake.sent(newcomer)) == 1  # one reply per update, not one per try
            await until(lambda: len(admin_texts(fake)) >= 1, timeout=5)
            assert len(admin_texts(fake)) == 1, admin_texts(fake)  # once per outage
            assert "emergency numbers" in admin_texts(fake)[0]
        finally:
            faulty.error = None  # the disk has room again, the lock is gone, ...
        await fake.wait_for_reply(user, after_update_id=tapped, timeout=20, count=2)
        await fake.wait_until_idle(quiet=0.5, timeout=30)
        assert step_of(fake, user) == "age"  # the tap is applied once the store works
        assert fake.update(tapped).confirmed and fake.update(first).confirmed
        stored = await runtime.store.load(user)
        assert stored is not None and stored.step == "age" and stored.last_update == tapped
        assert step_of(fake, newcomer) == "language"
        await until(lambda: len(admin_texts(fake)) >= 2, timeout=15)
        texts = admin_texts(fake)
        assert len(texts) == 2, texts  # and once when it is over
        assert "again" in texts[1].lower()
        for text in texts:  # nothing about the people
            assert str(user) not in text and str(newcomer) not in text
        runtime.store._db = faulty._db


LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE sessions SET updated_at = updated_at")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


async def test_another_process_holding_the_lock_loses_no_update(tmp_path):
    """A real lock (a backup tool, the sqlite3 shell) held for 9 s, longer than any busy
    timeout: the person gets the emergency numbers while it lasts, then their answer."""
    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=17) as fake,
        running_bot(fake, tmp_path, admin_ids=frozenset({ADMIN})) as runtime,
    ):
        user = 601
        await start_in_french(fake, user)
        locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            LOCKER,
            str(Path(tmp_path) / "bot.sqlite3"),
            "9",
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert locker.stdout is not None
            assert (await asyncio.wait_for(locker.stdout.readline(), 10)).strip() == b"locked"
            tapped = tap(fake, user, "me")
            await fake.wait_for_reply(user, after_update_id=tapped, timeout=8)
            assert locker.returncode is None  # the answer came while the lock was held
            assert "112" in fake.screen(user).text
            assert not fake.update(tapped).confirmed
            await asyncio.wait_for(locker.wait(), 20)
        finally:
            if locker.returncode is None:
                locker.kill()
                await locker.wait()
        await fake.wait_for_reply(user, after_update_id=tapped, timeout=20, count=2)
        await fake.wait_until_idle(quiet=0.5, timeout=30)
        assert step_of(fake, user) == "age"
        assert fake.update(tapped).confirmed
        stored = await runtime.store.load(user)
        assert stored is not None and stored.step == "age"
        await until(lambda: len(admin_texts(fake)) >= 2, timeout=15)
        texts = admin_texts(fake)
        assert len(texts) == 2 and "locked" in texts[0].lower(), texts


async def test_the_console_shows_the_emergency_numbers_when_the_store_fails(tmp_path):
    import io

    from bot.channels.console import run_console
    from bot.runtime import open_runtime
    from bot.settings import Settings

    runtime = await open_runtime(Settings(data_dir=tmp_path))
    error, reads = FAULTS["corrupt"]
    faulty = FaultyConnection(runtime.store._db, error, reads)
    runtime.store._db = faulty
    out = io.StringIO()
    try:
        await run_console(runtime, read=lambda: "/quit", out=out, language="en")
    finally:
        runtime.store._db = faulty._db
        await runtime.close()
    text = out.getvalue()
    assert "IF SOMEONE IS IN DANGER NOW" in text and "116 111" in text, text
    assert "database is failing" in text


async def test_a_flapping_store_is_one_outage_for_the_admins():
    """A nearly full disk fails and works by turns: the admins hear of it once, and once
    more when it has worked for a while."""
    from bot.conversation import StoreHealth

    told: list[tuple[bool, str]] = []
    health = StoreHealth(quiet=0.3)
    health.listen(lambda failing, text: told.append((failing, text)))
    full = sqlite3.OperationalError("database or disk is full")
    for _ in range(5):
        health.failed(full)
        assert health.failing
        health.works()
        assert not health.failing
        await asyncio.sleep(0.05)
    assert [failing for failing, _ in told] == [True]
    assert "disk is full" in told[0][1]
    await asyncio.sleep(0.5)
    assert [failing for failing, _ in told] == [True, False]
    health.failed(full)  # a new outage, after the end was told
    assert [failing for failing, _ in told] == [True, False, True]
