"""The webhook: Telegram posts each update here; we answer 200 only once it was answered.

A small aiohttp server of our own rather than python-telegram-bot's, so that nothing is read
before the secret is checked (in constant time), bodies are bounded, idle or slow sockets
are closed, the number of connections is capped, and a malformed update is dropped with one
log line that says nothing about the person.

Delivery: an update whose reply could not be sent gets a 500, and Telegram sends it again
later (the conversation does not apply it twice, see docs/design.md). Telegram gives up on
an update after its own number of attempts; what is lost then is said in the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.channels.polling import chat_key, failed_updates, update_id_of, without_old_keyboard
from bot.health import HealthStatus, healthz_response

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; Telegram's updates are a few kilobytes
MAX_CONNECTIONS = 100  # Telegram opens at most `max_connections` (we ask for 40)
TELEGRAM_CONNECTIONS = 40
IDLE_TIMEOUT = 10.0  # seconds a connection may sit without a request in progress
BODY_TIMEOUT = 10.0  # seconds to receive a body once the headers are in
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


class ConnectionGuard:
    """A protocol factory around aiohttp's: at most `limit` connections at once, and a
    connection with no request in progress for `idle` seconds (never sent one, sends its
    headers too slowly, or sits between requests) is closed."""

    def __init__(self, inner: Any, limit: int = MAX_CONNECTIONS, idle: float = IDLE_TIMEOUT):
        self._inner = inner
        self._limit = limit
        self._idle = idle
        self._open: dict[Any, float] = {}  # protocol -> when it last started or ended a request
        self._reaper: asyncio.Task[None] | None = None
        self.refused = 0

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._open) >= self._limit:
            self.refused += 1
            if self.refused == 1 or self.refused % 1000 == 0:
                log.warning("webhook: connection limit reached (%d refused so far)", self.refused)
            return _Refuse()
        loop = asyncio.get_running_loop()
        inner = self._inner()
        self._open[inner] = loop.time()
        if self._reaper is None or self._reaper.done():
            self._reaper = loop.create_task(self._reap())
        return _Tracked(inner, self)

    def forget(self, inner: Any) -> None:
        self._open.pop(inner, None)

    def touch(self, protocol: Any) -> None:
        """Note that `protocol` started or finished a request."""
        if protocol in self._open:
            self._open[protocol] = asyncio.get_running_loop().time()

    async def _reap(self) -> None:
        loop = asyncio.get_running_loop()
        while self._open:
            await asyncio.sleep(min(1.0, self._idle / 2))
            now = loop.time()
            for protocol, since in list(self._open.items()):
                busy = getattr(protocol, "_request_in_progress", False)
                transport = getattr(protocol, "transport", None)
                if not busy and now - since > self._idle and transport is not None:
                    transport.close()
                    self._open.pop(protocol, None)

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)


class _Tracked(asyncio.Protocol):
    """Passes everything to aiohttp's protocol and tells the guard when the connection ends."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard.forget(self._inner)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class _Refuse(asyncio.Protocol):
    """Closes a connection over the limit at once, without reading from it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class WebhookServer:
    """Serves one webhook path for one `Application` until `stop()`."""

    def __init__(
        self,
        application: Application,
        path: str,
        secret: str,
        health: Callable[[], HealthStatus] | None = None,
    ) -> None:
        self.application = application
        self._health = health
        self.path = "/" + path.strip("/")
        self._secret = secret.encode()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._runner: web.AppRunner | None = None
        self._server: asyncio.AbstractServer | None = None
        self.guard: ConnectionGuard | None = None

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._handle)
        if self._health is not None:
            app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, keepalive_timeout=IDLE_TIMEOUT
        )
        await self._runner.setup()
        self.guard = ConnectionGuard(self._runner.server)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self.guard, host, port, backlog=128)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
        if self.guard is not None:
            await self.guard.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        """The status (see `bot.health`): 200 when healthy, 503 while the store fails."""
        assert self._health is not None
        return healthz_response(self._health())

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403)
        length = request.content_length
        if length is not None and length > MAX_BODY:
            return web.Response(status=413)
        protocol = request.protocol
        if self.guard is not None:
            self.guard.touch(protocol)
        try:
            try:
                body = await asyncio.wait_for(request.content.read(MAX_BODY + 1), BODY_TIMEOUT)
            except TimeoutError:
                return web.Response(status=408)
            if len(body) > MAX_BODY:
                return web.Response(status=413)
            return await self._process(body)
        finally:
            if self.guard is not None:
                self.guard.touch(protocol)

    async def _process(self, body: bytes) -> web.Response:
        try:
            raw = json.loads(body)
        except ValueError:
            raw = None
        update_id = update_id_of(raw)
        if update_id is None:
            log.warning("webhook: dropped a body that is not an update")
            return web.Response(status=200)  # nothing Telegram could send again usefully
        try:
            update = Update.de_json(without_old_keyboard(raw), self.application.bot)
        except Exception:
            log.warning("webhook: dropped an unreadable update")
            return web.Response(status=200)
        failed = failed_updates(self.application)
        lock = self._chat_locks.setdefault(chat_key(update), asyncio.Lock())
        try:
            async with lock:  # one chat's updates in order, chats in parallel
                try:
                    await self.application.process_update(update)
                except Exception:  # process_update reported it to the error handler
                    log.warning("webhook: an update could not be handled")
                    failed.add(update_id)
        finally:
            if not lock.locked():
                self._chat_locks.pop(chat_key(update), None)
        if update_id in failed:
            failed.discard(update_id)
            return web.Response(status=500)  # Telegram sends it again later
        return web.Response(status=200)


async def set_webhook(application: Application, url: str, secret: str) -> None:
    await application.bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        max_connections=TELEGRAM_CONNECTIONS,
        drop_pending_updates=False,
    )
