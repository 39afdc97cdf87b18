"""Long polling that acknowledges an update only after it has been answered.

python-telegram-bot's own updater confirms updates as soon as it has fetched them, so a
crash in between loses them. Here the `offset` sent to `getUpdates` never passes an update
that is still being handled or whose reply failed: Telegram keeps those and sends them again
(after a restart too); the conversation does not apply an update twice (docs/design.md).

Updates are handled as they arrive, each chat in order and chats in parallel, so one slow
chat (a Bot API that keeps answering 429 for it, a person flooding the bot) never holds up
the others. Each chat has a budget (CHAT_BURST updates back to back, then CHAT_RATE a
second, about Telegram's own limit per chat) and, while it waits for budget, only its latest
MAX_WAITING_PER_CHAT updates are kept: a person who sends fifty messages in a second gets a
dozen replies, the last about the latest, and nobody else waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any

import aiohttp
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25
MAX_WAITING_PER_CHAT = 3  # beyond this, a chat's older waiting updates are skipped
CHAT_BURST = 8  # updates of one chat handled back to back (quick taps, corrections)...
CHAT_RATE = 2.0  # ...then at most this many a second; no person taps faster for long
RETRY_DELAY = 1.0
BUSY_POLL = 0.1  # while updates are unfinished but none finishes (a paced or slow chat),
# ask Telegram for new ones this often: the others' updates must not wait for that chat
COALESCE = 0.005  # a short pause before fetching again while busy, to batch completions


MAX_ID = 2**63  # Telegram's ids fit in 64 signed bits; anything else is not an update
BACKOFF_CAP = 5.0  # seconds: a getUpdates outage never delays the first answer much more


def backoff(failures: int) -> float:
    """Seconds before the next getUpdates after `failures` failures in a row: doubling from
    about half a second, capped near BACKOFF_CAP, with jitter so many bots do not align."""
    base = min(BACKOFF_CAP, 0.25 * 2 ** min(failures, 5))
    return base * (0.6 + 0.4 * random.random())


def update_id_of(raw: object) -> int | None:
    """The id of a raw update, or None when it has none that Telegram could have sent."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("update_id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_ID:
        return None
    return value


def chat_key(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


def without_old_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    """The raw update without the keyboard of the message whose button was tapped.

    Telegram sends that whole keyboard along with every tap; the bot never reads it (the
    button's own callback data says what was tapped); without it a tap is parsed in about 40 %
    less time (cProfile, bench/e2e_bench.py).
    """
    message = (raw.get("callback_query") or {}).get("message")
    if isinstance(message, dict) and "reply_markup" in message:
        message = {key: value for key, value in message.items() if key != "reply_markup"}
        raw = {**raw, "callback_query": {**raw["callback_query"], "message": message}}
    return raw


def failed_updates(application: Application) -> set[int]:
    """Ids of updates whose reply could not be sent (filled by the error handler)."""
    return application.bot_data.setdefault("failed_updates", set())


class AnsweredIds:
    """Ids of updates this process answered that Telegram may still send again.

    Telegram repeats an update until a `getUpdates` carries an offset above it, so the ids
    below the last offset sent can never come back and are forgotten: the set stays as small
    as the window of updates in hand, however long the process runs.
    """

    def __init__(self) -> None:
        self._ids: set[int] = set()

    def add(self, update_id: int) -> None:
        self._ids.add(update_id)

    def forget_below(self, offset: int) -> None:
        if self._ids and min(self._ids) < offset:
            self._ids = {update_id for update_id in self._ids if update_id >= offset}

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)


class Dispatcher:
    """Runs updates per chat in order, chats in parallel; knows the safe offset."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.answered = AnsweredIds()
        self.unfinished: set[int] = set()  # being handled or waiting
        self.retry: set[int] = set()  # failed: to fetch and handle again
        self.failed = failed_updates(application)
        self._queues: dict[int, list[Update]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.done = asyncio.Event()
        self.skipped = 0
        self._budgets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)

    def is_new(self, update_id: int) -> bool:
        return update_id not in self.answered and update_id not in self.unfinished

    def submit(self, update: Update, delay: float = 0.0) -> bool:
        """Queue an update unless it is already known; True when it was new."""
        update_id = update.update_id
        if update_id in self.answered or update_id in self.unfinished:
            return False
        self.unfinished.add(update_id)
        chat = chat_key(update)
        queue = self._queues.setdefault(chat, [])
        queue.append(update)
        if len(queue) > MAX_WAITING_PER_CHAT:
            for old in queue[:-MAX_WAITING_PER_CHAT]:
                self._finish(old.update_id, ok=True)
                self.skipped += 1
            del queue[:-MAX_WAITING_PER_CHAT]
        if chat not in self._workers:
            self._workers[chat] = asyncio.create_task(self._work(chat, delay))
        return True

    async def _work(self, chat: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        queue = self._queues[chat]
        try:
            while queue:
                wait = self._pace(chat)
                if wait:  # a flood: meanwhile its older updates are skipped (submit)
                    await asyncio.sleep(wait)
                update = queue.pop(0)
                try:
                    await self.application.process_update(update)
                except Exception:  # process_update reports to the error handler already
                    log.exception("update handling failed")
                ok = update.update_id not in self.failed
                self.failed.discard(update.update_id)
                self._finish(update.update_id, ok)
        finally:
            del self._queues[chat]
            del self._workers[chat]

    def _pace(self, chat: int) -> float:
        """Seconds to wait before the next update of `chat` (a token bucket per chat)."""
        now = asyncio.get_running_loop().time()
        if len(self._budgets) > 4096:  # forget chats whose budget is full again
            full = CHAT_BURST / CHAT_RATE
            self._budgets = {c: b for c, b in self._budgets.items() if now - b[1] < full}
        tokens, at = self._budgets.get(chat, (CHAT_BURST, now))
        tokens = min(CHAT_BURST, tokens + (now - at) * CHAT_RATE)
        wait = max(0.0, (1.0 - tokens) / CHAT_RATE)
        self._budgets[chat] = (max(tokens, 1.0) - 1.0, now + wait)
        return wait

    def _finish(self, update_id: int, ok: bool) -> None:
        if ok:
            self.unfinished.discard(update_id)
            self.answered.add(update_id)
        else:
            self.unfinished.discard(update_id)
            self.retry.add(update_id)
        self.done.set()

    def safe_offset(self, fetched_up_to: int | None) -> int | None:
        """The offset that acknowledges exactly what has been answered."""
        pending = self.unfinished | self.retry
        if pending:
            return min(pending)
        return fetched_up_to

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running updates finish (bounded); what is left is fetched again next time."""
        workers = list(self._workers.values())
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=timeout)
        for worker in late:
            worker.cancel()
        await asyncio.gather(*late, return_exceptions=True)


