"""An in-process fake of the Telegram Bot API, served over real HTTP by aiohttp.

A real python-telegram-bot ``Application`` (or ``telegram.Bot``) talks to it exactly as it
would talk to ``api.telegram.org``::

    async with FakeBotAPI(token="123:ABC", seed=0) as fake:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)            # f"{fake.url}/bot"
            .base_file_url(fake.base_file_url)  # f"{fake.url}/file/bot"
            .build()
        )

PTB then calls ``POST {base_url}{token}/{method}``. Nothing leaves 127.0.0.1.

What the fake gives a test:

* **Simulated users** (``user_message``, ``user_tap``, ``user_location`` ...) that enqueue
  Telegram-shaped updates with fresh, increasing ``update_id`` s, delivered through
  ``getUpdates`` (long polling, offset confirmation and re-delivery as Telegram does) or
  POSTed to a webhook (``post_update_to`` / ``deliver_to_webhook``).
* **Telegram's validation** of what the bot sends: text and caption length in UTF-16 code
  units, inline keyboards and ``callback_data`` size, HTML ``parse_mode``, unknown chats,
  "message is not modified" edits. Error descriptions copy Telegram's wording where it is
  known; the few that are approximations are marked ``(approximate)`` in the code.
* **Observation**: every call is recorded as a :class:`Call`; ``sent(chat_id)`` lists the
  messages the bot produced; ``screen(chat_id)`` shows what the user would see now;
  ``wait_for_reply`` / ``wait_until_idle`` synchronise a test with the bot.
* **Fault injection** (:class:`Faults`, seeded, so a failing run replays), scripted one-off
  faults (``inject``) and an outage switch (``go_down`` / ``come_back``).

Deliberate differences from Telegram, all on the strict side unless noted:

* A bare ``&`` that does not start a valid entity is rejected in HTML (the Bot API documents
  that it must be escaped; real Telegram tolerates it). Pass ``strict_html=False`` to accept
  it like Telegram does. A bare ``>`` is accepted, as Telegram does.
* MarkdownV2 / Markdown texts are not parsed: they are stored verbatim, without entities.
* ``sendPhoto`` / ``sendDocument`` accept any ``http(s)://`` URL without fetching it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import itertools
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from aiohttp import web

__all__ = [
    "MESSAGE_METHODS",
    "Call",
    "EntityParseError",
    "FakeBotAPI",
    "Faults",
    "Screen",
    "Sent",
    "StoredFile",
    "Upload",
    "UpdateRecord",
    "parse_html",
    "utf16_len",
]

JSONDict = dict[str, Any]
Buttons = list[list[tuple[str, str | None]]]

#: Methods that put a (new or edited) message on the user's screen. A call to one of these
#: that took effect counts as the bot "answering" an update of that chat.
MESSAGE_METHODS: frozenset[str] = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "sendVenue",
        "sendLocation",
        "sendPhoto",
        "sendDocument",
    }
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100

_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "message_thread_id",
        "reply_to_message_id",
        "cache_time",
        "user_id",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "max_connections",
        "duration",
        "width",
        "height",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy", "timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "is_personal",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "results",
        "button",
        "media",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_KINDS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANG_RE = re.compile(r"[a-z]{2}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------
# HTML parse mode
# --------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    """Raised by :func:`parse_html`; the message is what follows "can't parse entities: "."""


_HTML_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(slots=True)
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str | None = None


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity starting at ``text[pos] == "&"``; return (char, consumed) or None."""
    match = _HTML_ENTITY_RE.match(text, pos)
    if match is None:
        return None
    named, dec, hexa = match.groups()
    if named is not None:
        return _NAMED_ENTITIES[named], match.end() - pos
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end() - pos


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML dialect the way the Bot API does.

    Returns the plain text and its ``MessageEntity`` dicts (offsets and lengths in UTF-16
    code units, sorted by offset then by decreasing length). Raises
    :class:`EntityParseError` with a tdlib-like message for unsupported tags, unclosed or
    misnested tags, a ``<`` that does not open a tag and (if ``strict_ampersand``) an ``&``
    that does not start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric entity.
    """
    out: list[str] = []
    u16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    n = len(text)
    i = 0

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    def emit(chars: str) -> None:
        nonlocal u16
        out.append(chars)
        u16 += utf16_len(chars)

    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is None:
                if strict_ampersand:
                    raise EntityParseError(
                        f'Unescaped "&" at byte offset {byte_offset(i)}, use "&amp;"'
                        " (approximate: the fake follows the documented HTML rules strictly)"
                    )
                emit("&")
                i += 1
            else:
                emit(decoded[0])
                i += decoded[1]
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue

        begin = i
        if i + 1 < n and text[i + 1] == "/":
            close = text.find(">", i + 2)
            if close == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            end_name = text[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            top = stack[-1]
            if end_name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top.name}>", found "</{end_name}>"'
                )
            stack.pop()
            _close_tag(top, u16, stack, entities)
            i = close + 1
            continue

        # A start tag.
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_ENTITY_TYPES:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[j] == ">":
                break
            attr_begin = j
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attr_name = text[attr_begin:j].lower()
            if not attr_name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(begin)}'
                )
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != "=":
                if name == "blockquote" and attr_name == "expandable":
                    attrs[attr_name] = ""
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {byte_offset(begin)}'
                )
            j += 1
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[j] in "\"'":
                quote = text[j]
                end = text.find(quote, j + 1)
                if end == -1:
                    raise EntityParseError(
                        f'Unclosed end of an attribute value of the tag "{name}" '
                        f"at byte offset {byte_offset(begin)} (approximate)"
                    )
                raw_value = text[j + 1 : end]
                j = end + 1
            else:
                value_begin = j
                while j < n and not text[j].isspace() and text[j] != ">":
                    j += 1
                raw_value = text[value_begin:j]
            attrs[attr_name] = _parse_html_attribute(raw_value)

        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset '
                f"{byte_offset(begin)} (approximate)"
            )
        stack.append(_OpenTag(name=name, attrs=attrs, offset=u16))
        i = j + 1

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_html_attribute(raw: str) -> str:
    """Decode HTML entities in an attribute value (leniently, as Telegram does)."""
    parts: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&" and (decoded := _decode_html_entity(raw, i)) is not None:
            parts.append(decoded[0])
            i += decoded[1]
        else:
            parts.append(raw[i])
            i += 1
    return "".join(parts)


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag], entities: list[JSONDict]) -> None:
    parent = stack[-1] if stack else None
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x"> is one "pre" entity with a language.
        cls = tag.attrs.get("class", "")
        if cls.startswith("language-") and len(cls) > len("language-"):
            parent.language = cls[len("language-") :]
        return
    length = end - tag.offset
    if length <= 0:
        return
    entity: JSONDict = {
        "type": _HTML_ENTITY_TYPES[tag.name],
        "offset": tag.offset,
        "length": length,
    }
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


# --------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Size of the uploaded content in bytes."""
        return len(self.data)


