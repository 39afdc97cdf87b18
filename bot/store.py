"""Where sessions and anonymous counters live: SQLite through aiosqlite.

The interface (`Store`) is narrow on purpose: a conversation needs load, save and forget;
staff need counters; retention needs purge. Another database can stand behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import aiosqlite

from bot.flows.model import Session

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 1.0  # how long start-up waits for a lock held by another process
BUSY_TIMEOUT_MS = 2000  # wait this long for another process's lock, then fail (and answer)
OUTAGE_BUSY_TIMEOUT_MS = 100  # after a failed write, until one succeeds: the lock is known
NEED_COUNT_WEEKS = 52  # anonymous need counters older than this many weeks are deleted
SCRUB_RETRY_SECONDS = 30.0  # a scrub that failed (disk full) is tried again this often

StoreError = sqlite3.Error  # what a failing store raises: disk full, locked, read-only, corrupt

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    user_id    INTEGER PRIMARY KEY,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated_at);
CREATE TABLE IF NOT EXISTS need_counts (
    week     TEXT NOT NULL,
    need     TEXT NOT NULL,
    language TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (week, need, language)
);
"""


class Store(Protocol):
    """What the bot keeps. No names, nothing typed: session answers and anonymous counts."""

    async def load(self, user_id: int) -> Session | None: ...

    async def save(self, user_id: int, session: Session) -> None: ...

    async def forget(self, user_id: int) -> None: ...

    async def purge(self, max_idle_days: int) -> int: ...

    async def count_need(self, need: str, language: str) -> None: ...

    async def need_counts(self) -> list[tuple[str, str, str, int]]: ...

    async def close(self) -> None: ...


def iso_week(moment: float) -> str:
    year, week, _ = datetime.fromtimestamp(moment, UTC).isocalendar()
    return f"{year}-W{week:02d}"


class SQLiteStore:
    """The embedded default: one SQLite file in WAL mode, parameterised SQL only.

    Any method may raise `StoreError` (sqlite3.Error); the transaction is then rolled back,
    so the connection works again as soon as the disk or the lock clears.

    Erasure is real: after `forget` and after a `purge` that deleted something, the file is
    rebuilt (VACUUM: no freed page, no old divider key in an interior page keeps the row id)
    and the WAL is checkpointed and truncated, so no old version of the row stays in it
    (`secure_delete` zeroes freed space besides). If the scrub cannot run (disk full), the
    rows are deleted all the same and the scrub is tried again after the next write.
    """

    def __init__(self, db: aiosqlite.Connection, clock=time.time) -> None:  # type: ignore[no-untyped-def]
        self._db = db
        self._clock = clock
        self._scrub_pending = False
        self._scrub_tried = 0.0
        self._failing = False  # the last write failed: wait for locks briefly (one thread!)
        self._writing = asyncio.Lock()  # one write at a time reaches the connection's thread

    @classmethod
    async def open(cls, path: Path | str, clock=time.time) -> SQLiteStore:  # type: ignore[no-untyped-def]
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A short wait for a lock at start: another process on the same file is a setting
        # problem to report at once (bot.runtime), not a reason to hang.
        db = await aiosqlite.connect(path, timeout=OPEN_TIMEOUT_S)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA secure_delete=ON")  # /forget overwrites, not just unlinks
            await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA temp_store=MEMORY")  # VACUUM's copy never touches a disk
            await db.executescript(SCHEMA)
            await db.commit()
        except BaseException:
            await db.close()  # its worker thread would keep the process alive
            raise
        return cls(db, clock)

    async def _write(self, sql: str, params: tuple[object, ...]) -> aiosqlite.Cursor:
        """One statement in its own transaction; rolled back if anything fails.

        Writes go one at a time: when one fails on a lock, the next waits only briefly,
        instead of every queued write waiting the full busy timeout in turn."""
        async with self._writing:
            try:
                cursor = await self._db.execute(sql, params)
                await self._db.commit()
            except sqlite3.Error:
                await self._rollback()
                await self._busy_timeout(failing=True)
                raise
            await self._busy_timeout(failing=False)
            return cursor

    async def _busy_timeout(self, failing: bool) -> None:
        """While writes fail, wait briefly for a lock: the connection has one thread, and
        every other person's read waits behind a write that waits for the lock."""
        if failing == self._failing:
            return
        timeout = OUTAGE_BUSY_TIMEOUT_MS if failing else BUSY_TIMEOUT_MS
        with contextlib.suppress(sqlite3.Error, ValueError):
            await self._db.execute(f"PRAGMA busy_timeout={timeout}")
            self._failing = failing

    async def _rollback(self) -> None:
        # A statement that failed may leave its transaction open (holding an old snapshot:
        # every later write would fail with "database is locked"): always end it.
        with contextlib.suppress(sqlite3.Error, ValueError):
            await self._db.rollback()

    async def load(self, user_id: int) -> Session | None:
        try:
            async with self._db.execute(
                "SELECT data FROM sessions WHERE user_id = ?", (user_id,)
            ) as cursor:
                row = await cursor.fetchone()
        except sqlite3.Error:
            await self._rollback()
            raise
        if row is None:
            return None
        try:
            return Session.model_validate_json(row[0])
        except ValueError:
            return None  # an unreadable old row: start afresh rather than fail

    async def save(self, user_id: int, session: Session) -> None:
        now = int(self._clock())
        await self._write(
            "INSERT INTO sessions (user_id, data, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (user_id, session.model_dump_json(exclude_defaults=True), now, now),
        )
        if self._scrub_pending and time.monotonic() - self._scrub_tried > SCRUB_RETRY_SECONDS:
            await self._scrub()

    async def forget(self, user_id: int) -> None:
        await self._write("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        await self._scrub()

    async def purge(self, max_idle_days: int) -> int:
        """Delete idle sessions and need counters past their retention; returns the sessions."""
        now = int(self._clock())
        cutoff = now - max_idle_days * 86400
        cursor = await self._write("DELETE FROM sessions WHERE updated_at < ?", (cutoff,))
        removed = cursor.rowcount
        oldest_week = iso_week(now - NEED_COUNT_WEEKS * 7 * 86400)
        counts = await self._write("DELETE FROM need_counts WHERE week < ?", (oldest_week,))
        if removed > 0 or counts.rowcount > 0 or self._scrub_pending:
            await self._scrub()
        return removed

    async def _scrub(self) -> None:
        """Leave no copy of deleted rows: rebuild the file, checkpoint and truncate the WAL."""
        self._scrub_tried = time.monotonic()
        try:
            async with self._writing:  # never inside another write's transaction
                await self._db.execute("VACUUM")
                async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    busy, _, _ = await cursor.fetchone()  # type: ignore[misc]
        except sqlite3.Error as error:
            await self._rollback()
            self._scrub_pending = True
            log.warning("could not scrub deleted rows yet (%s)", type(error).__name__)
            return
        self._scrub_pending = bool(busy)  # a reader in another process held the WAL

    async def count_need(self, need: str, language: str) -> None:
        await self._write(
            "INSERT INTO need_counts (week, need, language, count) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (week, need, language) DO UPDATE SET count = count + 1",
            (iso_week(self._clock()), need, language),
        )

    async def need_counts(self) -> list[tuple[str, str, str, int]]:
        async with self._db.execute(
            "SELECT week, need, language, count FROM need_counts ORDER BY week, need, language"
        ) as cursor:
            return [tuple(row) async for row in cursor]  # type: ignore[misc]

    async def close(self) -> None:
        await self._db.close()
