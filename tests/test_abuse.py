"""Abuse and bad input: tens of thousands of generated updates against one running bot.

What is sent (hypothesis, derandomized, no example database): texts in every script (Latin,
Arabic, Persian, Ge'ez, Cyrillic, CJK, emoji and emoji sequences, zero-width joiners and
spaces, LRM/RLM/RLO and isolates, combining marks, lone high code points, digits of several
scripts), 4,096-character messages, commands with junk payloads, stickers, photos, voice
notes, documents, locations (valid and out of range), contacts, edited messages, group
messages, channel posts, inline queries and updates of made-up types; and callback queries
whose data is forged, truncated, taken from other steps, screens or people, from other
versions, oversized, valid-looking with unknown values, replayed from old messages, random
bytes decoded, or whole earlier updates delivered again.

What must hold, for every batch: no log record at WARNING or above from ``bot`` or
``telegram`` and none at ERROR from anywhere (so no unhandled exception); no 4xx from the
fake Bot API except the documented ones: answering a replayed callback query again ("query
is too old"), and editing a message to exactly what it shows ("message is not modified",
after a replayed tap; the bot then leaves the right screen in place); every update of a
private chat gets at least one message (a useful screen or a polite "please choose"),
updates with nothing to answer (channel posts, inline queries, unknown types, group
chatter) get none; and the keyboard of the last reply is for the step stored in the
database. After each run: no generated text of 8 characters or more (other than the bot's
own words) in the captured log output (root logger at DEBUG with the bot's own levels from
``bot.logs.configure_logging``), nor in the SQLite file and its -wal.

How, to reach the volume in reasonable time (one Bot API update costs the bot a few
milliseconds of CPU, mostly python-telegram-bot and HTTP, so one bot per example or
everything through getUpdates would take many minutes):

* ONE bot for the whole module, in a background thread with its own event loop; the tests
  are plain functions that hand batches to it, so hypothesis drives them as usual.
* The bulk goes through the Telegram adapter directly: the fake turns each simulated action
  into a Telegram-shaped update, ``Update.de_json`` parses it and
  ``application.process_update`` handles it, exactly what our polling loop does after
  ``getUpdates``. The Application is the real one (``build_application``: handlers,
  filters, error handler, RetryingRequest, conversation, SQLite store); only the bytes of
  its Bot API requests are handed to the fake's request handler in memory instead of over a
  loopback socket (uploads, i.e. /share, still go over HTTP). The fake validates and records
  every call as usual. Each example is a batch of 32 updates from 32 different people,
  handled concurrently as the dispatcher would (chats in parallel).
* A smaller sample of the same kinds of update (plus malformed known types) goes the whole
  way through the real polling loop over loopback HTTP, and the flood test does too, since
  the per-chat bound lives in the dispatcher.

The totals (about 21,000 updates, of which more than 10,000 callback queries) are asserted
by the last test and printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import sqlite3
import statistics
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.request import HTTPXRequest

from bot.catalog.places import default_gazetteer
from bot.channels import telegram as telegram_channel
from bot.channels.polling import CHAT_BURST, CHAT_RATE, MAX_WAITING_PER_CHAT
from bot.channels.retry import RetryingRequest
from bot.flows.model import Action, Answers, Session, StepName
from bot.flows.options import AGE_BANDS, NEEDS, REGIONS, SKIP_PLACE, STATUSES, UNKNOWN_STATUS, WHO
from bot.i18n import Translators
from bot.logs import configure_logging
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.store import SCHEMA
from tests.conftest import BOT_TOKEN, running_bot
from tests.fake_bot_api import MESSAGE_METHODS, Call, FakeBotAPI

T = TypeVar("T")

POOL = 64  # simulated people per bot
BATCH = 32  # updates per hypothesis example, each from a different person
MIXED_EXAMPLES = 320  # 10,240 updates of every kind but callback queries
CALLBACK_EXAMPLES = 320  # 10,240 callback queries
POLLED_EXAMPLES = 16  # 512 updates through getUpdates
MIN_UPDATES = 20_000
MIN_CALLBACKS = 10_000
NEEDLE_MIN = 8  # generated texts at least this long must leave no trace

FLOOD = 50  # messages a flooder sends within a second
FLOOD_MAX_REPLIES = 12  # "far fewer than 50"
OTHERS = 10
MAX_P95_LATENCY = 1.0

BOT_USERNAME = "fake_test_bot"
LANGUAGE_CODES = ("en", "fr", "ar", "fa", "ti", "uk", "ru", "de", "es", "lb", "zz", "pt-br", None)
STEP_NAMES = tuple(step.value for step in StepName)
ACTIONS = tuple(action.value for action in Action)
CALLBACK_KINDS = frozenset(
    {"tap", "truncated", "stale", "foreign", "bytes", "crafted", "ghost", "replay"}
)
# Known update types with required fields missing: the poller must skip or ignore them.
MALFORMED_UPDATES = (
    {"message": {}},
    {"message": {"message_id": 5}},
    {"edited_message": {"date": 0}},
    {"callback_query": {"id": "forged"}},
    {"inline_query": {"query": "x"}},
    {"my_chat_member": {"date": 0}},
    {"poll": {"id": "p"}},
)
ALLOWED_WARNINGS = ("skipped an unreadable update",)

HYPOTHESIS = settings(
    deadline=None,
    database=None,
    derandomize=True,
    report_multiple_bugs=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# --------------------------------------------------------------------------------------
# What people send
# --------------------------------------------------------------------------------------

_MARKS = (
    "\u200d\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_HIGH = ["\U0010ffff", "\U000e0001", "\U000e007f", "\U000f0000", "\uffff", "\ufffe", "\U0002a6d6"]
_EMOJI_SEQUENCES = ["👩\u200d👩\u200d👧", "🏳️\u200d🌈", "👍🏽", "🇱🇺", "❤️\u200d🔥", "🧑🏿\u200d🦯"]

alphabet = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x24F),  # Latin
    st.characters(min_codepoint=0x600, max_codepoint=0x6FF),  # Arabic
    st.sampled_from("پچژکگیۀ\u200c"),  # Persian letters and ZWNJ
    st.characters(min_codepoint=0x1200, max_codepoint=0x137F),  # Ge'ez (Tigrinya, Amharic)
    st.characters(min_codepoint=0x400, max_codepoint=0x4FF),  # Cyrillic
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.sampled_from(_MARKS),  # zero-width and direction marks
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks
    st.sampled_from(_HIGH),  # lone high code points
    st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２३४"),  # digits of several scripts
    st.sampled_from(" \n\t\r\x00\x7f<>&\"'/|@#;\\"),
    st.characters(codec="utf-8"),  # anything else
)
random_text = st.one_of(
    st.text(alphabet, min_size=1, max_size=24),
    st.text(alphabet, min_size=NEEDLE_MIN, max_size=40),
    st.lists(st.sampled_from(_EMOJI_SEQUENCES), min_size=1, max_size=4).map("".join),
)
# Words the bot understands, alone or with noise around, so that people move through the flow.
meaningful = st.sampled_from(
    [
        "Me",
        "me",
        "my child",
        "25",
        "٢٥",
        "۲۵",
        "7",
        "130",
        "psychologist",
        "psycologist",
        "travail",
        "housing",
        "help now",
        "asylum",
        "Luxembourg",
        "esch sur alzete",
        "Wiltz",
        "English",
        "Français",
        "العربية",
        "فارسی",
        "ትግርኛ",
        "Українська",
        "skip",
        "I don't know",
        "refugee",
    ]
)
typed = st.one_of(
    random_text,
    meaningful,
    st.tuples(meaningful, random_text).map(" ".join),
    st.tuples(random_text, meaningful).map(" ".join),
)
long_text = st.text(alphabet, min_size=1, max_size=10).map(
    lambda seed: (seed * (4096 // len(seed) + 1))[:4096]
)
COMMANDS = (
    "/start",
    "/start fr-mental_health",
    "/start ar",
    "/start ../../etc",
    f"/start@{BOT_USERNAME}",
    "/start@another_bot",
    "/START",
    "/help",
    "/privacy",
    "/language",
    "/emergency",
    "/forget",
    "/share",
    "/reload",
    "/stats",
    "/catalog",
    "/foo",
    "/",
)
command = st.one_of(
    st.sampled_from(COMMANDS).map(lambda c: (c, None)),
    random_text.map(lambda junk: (f"/start {junk}", junk)),
)
finite = {"allow_nan": False, "allow_infinity": False}
latitude = st.one_of(
    st.floats(-90, 90, **finite),
    st.floats(49.4, 50.2, **finite),  # Luxembourg
    st.floats(90.000001, 1e6, **finite),
    st.floats(-1e6, -90.000001, **finite),
)
longitude = st.one_of(
    st.floats(-180, 180, **finite),
    st.floats(5.7, 6.5, **finite),
    st.floats(180.000001, 1e6, **finite),
    st.floats(-1e6, -180.000001, **finite),
)

mixed_action = st.one_of(
    st.tuples(st.just("text"), typed),
    st.tuples(st.just("command"), command),
    st.tuples(st.just("long"), long_text),
    st.tuples(st.just("sticker"), st.sampled_from(["👍", "🙂", "❤️", "🇱🇺", "\U0010ffff"])),
    st.tuples(st.just("photo"), st.none() | random_text),
    st.tuples(st.just("voice"), st.integers(0, 10**6)),
    st.tuples(
        st.just("document"),
        st.tuples(random_text, st.sampled_from(["pdf", "exe", "jpg", ""])),
        st.none() | random_text,
    ),
    st.tuples(st.just("location"), latitude, longitude, st.none() | st.integers(60, 86400)),
    st.tuples(st.just("contact"), st.text("+0123456789 -()#*", min_size=1, max_size=20), typed),
    st.tuples(st.just("edit"), typed),
    st.tuples(st.just("group"), st.one_of(typed, st.sampled_from(COMMANDS))),
    st.tuples(st.just("channel"), typed),
    st.tuples(st.just("inline"), typed),
    st.tuples(
        st.just("unknown"),
        st.from_regex(r"[a-z][a-z_]{2,20}", fullmatch=True),
        st.recursive(
            st.none() | st.booleans() | st.integers() | random_text,
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["chat", "id", "text", "from", "x"]), inner)
            ),
            max_leaves=6,
        ),
    ),
)

_payload_value = st.one_of(
    st.sampled_from(
        [o.id for o in (*WHO, *STATUSES, *NEEDS, *REGIONS)]
        + [band.id for band in AGE_BANDS]
        + ["en", "fr", "ar", SKIP_PLACE, "", "zz", "emergency", "999", "-1", "..", "x" * 32]
        + ["y" * 33, "z" * 120, "é" * 40]  # oversized
    ),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_.-", max_size=40),
    random_text,
)
callback_action = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 40)),
    st.tuples(st.just("truncated"), st.integers(0, 40), st.integers(0, 63)),
    st.tuples(st.just("stale"), st.integers(1, 60)),
    st.tuples(st.just("foreign"), st.integers(0, 10**6)),
    st.tuples(st.just("bytes"), st.binary(max_size=80), st.sampled_from(["utf-8", "latin-1"])),
    st.tuples(
        st.just("crafted"),
        st.sampled_from(["1", "1", "1", "0", "2", "01", " 1", "1 ", "v1", ""]),
        st.one_of(st.sampled_from(STEP_NAMES), st.sampled_from(["", "LANGUAGE", "x", "result"])),
        st.one_of(
            st.integers(0, 10**12).map(str),
            st.sampled_from(["-1", "", "1.5", "１２", "٣", "0x10", " 3", "00"]),
        ),
        st.one_of(st.sampled_from(ACTIONS), st.sampled_from(["", "cc", "C", "z", "|"])),
        _payload_value,
    ),
    st.tuples(st.just("ghost"), st.integers(0, 40)),
    st.tuples(st.just("replay"), st.integers(1, 30)),
)
polled_action = st.one_of(
    mixed_action,
    callback_action,
    st.tuples(st.just("malformed"), st.sampled_from(range(len(MALFORMED_UPDATES)))),
)


def batches(action: st.SearchStrategy[Any]) -> st.SearchStrategy[list[tuple[int, Any]]]:
    """BATCH actions, each for a different person of the pool."""
    return st.tuples(
        st.permutations(range(POOL)), st.lists(action, min_size=BATCH, max_size=BATCH)
    ).map(lambda drawn: list(zip(drawn[0], drawn[1], strict=False)))


# --------------------------------------------------------------------------------------
# Log capture
# --------------------------------------------------------------------------------------

DIGITS = re.compile(r"\d+")


class LogCapture(logging.Handler):
    """Every record, formatted with its traceback: distinct lines kept (digits folded, so
    that lines differing only by ids and times are kept once), problems listed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: set[str] = set()
        self.records = 0
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.records += 1
        self.lines.add(DIGITS.sub("#", text))
        ours = record.name.split(".")[0] in ("bot", "telegram")
        if record.levelno >= logging.ERROR or (
            ours and record.levelno >= logging.WARNING and not text.startswith(ALLOWED_WARNINGS)
        ):
            self.problems.append(f"{record.levelname} {record.name}: {text[:2000]}")