@dataclass(slots=True)
class StoredFile:
    """A file the fake can serve from ``GET /file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    mime_type: str | None = None
    file_name: str | None = None


@dataclass(slots=True)
class Call:
    """One HTTP request the bot made.

    ``status`` is the HTTP status the fake answered with, or ``None`` when no response was
    sent (the connection was dropped on purpose, or the client went away first).
    ``fault`` is ``None``, ``"5xx"``, ``"429"``, ``"drop"`` (dropped before taking effect)
    or ``"drop_after_effect"``; ``delayed`` is the injected delay in seconds.
    ``effective`` tells whether the call changed the fake's state (message sent, etc.).
    """

    method: str
    params: JSONDict
    chat_id: int | str | None
    time: float
    status: int | None = None
    fault: str | None = None
    delayed: float = 0.0
    effective: bool = False
    result: Any = None
    description: str | None = None
    seq: int = 0


@dataclass(slots=True)
class Sent:
    """A message the bot put on a chat's screen (a send or an edit that took effect)."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: JSONDict | None
    params: JSONDict
    seq: int
    time: float

    @property
    def buttons(self) -> Buttons:
        """Inline keyboard rows as ``(text, callback_data)``; ``callback_data`` is None for
        URL and other non-callback buttons."""
        return _buttons(self.reply_markup)


@dataclass(slots=True)
class Screen:
    """What the user sees as the bot's latest message in a chat."""

    chat_id: int
    message_id: int
    kind: str
    text: str
    buttons: Buttons
    reply_markup: JSONDict | None
    reply_keyboard: list[list[str]] | None

    @property
    def callback_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row if data is not None]


@dataclass(slots=True)
class UpdateRecord:
    """An update the fake generated, and what happened to it."""

    update_id: int
    kind: str
    chat_id: int | None
    payload: JSONDict
    enqueued_seq: int
    taken_seq: int | None = None
    deliveries: int = 0
    confirmed: bool = False
    filtered: bool = False


@dataclass(frozen=True, slots=True)
class Faults:
    """Random faults applied to the bot's calls, drawn from ``random.Random(seed)``.

    Shares are probabilities per matching call: ``error_5xx`` (500 or 502, half each),
    ``rate_limit`` (429 with ``retry_after``) and ``drop_connection`` (TCP connection closed
    without a response) are mutually exclusive and must sum to at most 1. Of the drops,
    ``drop_after_effect`` is the share where the call took effect first (e.g. the message was
    delivered but the response got lost). ``delay`` seconds are slept, after the effect and
    before answering, on a ``slow`` share of matching calls.

    ``methods=None`` means every method except ``getUpdates``; a set names exactly the
    methods affected (include ``"getUpdates"`` to hit polling too). ``seed=None`` uses the
    fake's seed. Assigning ``fake.faults`` restarts the random sequence, so the same
    sequence of calls gets the same faults.
    """

    error_5xx: float = 0.0
    rate_limit: float = 0.0
    retry_after: int = 1
    drop_connection: float = 0.0
    drop_after_effect: float = 0.5
    delay: float = 0.0
    slow: float = 1.0
    methods: frozenset[str] | set[str] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_5xx", "rate_limit", "drop_connection", "drop_after_effect", "slow"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{name} must be within [0, 1], got {value}")
        if self.error_5xx + self.rate_limit + self.drop_connection > 1.0 + 1e-9:
            raise ValueError("Faults.error_5xx + rate_limit + drop_connection must be <= 1")
        if self.delay < 0 or self.retry_after < 1:
            raise ValueError("Faults.delay must be >= 0 and retry_after >= 1")


@dataclass(slots=True)
class _FaultPlan:
    kind: str | None = None  # "5xx" | "429" | "drop" | "drop_after_effect" | None
    status: int = 200
    retry_after: int = 1
    delay: float = 0.0


@dataclass(slots=True)
class _StoredMessage:
    payload: JSONDict
    from_bot: bool
    sender_id: int | None


@dataclass(slots=True)
class _Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    next_message_id: int = 1
    messages: dict[int, _StoredMessage] = field(default_factory=dict)
    blocked: bool = False
    reply_keyboard: list[list[str]] | None = None

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class _Poller:
    conflicted: bool = False


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        data: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


class _DropConnection(Exception):
    """Internal: close the TCP connection without answering."""


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _buttons(markup: Mapping[str, Any] | None) -> Buttons:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        [(str(button.get("text", "")), button.get("callback_data")) for button in row]
        for row in markup["inline_keyboard"]
    ]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------

Handler = Callable[[JSONDict, dict[str, Upload]], Any]


