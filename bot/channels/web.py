"""The web chat: one page, its script and style, and a JSON endpoint around `Conversation`.

`POST /api/message` takes what the person did (a tap, a typed text, a command, a shared
location) with the page's session id and answers with the reply as data (`web_reply`).

**Sessions.** The page makes a random 128-bit id and keeps it in `localStorage` (no
cookie). The store keys people by a 64-bit integer: a web session is stored under
`web_user_id(id)`, an unkeyed BLAKE2b hash of the id mapped to a *negative* number.
Telegram user ids are positive and the console uses 1, so the two never collide; the
database never holds the id itself, so a copy of it cannot be used to continue someone's
conversation.

**Privacy.** No access log; no IP address, user agent or typed text is logged or stored.
The address is used only in memory, hashed, for the per-address rate limit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.resources import files
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.callback import CallbackPayload
from bot.channels.ratelimit import RateLimiter
from bot.channels.web_reply import reply_json
from bot.conversation import Conversation, StoreFailure
from bot.flows.model import Input, InputKind, Reply
from bot.health import HealthStatus, healthz_response
from bot.i18n import supported
from bot.runtime import Runtime, StartupError

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # bytes of one request; a typed text is at most 4,096 characters
SESSION_RATE, SESSION_BURST = 2.0, 20  # per session: a person taps about once a second
ADDRESS_RATE, ADDRESS_BURST = 20.0, 200  # per address: a shelter's Wi-Fi is one address
COMMANDS = frozenset({"language", "emergency", "privacy", "forget", "help"})

STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
    "Server": "triage-bot",  # not the server software and its version
}


def web_user_id(session: str) -> int:
    """The store's user id for a web session id (32 hex digits): always negative."""
    digest = hashlib.blake2b(bytes.fromhex(session), digest_size=8, person=b"triage-web").digest()
    return -1 - (int.from_bytes(digest, "big") >> 1)


class WebInput(BaseModel):
    """What the page sends. Anything else is refused with a 400."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    session: str = Field(pattern=r"^[0-9a-f]{32}$")
    kind: Literal["start", "show", "tap", "text", "command", "location"]
    payload: str = Field(default="", max_length=64)  # the ?start= of a deep link
    data: str = Field(default="", max_length=64)  # a button's data, as it was sent
    text: str = Field(default="", max_length=4096)
    name: str = Field(default="", max_length=32)  # a command
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    lang: str = Field(default="", max_length=35)  # the browser's language, a hint


def to_input(request: WebInput) -> Input:
    """The flow's input for what the page sent."""
    if request.kind == "start":
        return Input.start(request.payload)
    if request.kind == "command":
        return Input.command(request.name) if request.name in COMMANDS else Input(InputKind.OTHER)
    if request.kind == "tap":
        payload = CallbackPayload.unpack(request.data)
        if payload is None:  # forged or from an old version: answered like a stale button
            return Input(InputKind.CHOICE)
        return Input.tap(payload.action, payload.value, screen=payload.screen, step=payload.step)
    if request.kind == "location":
        if request.latitude is None or request.longitude is None:
            return Input(InputKind.OTHER)
        # Town-level precision (about 1 km) is all the flow needs: it keeps only the town.
        return Input.location(round(request.latitude, 2), round(request.longitude, 2))
    text = request.text.strip()
    if text.startswith("/start"):
        return Input.start(text[6:].strip())
    if text.startswith("/") and text[1:].lower() in COMMANDS:
        return Input.command(text[1:].lower())
    return Input.typed(text)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def _load_static() -> dict[str, StaticFile]:
    folder = files("bot.web") / "static"
    loaded = {}
    for path, (name, content_type) in STATIC.items():
        body = (folder / name).read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        loaded[path] = StaticFile(body, gzip.compress(body, 9, mtime=0), content_type, etag)
    return loaded