# --------------------------------------------------------------------------------------
# The bot's Bot API requests, handed to the fake in memory
# --------------------------------------------------------------------------------------


class _InMemoryRequest:
    """The little of aiohttp's Request that the fake's request handler reads."""

    transport = None
    query: dict[str, str] = {}

    def __init__(self, token: str, method: str, content_type: str, body: bytes) -> None:
        self.match_info = {"token": token, "method": method}
        self.content_type = content_type.split(";")[0].strip()
        self.can_read_body = bool(body)
        self._body = body

    async def read(self) -> bytes:
        return self._body

    async def post(self) -> dict[str, str]:
        return dict(parse_qsl(self._body.decode(), keep_blank_values=True))


class InMemoryTransport(httpx.AsyncBaseTransport):
    """httpx transport: form and JSON requests go to the fake's handler without a socket;
    multipart uploads (the QR code of /share) go over loopback HTTP as usual."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/"):
            return await self.network.handle_async_request(request)
        body = await request.aread()
        _, prefix, method = request.url.path.rsplit("/", 2)
        answer = await self.fake._handle(  # the fake's own handler
            _InMemoryRequest(prefix.removeprefix("bot"), method, content_type, body)  # type: ignore[arg-type]
        )
        if answer.status == 204:  # the fake dropped the connection
            raise httpx.RemoteProtocolError("connection closed without a response", request=request)
        return httpx.Response(
            answer.status,
            content=answer.body,  # type: ignore[arg-type]
            headers={"content-type": "application/json"},
            request=request,
        )

    async def aclose(self) -> None:
        await self.network.aclose()


def build_in_memory_application(runtime: Runtime, fake: FakeBotAPI) -> Any:
    """`build_application` as deployed, with the in-memory transport under RetryingRequest."""
    transport = InMemoryTransport(fake)

    def request(inner: Any, *, slots: int, **kwargs: Any) -> RetryingRequest:
        # the deployed AiohttpRequest is replaced by httpx over the in-memory transport
        bytes_mover = HTTPXRequest(
            connection_pool_size=slots, httpx_kwargs={"transport": transport}
        )
        return RetryingRequest(bytes_mover, slots=slots, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(telegram_channel, "RetryingRequest", request)
        return telegram_channel.build_application(runtime)


# --------------------------------------------------------------------------------------
# Simulated people and what each update must get
# --------------------------------------------------------------------------------------


@dataclass
class Person:
    slot: int
    id: int
    language_code: str | None
    current: list[str] = field(default_factory=list)  # buttons of the latest keyboard
    keyboard: int | None = None  # the message that keyboard is on
    seen: list[str] = field(default_factory=list)  # payloads of keyboards seen (bounded)
    taps: list[int] = field(default_factory=list)  # update ids of earlier taps
    texts: list[int] = field(default_factory=list)  # message ids of the person's texts


@dataclass
class Expect:
    update_id: int
    person: Person
    kind: str
    chat_id: int
    reply: str  # "required", "none" or "maybe"
    query_id: str | None = None
    replay: bool = False


class Driver:
    """Turns drawn actions into updates for one bot and checks what the bot did with them."""

    def __init__(
        self,
        name: str,
        fake: FakeBotAPI,
        runtime: Runtime,
        stats: Counter[str],
        needles: set[str],
        application: Any = None,
        base: int = 1_000_000,
    ) -> None:
        self.name = name
        self.fake = fake
        self.runtime = runtime
        self.application = application  # None: the updates go through getUpdates
        self.stats = stats
        self.needles = needles
        self.people = [
            Person(slot, base + slot, LANGUAGE_CODES[slot % len(LANGUAGE_CODES)])
            for slot in range(POOL)
        ]
        self.payloads: list[str] = []  # every payload anyone saw, for cross-person forgeries

    async def prime(self) -> None:
        await self.run_batch([(p.slot, ("command", ("/start", None))) for p in self.people])

    # --- actions -> updates ---------------------------------------------------------------

    def _secret(self, text: str | None) -> None:
        if text is not None and len(text.strip()) >= NEEDLE_MIN:
            self.needles.add(text)

    def _private(self, person: Person, kind: str, update_id: int) -> Expect:
        return Expect(update_id, person, kind, person.id, "required")

    def _text(self, person: Person, kind: str, text: str) -> Expect:
        update_id = self.fake.user_message(person.id, text, language_code=person.language_code)
        person.texts.append(self.fake.update(update_id).payload["message"]["message_id"])
        return self._private(person, kind, update_id)

    def _tap(self, person: Person, kind: str, data: str, message_id: int | None = None) -> Expect:
        update_id = self.fake.user_tap(person.id, data, message_id)
        person.taps.append(update_id)
        query_id = self.fake.update(update_id).payload["callback_query"]["id"]
        return Expect(update_id, person, kind, person.id, "required", query_id=query_id)

    def enqueue(self, person: Person, action: tuple[Any, ...]) -> Expect:
        fake, kind = self.fake, action[0]
        pick = random.Random(repr(action)).choice  # deterministic choices from the action
        current = person.current or person.seen[-1:] or ["1|language|0|c|en"]
        on = person.keyboard  # forged data arrives on the message the person has in front
        if kind == "text":
            self._secret(action[1])
            return self._text(person, kind, action[1])
        if kind == "command":
            text, junk = action[1]
            self._secret(junk)
            return self._text(person, kind, text)
        if kind == "long":
            self._secret(action[1])
            return self._text(person, kind, action[1])
        if kind == "sticker":
            return self._private(person, kind, fake.user_sticker(person.id, action[1]))
        if kind == "photo":
            self._secret(action[1])
            return self._private(person, kind, fake.user_photo(person.id, caption=action[1]))
        if kind == "voice":
            return self._private(person, kind, fake.user_voice(person.id, duration=action[1]))
        if kind == "document":
            (stem, extension), caption = action[1], action[2]
            name = f"{stem}.{extension}" if extension else stem
            self._secret(name)
            self._secret(caption)
            update_id = fake.user_document(person.id, file_name=name, caption=caption)
            return self._private(person, kind, update_id)
        if kind == "location":
            _, lat, lon, live = action
            return self._private(
                person, kind, fake.user_location(person.id, lat, lon, live_period=live)
            )
        if kind == "contact":
            self._secret(action[1])
            self._secret(action[2])
            update_id = fake.user_contact(person.id, action[1], first_name=action[2])
            return self._private(person, kind, update_id)
        if kind == "edit":
            self._secret(action[1])
            if not person.texts:
                return self._text(person, kind, action[1])
            update_id = fake.edited_message(person.id, pick(person.texts), action[1])
            return self._private(person, kind, update_id)
        if kind == "group":
            text = action[1]
            self._secret(text)
            chat = -1_000_000_000 - person.id
            update_id = fake.user_message(
                person.id, text, chat_type="group", chat_id=chat, chat_title="Group"
            )
            command = text.split()[0] if text.startswith("/") and text.split() else ""
            # "/cmd" and "/cmd@us" are for this bot; "/cmd@another_bot" is not (issue 16).
            for_us = bool(command) and (
                "@" not in command or command.split("@", 1)[1].lower() == BOT_USERNAME.lower()
            )
            addressed = for_us or (not command and f"@{BOT_USERNAME}" in text.lower())
            return Expect(update_id, person, kind, chat, "required" if addressed else "none")
        if kind == "channel":
            self._secret(action[1])
            chat = -2_000_000_000 - person.id
            return Expect(fake.channel_post(chat, action[1]), person, kind, chat, "none")
        if kind == "inline":
            self._secret(action[1])
            return Expect(fake.inline_query(person.id, action[1]), person, kind, person.id, "none")
        if kind == "unknown":
            update_id = fake.raw_update({f"made_up_{action[1]}": action[2]})
            return Expect(update_id, person, kind, person.id, "none")
        if kind == "malformed":
            update_id = fake.raw_update(MALFORMED_UPDATES[action[1]])
            return Expect(update_id, person, kind, person.id, "none")
        # callback queries
        if kind == "tap":
            return self._tap(person, kind, current[action[1] % len(current)], on)
        if kind == "truncated":
            data = current[action[1] % len(current)]
            cut = data[: action[2] % max(len(data), 1)] or data[:1]
            return self._tap(person, kind, cut, on)
        if kind == "stale":  # lands on the old message that offered it
            seen = person.seen or current
            return self._tap(person, kind, seen[-min(action[1], len(seen))])
        if kind == "foreign":
            payloads = self.payloads or current
            return self._tap(person, kind, payloads[action[1] % len(payloads)], on)
        if kind == "bytes":
            return self._tap(person, kind, action[1].decode(action[2], "replace"), on)
        if kind == "crafted":
            return self._tap(person, kind, "|".join(action[1:]), on)
        if kind == "ghost":  # a message the client no longer has: an inaccessible message
            return self._tap(person, kind, current[action[1] % len(current)], message_id=10**9)
        if kind == "replay" and self.application is not None and person.taps:
            earlier = person.taps[-min(action[1], len(person.taps))]
            query_id = fake.update(earlier).payload["callback_query"]["id"]
            return Expect(earlier, person, kind, person.id, "required", query_id, replay=True)
        return self._tap(person, "stale", pick(person.seen or current))

    # --- one batch ------------------------------------------------------------------------

    async def run_batch(self, batch: list[tuple[int, Any]]) -> None:
        start = len(self.fake.calls)
        expects = [self.enqueue(self.people[slot], action) for slot, action in batch]
        if self.application is not None:
            await asyncio.gather(*(self._process(expect) for expect in expects))
        else:
            await self.fake.wait_until_idle(quiet=0.05, timeout=60)
        self._check(expects, self.fake.calls[start:])

    async def _process(self, expect: Expect) -> None:
        payload = self.fake.update(expect.update_id).payload
        await self.application.process_update(Update.de_json(payload, self.application.bot))

    def stored_steps(self, users: list[int]) -> dict[int, str]:
        """The steps in the database, read the way an operator would (a second connection)."""
        uri = f"file:{self.runtime.settings.database}?mode=ro"
        marks = ",".join("?" * len(users))
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            rows = db.execute(
                f"SELECT user_id, data FROM sessions WHERE user_id IN ({marks})", users
            ).fetchall()
        return {user: Session.model_validate_json(data).step.value for user, data in rows}

    def _check(self, expects: list[Expect], calls: list[Call]) -> None:
        by_chat: defaultdict[int, list[Call]] = defaultdict(list)
        for call in calls:
            if isinstance(call.chat_id, int):
                by_chat[call.chat_id].append(call)
        replayed_queries = {e.query_id for e in expects if e.replay}
        shown: dict[int, tuple[str, str]] = {}  # person -> (update, step of the last keyboard)
        problems = []
        for call in calls:
            if call.method == "getUpdates" or (call.status is not None and call.status < 400):
                continue
            if _unchanged(call):
                self.stats["unchanged"] += 1
                continue
            description = call.description or ""
            if (
                call.method == "answerCallbackQuery"
                and "query is too old" in description
                and str(call.params.get("callback_query_id")) in replayed_queries
            ):
                continue
            problems.append(f"{call.method}(chat={call.chat_id}) -> {call.status} {description}")
        for expect in expects:
            self.stats["updates"] += 1
            self.stats[expect.kind] += 1
            if expect.kind in CALLBACK_KINDS:
                self.stats["callbacks"] += 1
            mine = by_chat.get(expect.chat_id, [])
            # an edit to what the message already shows leaves the right screen in place
            replies = [
                c for c in mine if (c.method in MESSAGE_METHODS and c.effective) or _unchanged(c)
            ]
            what = f"{expect.kind} update {expect.update_id} in chat {expect.chat_id}"
            if expect.reply == "required" and not replies:
                problems.append(f"no reply to {what}")
            if expect.reply == "none" and replies:
                problems.append(f"{len(replies)} replies to {what}, expected none")
            if expect.chat_id != expect.person.id:
                continue
            keyboards = [c for c in replies if _payloads(c)]
            if keyboards:
                person = expect.person
                person.current = _payloads(keyboards[-1])
                person.keyboard = _message_id(keyboards[-1])
                person.seen = (person.seen + person.current)[-80:]
                self.payloads = (self.payloads + person.current)[-2000:]
                shown[person.id] = (what, person.current[0].split("|")[1])
        stored = self.stored_steps(list(shown))
        for user, (what, step) in shown.items():
            if stored.get(user) != step:
                problems.append(f"{what}: keyboard for {step!r}, stored {stored.get(user)!r}")
        if problems:
            raise AssertionError(f"{self.name}: " + "\n".join(problems[:20]))


def _unchanged(call: Call) -> bool:
    """Editing a message to exactly what it shows: Telegram refuses, the bot lets it be (a
    replayed tap, or a tap that changes nothing after one); documented in `send`."""
    return call.method == "editMessageText" and "message is not modified" in (
        call.description or ""
    )


def _message_id(call: Call) -> int | None:
    if isinstance(call.result, dict):
        return call.result.get("message_id")
    return call.params.get("message_id")


def _payloads(call: Call) -> list[str]:
    markup = call.params.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row if b.get("callback_data")]


# --------------------------------------------------------------------------------------
# Looking for generated texts in bytes
# --------------------------------------------------------------------------------------


def find_needles(haystack: str, needles: dict[str, str], key: int = NEEDLE_MIN) -> set[str]:
    """Which needles (variant -> original text) occur in the haystack, in one pass."""
    table: defaultdict[str, list[str]] = defaultdict(list)
    for variant in needles:
        if len(variant) >= key:
            table[variant[:key]].append(variant)
    found: set[str] = set()
    get = table.get
    for i in range(len(haystack) - key + 1):
        candidates = get(haystack[i : i + key])
        if candidates:
            found.update(needles[v] for v in candidates if haystack.startswith(v, i))
    return found


def bot_vocabulary() -> str:
    """Words the bot itself stores or logs; a generated text equal to one is not a leak."""
    gazetteer = default_gazetteer()
    words = [
        SCHEMA,
        *STEP_NAMES,
        *ACTIONS,
        *Session.model_fields,
        *Answers.model_fields,
        *(o.id for o in (*WHO, *STATUSES, *NEEDS, *REGIONS)),
        *(band.id for band in AGE_BANDS),
        SKIP_PLACE,
        UNKNOWN_STATUS,
        *Translators().codes,
        *(place.name for place in gazetteer.places),
        *(alias for place in gazetteer.places for alias in place.aliases),
    ]
    return "\n".join(words).casefold()


def typed_needles(texts: Iterable[str]) -> list[str]:
    vocabulary = bot_vocabulary()
    return [
        text
        for text in texts
        if len(text.strip()) >= NEEDLE_MIN and text.strip().casefold() not in vocabulary
    ]


def database_leaks(database: Path, texts: Iterable[str]) -> set[str]:
    """Generated texts (whole, or their first 32 characters) found in the SQLite files."""
    blob = b"".join(
        path.read_bytes()
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-journal"))
        if path.exists()
    )
    variants: dict[str, str] = {}
    for text in typed_needles(texts):
        for form in {text, text[:32]}:
            for encoded in (form.encode(), json.dumps(form)[1:-1].encode()):
                variants[encoded.decode("latin-1")] = text
    return find_needles(blob.decode("latin-1"), variants)


def log_leaks(capture: LogCapture, texts: Iterable[str]) -> set[str]:
    corpus = "\n".join(capture.lines)
    variants = {DIGITS.sub("#", text): text for text in typed_needles(texts)}
    return find_needles(corpus, {v: t for v, t in variants.items() if len(v) >= NEEDLE_MIN})


# --------------------------------------------------------------------------------------
# The bot, in its own thread
# --------------------------------------------------------------------------------------


class Harness:
    """One event loop in a background thread, holding the fake Bot API and the bot."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="abuse-bot", daemon=True)
        self.capture = LogCapture()
        self.stats: Counter[str] = Counter()
        self.needles: set[str] = set()
        self.stack = contextlib.AsyncExitStack()
        self.databases: list[Path] = []
        self.ran: set[str] = set()
        self._levels: dict[str, int] = {}
        self.bulk: Driver

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coroutine: Awaitable[T], timeout: float = 300) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]

    def start(self) -> None:
        root = logging.getLogger()
        self._levels = {
            name: logger.level
            for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
        }
        self._levels[""] = root.level
        handlers = root.handlers[:]
        configure_logging("DEBUG", [BOT_TOKEN])  # the bot's own levels, at DEBUG
        root.handlers[:] = [*handlers, self.capture]  # without its stderr handler
        # aiosqlite logs every statement at DEBUG: captured here, kept out of pytest's report
        chatty = logging.getLogger("aiosqlite")
        chatty.addHandler(self.capture)
        chatty.propagate = False
        self.thread.start()
        self.run(self._open())

    async def _open(self) -> None:
        fake = await self.stack.enter_async_context(FakeBotAPI(token=BOT_TOKEN, seed=11))
        config = Settings(token=BOT_TOKEN, base_url=fake.base_url, data_dir=self.directory)
        runtime = await open_runtime(config)
        self.stack.push_async_callback(runtime.close)
        self.databases.append(config.database)
        application = build_in_memory_application(runtime, fake)
        await application.initialize()
        self.stack.push_async_callback(application.shutdown)
        await application.bot_data["channel"].announce(application)
        self.bulk = Driver("bulk", fake, runtime, self.stats, self.needles, application)
        await self.bulk.prime()

    async def open_polled(self, data_dir: Path) -> tuple[Driver, contextlib.AsyncExitStack]:
        stack = contextlib.AsyncExitStack()
        fake = await stack.enter_async_context(FakeBotAPI(token=BOT_TOKEN, seed=12))
        runtime = await stack.enter_async_context(running_bot(fake, data_dir))
        self.databases.append(runtime.settings.database)
        driver = Driver("polled", fake, runtime, self.stats, self.needles, base=2_000_000)
        await driver.prime()
        return driver, stack

    def close(self) -> None:
        try:
            self.run(self.stack.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)
            self.loop.close()
            root = logging.getLogger()
            root.removeHandler(self.capture)
            chatty = logging.getLogger("aiosqlite")
            chatty.removeHandler(self.capture)
            chatty.propagate = True
            for name, level in self._levels.items():
                logging.getLogger(name or None).setLevel(level)

    def assert_quiet(self) -> None:
        problems = self.capture.problems
        assert not problems, f"{len(problems)} log problems, first: {problems[:3]}"

    def assert_no_trace(self) -> None:
        texts = set(self.needles)
        leaked = log_leaks(self.capture, texts)
        assert not leaked, f"typed texts in the logs: {sorted(leaked)[:5]}"
        for database in self.databases:
            leaked = database_leaks(database, texts)
            assert not leaked, f"typed texts in {database.name}: {sorted(leaked)[:5]}"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Any:
    h = Harness(tmp_path_factory.mktemp("abuse"))
    h.start()
    try:
        yield h
    finally:
        h.close()


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------


