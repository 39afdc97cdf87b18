"""Real erasure (issue 16, point 2): after /forget and after the retention purge, no byte of
the person's session is left in the SQLite file, its WAL or its shared-memory file.

The raw files are scanned, while the bot's connection is still open (as in a running bot)
and after it is closed, for the user id as text, as the big-endian integers SQLite writes in
records (4, 6 and 8 bytes) and as the varint it uses for row ids; and for every version of
the person's stored session (the JSON of each step they went through). Many other people's
sessions are stored beside theirs, so the tables have interior pages.
"""

from __future__ import annotations

from pathlib import Path

from bot.flows.model import Answers, Session, StepName
from bot.store import SQLiteStore, iso_week

TARGET = 731_942_861  # a user id whose encodings appear nowhere else by chance
OTHERS = [100_000 + 7 * i for i in range(600)]
DAY = 86400


def varint(value: int) -> bytes:
    """SQLite's big-endian varint (row ids in cells and interior pages)."""
    if value <= 0x7F:
        return bytes([value])
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def encodings(user: int) -> dict[str, bytes]:
    return {
        "text": str(user).encode(),
        "int32": user.to_bytes(4, "big"),
        "int48": user.to_bytes(6, "big"),
        "int64": user.to_bytes(8, "big"),
        "varint": varint(user),
    }


def journey(user: int) -> list[Session]:
    """The sessions stored along one person's journey, each a distinct JSON text."""
    steps = [
        Session(language="fa", step=StepName.WHO, last_update=user + 1),
        Session(language="fa", step=StepName.AGE, answers=Answers(who="me"), last_update=user + 2),
        Session(
            language="fa",
            step=StepName.STATUS,
            answers=Answers(who="me", age_min=34, age_max=34),
            last_update=user + 3,
        ),
        Session(
            language="fa",
            step=StepName.RESULTS,
            answers=Answers(
                who="me", age_min=34, age_max=34, status="asylum_applicant", need="women_violence"
            ),
            last_update=user + 4,
        ),
    ]
    return steps


def raw(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.glob("bot.sqlite3*"))}


def traces(data_dir: Path, user: int, sessions: list[Session]) -> list[str]:
    """Where any byte pattern of the person is found, as 'file: what'."""
    patterns = encodings(user)
    for i, session in enumerate(sessions):
        patterns[f"session v{i + 1}"] = session.model_dump_json(exclude_defaults=True).encode()
    return [
        f"{name}: {what}"
        for name, content in raw(data_dir).items()
        for what, pattern in patterns.items()
        if pattern in content
    ]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def fill(store: SQLiteStore, clock: Clock) -> list[Session]:
    for other in OTHERS[:300]:
        await store.save(other, Session(language="en", step=StepName.AGE, last_update=other))
    versions = journey(TARGET)
    for session in versions:
        await store.save(TARGET, session)
        clock.now += 1
    for other in OTHERS[300:]:
        await store.save(other, Session(language="ar", step=StepName.NEED, last_update=other))
    return versions


async def test_forget_leaves_no_byte_of_the_person_in_the_files(tmp_path):
    clock = Clock(1_800_000_000)
    store = await SQLiteStore.open(tmp_path / "bot.sqlite3", clock=clock)
    try:
        versions = await fill(store, clock)
        assert len(traces(tmp_path, TARGET, versions)) >= 5  # the scan sees them before
        await store.forget(TARGET)
        assert await store.load(TARGET) is None
        assert traces(tmp_path, TARGET, versions) == []
        assert await store.load(OTHERS[0]) is not None  # the others are kept
    finally:
        await store.close()
    assert traces(tmp_path, TARGET, versions) == []


