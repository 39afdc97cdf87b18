"""Reply -> Telegram HTML and inline keyboard. Every piece of text is escaped here."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.channels.callback import CallbackPayload
from bot.flows.model import Bold, Message, Reply

MAX_TEXT = 4096


def message_html(message: Message) -> str:
    """Escape every line; titles in bold."""
    lines = [
        f"<b>{html.escape(line)}</b>" if isinstance(line, Bold) and line else html.escape(line)
        for line in message.lines
    ]
    return "\n".join(lines)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks so each part fits Telegram's limit (tags never span lines here).

    A line longer than a whole message is cut between words where it can, never inside a
    tag or an entity such as `&amp;`; tags open at a cut are closed before it and opened
    again after it, so every part is valid HTML on its own.
    """
    parts: list[str] = []
    current, size = "", 0
    for line in text.split("\n"):
        length = utf16_length(line)
        pieces = [(line, length)] if length <= limit else _cut_line(line, limit)
        for piece, piece_size in pieces:
            if not current:
                current, size = piece, piece_size
            elif size + 1 + piece_size > limit:
                parts.append(current)
                current, size = piece, piece_size
            else:
                current, size = f"{current}\n{piece}", size + 1 + piece_size
    parts.append(current)
    parts = [part for part in parts if _TAG.sub("", part).strip()]
    return parts or ["…"]


# A tag, an entity, a run of spaces, a word, or a stray character (kept as one character).
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\s+|[^<&\s]+|[<&]")
_TAG = re.compile(r"<[^<>]*>")
_TAG_NAME = re.compile(r"</?([A-Za-z0-9]+)")


def _cut_line(line: str, limit: int) -> list[tuple[str, int]]:  # noqa: C901 - one scan
    """Cut one overlong line into balanced pieces of at most `limit` UTF-16 units."""
    pieces: list[tuple[str, int]] = []
    stack: list[str] = []  # names of the tags open at this point
    opened: list[str] = []  # tags open where the current piece begins
    body: list[str] = []
    size = 0  # UTF-16 units of the opening tags and the body so far
    visible = False

    def closing(tags: list[str]) -> int:
        return sum(len(tag) + 3 for tag in tags)

    def flush() -> None:
        nonlocal opened, body, size, visible
        end = "".join(f"</{tag}>" for tag in reversed(stack))
        piece = "".join(f"<{tag}>" for tag in opened) + "".join(body) + end
        pieces.append((piece, size + len(end)))
        opened = list(stack)
        body = []
        size = sum(len(tag) + 2 for tag in opened)
        visible = False

    def add(token: str, token_size: int, after: list[str], shows: bool) -> bool:
        nonlocal size, visible
        if size + token_size + closing(after) > limit:
            return False
        body.append(token)
        size += token_size
        visible = visible or shows
        stack[:] = after
        return True

    for match in _TOKEN.finditer(line):
        token = match.group(0)
        after = stack
        if token.startswith("<") and len(token) > 1:
            name = _TAG_NAME.match(token)
            tag = name.group(1) if name else ""
            after = stack[:-1] if token.startswith("</") and stack and stack[-1] == tag else stack
            if not token.startswith("</"):
                after = [*stack, tag]
        elif token.isspace() and not visible:
            continue  # no spaces at the start of a piece
        token_size = utf16_length(token)
        shows = not token.startswith("<") or len(token) == 1
        if add(token, token_size, list(after), shows):
            continue
        if visible:
            flush()
            if token.isspace():
                continue
            if add(token, token_size, list(after), shows):
                continue
        if not shows or token.startswith("&") and len(token) > 1:
            raise ValueError(f"a limit of {limit} cannot hold the tags of this line")
        for char in token:  # a word longer than a whole piece: cut it anywhere
            if not add(char, utf16_length(char), list(stack), True):
                flush()
                if not add(char, utf16_length(char), list(stack), True):
                    raise ValueError(f"a limit of {limit} cannot hold the tags of this line")
    if visible or not pieces:
        flush()
    return pieces


def reply_html(reply: Reply) -> list[str]:
    """The texts to send, in order; the keyboard goes under the last."""
    texts: list[str] = []
    for message in reply.messages:
        texts += split_html(message_html(message))
    return texts


def keyboard(reply: Reply) -> dict[str, Any] | None:
    """The inline keyboard as the Bot API's JSON object (`InlineKeyboardMarkup`).

    A plain dict rather than python-telegram-bot's objects: the library sends a dict as it
    is, while button objects are built only to be turned back into dicts, which took about a
    seventh of the bot's CPU per update (cProfile of bench/e2e_bench.py).
    """
    if not reply.buttons:
        return None
    step, screen = reply.step, reply.screen
    return {
        "inline_keyboard": [
            [
                {
                    "text": button.label,
                    "callback_data": CallbackPayload(
                        step=step, screen=screen, action=button.action, value=button.value
                    ).pack(),
                }
                for button in row
            ]
            for row in reply.buttons
        ]
    }
