"""Secrets and privacy: the bot as a real process at DEBUG, its whole output read back.

* Full journeys of three people with first names, last names and usernames in three
  scripts, free texts (an age with a phone number, a misspelt need, a town with a typo,
  plain secrets), a shared location and /forget; the bot runs as `python -m bot` with
  BOT_LOG_LEVEL=DEBUG, and everything it writes to stdout and stderr, start-up to SIGTERM,
  must hold neither the token, nor a name or username, nor anything a person typed, nor the
  exact coordinates they shared.
* /forget leaves no row about the person in any table of the SQLite file (every table of
  sqlite_master, every cell), while the person who did not ask keeps theirs.
* Staff commands are indistinguishable from unknown input for everyone else: /reload,
  /stats and /catalog get the very reply of /foo (text and keyboard, but for the screen
  counter in the button data), in the same time (medians of 20 tries each, 20 people).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from tests.conftest import BOT_TOKEN
from tests.fake_bot_api import FakeBotAPI, Screen
from tests.test_process import start_bot

PEOPLE = {
    # user id: (first name, last name, username, language code)
    731_942_861: ("Zainab", "Haddadin", "zainab_h_1987", "en"),
    731_942_862: ("ሰላማዊት", "Петренко", "olena_petrenko_ua", "uk"),
    731_942_863: ("Mahsa", "Rezaei-Tehrani", "mahsa_rz", "fa"),
}
ADMIN = 731_000_001
LATITUDE, LONGITUDE = 49.61234567, 6.13198765  # Luxembourg City, to the millimetre
ADMIN_COMMANDS = ("/reload", "/stats", "/catalog")
TRIES = 20


class Chat:
    """One person talking to the bot through the fake, with their profile on every update."""

    def __init__(self, fake: FakeBotAPI, user: int) -> None:
        self.fake = fake
        self.user = user
        first, last, username, language = PEOPLE.get(user, ("Staff", "Member", "staff", "en"))
        self.profile = {
            "first_name": first,
            "last_name": last,
            "username": username,
            "language_code": language,
        }
        self.typed: list[str] = []

    async def _answered(self, update_id: int) -> Screen:
        await self.fake.wait_for_reply(self.user, after_update_id=update_id, timeout=20)
        return self.fake.screen(self.user)

    async def say(self, text: str) -> Screen:
        self.typed.append(text)
        return await self._answered(self.fake.user_message(self.user, text, **self.profile))

    async def tap(self, value: str = "", action: str = "c") -> Screen:
        for data in self.fake.screen(self.user).callback_data:
            parts = data.split("|")
            if parts[3] == action and (not value or parts[4] == value):
                return await self._answered(self.fake.user_tap(self.user, data))
        raise AssertionError(f"no button {action}:{value} on {self.fake.screen(self.user).text!r}")

    async def share_location(self) -> Screen:
        update = self.fake.user_location(self.user, LATITUDE, LONGITUDE)
        return await self._answered(update)

    def step(self) -> str:
        return self.fake.screen(self.user).callback_data[0].split("|")[1]


async def _read_all(stream: asyncio.StreamReader | None, sink: bytearray) -> None:
    """Drain a pipe as the bot writes (DEBUG output would otherwise fill it and block)."""
    assert stream is not None
    while chunk := await stream.read(1 << 16):
        sink.extend(chunk)


@contextlib.asynccontextmanager
async def bot_process(fake: FakeBotAPI, data_dir: Path, **env: str) -> Any:
    """The bot as deployed, at DEBUG; yields a dict that gets its whole output at the end."""
    process = await start_bot(fake, data_dir, **env)
    stdout, stderr = bytearray(), bytearray()
    readers = [
        asyncio.create_task(_read_all(process.stdout, stdout)),
        asyncio.create_task(_read_all(process.stderr, stderr)),
    ]
    output: dict[str, Any] = {"process": process}
    try:
        yield output
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await asyncio.gather(*readers)
        output["stdout"] = stdout.decode("utf-8", "replace")
        output["stderr"] = stderr.decode("utf-8", "replace")
        output["returncode"] = process.returncode


async def to_need(chat: Chat, language: str, who: str, age: str, status: str) -> None:
    await chat.say("/start")
    await chat.tap(language)
    await chat.tap(who)
    await chat.tap(age)
    await chat.tap(status)


async def after_need(chat: Chat, place: str) -> None:
    """Answer the place question if it comes: by location, typed town or skip."""
    if chat.step() != "place":
        return
    if place == "location":
        await chat.share_location()
    elif place == "skip":
        await chat.tap("skip")
    else:
        await chat.say(place)
    assert chat.step() == "results", chat.fake.screen(chat.user).text


def rows_mentioning(database: Path, user: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds the user id in any cell (as a number or text)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.closing(sqlite3.connect(database)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "sessions" in tables
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            for row in db.execute(f"SELECT * FROM {quoted}"):  # noqa: S608 - names from sqlite
                if any(
                    cell == user or (isinstance(cell, str | bytes) and str(user) in str(cell))
                    for cell in row
                ):
                    found.setdefault(table, []).append(row)
    return found


async def test_debug_output_holds_no_secret_and_forget_leaves_no_row(tmp_path):
    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=21) as fake,
        bot_process(fake, tmp_path) as run,
    ):
        zainab, olena, mahsa = (Chat(fake, user) for user in PEOPLE)

        await zainab.say("/start")
        await zainab.tap("en")
        await zainab.say("my secret text 123")  # not an answer: "please choose"
        await zainab.tap("me")
        await zainab.say("I am 34 years old, call me at +352 621 123 456")
        await zainab.tap("asylum_applicant")
        await zainab.say("psycologist for my nightmares")
        await after_need(zainab, "location")
        await zainab.tap(action="a")  # something else?
        await zainab.say("I need a flat for my kids")
        await after_need(zainab, "esch sur alzete")
        await zainab.say("/privacy")
        await zainab.say("what do you keep about Zainab Haddadin?")

        await to_need(olena, "uk", "family", "3-8", "temporary_protection")
        await olena.say("Моя таємниця: живемо на вулиці Шевченка 12")
        await olena.tap("housing")
        await after_need(olena, "location")
        if any(d.split("|")[3] == "p" for d in fake.screen(olena.user).callback_data):
            await olena.tap(action="p")  # the map: the offices' pins, not the person's spot

        await mahsa.say("/start fa-mental_health")
        screen = await mahsa.say("برای دخترم کمک می‌خواهم لطفا")  # "for my daughter": My child
        assert any(d.split("|")[1] == "age" for d in screen.callback_data), screen.text
        await mahsa.say("۷")
        await mahsa.tap("unknown")
        await after_need(mahsa, "skip")

        assert rows_mentioning(run_database(tmp_path), zainab.user)  # the check sees rows
        for chat in (zainab, mahsa):
            screen = await chat.say("/forget")
            assert screen.callback_data == []
        await fake.wait_until_idle(quiet=0.3, timeout=20)
        database = run_database(tmp_path)
        for chat in (zainab, mahsa):
            assert rows_mentioning(database, chat.user) == {}, f"rows left for {chat.user}"
        assert set(rows_mentioning(database, olena.user)) == {"sessions"}

    assert run["returncode"] == 0, run["stderr"][-3000:]
    output = run["stdout"] + run["stderr"]
    assert " DEBUG " in output and "polling for updates" in output and "stopped" in output
    # The start-up line says which bot, which catalogue (version and size) and which mode.
    assert re.search(
        r"serving @\w+: catalogue \S+catalog\.yaml \(version [\d-]+, \d+ entries\), long polling",
        output,
    )
    for chat in (zainab, mahsa):  # and once the bot has closed the file
        assert rows_mentioning(run_database(tmp_path), chat.user) == {}
    secrets = {"the token": BOT_TOKEN, "the token's secret": BOT_TOKEN.split(":", 1)[1]}
    for chat in (zainab, olena, mahsa):
        for key in ("first_name", "last_name", "username"):
            secrets[f"{chat.user}'s {key}"] = chat.profile[key]
        for text in chat.typed:
            # commands are the bot's own words; short texts ("۷") match anything
            if len(text) >= 8 and not text.startswith("/"):
                secrets[f"typed by {chat.user}: {text[:12]}…"] = text
    secrets["latitude"] = str(LATITUDE)
    secrets["longitude"] = str(LONGITUDE)
    leaked = {what: value for what, value in secrets.items() if value in output}
    assert leaked == {}, f"in the bot's output: {leaked}"
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*")).decode("latin-1")
    secrets_bytes = {
        what: value.encode().decode("latin-1")
        for what, value in secrets.items()
        if not what.startswith("the token")
    }
    assert {w for w, v in secrets_bytes.items() if v in stored} == set()


def run_database(data_dir: Path) -> Path:
    return data_dir / "bot.sqlite3"


def _keyboard_without_counter(screen: Screen) -> list[list[tuple[str, str | None]]]:
    """Button labels and data, the screen counter (third field) left out."""

    def strip(data: str | None) -> str | None:
        if data is None:
            return None
        parts = data.split("|")
        return "|".join(parts[:2] + parts[3:])

    return [[(label, strip(data)) for label, data in row] for row in screen.buttons]


async def test_staff_commands_look_like_unknown_input_to_everyone_else(tmp_path):
    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=22) as fake,
        bot_process(fake, tmp_path, BOT_ADMIN_IDS=str(ADMIN)) as run,
    ):
        commands = ("/foo", *ADMIN_COMMANDS)
        timings: dict[str, list[float]] = {command: [] for command in commands}
        replies: dict[str, set[str]] = {command: set() for command in commands}
        for i in range(TRIES):
            # a new person each time (7 updates: within a chat's budget, never paced), at the
            # same step, the commands in a rotating order so that none is always first
            person = Chat(fake, 731_950_000 + i)
            await person.say("/start")
            await person.tap("en")
            await person.tap("me")
            for command in commands[i % 4 :] + commands[: i % 4]:
                await fake.wait_until_idle(quiet=0.02, timeout=20)
                began = time.perf_counter()
                screen = await person.say(command)
                timings[command].append(time.perf_counter() - began)
                replies[command].add(repr((screen.text, _keyboard_without_counter(screen))))
        for command in ADMIN_COMMANDS:
            assert replies[command] == replies["/foo"], command
        assert len(replies["/foo"]) == 1  # and the same every time
        medians = {command: statistics.median(times) for command, times in timings.items()}
        unknown = medians["/foo"]
        for command in ADMIN_COMMANDS:
            close = abs(medians[command] - unknown) <= 0.05
            assert close or max(medians[command], unknown) <= 3 * min(medians[command], unknown), (
                medians
            )
        shown = ", ".join(f"{c} {t * 1000:.0f} ms" for c, t in medians.items())
        print(f"\nmedian reply times: {shown}")

        staff = Chat(fake, ADMIN)  # the commands exist: the admin gets staff text
        assert "searches" in (await staff.say("/stats")).text.lower()
    assert run["returncode"] == 0, run["stderr"][-3000:]