def client_address(request: web.Request) -> str:
    """The person's address, for the rate limit only. Behind a proxy on this host or a
    private network (a container's), the last X-Forwarded-For entry: the one the proxy saw."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded:
        try:
            trusted = ipaddress.ip_address(peer).is_private  # loopback is private too
        except ValueError:
            trusted = False
        if trusted:
            return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return peer


def same_site(request: web.Request) -> bool:
    """No Origin (not a browser's cross-site call), or the Origin's host is the page's own
    (ports aside: a TLS proxy's Host header often has none)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        return urlsplit(origin).hostname == urlsplit("//" + request.host).hostname is not None
    except ValueError:
        return False


class WebChannel:
    """The web adapter around one `Runtime`."""

    def __init__(self, runtime: Runtime, health: Callable[[], HealthStatus] | None = None) -> None:
        self.runtime = runtime
        self.health = health
        # The web's own conversation: the same store and flow, a privacy notice of its own.
        self.conversation = Conversation(
            runtime.store, lambda: dataclasses.replace(runtime.context(), channel="web")
        )
        self.static = _load_static()
        self.per_session = RateLimiter(SESSION_RATE, SESSION_BURST)
        self.per_address = RateLimiter(ADDRESS_RATE, ADDRESS_BURST)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.on_response_prepare.append(_security_headers)
        for path in STATIC:
            app.router.add_get(path, partial(self.static_file, path))
        app.router.add_get("/favicon.ico", _no_content)
        app.router.add_post("/api/message", self.message)
        if self.health is not None:
            app.router.add_get("/healthz", self.healthz)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        """The status (see `bot.health`): 200 when healthy, 503 while the store fails."""
        assert self.health is not None
        return healthz_response(self.health())

    async def static_file(self, path: str, request: web.Request) -> web.Response:
        item = self.static[path]
        headers = {"ETag": item.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if request.headers.get("If-None-Match") == item.etag:
            return web.Response(status=304, headers=headers)
        body = item.body
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = item.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers={**headers, "Content-Type": item.content_type})

    async def message(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "json")
        if not same_site(request):
            return _error(403, "origin")
        if not self.per_address.allow(client_address(request)):
            return _error(429, "busy")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, "too_large")
        try:
            sent = WebInput.model_validate_json(body)
        except ValidationError:
            return _error(400, "invalid")
        if not self.per_session.allow(sent.session):
            return _error(429, "busy")
        user_id = web_user_id(sent.session)
        language = supported(sent.lang.split("-")[0].lower()) if sent.lang else None
        conversation = self.conversation
        status = 200
        try:
            if sent.kind == "show":
                reply = await conversation.show(user_id, default_language=language)
            else:
                reply = await conversation.handle(
                    user_id, to_input(sent), default_language=language
                )
        except StoreFailure as failure:  # nothing saved: the emergency numbers meanwhile
            reply, status = failure.reply, 503
        if sent.kind != "show":
            self.runtime.activity.note_update()
        return self._reply(reply, status)

    def _reply(self, reply: Reply, status: int) -> web.Response:
        tr = self.runtime.translators[reply.language]
        text = json.dumps(reply_json(reply, tr), ensure_ascii=False, separators=(",", ":"))
        return web.Response(
            text=text,
            status=status,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )


def _error(status: int, code: str) -> web.Response:
    return web.json_response({"error": code}, status=status, headers={"Cache-Control": "no-store"})


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


async def start_web(channel: WebChannel, host: str, port: int) -> web.AppRunner:
    """The server, listening (port 0: any free port, see `runner.addresses`). No access
    log: it would hold addresses and user agents."""
    runner = web.AppRunner(channel.application(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, backlog=1024).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def serve_web(runtime: Runtime, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve the web chat until `stop` is set."""
    from bot.channels.admin import purge_daily, watch_catalog
    from bot.health import HealthMonitor

    channel = WebChannel(runtime)
    monitor = HealthMonitor(runtime, "web", "web", store_health=channel.conversation.health)
    channel.health = monitor.status
    try:
        runner = await start_web(channel, host, port)
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise StartupError(
            f"the web chat cannot listen on {host} port {port} ({error.strerror or error}); "
            "set BOT_WEB_LISTEN and BOT_WEB_PORT"
        ) from None
    try:
        log.info("web chat on http://%s:%s/", host, port)
        await asyncio.gather(
            stop.wait(),
            purge_daily(runtime, stop),
            watch_catalog(runtime, None, stop),
            monitor.run(stop),
        )
    finally:
        await runner.cleanup()