class FakeBotAPI:
    """A fake Telegram Bot API server for end-to-end tests; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:FAKE-TOKEN-for-tests-0123456789",
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        bot_first_name: str = "Fake Bot",
        bot_username: str = "fake_test_bot",
        strict_html: bool = True,
        first_update_id: int = 1,
    ) -> None:
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError("token must look like '<digits>:<secret>'")
        self.token = token
        self.seed = seed
        self.host = host
        self.strict_html = strict_html
        self.bot_user: JSONDict = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        #: Every request the bot made, in arrival order.
        self.calls: list[Call] = []
        #: Number of calls per (canonical) method name.
        self.counts: Counter[str] = Counter()
        #: Number of injected faults per kind ("5xx", "429", "drop", "drop_after_effect").
        self.fault_counts: Counter[str] = Counter()
        #: Files the fake can serve, by file_id.
        self.files: dict[str, StoredFile] = {}
        #: Webhook state as set by setWebhook ("" = no webhook).
        self.webhook_url: str = ""
        self.webhook_secret_token: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        #: Answers to callback queries, by callback_query_id.
        self.callback_answers: dict[str, JSONDict] = {}
        #: Answers to inline queries, by inline_query_id.
        self.inline_answers: dict[str, JSONDict] = {}
        #: Commands per (canonical scope JSON, language_code).
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        #: setMyDescription / setMyShortDescription / setMyName per language_code.
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        #: Menu buttons per chat_id (None = the default for all chats).
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.closed = False
        self.logged_out = False

        self._faults: Faults | None = None
        self._fault_rng = random.Random(seed)
        self._scripted: dict[str, deque[_FaultPlan]] = {}
        self._seq = itertools.count(1)
        self._next_update_id = first_update_id
        self._ids = itertools.count(1)
        self._updates: dict[int, UpdateRecord] = {}
        self._queue: deque[int] = deque()
        self._allowed_updates: list[str] | None = None
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSONDict] = {}
        self._sent: list[Sent] = []
        self._callback_queries: dict[str, JSONDict] = {}
        self._inline_queries: set[str] = set()
        self._poller: _Poller | None = None
        self._changed = asyncio.Event()
        self._inflight = 0
        self._current_seq = 0
        self._last_activity = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._down = False
        self._closing = False
        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._method_table().items():
            self._methods[name.lower()] = (name, handler)

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def port(self) -> int:
        """The TCP port (stays the same across ``go_down`` / ``come_back``)."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def is_down(self) -> bool:
        """True between ``go_down()`` and ``come_back()``."""
        return self._down

    async def start(self) -> None:
        """Start listening on a free port of ``host``."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already started")
        self._closing = False
        await self._start_server(self._port or 0)

    async def stop(self) -> None:
        """Answer pending long polls with ``[]`` and close the server and all connections."""
        self._closing = True
        self._notify()
        await self._stop_server()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def go_down(self) -> None:
        """Simulate an outage: in-flight requests lose their connection and the port refuses
        new ones. Updates can still be enqueued; they are delivered after ``come_back()``."""
        if self._down:
            return
        self._down = True
        self._notify()
        await self._stop_server()

    async def come_back(self) -> None:
        """End the outage started by ``go_down()``, on the same port."""
        if not self._down:
            return
        self._down = False
        await self._start_server(self.port)
        self._notify()

    async def _start_server(self, port: int) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def _stop_server(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ----------------------------------------------------------------- faults

    @property
    def faults(self) -> Faults | None:
        """Random fault injection; assigning restarts the seeded random sequence."""
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        if value is not None and value.methods is not None:
            value = dataclasses.replace(
                value, methods=frozenset(self._canonical_method(m) for m in value.methods)
            )
        self._faults = value
        seed = self.seed if value is None or value.seed is None else value.seed
        self._fault_rng = random.Random(seed)

    def inject(
        self,
        method: str,
        kind: Literal[500, 502, 429, "drop", "drop_after_effect"],
        *,
        count: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Script the next ``count`` calls of ``method`` to fail with ``kind``.

        Scripted faults take precedence over :attr:`faults` and consume no random numbers.
        """
        name = self._canonical_method(method)
        plans = self._scripted.setdefault(name, deque())
        for _ in range(count):
            if kind in (500, 502):
                plans.append(_FaultPlan(kind="5xx", status=int(kind), delay=delay))
            elif kind == 429:
                plans.append(_FaultPlan(kind="429", retry_after=retry_after, delay=delay))
            elif kind in ("drop", "drop_after_effect"):
                plans.append(_FaultPlan(kind=str(kind), delay=delay))
            else:
                raise ValueError(f"unknown fault kind {kind!r}")

    def _canonical_method(self, method: str) -> str:
        entry = self._methods.get(method.lower())
        if entry is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        return entry[0]

    def _plan_fault(self, method: str) -> _FaultPlan | None:
        scripted = self._scripted.get(method)
        if scripted:
            return scripted.popleft()
        faults = self._faults
        if faults is None:
            return None
        if faults.methods is None:
            if method == "getUpdates":
                return None
        elif method not in faults.methods:
            return None
        rng = self._fault_rng
        plan = _FaultPlan(retry_after=faults.retry_after)
        roll = rng.random()
        if roll < faults.error_5xx:
            plan.kind = "5xx"
            plan.status = rng.choice((500, 502))
        elif roll < faults.error_5xx + faults.rate_limit:
            plan.kind = "429"
        elif roll < faults.error_5xx + faults.rate_limit + faults.drop_connection:
            plan.kind = "drop_after_effect" if rng.random() < faults.drop_after_effect else "drop"
        if faults.delay > 0 and (faults.slow >= 1.0 or rng.random() < faults.slow):
            plan.delay = faults.delay
        return plan

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._record_rejected(raw_method, ApiError(401, "Unauthorized"))
        entry = self._methods.get(raw_method.lower())
        if entry is None:
            return self._record_rejected(raw_method, ApiError(404, "Not Found"))
        method, handler = entry

        call = Call(method=method, params={}, chat_id=None, time=time.monotonic())
        call.seq = next(self._seq)
        self.calls.append(call)
        self.counts[method] += 1
        polling = method == "getUpdates"
        if not polling:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            try:
                params, uploads = await self._read_params(request)
            except ApiError as exc:
                return self._finish(call, exc.status, exc.body())
            call.params = {**params, **uploads}
            call.chat_id = (
                params.get("chat_id") if isinstance(params.get("chat_id"), int | str) else None
            )

            plan = self._plan_fault(method)
            if plan is not None and plan.kind is not None:
                call.fault = plan.kind
                self.fault_counts[plan.kind] += 1

            response: tuple[int, JSONDict] | None = None
            if plan is not None and plan.kind == "5xx":
                description = "Internal Server Error" if plan.status == 500 else "Bad Gateway"
                response = (plan.status, ApiError(plan.status, description).body())
            elif plan is not None and plan.kind == "429":
                response = (
                    429,
                    ApiError(
                        429,
                        f"Too Many Requests: retry after {plan.retry_after}",
                        {"retry_after": plan.retry_after},
                    ).body(),
                )
            elif plan is not None and plan.kind == "drop":
                pass  # dropped before taking effect
            else:
                try:
                    self._current_seq = call.seq
                    result = handler(params, uploads)
                    if isinstance(result, Awaitable):
                        result = await result
                except ApiError as exc:
                    response = (exc.status, exc.body())
                except _DropConnection:
                    return self._drop(request, call)
                else:
                    call.effective = True
                    call.result = result
                    response = (200, {"ok": True, "result": result})

            if plan is not None and plan.delay > 0:
                call.delayed = plan.delay
                await asyncio.sleep(plan.delay)
            if response is None or (plan is not None and plan.kind == "drop_after_effect"):
                return self._drop(request, call)
            if self._down:
                return self._drop(request, call)
            return self._finish(call, *response)
        finally:
            if not polling:
                self._inflight -= 1
                self._last_activity = time.monotonic()
            self._notify()

    def _record_rejected(self, method: str, error: ApiError) -> web.Response:
        call = Call(method=method, params={}, chat_id=None, time=time.monotonic())
        call.seq = next(self._seq)
        self.calls.append(call)
        self.counts[method] += 1
        self._notify()
        return self._finish(call, error.status, error.body())

    @staticmethod
    def _finish(call: Call, status: int, body: JSONDict) -> web.Response:
        call.status = status
        if not body.get("ok"):
            call.description = body.get("description")
        return web.json_response(
            body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
        )

    @staticmethod
    def _drop(request: web.Request, call: Call) -> web.Response:
        call.status = None
        transport = request.transport
        if transport is not None:
            transport.close()
        # aiohttp fails to write this to the closed transport and treats it as a client
        # disconnect, so the client sees the connection closed without any response.
        return web.Response(status=204)

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.read()
                if body.strip():
                    try:
                        data = json.loads(body)
                    except ValueError as exc:
                        raise _bad("can't parse JSON object (approximate)") from exc
                    if not isinstance(data, dict):
                        raise _bad("can't parse JSON object (approximate)")
                    raw.update(data)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        data_bytes = bytes(await part.read(decode=True))
                        uploads[part.name] = Upload(
                            part.name,
                            part.filename,
                            part.headers.get(aiohttp.hdrs.CONTENT_TYPE),
                            data_bytes,
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        return self._coerce(raw), uploads

    @staticmethod
    def _coerce(raw: Mapping[str, Any]) -> JSONDict:
        params: JSONDict = {}
        for name, value in raw.items():
            if name in _JSON_FIELDS and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    if name == "reply_markup":
                        raise _bad("can't parse reply keyboard markup JSON object") from exc
                    raise _bad(f"can't parse {name} JSON object (approximate)") from exc
            elif name in _INT_FIELDS and isinstance(value, str):
                if name == "chat_id" and value.startswith("@"):
                    pass
                else:
                    try:
                        value = int(value)
                    except ValueError as exc:
                        if name == "chat_id":
                            raise _bad("chat not found") from exc
                        raise _bad(f"invalid {name} specified (approximate)") from exc
            elif name in _FLOAT_FIELDS and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError as exc:
                    raise _bad(f"invalid {name} specified (approximate)") from exc
            elif name in _BOOL_FIELDS and isinstance(value, str):
                value = value.strip().lower() in ("true", "1")
            params[name] = value
        return params

    # ----------------------------------------------------------------- state helpers

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))

    def _next_id(self) -> int:
        return next(self._ids)

    def _now(self) -> int:
        return int(time.time())

    def _chat(self, params: Mapping[str, Any], *, required: bool = True) -> _Chat | None:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            if required:
                raise _bad("chat_id is empty")
            return None
        chat: _Chat | None = None
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == name), None
            )
        elif isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _message(self, params: Mapping[str, Any], *, action: str) -> tuple[_Chat, _StoredMessage]:
        chat = self._chat(params)
        assert chat is not None
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None:
            raise _bad(f"message to {action} not found")
        return chat, stored

    def _user(
        self,
        user_id: int,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        user = self._users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
                "language_code": "en",
            },
        )
        if language_code is not None:
            user["language_code"] = language_code
        if first_name is not None:
            user["first_name"] = first_name
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        return dict(user)

    def _user_chat(
        self,
        user: JSONDict,
        chat_id: int | None,
        chat_type: str = "private",
        chat_title: str | None = None,
    ) -> _Chat:
        if chat_type == "private":
            cid = user["id"] if chat_id is None else chat_id
            chat = self._chats.get(cid)
            if chat is None:
                chat = self._chats[cid] = _Chat(id=cid, type="private")
            chat.first_name = user.get("first_name")
            chat.last_name = user.get("last_name")
            chat.username = user.get("username")
            return chat
        existing = None if chat_id is None else self._chats.get(chat_id)
        if existing is not None:
            return existing
        if chat_id is None:
            raise ValueError(f"chat_id is required for a {chat_type} chat")
        chat = self._chats[chat_id] = _Chat(
            id=chat_id, type=chat_type, title=chat_title or "Test group"
        )
        return chat

    def _existing_user_chat(self, user: JSONDict, chat_id: int | None) -> _Chat:
        if chat_id is None or chat_id == user["id"]:
            return self._user_chat(user, chat_id)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"chat {chat_id} is unknown; send a user_message there first")
        return chat

    def _store_message(
        self, chat: _Chat, content: JSONDict, *, from_bot: bool, sender: JSONDict | None
    ) -> JSONDict:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        payload: JSONDict = {"message_id": message_id}
        if chat.type == "channel":
            payload["sender_chat"] = chat.to_dict()
        elif sender is not None:
            payload["from"] = dict(sender)
        payload["chat"] = chat.to_dict()
        payload["date"] = self._now()
        payload.update(content)
        chat.messages[message_id] = _StoredMessage(
            payload=payload,
            from_bot=from_bot,
            sender_id=None if sender is None else sender["id"],
        )
        return payload

    def _enqueue(self, kind: str, obj: JSONDict, chat_id: int | None) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        payload = {"update_id": update_id, kind: copy.deepcopy(obj)}
        self._updates[update_id] = UpdateRecord(
            update_id=update_id,
            kind=kind,
            chat_id=chat_id,
            payload=payload,
            enqueued_seq=next(self._seq),
        )
        self._queue.append(update_id)
        self._notify()
        return update_id

    def _register_file(
        self,
        data: bytes,
        *,
        kind: str,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        n = self._next_id()
        stored = StoredFile(
            file_id=f"FAKE-{kind}-{n:06d}",
            file_unique_id=f"U{kind[:3]}{n:06d}",
            file_path=f"{kind}s/file_{n}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        return stored

    def _record_sent(self, method: str, chat: _Chat, payload: JSONDict, params: JSONDict) -> None:
        markup = payload.get("reply_markup")
        self._sent.append(
            Sent(
                method=method,
                chat_id=chat.id,
                message_id=payload["message_id"],
                text=_visible_text(payload),
                reply_markup=copy.deepcopy(markup) if markup else None,
                params=params,
                seq=self._current_seq,
                time=time.monotonic(),
            )
        )

    # ----------------------------------------------------------------- validation

    def _render(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        caption: bool,
    ) -> tuple[str, list[JSONDict]]:
        if text is None:
            text = ""
        if not isinstance(text, str):
            text = str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        if mode == "html":
            try:
                plain, parsed = parse_html(text, strict_ampersand=self.strict_html)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from exc
        elif mode in ("", "markdown", "markdownv2"):
            plain = text
            parsed = list(entities) if isinstance(entities, list) else []
        else:
            raise _bad("unsupported parse_mode")
        if caption:
            if utf16_len(plain) > MAX_CAPTION:
                raise _bad("message caption is too long")
        else:
            if not plain.strip():
                raise _bad("message text is empty")
            if utf16_len(plain) > MAX_TEXT:
                raise _bad("message is too long")
        return plain, parsed

    def _markup(self, chat: _Chat | None, markup: Any) -> JSONDict | None:
        """Validate ``reply_markup``; return the inline keyboard to attach (or None) and
        update the chat's persistent reply keyboard."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _validate_inline_keyboard(markup["inline_keyboard"])
            return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            labels: list[list[str]] = []
            for row in rows:
                labels_row = []
                for button in row:
                    label = button.get("text") if isinstance(button, dict) else button
                    if not isinstance(label, str) or not label:
                        raise _bad("can't parse keyboard button: text is empty (approximate)")
                    labels_row.append(label)
                labels.append(labels_row)
            if chat is not None:
                chat.reply_keyboard = labels
            return None
        if markup.get("remove_keyboard") is True:
            if chat is not None:
                chat.reply_keyboard = None
            return None
        if markup.get("force_reply") is True:
            return None
        raise _bad("can't parse reply keyboard markup JSON object")

    def _edit_markup(self, markup: Any) -> JSONDict | None:
        if markup is not None and (not isinstance(markup, dict) or "inline_keyboard" not in markup):
            raise _bad("inline keyboard expected (approximate)")
        return self._markup(None, markup)

    def _reply_to(self, chat: _Chat, params: Mapping[str, Any]) -> JSONDict:
        reply = params.get("reply_parameters")
        message_id = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id", message_id)
            allow = bool(reply.get("allow_sending_without_reply", allow))
        if message_id is None:
            return {}
        stored = chat.messages.get(int(message_id))
        if stored is None:
            if allow:
                return {}
            raise _bad("message to be replied not found")
        snapshot = {k: v for k, v in stored.payload.items() if k != "reply_to_message"}
        return {"reply_to_message": copy.deepcopy(snapshot)}

    def _file_param(
        self,
        params: Mapping[str, Any],
        uploads: Mapping[str, Upload],
        name: str,
        *,
        kind: str,
        extension: str,
    ) -> StoredFile:
        upload = uploads.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
        if upload is not None:
            return self._register_file(
                upload.data,
                kind=kind,
                extension=extension,
                mime_type=upload.content_type,
                file_name=upload.filename,
            )
        if isinstance(value, str) and value:
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                name_part = value.rsplit("/", 1)[-1] or None
                return self._register_file(b"", kind=kind, extension=extension, file_name=name_part)
        raise _bad("wrong file identifier/HTTP URL specified")

    # ----------------------------------------------------------------- Bot API methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._m_get_me,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "answerCallbackQuery": self._m_answer_callback_query,
            "answerInlineQuery": self._m_answer_inline_query,
            "sendVenue": self._m_send_venue,
            "sendLocation": self._m_send_location,
            "sendPhoto": self._m_send_photo,
            "sendDocument": self._m_send_document,
            "sendChatAction": self._m_send_chat_action,
            "getFile": self._m_get_file,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": self._m_set_my_description,
            "getMyDescription": self._m_get_my_description,
            "setMyShortDescription": self._m_set_my_short_description,
            "getMyShortDescription": self._m_get_my_short_description,
            "setMyName": self._m_set_my_name,
            "getMyName": self._m_get_my_name,
            "setChatMenuButton": self._m_set_chat_menu_button,
            "getChatMenuButton": self._m_get_chat_menu_button,
            "close": self._m_close,
            "logOut": self._m_log_out,
        }

    def _m_get_me(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        return dict(self.bot_user)

    async def _m_get_updates(self, params: JSONDict, uploads: dict[str, Upload]) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit", 100)
        limit = 100 if not isinstance(limit, int) or not 1 <= limit <= 100 else limit
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed]
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)

        poller = _Poller()
        if self._poller is not None:
            self._poller.conflicted = True
            self._notify()
        self._poller = poller
        deadline = asyncio.get_running_loop().time() + min(timeout, 50.0)
        try:
            while True:
                if poller.conflicted:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                if self._down:
                    raise _DropConnection
                batch = self._take(limit)
                if batch or self._closing:
                    return batch
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return []
                await self._wait_change(remaining)
        finally:
            if self._poller is poller:
                self._poller = None

    def _confirm(self, offset: int) -> None:
        """Forget updates as Telegram does for ``getUpdates(offset=...)``."""
        if offset < 0:
            keep = -offset
            while len(self._queue) > keep:
                self._updates[self._queue.popleft()].confirmed = True
        else:
            while self._queue and self._queue[0] < offset:
                self._updates[self._queue.popleft()].confirmed = True
        # Confirmation means the bot is about to process updates: count it as activity so
        # wait_until_idle() does not return in the gap before the first handler call.
        self._last_activity = time.monotonic()
        self._notify()

    def _allowed(self, kind: str) -> bool:
        allowed = self._allowed_updates
        if not allowed:
            return kind not in _DEFAULT_UPDATE_TYPES_EXCLUDED
        return kind in allowed

    def _take(self, limit: int) -> list[JSONDict]:
        batch: list[JSONDict] = []
        kept: deque[int] = deque()
        seq = next(self._seq)
        for update_id in self._queue:
            record = self._updates[update_id]
            if not self._allowed(record.kind):
                record.filtered = True
                record.confirmed = True
                continue
            kept.append(update_id)
            if len(batch) < limit:
                if record.taken_seq is None:
                    record.taken_seq = seq
                record.deliveries += 1
                batch.append(copy.deepcopy(record.payload))
        self._queue = kept
        if batch:
            self._last_activity = time.monotonic()
        return batch

    def _m_set_webhook(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        url = params.get("url", "")
        if not isinstance(url, str):
            raise _bad("bad webhook: invalid URL (approximate)")
        if url:
            local = url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
            if not url.startswith("https://") and not local:
                raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise _bad("secret token contains unallowed characters (approximate)")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook_url = url
        self.webhook_secret_token = None if secret is None else str(secret)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.webhook_allowed_updates = [str(a) for a in allowed]
            self._allowed_updates = self.webhook_allowed_updates
        return True

    def _m_delete_webhook(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook_url = ""
        self.webhook_secret_token = None
        return True

    def _drop_pending(self) -> None:
        while self._queue:
            self._updates[self._queue.popleft()].confirmed = True
        self._notify()

    def _m_get_webhook_info(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            if self.webhook_allowed_updates is not None:
                info["allowed_updates"] = list(self.webhook_allowed_updates)
        return info

    def _m_send_message(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        chat = self._chat(params)
        assert chat is not None
        text, entities = self._render(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        inline = self._markup(chat, params.get("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        content.update(self._reply_to(chat, params))
        if inline is not None:
            content["reply_markup"] = inline
        payload = self._store_message(chat, content, from_bot=True, sender=self.bot_user)
        self._record_sent("sendMessage", chat, payload, params)
        return copy.deepcopy(payload)

    def _editable(self, params: JSONDict) -> tuple[_Chat, _StoredMessage] | None:
        if params.get("inline_message_id"):
            return None
        chat, stored = self._message(params, action="edit")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    def _apply_edit(
        self, method: str, chat: _Chat, stored: _StoredMessage, new: JSONDict, params: JSONDict
    ) -> JSONDict:
        payload = stored.payload
        keys = set(new) | {"reply_markup"}
        current = {k: payload.get(k) for k in keys}
        if _canonical(current) == _canonical({k: new.get(k) for k in keys}):
            raise _bad(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        for key in keys:
            if new.get(key) is None:
                payload.pop(key, None)
            else:
                payload[key] = new[key]
        payload["edit_date"] = self._now()
        self._record_sent(method, chat, payload, params)
        return copy.deepcopy(payload)

    def _m_edit_message_text(self, params: JSONDict, uploads: dict[str, Upload]) -> Any:
        target = self._editable(params)
        text, entities = self._render(
            params.get("text"), params.get("parse_mode"), params.get("entities"), caption=False
        )
        inline = self._edit_markup(params.get("reply_markup"))
        if target is None:
            return True
        chat, stored = target
        if "text" not in stored.payload:
            raise _bad("there is no text in the message to edit")
        new = {"text": text, "entities": entities or None, "reply_markup": inline}
        return self._apply_edit("editMessageText", chat, stored, new, params)

    def _m_edit_message_caption(self, params: JSONDict, uploads: dict[str, Upload]) -> Any:
        target = self._editable(params)
        caption, entities = self._render(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        inline = self._edit_markup(params.get("reply_markup"))
        if target is None:
            return True
        chat, stored = target
        if "text" in stored.payload or not any(k in stored.payload for k in ("photo", "document")):
            raise _bad("there is no caption in the message to edit")
        new = {
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": inline,
        }
        return self._apply_edit("editMessageCaption", chat, stored, new, params)

    def _m_edit_message_reply_markup(self, params: JSONDict, uploads: dict[str, Upload]) -> Any:
        target = self._editable(params)
        inline = self._edit_markup(params.get("reply_markup"))
        if target is None:
            return True
        chat, stored = target
        return self._apply_edit(
            "editMessageReplyMarkup", chat, stored, {"reply_markup": inline}, params
        )

    def _m_delete_message(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        chat, stored = self._message(params, action="delete")
        del chat.messages[stored.payload["message_id"]]
        return True

    def _m_answer_callback_query(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG (approximate)")
        self.callback_answers[query_id] = dict(params)
        return True

    def _m_answer_inline_query(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._inline_queries or query_id in self.inline_answers:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self.inline_answers[query_id] = dict(params)
        return True

    def _coords(self, params: Mapping[str, Any]) -> JSONDict:
        lat, lon = params.get("latitude"), params.get("longitude")
        if not isinstance(lat, int | float) or not -90 <= lat <= 90:
            raise _bad("wrong latitude (approximate)")
        if not isinstance(lon, int | float) or not -180 <= lon <= 180:
            raise _bad("wrong longitude (approximate)")
        return {"latitude": float(lat), "longitude": float(lon)}

    def _send_media(
        self, method: str, params: JSONDict, content: JSONDict, *, caption: bool = False
    ) -> JSONDict:
        chat = self._chat(params)
        assert chat is not None
        if caption:
            text, entities = self._render(
                params.get("caption"),
                params.get("parse_mode"),
                params.get("caption_entities"),
                caption=True,
            )
            if text:
                content["caption"] = text
            if entities:
                content["caption_entities"] = entities
        inline = self._markup(chat, params.get("reply_markup"))
        content.update(self._reply_to(chat, params))
        if inline is not None:
            content["reply_markup"] = inline
        payload = self._store_message(chat, content, from_bot=True, sender=self.bot_user)
        self._record_sent(method, chat, payload, params)
        return copy.deepcopy(payload)

    def _m_send_venue(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        self._chat(params)
        location = self._coords(params)
        title, address = params.get("title"), params.get("address")
        if not isinstance(title, str) or not title:
            raise _bad("venue title is empty (approximate)")
        if not isinstance(address, str) or not address:
            raise _bad("venue address is empty (approximate)")
        venue: JSONDict = {"location": location, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(key):
                venue[key] = params[key]
        return self._send_media("sendVenue", params, {"venue": venue, "location": location})

    def _m_send_location(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        self._chat(params)
        location = self._coords(params)
        return self._send_media("sendLocation", params, {"location": location})

    def _m_send_photo(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        self._chat(params)
        self._render(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        stored = self._file_param(params, uploads, "photo", kind="photo", extension="jpg")
        photo = _photo_sizes(stored)
        return self._send_media("sendPhoto", params, {"photo": photo}, caption=True)

    def _m_send_document(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        self._chat(params)
        self._render(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            caption=True,
        )
        stored = self._file_param(params, uploads, "document", kind="document", extension="bin")
        document = _document_dict(stored)
        return self._send_media("sendDocument", params, {"document": document}, caption=True)

    def _m_send_chat_action(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _m_get_file(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    @staticmethod
    def _scope_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object (approximate)")
        language = params.get("language_code") or ""
        if language and not _LANG_RE.fullmatch(str(language)):
            raise _bad("LANG_CODE_INVALID (approximate)")
        return _canonical(scope), str(language)

    def _m_set_my_commands(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object (approximate)")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("BOT_COMMAND_INVALID")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID (approximate)")
        self.commands[self._scope_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(self, params: JSONDict, uploads: dict[str, Upload]) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._scope_key(params), []))

    def _m_delete_my_commands(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _set_text_setting(
        self, store: dict[str, str], params: JSONDict, name: str, limit: int
    ) -> bool:
        language = str(params.get("language_code") or "")
        if language and not _LANG_RE.fullmatch(language):
            raise _bad("LANG_CODE_INVALID (approximate)")
        value = params.get(name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise _bad(f"{name} is too long (approximate)")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _m_set_my_description(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(self.descriptions, params, "description", 512)

    def _m_get_my_description(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        return {"description": self.descriptions.get(str(params.get("language_code") or ""), "")}

    def _m_set_my_short_description(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(self.short_descriptions, params, "short_description", 120)

    def _m_get_my_short_description(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        language = str(params.get("language_code") or "")
        return {"short_description": self.short_descriptions.get(language, "")}

    def _m_set_my_name(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        return self._set_text_setting(self.names, params, "name", 64)

    def _m_get_my_name(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        language = str(params.get("language_code") or "")
        return {"name": self.names.get(language, self.names.get("", self.bot_user["first_name"]))}

    def _m_set_chat_menu_button(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        chat = self._chat(params, required=False)
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise _bad("can't parse menu button JSON object (approximate)")
        self.menu_buttons[None if chat is None else chat.id] = dict(button)
        return True

    def _m_get_chat_menu_button(self, params: JSONDict, uploads: dict[str, Upload]) -> JSONDict:
        chat = self._chat(params, required=False)
        key = None if chat is None else chat.id
        button = self.menu_buttons.get(key) or self.menu_buttons.get(None)
        return dict(button) if button else {"type": "default"}

    def _m_close(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        self.closed = True
        return True

    def _m_log_out(self, params: JSONDict, uploads: dict[str, Upload]) -> bool:
        self.logged_out = True
        return True

    # ----------------------------------------------------------------- simulated users

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        chat_type: Literal["private", "group", "supergroup"] = "private",
        chat_id: int | None = None,
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """A user sends ``text``; returns the update_id.

        The user's profile (``language_code`` defaults to "en", ``first_name`` to
        "User<id>") is remembered and reused by later helpers unless overridden. A text
        starting with a ``/command`` gets a ``bot_command`` entity, as Telegram adds.
        Non-private chats need ``chat_id`` (e.g. ``-100123``) the first time.
        """
        user = self._user(
            user_id,
            language_code=language_code,
            first_name=first_name,
            last_name=last_name,
            username=username,
        )
        chat = self._user_chat(user, chat_id, chat_type, chat_title)
        content: JSONDict = {"text": text}
        command = _COMMAND_RE.match(text)
        if command is not None:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if reply_to_message_id is not None:
            replied = chat.messages.get(reply_to_message_id)
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat.id}")
            content["reply_to_message"] = copy.deepcopy(
                {k: v for k, v in replied.payload.items() if k != "reply_to_message"}
            )
        payload = self._store_message(chat, content, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_tap(
        self,
        user_id: int,
        callback_data: str,
        message_id: int | None = None,
        *,
        chat_id: int | None = None,
    ) -> int:
        """A user taps an inline button; returns the update_id.

        Without ``message_id`` the tap lands on the latest message the bot sent to the chat
        whose inline keyboard contains ``callback_data``; if no message offers it (forged
        data), on the latest bot message with a keyboard, else the latest bot message. A
        ``message_id`` that no longer exists yields an inaccessible message (``date`` 0),
        as Telegram sends for old messages.
        """
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        bot_messages = [m for _, m in sorted(chat.messages.items(), reverse=True) if m.from_bot]
        message: JSONDict | None
        if message_id is not None:
            stored = chat.messages.get(message_id)
            message = (
                copy.deepcopy(stored.payload)
                if stored is not None
                else {"chat": chat.to_dict(), "message_id": message_id, "date": 0}
            )
        else:
            offering = [
                m
                for m in bot_messages
                if callback_data
                in [d for row in _buttons(m.payload.get("reply_markup")) for _, d in row]
            ]
            with_keyboard = [m for m in bot_messages if m.payload.get("reply_markup")]
            chosen = (offering or with_keyboard or bot_messages or [None])[0]
            if chosen is None:
                raise LookupError(f"the bot has sent no message to chat {chat.id} to tap on")
            message = copy.deepcopy(chosen.payload)
        query_id = str(4_000_000_000_000 + self._next_id())
        self._callback_queries[query_id] = {"chat_id": chat.id}
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(chat.id) * 7 + 1_000_000_000),
            "data": callback_data,
        }
        return self._enqueue("callback_query", query, chat.id)

    def user_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        chat_id: int | None = None,
    ) -> int:
        """A user shares a location; returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        location: JSONDict = {"latitude": float(latitude), "longitude": float(longitude)}
        if live_period is not None:
            location["live_period"] = live_period
        payload = self._store_message(chat, {"location": location}, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_sticker(self, user_id: int, emoji: str = "👍", *, chat_id: int | None = None) -> int:
        """A user sends a (static, regular) sticker; returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        stored = self._register_file(b"RIFF-fake-webp", kind="sticker", extension="webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        payload = self._store_message(chat, {"sticker": sticker}, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        data: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        chat_id: int | None = None,
    ) -> int:
        """A user sends a photo (served back by getFile + download); returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        stored = self._register_file(data, kind="photo", extension="jpg", mime_type="image/jpeg")
        content: JSONDict = {"photo": _photo_sizes(stored)}
        if caption:
            content["caption"] = caption
        payload = self._store_message(chat, content, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        data: bytes = b"OggS-fake-opus",
        chat_id: int | None = None,
    ) -> int:
        """A user sends a voice note; returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        stored = self._register_file(data, kind="voice", extension="oga", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        payload = self._store_message(chat, {"voice": voice}, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_document(
        self,
        user_id: int,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        data: bytes = b"%PDF-1.4 fake",
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> int:
        """A user sends a document; returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._register_file(
            data, kind="document", extension=extension, mime_type=mime_type, file_name=file_name
        )
        content: JSONDict = {"document": _document_dict(stored)}
        if caption:
            content["caption"] = caption
        payload = self._store_message(chat, content, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def user_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str | None = None,
        contact_user_id: int | None = None,
        chat_id: int | None = None,
    ) -> int:
        """A user shares a contact (by default their own); returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or user["first_name"],
            "user_id": user_id if contact_user_id is None else contact_user_id,
        }
        payload = self._store_message(chat, {"contact": contact}, from_bot=False, sender=user)
        return self._enqueue("message", payload, chat.id)

    def edited_message(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> int:
        """A user edits one of their earlier text messages; returns the update_id."""
        user = self._user(user_id)
        chat = self._existing_user_chat(user, chat_id)
        stored = chat.messages.get(message_id)
        if stored is None or stored.from_bot or stored.sender_id != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} in chat {chat.id}")
        stored.payload["text"] = text
        stored.payload.pop("entities", None)
        command = _COMMAND_RE.match(text)
        if command is not None:
            stored.payload["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        stored.payload["edit_date"] = self._now()
        return self._enqueue("edited_message", stored.payload, chat.id)

    def channel_post(
        self,
        chat_id: int,
        text: str,
        *,
        title: str = "Test channel",
        username: str | None = None,
    ) -> int:
        """A post in a channel where the bot is an admin; returns the update_id."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(
                id=chat_id, type="channel", title=title, username=username
            )
        payload = self._store_message(chat, {"text": text}, from_bot=False, sender=None)
        return self._enqueue("channel_post", payload, chat.id)

    def inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str = "sender"
    ) -> int:
        """A user types ``@bot query``; returns the update_id."""
        user = self._user(user_id)
        query_id = str(5_000_000_000_000 + self._next_id())
        self._inline_queries.add(query_id)
        inline = {
            "id": query_id,
            "from": user,
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        return self._enqueue("inline_query", inline, user_id)

    def block_user(self, user_id: int) -> int:
        """The user blocks the bot: later sends to them fail with 403; a ``my_chat_member``
        update is enqueued. Returns the update_id."""
        return self._membership(user_id, blocked=True)

    def unblock_user(self, user_id: int) -> int:
        """The user unblocks the bot (a ``my_chat_member`` update); returns the update_id."""
        return self._membership(user_id, blocked=False)

    def _membership(self, user_id: int, *, blocked: bool) -> int:
        user = self._user(user_id)
        chat = self._user_chat(user, None)
        chat.blocked = blocked
        member = {"user": dict(self.bot_user), "status": "member"}
        kicked = {"user": dict(self.bot_user), "status": "kicked", "until_date": 0}
        update = {
            "chat": chat.to_dict(),
            "from": user,
            "date": self._now(),
            "old_chat_member": member if blocked else kicked,
            "new_chat_member": kicked if blocked else member,
        }
        return self._enqueue("my_chat_member", update, chat.id)

    def raw_update(self, update: Mapping[str, Any]) -> int:
        """Enqueue an arbitrary update (its ``update_id`` is replaced); returns the id.

        The update type is the first key other than ``update_id``; a ``chat`` found one
        level down (``update[type]["chat"]``) is registered as known.
        """
        body = {k: copy.deepcopy(v) for k, v in update.items() if k != "update_id"}
        if not body:
            raise ValueError("an update needs a type key, e.g. {'message': {...}}")
        kind, obj = next(iter(body.items()))
        chat_id: int | None = None
        if isinstance(obj, dict):
            chat = obj.get("chat") or (obj.get("message") or {}).get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                chat_id = chat["id"]
                if chat_id not in self._chats:
                    self._chats[chat_id] = _Chat(
                        id=chat_id, type=str(chat.get("type", "private")), title=chat.get("title")
                    )
        update_id = self._enqueue(kind, {}, chat_id)
        record = self._updates[update_id]
        record.payload = {"update_id": update_id, **body}
        return update_id

    # ----------------------------------------------------------------- observing the bot

    def update(self, update_id: int) -> UpdateRecord:
        """The record of an update the fake generated."""
        return self._updates[update_id]

    @property
    def pending_updates(self) -> list[int]:
        """update_ids not yet confirmed by the bot (in order)."""
        return list(self._queue)

    def calls_of(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (canonical or any case)."""
        name = self._methods.get(method.lower(), (method, None))[0]
        return [c for c in self.calls if c.method == name]

    def sent(self, chat_id: int) -> list[Sent]:
        """Messages the bot produced in ``chat_id`` (sends and edits that took effect)."""
        return [s for s in self._sent if s.chat_id == chat_id]

    def messages(self, chat_id: int) -> list[JSONDict]:
        """Current state of every (not deleted) message in the chat, bot's and user's."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [copy.deepcopy(m.payload) for _, m in sorted(chat.messages.items())]

    def screen(self, chat_id: int) -> Screen:
        """The bot's latest (not deleted) message in the chat as the user sees it now."""
        chat = self._chats.get(chat_id)
        bot_messages = [m for _, m in sorted((chat.messages if chat else {}).items()) if m.from_bot]
        if chat is None or not bot_messages:
            raise LookupError(f"the bot has no message on the screen of chat {chat_id}")
        payload = bot_messages[-1].payload
        markup = payload.get("reply_markup")
        return Screen(
            chat_id=chat_id,
            message_id=payload["message_id"],
            kind=_message_kind(payload),
            text=_visible_text(payload) or "",
            buttons=_buttons(markup),
            reply_markup=copy.deepcopy(markup),
            reply_keyboard=copy.deepcopy(chat.reply_keyboard),
        )

    def replies(self, update_id: int) -> list[Sent]:
        """Messages attributed to ``update_id``: produced in its chat after the update was
        first taken by getUpdates and before the next update of that chat was taken."""
        record = self._updates[update_id]
        if record.taken_seq is None or record.chat_id is None:
            return []
        later = [
            r.taken_seq
            for r in self._updates.values()
            if r.chat_id == record.chat_id
            and r.taken_seq is not None
            and r.taken_seq > record.taken_seq
        ]
        until = min(later, default=None)
        return [
            s
            for s in self._sent
            if s.chat_id == record.chat_id
            and s.seq > record.taken_seq
            and (until is None or s.seq < until)
        ]

    def reply_counts(self) -> dict[int, int]:
        """Number of attributed replies per update_id (see :meth:`replies`)."""
        return {uid: len(self.replies(uid)) for uid in self._updates}

    async def wait_for_reply(
        self,
        chat_id: int,
        after_update_id: int | None = None,
        *,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[Sent]:
        """Wait until the bot answered an update of ``chat_id``; return the answers.

        "Answered" means at least ``count`` message-producing calls (:data:`MESSAGE_METHODS`)
        to that chat took effect after the update was taken by getUpdates. Defaults to the
        latest update of the chat; with no update at all, to messages sent from now on.
        Raises :class:`TimeoutError` with a summary of recent calls.
        """
        if after_update_id is None:
            candidates = [u for u in self._updates.values() if u.chat_id == chat_id]
            record = candidates[-1] if candidates else None
        else:
            record = self._updates[after_update_id]
        start_seq = next(self._seq)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            threshold = start_seq if record is None else record.taken_seq
            if threshold is not None:
                answers = [s for s in self._sent if s.chat_id == chat_id and s.seq > threshold]
                if len(answers) >= count:
                    return answers
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = "any message" if record is None else f"update {record.update_id}"
                state = (
                    ""
                    if record is None
                    else f" (taken={record.taken_seq is not None}, "
                    f"deliveries={record.deliveries}, confirmed={record.confirmed})"
                )
                raise TimeoutError(
                    f"no reply in chat {chat_id} to {what}{state} within {timeout}s; "
                    f"recent calls: {self._describe_calls()}"
                )
            await self._wait_change(remaining)

    async def wait_until_idle(self, *, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Wait until every enqueued update is confirmed and no call other than getUpdates
        was in flight or made for ``quiet`` seconds. Raises :class:`TimeoutError`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            if not self._queue and self._inflight == 0 and idle_for >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: pending updates {list(self._queue)}, "
                    f"{self._inflight} calls in flight; recent calls: {self._describe_calls()}"
                )
            wait = remaining if self._queue or self._inflight else quiet - idle_for
            await self._wait_change(min(max(wait, 0.005), remaining))

    async def wait_for_call(
        self, method: str, *, chat_id: int | None = None, timeout: float = 5.0
    ) -> Call:
        """Wait for the next completed call of ``method`` (optionally to ``chat_id``)."""
        name = self._canonical_method(method)
        start = len(self.calls)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.calls[start:]:
                done = call.status is not None or call.fault in ("drop", "drop_after_effect")
                if call.method == name and done and (chat_id is None or call.chat_id == chat_id):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {name} call within {timeout}s")
            await self._wait_change(remaining)

    def _describe_calls(self, last: int = 8) -> str:
        recent = [c for c in self.calls if c.method != "getUpdates"][-last:]
        return (
            ", ".join(
                f"{c.method}(chat={c.chat_id}) -> {c.status}{' ' + c.fault if c.fault else ''}"
                for c in recent
            )
            or "none"
        )

    # ----------------------------------------------------------------- webhook side

    async def post_update_to(
        self,
        url: str,
        update: Mapping[str, Any] | int,
        *,
        secret_token: str | None = None,
        timeout: float = 10.0,
    ) -> int:
        """POST an update (a dict, or the update_id of an enqueued update) to ``url`` as
        Telegram's webhook delivery does; return the HTTP status."""
        payload = self._updates[update].payload if isinstance(update, int) else dict(update)
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.post(url, data=json.dumps(payload), headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def deliver_to_webhook(self) -> list[int]:
        """Deliver pending updates to the webhook set by setWebhook, in order, with its
        secret token; a 2xx answer confirms an update. Stops at the first failure.
        Returns the HTTP statuses."""
        if not self.webhook_url:
            raise RuntimeError("no webhook is set")
        statuses: list[int] = []
        while self._queue:
            update_id = self._queue[0]
            record = self._updates[update_id]
            if not self._allowed(record.kind):
                self._queue.popleft()
                record.filtered = record.confirmed = True
                continue
            if record.taken_seq is None:
                record.taken_seq = next(self._seq)
            record.deliveries += 1
            status = await self.post_update_to(
                self.webhook_url, update_id, secret_token=self.webhook_secret_token
            )
            statuses.append(status)
            if not 200 <= status < 300:
                break
            if self._queue and self._queue[0] == update_id:
                self._queue.popleft()
            record.confirmed = True
            self._notify()
        return statuses


# --------------------------------------------------------------------------------------
# Payload helpers
# --------------------------------------------------------------------------------------


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    total = 0
    for row in rows:
        for button in row:
            total += 1
            if not isinstance(button, dict):
                raise _bad(
                    "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                )
            if not isinstance(button.get("text"), str):
                raise _bad(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            kinds = [k for k in _BUTTON_KINDS if button.get(k) is not None]
            if not kinds:
                raise _bad("text buttons are unallowed in the inline keyboard")
            if len(kinds) > 1:
                raise _bad(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    "must be used (approximate)"
                )
            if "callback_data" in kinds:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
                ):
                    raise _bad("BUTTON_DATA_INVALID")
            if "url" in kinds:
                url = button["url"]
                if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
                    raise _bad("BUTTON_URL_INVALID")
    if total > MAX_BUTTONS:
        raise _bad("reply markup is too long")


def _photo_sizes(stored: StoredFile) -> list[JSONDict]:
    return [
        {
            "file_id": f"{stored.file_id}-s",
            "file_unique_id": f"{stored.file_unique_id}s",
            "width": 90,
            "height": 60,
            "file_size": len(stored.data),
        },
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 853,
            "file_size": len(stored.data),
        },
    ]


def _document_dict(stored: StoredFile) -> JSONDict:
    document: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _message_kind(payload: Mapping[str, Any]) -> str:
    for kind in ("text", "venue", "location", "photo", "document", "sticker", "voice", "contact"):
        if kind in payload:
            return kind
    return "other"


def _visible_text(payload: Mapping[str, Any]) -> str | None:
    if "text" in payload:
        return str(payload["text"])
    if "venue" in payload:
        venue = payload["venue"]
        return f"{venue['title']}\n{venue['address']}"
    if "location" in payload:
        loc = payload["location"]
        return f"location {loc['latitude']},{loc['longitude']}"
    if "caption" in payload:
        return str(payload["caption"])
    if "photo" in payload or "document" in payload:
        return ""
    return None
