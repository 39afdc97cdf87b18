"""Reply -> Telegram HTML and inline keyboard. Every piece of text is escaped here."""

from __future__ import annotations

import html
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
    """Split at line breaks so each part fits Telegram's limit (tags never span lines here)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_length(line) > limit:  # a single overlong line: cut it (rare, plain text)
            parts.append(line[: limit // 2])
            line = line[limit // 2 :]
        candidate = f"{current}\n{line}" if current else line
        if utf16_length(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current or "…")
    return parts


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
