"""Where sessions and anonymous counters live: SQLite through aiosqlite.

The interface (`Store`) is narrow on purpose: a conversation needs load, save and forget;
staff need counters; retention needs purge. Another database can stand behind it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import aiosqlite

from bot.flows.model import Session

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
    """The embedded default: one SQLite file in WAL mode, parameterised SQL only."""

    def __init__(self, db: aiosqlite.Connection, clock=time.time) -> None:  # type: ignore[no-untyped-def]
        self._db = db
        self._clock = clock

    @classmethod
    async def open(cls, path: Path | str, clock=time.time) -> SQLiteStore:  # type: ignore[no-untyped-def]
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA secure_delete=ON")  # /forget overwrites, not just unlinks
        await db.executescript(SCHEMA)
        await db.commit()
        return cls(db, clock)

    async def load(self, user_id: int) -> Session | None:
        async with self._db.execute(
            "SELECT data FROM sessions WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        try:
            return Session.model_validate_json(row[0])
        except ValueError:
            return None  # an unreadable old row: start afresh rather than fail

    async def save(self, user_id: int, session: Session) -> None:
        now = int(self._clock())
        await self._db.execute(
            "INSERT INTO sessions (user_id, data, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (user_id, session.model_dump_json(exclude_defaults=True), now, now),
        )
        await self._db.commit()

    async def forget(self, user_id: int) -> None:
        await self._db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        await self._db.commit()

    async def purge(self, max_idle_days: int) -> int:
        cutoff = int(self._clock()) - max_idle_days * 86400
        cursor = await self._db.execute("DELETE FROM sessions WHERE updated_at < ?", (cutoff,))
        await self._db.commit()
        return cursor.rowcount

    async def count_need(self, need: str, language: str) -> None:
        await self._db.execute(
            "INSERT INTO need_counts (week, need, language, count) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (week, need, language) DO UPDATE SET count = count + 1",
            (iso_week(self._clock()), need, language),
        )
        await self._db.commit()

    async def need_counts(self) -> list[tuple[str, str, str, int]]:
        async with self._db.execute(
            "SELECT week, need, language, count FROM need_counts ORDER BY week, need, language"
        ) as cursor:
            return [tuple(row) async for row in cursor]  # type: ignore[misc]

    async def close(self) -> None:
        await self._db.close()