def test_the_trace_checks_find_a_planted_text(tmp_path: Path) -> None:
    """The scanners below would see a leak: a typed text in a row, in the WAL, in a log line."""
    typed_text, other = "مرحبا my secret 4096 ☕", "never written anywhere"
    database = tmp_path / "planted.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (data TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (json.dumps({"said": typed_text}),))
        db.commit()
        assert database_leaks(database, [typed_text, other]) == {typed_text}  # escaped, in WAL
    capture = LogCapture()
    logger = logging.getLogger("tests.planted")
    logger.addHandler(capture)
    try:
        logger.warning("the person said %s at 12:00", typed_text[:20] + "5555" + typed_text[20:])
    finally:
        logger.removeHandler(capture)
    assert log_leaks(capture, [typed_text, other]) == {typed_text}  # digits folded
    assert capture.problems == []  # not the bot's logger, not an error


def test_every_kind_of_update_gets_a_polite_reply_and_leaves_no_trace(harness: Harness) -> None:
    @settings(HYPOTHESIS, max_examples=MIXED_EXAMPLES)
    @given(batch=batches(mixed_action))
    def send(batch: list[tuple[int, Any]]) -> None:
        harness.run(harness.bulk.run_batch(batch))
        harness.assert_quiet()

    send()
    harness.assert_no_trace()
    harness.ran.add("mixed")


