"""The same conversation in a terminal: numbered options, no token, the embedded store.

Type the number of an option, or text as you would in Telegram. Commands start with '/'
(/start, /language, /emergency, /privacy, /forget, /quit). 'loc 49.61 6.13' shares a location.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.conversation import StoreFailure
from bot.flows.model import Bold, Button, Input, Reply
from bot.runtime import Runtime

CONSOLE_USER = 1
COMMANDS = {"language", "emergency", "privacy", "forget", "help"}


def render_text(reply: Reply) -> tuple[str, list[Button]]:
    """The reply as plain text with numbered options, and the buttons in that order."""
    out: list[str] = []
    for message in reply.messages:
        for line in message.lines:
            out.append(line.upper() if isinstance(line, Bold) else line)
    buttons = [button for row in reply.buttons for button in row]
    if buttons:
        out.append("")
        out += [f"  {i}) {button.label}" for i, button in enumerate(buttons, 1)]
    for venue in reply.venues:
        out.append(f"  [map] {venue.title}: {venue.latitude:.5f}, {venue.longitude:.5f}")
    return "\n".join(out), buttons


def to_input(line: str, buttons: list[Button], screen: int, step: object) -> Input | None:
    """What a typed console line means; None to quit."""
    text = line.strip()
    if text in {"/quit", "/exit", "/q"}:
        return None
    if text.startswith("/start"):
        parts = text.split(maxsplit=1)
        return Input.start(parts[1] if len(parts) > 1 else "")
    if text.startswith("/") and text[1:] in COMMANDS:
        return Input.command(text[1:])
    if text.startswith("loc "):
        try:
            latitude, longitude = (float(x) for x in text[4:].replace(",", " ").split())
            return Input.location(latitude, longitude)
        except ValueError:
            pass
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        return Input.tap(button.action, button.value, screen=screen, step=step)
    return Input.typed(text)


async def run_console(
    runtime: Runtime,
    *,
    read: Callable[[], str] = input,
    out: TextIO = sys.stdout,
    language: str | None = None,
) -> None:
    """Talk to the bot until /quit or end of input."""

    async def handle(inp: Input) -> Reply:
        try:
            return await runtime.conversation.handle(CONSOLE_USER, inp)
        except StoreFailure as failure:  # nothing saved: the emergency numbers meanwhile
            out.write(f"[the database is failing: {failure}]\n")
            return failure.reply

    out.write("Type the number of an option, or write as you would in Telegram. /quit ends.\n\n")
    reply = await handle(Input.start(language or ""))
    while True:
        text, buttons = render_text(reply)
        out.write(text + "\n\n")
        out.flush()
        try:
            line = await asyncio.to_thread(read)
        except EOFError:
            return
        inp = to_input(line, buttons, reply.screen, reply.step)
        if inp is None:
            return
        reply = await handle(inp)
