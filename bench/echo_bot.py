"""The bare python-telegram-bot echo bot that `e2e_bench.py` measures the triage bot against.

One `MessageHandler` answers each message with `send_message`; one `CallbackQueryHandler`
answers each tap with `answer` + `edit_message_text`. Both replies carry a one-button inline
keyboard, like every screen of the triage bot, so the load generator can tap again.

It is built with python-telegram-bot's defaults (its own HTTPXRequest, 256 connections)
plus `concurrent_updates(True)` and a 40 s getUpdates read timeout, and polled either with the
triage bot's own loop (`ECHO_POLL=same`, the default: `bot.channels.polling.poll`, which
acknowledges an update only once it is answered) or the standard PTB way (`ECHO_POLL=ptb`:
`Application.run_polling`, whose Updater acknowledges on fetch).

Environment: TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL (e.g. http://127.0.0.1:PORT/bot),
ECHO_POLL. Stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as tg_filters

POLL_TIMEOUT = 25  # seconds, as `python -m bot`


def _markup(update_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton("again", callback_data=f"1|echo|{update_id}|c|again")
    return InlineKeyboardMarkup([[button]])


async def on_message(update: Update, context) -> None:  # type: ignore[no-untyped-def]
    message = update.effective_message
    await context.bot.send_message(
        message.chat_id,
        f"echo: {message.text or '?'}",
        reply_markup=_markup(update.update_id),
    )


async def on_tap(update: Update, context) -> None:  # type: ignore[no-untyped-def]
    query = update.callback_query
    await query.answer()
    # The update id keeps every edit different ("message is not modified" otherwise).
    await query.edit_message_text(
        f"tapped {query.data} (#{update.update_id})", reply_markup=_markup(update.update_id)
    )


def build() -> Application:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    base_url = os.environ["TELEGRAM_BASE_URL"].rstrip("/")
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .get_updates_read_timeout(40)
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(tg_filters.ALL, on_message))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application


async def run_same_loop(application: Application) -> None:
    """The triage bot's own poll loop (bot.channels.polling.poll), without the bot."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bot.channels.polling import poll

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    try:
        await application.bot.delete_webhook(drop_pending_updates=False)
        await poll(application, stop, timeout=POLL_TIMEOUT)
    finally:
        await application.shutdown()


def main() -> int:
    application = build()
    mode = os.environ.get("ECHO_POLL", "same")
    if mode == "ptb":
        application.run_polling(
            poll_interval=0.0,
            timeout=POLL_TIMEOUT,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            stop_signals=(signal.SIGTERM, signal.SIGINT),
        )
    elif mode == "same":
        asyncio.run(run_same_loop(application))
    else:
        print(f"ECHO_POLL must be 'same' or 'ptb', not {mode!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