def test_forged_stale_and_replayed_callbacks_are_harmless(harness: Harness) -> None:
    @settings(HYPOTHESIS, max_examples=CALLBACK_EXAMPLES)
    @given(batch=batches(callback_action))
    def tap(batch: list[tuple[int, Any]]) -> None:
        harness.run(harness.bulk.run_batch(batch))
        harness.assert_quiet()

    tap()
    harness.assert_no_trace()
    harness.ran.add("callbacks")


def test_the_same_through_the_polling_loop(harness: Harness) -> None:
    driver, stack = harness.run(harness.open_polled(harness.directory / "polled"))
    try:

        @settings(HYPOTHESIS, max_examples=POLLED_EXAMPLES)
        @given(batch=batches(polled_action))
        def send(batch: list[tuple[int, Any]]) -> None:
            harness.run(driver.run_batch(batch))
            harness.assert_quiet()

        send()
    finally:
        harness.run(stack.aclose())
    harness.assert_no_trace()
    harness.ran.add("polled")


async def _flood(data_dir: Path) -> dict[str, Any]:
    """One flooder, ten people tapping through their journeys meanwhile, all polled."""
    async with (
        FakeBotAPI(token=BOT_TOKEN, seed=5) as fake,
        running_bot(fake, data_dir) as runtime,
    ):
        flooder, others = 7_000_001, [7_000_100 + i for i in range(OTHERS)]
        for user in (flooder, *others):
            update = fake.user_message(user, "/start en", language_code="en")
            await fake.wait_for_reply(user, after_update_id=update, timeout=20)
        await fake.wait_until_idle(quiet=0.1, timeout=20)
        latencies: list[float] = []
        flooding = True

        async def journey(user: int) -> None:
            rng = random.Random(user)
            while flooding:
                buttons = fake.screen(user).callback_data
                choices = [d for d in buttons if d.split("|")[3] in ("c", "a")] or buttons
                began = time.perf_counter()
                update = fake.user_tap(user, rng.choice(choices))
                await fake.wait_for_reply(user, after_update_id=update, timeout=10)
                latencies.append(time.perf_counter() - began)
                await asyncio.sleep(rng.uniform(0.4, 0.8))  # reading, as people do

        rounds = []
        walkers = [asyncio.create_task(journey(user)) for user in others]
        try:
            await asyncio.sleep(0.3)
            # a burst (50 at once), then 50 spread over a second; the last one answers
            for spread, last, step in ((0.0, "Me", "age"), (1.0, "25", "status")):
                start, began = len(fake.calls), time.monotonic()
                sent = 0
                while sent < FLOOD:  # on a fixed schedule: message i is due at i/FLOOD s;
                    # a late wake-up (the bot shares this loop) sends all that are due at once
                    elapsed = time.monotonic() - began
                    due = FLOOD if not spread else min(FLOOD, int(elapsed / spread * FLOOD) + 1)
                    for i in range(sent, due):
                        text = last if i == FLOOD - 1 else f"zzz qqq {'x' * (i % 7)} spam"
                        fake.user_message(flooder, text)
                    sent = due
                    if sent < FLOOD:
                        await asyncio.sleep(
                            max(0.0, began + spread * sent / FLOOD - time.monotonic())
                        )
                sent_in = time.monotonic() - began
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:  # until the last one is answered
                    await asyncio.sleep(0.05)
                    session = await runtime.store.load(flooder)
                    if session is not None and session.step.value == step:
                        break
                await asyncio.sleep(0.5)  # anything still coming
                replies = [
                    c
                    for c in fake.calls[start:]
                    if c.chat_id == flooder and c.method in MESSAGE_METHODS and c.effective
                ]
                session = await runtime.store.load(flooder)
                rounds.append(
                    {
                        "replies": len(replies),
                        "seconds": round(sent_in, 2),
                        "stored": session.step.value if session else None,
                        "shown": _payloads(replies[-1])[0].split("|")[1] if replies else None,
                        "screen": fake.screen(flooder).callback_data[0].split("|")[1],
                        "expected": step,
                    }
                )
        finally:
            flooding = False
            await asyncio.gather(*walkers)
        await fake.wait_until_idle(quiet=0.2, timeout=30)
        return {"rounds": rounds, "latencies": latencies}