async def test_the_retention_purge_leaves_no_byte_of_the_person(tmp_path):
    clock = Clock(1_800_000_000)
    store = await SQLiteStore.open(tmp_path / "bot.sqlite3", clock=clock)
    try:
        versions = await fill(store, clock)
        clock.now += 31 * DAY
        for other in OTHERS[:10]:  # still active: kept
            await store.save(other, Session(language="en", step=StepName.NEED, last_update=1))
        assert traces(tmp_path, TARGET, versions)
        removed = await store.purge(30)
        assert removed == len(OTHERS) - 10 + 1
        assert traces(tmp_path, TARGET, versions) == []
        assert await store.load(OTHERS[0]) is not None
    finally:
        await store.close()
    assert traces(tmp_path, TARGET, versions) == []


async def test_need_counters_older_than_their_retention_are_deleted(tmp_path):
    from bot.store import NEED_COUNT_WEEKS

    clock = Clock(1_800_000_000)
    store = await SQLiteStore.open(tmp_path / "bot.sqlite3", clock=clock)
    try:
        old_week = iso_week(clock.now)
        await store.count_need("housing", "ti")
        clock.now += (NEED_COUNT_WEEKS + 1) * 7 * DAY
        recent_week = iso_week(clock.now - 2 * 7 * DAY)
        clock.now -= 2 * 7 * DAY
        await store.count_need("work", "uk")
        clock.now += 2 * 7 * DAY
        await store.purge(30)
        weeks = {week for week, *_ in await store.need_counts()}
        assert weeks == {recent_week}, (old_week, weeks)
    finally:
        await store.close()
    assert old_week.encode() not in b"".join(raw(tmp_path).values())


async def test_forget_in_the_running_bot_leaves_no_byte_of_the_person(tmp_path):
    """The same through Telegram: a journey to the results, then /forget."""
    from tests.conftest import BOT_TOKEN, running_bot
    from tests.fake_bot_api import FakeBotAPI

    async def act(fake: FakeBotAPI, user: int, update: int) -> None:
        await fake.wait_for_reply(user, after_update_id=update, timeout=20)

    async def tap(fake: FakeBotAPI, user: int, value: str) -> None:
        data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == value)
        await act(fake, user, fake.user_tap(user, data))

    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=5) as fake,
        running_bot(fake, tmp_path) as runtime,
    ):
        for other in OTHERS[:40]:
            await act(fake, other, fake.user_message(other, "/start", language_code="en"))
            await tap(fake, other, "en")
        await act(fake, TARGET, fake.user_message(TARGET, "/start", language_code="fa"))
        for value in ("fa", "me", "22-27", "asylum_applicant", "housing"):
            await tap(fake, TARGET, value)
        stored = await runtime.store.load(TARGET)
        assert stored is not None and stored.answers.need == "housing"
        assert traces(tmp_path, TARGET, [stored])  # the scan sees the person before
        await act(fake, TARGET, fake.user_message(TARGET, "/forget"))
        await fake.wait_until_idle(quiet=0.3, timeout=20)
        assert await runtime.store.load(TARGET) is None
        assert traces(tmp_path, TARGET, [stored]) == []
        assert await runtime.store.load(OTHERS[0]) is not None
    assert traces(tmp_path, TARGET, [stored]) == []


async def test_a_scrub_that_could_not_run_is_done_after_a_later_write(tmp_path, monkeypatch):
    """A full disk can stop VACUUM (it needs room for a copy): the row is deleted, and the
    copies go at the next write once there is room."""
    import sqlite3

    import bot.store

    monkeypatch.setattr(bot.store, "SCRUB_RETRY_SECONDS", 0.0)
    clock = Clock(1_800_000_000)
    store = await SQLiteStore.open(tmp_path / "bot.sqlite3", clock=clock)
    real = store._db

    class NoRoomForVacuum:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def execute(self, sql: str, *args: object) -> object:
            if sql == "VACUUM":
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    try:
        versions = await fill(store, clock)
        store._db = NoRoomForVacuum()  # type: ignore[assignment]
        await store.forget(TARGET)
        assert await store.load(TARGET) is None
        assert traces(tmp_path, TARGET, versions)  # deleted, but copies are left for now
        store._db = real
        await store.save(OTHERS[0], Session(language="en", step=StepName.NEED, last_update=9))
        assert traces(tmp_path, TARGET, versions) == []
    finally:
        store._db = real
        await store.close()
