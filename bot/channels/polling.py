"""Long polling that acknowledges an update only after it has been answered.

python-telegram-bot's own updater confirms updates as soon as it has fetched them, so a
crash in between loses them. Here `getUpdates` is called with the next offset only once the
whole batch is handled: Telegram keeps anything unanswered and sends it again after a
restart; the conversation skips an update it has already applied (see docs/design.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict

from telegram import Update
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25


def _chat_key(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


async def process_batch(application: Application, updates: list[Update]) -> None:
    """Handle a batch: chats in parallel, each chat's updates in order."""
    by_chat: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        by_chat[_chat_key(update)].append(update)

    async def one_chat(chat_updates: list[Update]) -> None:
        for update in chat_updates:
            await application.process_update(update)

    await asyncio.gather(*(one_chat(chat_updates) for chat_updates in by_chat.values()))


async def poll(application: Application, stop: asyncio.Event, timeout: int = POLL_TIMEOUT) -> None:
    """Fetch, handle, then acknowledge, until `stop` is set."""
    bot = application.bot
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            bot.get_updates(offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES)
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            break
        try:
            updates = fetch.result()
        except RetryAfter as error:
            await _sleep(stop, seconds(error.retry_after))
            continue
        except (InvalidToken, Forbidden):
            raise
        except (NetworkError, TimedOut) as error:
            failures += 1
            delay = min(30.0, 0.5 * 2 ** min(failures, 6)) * (0.5 + random.random())
            log.warning("getUpdates failed (%s); retrying in %.1fs", type(error).__name__, delay)
            await _sleep(stop, delay)
            continue
        failures = 0
        if not updates:
            continue
        await process_batch(application, list(updates))
        offset = updates[-1].update_id + 1
    if offset is not None:  # tell Telegram what we have answered before we go
        try:
            await bot.get_updates(offset=offset, timeout=0)
        except (NetworkError, TimedOut):
            log.warning("could not confirm the last updates; they will be checked again")


def seconds(value: object) -> float:
    """A `retry_after` as seconds, whether PTB gives an int or a timedelta."""
    total = getattr(value, "total_seconds", None)
    return float(total() if total else value)  # type: ignore[arg-type]


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