class UpdateSource:
    """`getUpdates` as raw JSON, so updates fetched again are not parsed again.

    Our own small HTTP call (aiohttp, as every other call: `bot.channels.http`) instead of
    `Bot.get_updates`: while updates are being handled they are fetched again with every poll
    (the offset must not pass them), and parsing them into objects each time would cost O(n)
    per update.
    """

    def __init__(self, bot: Bot) -> None:
        self._url = f"{bot.base_url}/getUpdates"
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=None, connect=10.0, sock_read=POLL_TIMEOUT + 15),
            trust_env=True,
        )

    async def fetch(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"timeout": timeout, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            body["offset"] = offset
        try:
            async with self._session.post(self._url, json=body) as response:
                data = json.loads(await response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise NetworkError(f"getUpdates failed: {type(error).__name__}") from error
        if not isinstance(data, dict):
            raise NetworkError("getUpdates failed: not a JSON object")
        if data.get("ok"):
            return list(data.get("result") or [])
        code = data.get("error_code")
        if code == 429:
            raise RetryAfter(int((data.get("parameters") or {}).get("retry_after", 1)))
        if code in (401, 404):
            raise InvalidToken(data.get("description") or "Unauthorized")
        raise NetworkError(f"getUpdates failed: {code} {data.get('description', '')}")

    async def close(self) -> None:
        await self._session.close()


async def poll(application: Application, stop: asyncio.Event, timeout: int = POLL_TIMEOUT) -> None:
    """Fetch, handle and acknowledge, until `stop` is set."""
    source = UpdateSource(application.bot)
    try:
        await _poll(application, source, stop, timeout)
    finally:
        await source.close()


async def _poll(
    application: Application, source: UpdateSource, stop: asyncio.Event, timeout: int
) -> None:
    bot = application.bot
    dispatcher = Dispatcher(application)
    application.bot_data["dispatcher"] = dispatcher  # for tests and diagnostics
    next_offset: int | None = None
    failures = 0
    odd = 0  # polls in a row that brought only updates without a usable id
    while not stop.is_set():
        offset = dispatcher.safe_offset(next_offset)
        busy = bool(dispatcher.unfinished)
        dispatcher.done.clear()
        fetch = asyncio.ensure_future(source.fetch(offset, 0 if busy else timeout))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            break
        try:
            raw_updates = fetch.result()
        except RetryAfter as error:
            await _sleep(stop, seconds(error.retry_after))
            continue
        except InvalidToken:
            raise
        except NetworkError as error:
            failures += 1
            delay = backoff(failures)
            log.warning("getUpdates failed (%s); retrying in %.1fs", error, delay)
            await _sleep(stop, delay)
            continue
        failures = 0
        if offset is not None:  # Telegram has now forgotten everything below it
            dispatcher.answered.forget_below(offset)
        new = 0
        ids = [update_id_of(raw) for raw in raw_updates]
        for raw, update_id in zip(raw_updates, ids, strict=True):
            if update_id is None:
                continue  # acknowledged by the next good id's offset (see below)
            if not dispatcher.is_new(update_id):
                continue
            again = update_id in dispatcher.retry
            dispatcher.retry.discard(update_id)
            try:
                update = Update.de_json(without_old_keyboard(raw), bot)
            except Exception:  # an update we cannot read: skip it rather than loop on it
                log.warning("skipped an unreadable update")
                dispatcher.answered.add(update_id)
                continue
            new += dispatcher.submit(update, delay=RETRY_DELAY if again else 0.0)
        good = [update_id for update_id in ids if update_id is not None]
        if good:
            last = max(good) + 1
            next_offset = last if next_offset is None else max(next_offset, last)
            odd = 0
        elif raw_updates:  # only updates without a usable id: nothing can acknowledge them
            odd += 1
            if odd == 1:
                log.warning("getUpdates returned %d update(s) without a valid id", len(ids))
            await _sleep(stop, backoff(odd))
        if not new and (dispatcher.unfinished or dispatcher.retry):
            # nothing new: wait until something finishes before asking again
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(dispatcher.done.wait(), timeout=BUSY_POLL)
            await asyncio.sleep(COALESCE)
    await dispatcher.drain()
    final = dispatcher.safe_offset(next_offset)
    if final is not None:  # tell Telegram what we have answered before we go
        try:
            await source.fetch(final, 0)
        except NetworkError:
            log.warning("could not confirm the last updates; they will be checked again")


def seconds(value: object) -> float:
    """A `retry_after` as seconds, whether PTB gives an int or a timedelta."""
    total = getattr(value, "total_seconds", None)
    return float(total() if total else value)  # type: ignore[arg-type]


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