def test_a_flood_is_answered_at_a_bounded_rate_and_slows_no_one(harness: Harness) -> None:
    result = harness.run(_flood(harness.directory / "flood"))
    for round_ in result["rounds"]:
        # the chat's budget while the flood lasts (a burst, then CHAT_RATE a second), then
        # the few updates kept waiting; the rest are skipped
        bound = CHAT_BURST + round_["seconds"] * CHAT_RATE + MAX_WAITING_PER_CHAT + 1
        assert round_["seconds"] <= 1.2, round_
        assert 1 <= round_["replies"] <= min(bound, FLOOD_MAX_REPLIES), result["rounds"]
        expected = round_["expected"]
        assert round_["stored"] == round_["shown"] == round_["screen"] == expected, round_
    latencies = sorted(result["latencies"])
    assert len(latencies) >= OTHERS * 3, latencies  # while both floods ran
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"\nflood: replies per {FLOOD} messages {[r['replies'] for r in result['rounds']]}; "
        f"others: {len(latencies)} taps, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    assert p95 < MAX_P95_LATENCY
    harness.assert_quiet()
    harness.stats["flood"] += FLOOD * len(result["rounds"])


def test_totals(harness: Harness) -> None:
    if not {"mixed", "callbacks", "polled"} <= harness.ran:
        pytest.skip("the totals are only meaningful when the whole file runs")
    stats = harness.stats
    print(
        f"\nabuse totals: {stats['updates']} updates ({stats['callbacks']} callback queries, "
        f"{stats['updates'] - stats['callbacks']} others) + {stats['flood']} flood messages, "
        f"{len(harness.needles)} distinct typed texts checked, "
        f"{harness.capture.records} log records; by kind: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k not in ("updates",))
    )
    assert stats["updates"] >= MIN_UPDATES
    assert stats["callbacks"] >= MIN_CALLBACKS
    assert stats["updates"] - stats["callbacks"] >= MIN_UPDATES - MIN_CALLBACKS
    harness.assert_quiet()
