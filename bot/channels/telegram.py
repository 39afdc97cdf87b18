"""Telegram: turn updates into flow inputs and replies into messages. Nothing else.

One handler per kind of update. The conversation itself lives in `bot.flows`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections import OrderedDict

from telegram import (
    BotCommand,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.admin import AdminCommands, notify_admins, purge_daily, watch_catalog
from bot.channels.callback import CallbackPayload
from bot.channels.http import AiohttpRequest
from bot.channels.polling import failed_updates, poll
from bot.channels.render import keyboard, reply_html
from bot.channels.retry import AmbiguousSend, RetryingRequest
from bot.conversation import StoreFailure
from bot.flows.model import Input, InputKind, Reply
from bot.i18n import N_, supported
from bot.runtime import Runtime
from bot.share import SHARE_TEXT, deep_link, qr_png
from bot.store import StoreError

log = logging.getLogger(__name__)

BOT_API_CONNECTIONS = 64  # calls in flight to the Bot API at once; the rest wait their turn

FLOW_COMMANDS = ("language", "emergency", "privacy", "forget", "help")

COMMAND_MENU = (
    ("start", N_("Begin")),
    ("emergency", N_("Emergency numbers")),
    ("language", N_("Change the language")),
    ("privacy", N_("What I keep about you")),
    ("forget", N_("Delete what I keep about you")),
    ("share", N_("Share this bot")),
)
DESCRIPTION = N_(
    "I help migrants and refugees in Luxembourg find the services that fit them: health, "
    "family, work, school, papers, housing and more. Free, in your language."
)
SHORT_DESCRIPTION = N_("Find help in Luxembourg, in your language.")
STORE_FAILING = (
    "The database is failing ({error}). People get the emergency numbers meanwhile; their "
    "messages are kept and answered once it works again. I will tell you when it does."
)
STORE_WORKS = "The database works again (after {duration}). Waiting messages are answered now."
PRIVATE_ONLY = N_(
    "To protect your privacy I only talk in private chats. Open a private chat with me: {link}"
)


class TelegramChannel:
    """The Telegram adapter around one `Runtime`."""

    def __init__(self, runtime: Runtime, application: Application) -> None:
        self.runtime = runtime
        self.application = application
        self.bot = application.bot
        self.message_ids = LastMessageIds()
        request = application.bot.request
        if hasattr(request, "on_message"):  # a RetryingRequest (tests may give another)
            request.on_message = self.message_ids.see
        self.fallback_shown = BoundedIds()  # updates already shown the emergency screen
        self._notices: asyncio.Lock = asyncio.Lock()  # admins hear outage, then recovery
        self._tasks: set[asyncio.Task[None]] = set()
        runtime.conversation.health.listen(self._store_changed)

    # --- updates -> inputs ------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = context.args[0] if context.args else ""
        await self._run(update, Input.start(payload))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()
        await self._run(update, Input.command(name))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, Input.typed(update.effective_message.text or ""))

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        location = update.effective_message.location
        await self._run(update, Input.location(location.latitude, location.longitude))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._run(update, Input(InputKind.OTHER))

    async def on_share(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send the bot's link and its QR code, ready to forward."""
        try:
            session = await self.runtime.store.load(update.effective_user.id)
        except StoreError:
            session = None
        language = session.language if session else supported(_language_code(update))
        tr = self.runtime.translators[language]
        link = deep_link(context.bot.username or "")
        await context.bot.send_photo(
            update.effective_chat.id,
            photo=qr_png(link),
            caption=tr(SHARE_TEXT, link=link),
        )

    async def on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE or query.data is None:
            # A tap on a message in a group, on an inline message, or a game button: never a
            # private conversation posted elsewhere, but the spinner must stop.
            with contextlib.suppress(TelegramError):
                await query.answer()
            return
        payload = CallbackPayload.unpack(query.data)
        if payload is None:
            inp = Input(InputKind.CHOICE)
        else:
            inp = Input.tap(payload.action, payload.value, screen=payload.screen, step=payload.step)
        await self._run(update, inp, query=query)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not self._addressed_to_bot(message, context):
            return
        tr = self.runtime.translators[supported(_language_code(update))]
        link = f"https://t.me/{context.bot.username}"
        await message.reply_text(tr(PRIVATE_ONLY, link=link), do_quote=False)

    @staticmethod
    def _addressed_to_bot(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        text = message.text or ""
        username = (context.bot.username or "").lower()
        replied = message.reply_to_message
        if text.startswith("/"):  # "/help" or "/help@us", never "/help@another_bot"
            command = text.split()[0]
            return "@" not in command or command.split("@", 1)[1].lower() == username
        return (bool(username) and f"@{username}" in text.lower()) or (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == context.bot.id
        )

    # --- flow -> replies ----------------------------------------------------------------------

    async def _run(self, update: Update, inp: Input, query: CallbackQuery | None = None) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return
        if query is None and update.effective_message is not None:
            # A new message is the newest of its chat; a tapped one may be old.
            self.message_ids.see(chat.id, update.effective_message.message_id)
        try:
            reply = await self.runtime.conversation.handle(
                user.id,
                inp,
                default_language=supported(_language_code(update)),
                update_id=update.update_id,
            )
        except StoreFailure as failure:
            # Nothing was saved: the poller must not acknowledge the update, so that it is
            # handled again once the store works. Meanwhile the person sees the emergency
            # numbers, once per update (not at every try).
            failed_updates(self.application).add(update.update_id)
            if update.update_id in self.fallback_shown:
                if query is not None:
                    with contextlib.suppress(TelegramError):
                        await query.answer()
                return
            await self._reply(chat.id, failure.reply, query)
            self.fallback_shown.add(update.update_id)
            return
        if update.update_id in self.fallback_shown:
            # the emergency screen came after the tapped message: answer below it, not above
            self.fallback_shown.discard(update.update_id)
            reply = dataclasses.replace(reply, new_message=True)
        await self._reply(chat.id, reply, query)
        self.runtime.activity.note_update()

    async def _reply(self, chat_id: int, reply: Reply, query: CallbackQuery | None) -> None:
        if query is None:
            await self.send(chat_id, reply)
            return
        # Stop the button's spinner and show the reply at the same time: one round trip.
        answered, sent = await asyncio.gather(
            query.answer(), self.send(chat_id, reply, edit=query.message), return_exceptions=True
        )
        if isinstance(sent, BaseException):
            raise sent
        if isinstance(answered, BaseException) and not isinstance(answered, BadRequest):
            log.debug("could not answer a button tap: %s", type(answered).__name__)

    def _store_changed(self, failing: bool, text: str) -> None:
        """Tell the admins, in order, without holding up the reply being handled."""
        message = STORE_FAILING.format(error=text) if failing else STORE_WORKS.format(duration=text)

        async def tell() -> None:
            async with self._notices:
                await notify_admins(self.runtime, self.bot, message)

        task = asyncio.get_running_loop().create_task(tell())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(self, chat_id: int, reply: Reply, edit: object = None) -> None:
        """Send a reply: edit the tapped message in place for questions, new messages else."""
        bot = self.bot
        texts = reply_html(reply)
        markup = keyboard(reply)
        # A tap on a message Telegram no longer gives us (date 0) cannot be edited: send anew.
        editable = isinstance(edit, Message) and edit.is_accessible
        if editable and not reply.new_message and len(texts) == 1:
            try:
                await bot.edit_message_text(
                    texts[0],
                    chat_id=chat_id,
                    message_id=edit.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                return
            except BadRequest as error:
                if "not modified" in str(error).lower():
                    return
                # the message is gone or too old to edit: send a new one instead
        for i, text in enumerate(texts):
            await self._send_text(chat_id, text, markup if i == len(texts) - 1 else None)
        for venue in reply.venues:
            try:
                await bot.send_venue(
                    chat_id,
                    latitude=venue.latitude,
                    longitude=venue.longitude,
                    title=venue.title,
                    address=venue.address or venue.title,
                )
            except AmbiguousSend:
                log.warning("a map pin may not have arrived; not sent twice")

    async def _send_text(self, chat_id: int, text: str, markup: object) -> None:
        """sendMessage exactly once: after a lost response, look before sending again."""
        for _ in range(3):
            try:
                message = await self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )
            except AmbiguousSend:
                if await self._already_delivered(chat_id, text, markup):
                    return
                continue
            self.message_ids.see(chat_id, message.message_id)
            return
        log.warning("a reply could not be confirmed after 3 tries")

    async def _already_delivered(self, chat_id: int, text: str, markup: object) -> bool:
        """Whether the message just after the newest one we know of is this very message.

        Editing it to the same content answers "message is not modified" when it is there,
        "message to edit not found" when it never arrived. Only ids above the newest known
        message are tried, and every message the bot creates is known (the request layer
        reports it), so no message that existed before the lost send is ever changed. When
        nothing is known of the chat (after a restart, before its next message), the message
        is sent again: at worst the person sees it twice (docs/design.md).
        """
        known = self.message_ids.get(chat_id)
        if known is None:
            return False
        for candidate in range(known + 1, known + 4):
            try:
                await self.bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=candidate,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                self.message_ids.see(chat_id, candidate)
                return True
            except BadRequest as error:
                description = str(error).lower()
                if "not modified" in description:
                    self.message_ids.see(chat_id, candidate)
                    return True
                if "not found" in description:
                    return False
            except TelegramError:
                return False
        return False

    # --- set-up ---------------------------------------------------------------------------

    def register(self, application: Application) -> None:
        application.add_handler(TypeHandler(Update, drop_unusable), group=-1)
        private = filters.ChatType.PRIVATE
        new_messages = filters.UpdateType.MESSAGE
        application.add_handler(CommandHandler("start", self.on_start, private & new_messages))
        application.add_handler(
            CommandHandler(FLOW_COMMANDS, self.on_command, private & new_messages)
        )
        application.add_handler(
            CallbackQueryHandler(self.on_tap, pattern=lambda _: True, block=True),
            group=0,
        )
        # Game buttons carry no data: the handler above skips them; they are answered too.
        application.add_handler(CallbackQueryHandler(self.on_tap, block=True), group=0)
        application.add_handler(
            MessageHandler(private & new_messages & filters.TEXT & ~filters.COMMAND, self.on_text)
        )
        application.add_handler(
            MessageHandler(private & new_messages & filters.LOCATION, self.on_location)
        )
        AdminCommands(self.runtime, self.on_other).register(application)
        application.add_handler(CommandHandler("share", self.on_share, private & new_messages))
        application.add_handler(MessageHandler(private, self.on_other))
        application.add_handler(MessageHandler(filters.ChatType.GROUPS, self.on_group))
        application.add_error_handler(on_error)

    async def announce(self, application: Application) -> None:
        """Set the command menu and the description in every language."""
        bot = application.bot
        for language in self.runtime.translators.languages:
            tr = self.runtime.translators[language.code]
            commands = [BotCommand(name, tr(text)) for name, text in COMMAND_MENU]
            code = None if language.code == "en" else language.code
            try:
                await bot.set_my_commands(commands, language_code=code)
                await bot.set_my_description(tr(DESCRIPTION), language_code=code)
                await bot.set_my_short_description(tr(SHORT_DESCRIPTION), language_code=code)
            except TelegramError as error:
                log.warning(
                    "could not set the menu for %s: %s", language.code, type(error).__name__
                )


class BoundedIds:
    """A set of update ids that forgets the oldest beyond `size`."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def add(self, update_id: int) -> None:
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def discard(self, update_id: int) -> None:
        self._ids.pop(update_id, None)

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids


class LastMessageIds:
    """The newest message id seen per chat (bounded: the least recent chats are forgotten)."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[int, int] = OrderedDict()
        self._size = size

    def see(self, chat_id: int, message_id: int) -> None:
        self._ids[chat_id] = max(message_id, self._ids.get(chat_id, 0))
        self._ids.move_to_end(chat_id)
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def get(self, chat_id: int) -> int | None:
        return self._ids.get(chat_id)


MAX_ID = 2**63  # Telegram's user and chat ids fit in 64 signed bits


def is_usable(update: Update) -> bool:
    """Whether an update has what every handler relies on: a message has its chat (with a
    type), and every user and chat id is one Telegram could send."""
    message = update.message or update.edited_message
    if message is not None and (message.chat is None or not message.chat.type):
        return False
    user = update.effective_user
    if user is not None and not 0 < user.id < MAX_ID:
        return False
    chat = message.chat if message is not None else update.effective_chat
    return chat is None or -MAX_ID < chat.id < MAX_ID


async def drop_unusable(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a malformed update before any handler: one log line, nothing about the person."""
    if isinstance(update, Update) and not is_usable(update):
        log.warning("dropped a malformed update (missing chat or impossible id)")
        raise ApplicationHandlerStop


def _language_code(update: Update) -> str | None:
    user = update.effective_user
    return user.language_code if user else None


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of failure only: never the update, which holds what the person typed.

    A reply that failed on the Bot API's side is marked, so polling fetches it again.
    """
    error = context.error
    if isinstance(error, TelegramError) and not isinstance(error, BadRequest | Forbidden):
        if isinstance(update, Update):
            failed_updates(context.application).add(update.update_id)
        log.warning("a reply failed (%s); the update will be tried again", type(error).__name__)
        return
    log.error(
        "error while handling an update: %s",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )


async def serve_polling(
    application: Application, runtime: Runtime, stop: asyncio.Event, poll_timeout: int = 25
) -> None:
    """Poll until `stop`, with the catalogue watcher and the retention purge beside it."""
    await asyncio.gather(
        poll(application, stop, timeout=poll_timeout),
        watch_catalog(runtime, application.bot, stop),
        purge_daily(runtime, stop),
    )


class TriageApplication(Application):  # type: ignore[type-arg]
    """python-telegram-bot's Application without its persistence bookkeeping.

    Application notes the chat and the user of every update for its `persistence`, and only
    a persistence ever empties those notes. This bot keeps its state in its own store and
    has none, so they grew by two ids per person for the life of the process.
    """

    def _mark_for_persistence_update(self, *, update: object = None, job: object = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)  # type: ignore[arg-type]


def build_application(runtime: Runtime) -> Application:
    """The python-telegram-bot Application for one runtime. Nothing is built at import time."""
    settings = runtime.settings
    assert settings.token is not None
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as a timedelta, without warnings
    builder = ApplicationBuilder().token(settings.token.get_secret_value())
    if settings.base_url:
        builder = builder.base_url(settings.base_url).base_file_url(
            settings.base_url.removesuffix("/bot") + "/file/bot"
        )
    builder = (
        builder.request(
            RetryingRequest(
                AiohttpRequest(
                    connection_pool_size=BOT_API_CONNECTIONS, read_timeout=15, connect_timeout=10
                ),
                slots=BOT_API_CONNECTIONS,
            )
        )
        .get_updates_request(
            AiohttpRequest(connection_pool_size=1, read_timeout=40, connect_timeout=10)
        )
        .concurrent_updates(True)
        .application_class(TriageApplication)
    )
    application = builder.build()
    channel = TelegramChannel(runtime, application)
    channel.register(application)
    application.bot_data["channel"] = channel
    return application
