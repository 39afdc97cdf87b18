"""Staff commands in Telegram (/reload, /stats, /catalog) and the catalogue watcher.

Only the user ids in BOT_ADMIN_IDS may use them. For anyone else they take exactly the path
of any unknown input, so they reveal nothing. Texts here are for staff, in English.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.catalog.holder import ReloadResult
from bot.catalog.report import build_report, format_report
from bot.channels.render import MAX_TEXT, split_html
from bot.runtime import Runtime
from bot.store import StoreError

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("reload", "stats", "catalog")
MAX_PROBLEMS_SHOWN = 30


def reload_text(result: ReloadResult, entries: int) -> str:
    if result.problems:
        shown = result.problems[:MAX_PROBLEMS_SHOWN]
        more = len(result.problems) - len(shown)
        lines = [
            "The catalogue file has problems. I keep serving the previous catalogue.",
            *shown,
        ]
        if more:
            lines.append(f"… and {more} more. Run: python -m bot catalog check")
        return "\n".join(lines)
    if result.changed:
        return f"Catalogue reloaded: {entries} entries."
    return f"The catalogue file has not changed ({entries} entries)."


def stats_text(counts: list[tuple[str, str, str, int]]) -> str:
    """Anonymous counts of needs asked for, by week, need and language. No user ids."""
    if not counts:
        return "No searches counted yet."
    by_week: Counter[str] = Counter()
    by_need: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    for week, need, language, count in counts:
        by_week[week] += count
        by_need[need] += count
        by_language[language] += count
    lines = ["Searches by week:"]
    lines += [f"  {week}: {n}" for week, n in sorted(by_week.items())[-8:]]
    lines.append("By need:")
    lines += [f"  {need}: {n}" for need, n in by_need.most_common()]
    lines.append("By language:")
    lines += [f"  {language}: {n}" for language, n in by_language.most_common()]
    return "\n".join(lines)


class AdminCommands:
    """Handlers for staff; `fallback` handles the update as unknown input for anyone else."""

    def __init__(
        self,
        runtime: Runtime,
        fallback: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]],
    ) -> None:
        self.runtime = runtime
        self.fallback = fallback

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.runtime.settings.admin_ids

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.is_admin(update):
            await self.fallback(update, context)
            return
        name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()
        if name == "reload":
            result = await asyncio.to_thread(self.runtime.catalog.reload, True)
            text = reload_text(result, len(self.runtime.catalog.index.catalog.services))
        elif name == "stats":
            text = stats_text(await self.runtime.store.need_counts())
        else:
            catalog = self.runtime.catalog.index.catalog
            report = format_report(build_report(catalog, self.runtime.today()))
            text = f"File: {self.runtime.catalog.path.name}\nVersion: {catalog.version}\n{report}"
        await send_plain(context.bot, update.effective_chat.id, text)

    def register(self, application: Application) -> None:
        application.add_handler(
            CommandHandler(ADMIN_COMMANDS, self.on_command, filters.ChatType.PRIVATE), group=0
        )


async def send_plain(bot, chat_id: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Send staff text (escaped, split to fit Telegram's limit, never inside an entity)."""
    for chunk in split_html(html.escape(text), MAX_TEXT - len("<pre></pre>")):
        await bot.send_message(chat_id, f"<pre>{chunk}</pre>", parse_mode=ParseMode.HTML)


async def notify_admins(runtime: Runtime, bot, text: str) -> None:  # type: ignore[no-untyped-def]
    for admin in sorted(runtime.settings.admin_ids):
        try:
            await send_plain(bot, admin, text)
        except TelegramError as error:
            log.warning("could not notify an admin: %s", type(error).__name__)


async def watch_catalog(runtime: Runtime, bot, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """Every BOT_CATALOG_CHECK_SECONDS: reload a changed file; tell the admins what happened
    (`bot` None, as in the web chat: only the log says it)."""
    interval = runtime.settings.catalog_check_seconds
    if interval <= 0:
        return
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except TimeoutError:
            pass
        try:
            await _check_catalog(runtime, bot)
        except Exception as error:  # the watcher must outlive anything a check can raise
            log.error("catalogue check failed: %s", type(error).__name__, exc_info=True)


async def _check_catalog(runtime: Runtime, bot) -> None:  # type: ignore[no-untyped-def]
    if not runtime.catalog.changed_on_disk():
        return
    result = await asyncio.to_thread(runtime.catalog.reload)
    entries = len(runtime.catalog.index.catalog.services)
    if result.problems:
        log.warning("catalogue file rejected: %d problems", len(result.problems))
    elif result.changed:
        log.info("catalogue reloaded: %d entries", entries)
    if bot is not None and (result.problems or result.changed):
        await notify_admins(runtime, bot, reload_text(result, entries))


async def purge_daily(runtime: Runtime, stop: asyncio.Event) -> None:
    """Delete sessions idle longer than the retention period, once a day (within the hour
    again if the store fails: a failing disk must not stop the bot, nor the retention)."""
    while not stop.is_set():
        wait = 86400
        try:
            removed = await runtime.store.purge(runtime.settings.retention_days)
        except StoreError as error:
            log.warning(
                "retention purge failed (%s); trying again in an hour", type(error).__name__
            )
            wait = 3600
        else:
            if removed:
                log.info("retention: deleted %d idle sessions", removed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
