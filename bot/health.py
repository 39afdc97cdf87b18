"""Whether the running bot is healthy, for operators and Docker's HEALTHCHECK.

The running bot keeps a small status file, `BOT_DATA_DIR/health.json`, fresh: written at
start, every WRITE_EVERY seconds, soon after an update is handled (at most once every
MIN_GAP seconds however busy the bot is), when the store starts or stops failing, and
marked stopped at the end. A webhook bot also answers `GET /healthz` with the same status.
The web chat (`python -m bot web`) keeps `health-web.json` and answers `/healthz` alike.
`python -m bot health` reads either and exits 0 (healthy) or 1 (anything else), printing one
line. The status holds no personal data: the bot's own username, the catalogue's version and
size, the mode, whether the store works, and times.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.atomic import write_atomically

if TYPE_CHECKING:
    from aiohttp import web

    from bot.conversation import StoreHealth
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

STATUS_FILE = "health.json"  # the Telegram bot's (long polling or webhook)
WEB_STATUS_FILE = "health-web.json"  # the web chat's: both may share one data folder
WRITE_EVERY = 30.0  # seconds between writes when nothing happens
MIN_GAP = 5.0  # seconds at least between two writes
MAX_AGE = 90.0  # a status older than this is stale: the bot is stopped or stuck
# Docker reads exit 0 as healthy and 1 as unhealthy (2 is reserved): never anything else.
HEALTHY, UNHEALTHY = 0, 1


class HealthStatus(BaseModel):
    """What the status file and /healthz say."""

    model_config = ConfigDict(frozen=True)

    state: Literal["running", "stopped"]
    healthy: bool
    store: Literal["ok", "failing"]
    mode: Literal["polling", "webhook", "web"]
    bot: str
    catalog_version: str
    entries: int
    started_at: datetime
    last_update_at: datetime | None
    written_at: datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


class Activity:
    """When the bot last handled an update (never whose)."""

    def __init__(self, clock: Callable[[], datetime] = now_utc) -> None:
        self._clock = clock
        self.last_update_at: datetime | None = None
        self.changed = asyncio.Event()

    def note_update(self) -> None:
        self.last_update_at = self._clock()
        self.changed.set()


class HealthMonitor:
    """Builds the status of one running bot and keeps its file fresh until `stop`."""

    def __init__(
        self,
        runtime: Runtime,
        mode: Literal["polling", "webhook", "web"],
        bot: str,
        *,
        store_health: StoreHealth | None = None,
        every: float = WRITE_EVERY,
        min_gap: float = MIN_GAP,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.runtime = runtime
        self.mode = mode
        self.bot = bot
        self.every = every
        self.min_gap = min_gap
        self._clock = clock
        self.started_at = clock()
        self.path = runtime.settings.data_dir / (WEB_STATUS_FILE if mode == "web" else STATUS_FILE)
        self.writes = 0
        self._write_failed = False
        # The web chat has a conversation (and so a store health) of its own.
        self.store_health = store_health or runtime.conversation.health
        self.store_health.listen(lambda failing, text: runtime.activity.changed.set())

    def status(self, state: Literal["running", "stopped"] = "running") -> HealthStatus:
        failing = self.store_health.failing
        catalog = self.runtime.catalog.index.catalog
        return HealthStatus(
            state=state,
            healthy=state == "running" and not failing,
            store="failing" if failing else "ok",
            mode=self.mode,
            bot=self.bot,
            catalog_version=catalog.version,
            entries=len(catalog.services),
            started_at=self.started_at,
            last_update_at=self.runtime.activity.last_update_at,
            written_at=self._clock(),
        )

    def write(self, state: Literal["running", "stopped"] = "running") -> None:
        """Replace the status file atomically; a failure is logged once, never raised."""
        try:
            write_status(self.path, self.status(state))
        except OSError as error:
            if not self._write_failed:
                log.warning("cannot write %s (%s)", self.path, error.strerror or error)
            self._write_failed = True
            return
        self._write_failed = False
        self.writes += 1

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        changed = self.runtime.activity.changed
        try:
            while not stop.is_set():
                changed.clear()
                self.write()
                written = loop.time()
                waits = [asyncio.ensure_future(e.wait()) for e in (stop, changed)]
                await asyncio.wait(waits, timeout=self.every, return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()
                gap = written + self.min_gap - loop.time()
                if gap > 0 and not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=gap)
        finally:
            self.write("stopped")


def write_status(path: Path, status: HealthStatus) -> None:
    """Replace the status file at once: readers never see half of it."""
    write_atomically(path, status.model_dump_json(indent=2) + "\n")


def healthz_response(status: HealthStatus) -> web.Response:
    """GET /healthz: 200 with the status when healthy, 503 with it when the store fails."""
    from aiohttp import web  # here: `python -m bot health` (Docker's probe) stays light

    return web.Response(
        text=status.model_dump_json(),
        status=200 if status.healthy else 503,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def judge(status: HealthStatus, now: datetime, max_age: float = MAX_AGE) -> tuple[int, str]:
    """The exit code and the one line `python -m bot health` prints."""
    if status.state == "stopped":
        return UNHEALTHY, f"unhealthy: the bot stopped at {_time(status.written_at)}"
    age = (now - status.written_at).total_seconds()
    if age > max_age:
        return UNHEALTHY, (
            f"unhealthy: no news from the bot for {age:.0f} s (stopped or stuck?); see its log"
        )
    if status.store == "failing" or not status.healthy:
        return UNHEALTHY, "unhealthy: the store is failing (the database cannot be written)"
    if status.last_update_at is None:
        last = "no update yet"
    else:
        last = f"last update {(now - status.last_update_at).total_seconds():.0f} s ago"
    who = "the web chat" if status.mode == "web" else f"@{status.bot}"
    return HEALTHY, (
        f"healthy: {who}, {status.mode}, catalogue {status.catalog_version} "
        f"({status.entries} entries), {last}"
    )


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def read_status_file(path: Path) -> HealthStatus:
    return HealthStatus.model_validate_json(path.read_bytes())


def read_status_url(url: str, timeout: float = 5.0) -> HealthStatus:
    """GET /healthz; a 503 still carries the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    return HealthStatus.model_validate_json(body)


def add_health_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", help="ask a webhook bot's /healthz instead, e.g. http://127.0.0.1:8443/healthz"
    )
    parser.add_argument(
        "--web", action="store_true", help="the web chat's status (python -m bot web)"
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=MAX_AGE,
        help=f"seconds after which the status is stale (default {MAX_AGE:.0f})",
    )


def health_main(args: argparse.Namespace) -> int:
    """`python -m bot health`: one line, exit 0 when fresh and healthy, 1 otherwise."""
    from bot.settings import SettingsError, load_settings

    try:
        if args.url:
            status = read_status_url(args.url)
        else:
            name = WEB_STATUS_FILE if args.web else STATUS_FILE
            path = load_settings(need_token=False).data_dir / name
            try:
                status = read_status_file(path)
            except FileNotFoundError:
                print(f"unhealthy: no status file {path} (is the bot running?)")
                return UNHEALTHY
    except SettingsError as error:
        print(f"unhealthy: setting error: {error}")
        return UNHEALTHY
    except (OSError, ValueError, ValidationError, json.JSONDecodeError) as error:
        where = args.url or "the status file"
        print(f"unhealthy: cannot read {where} ({type(error).__name__})")
        return UNHEALTHY
    code, line = judge(status, now_utc(), args.max_age)
    print(line)
    sys.stdout.flush()
    return code
