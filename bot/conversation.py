"""Runs the flow for one person at a time: load the session, step, save, return the reply.

Channels call `Conversation.handle`; they never touch the store or the flow directly.
Updates of one user are handled one after the other (a lock per user), users in parallel.

When the store fails (disk full, a lock held by another process, a read-only or corrupt
file), `handle` raises `StoreFailure` carrying what to show meanwhile: the emergency numbers
of the catalogue, in the person's language when it is known. Nothing was saved, so the
channel must not acknowledge the update: it is handled again once the store works.
`StoreHealth` tells its listeners (the admins) once when the store starts failing and once
when it works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.flows.context import Context
from bot.flows.engine import render, step
from bot.flows.model import Input, Reply, Session, StepName
from bot.store import Store, StoreError

log = logging.getLogger(__name__)


class StoreFailure(Exception):
    """The store failed; nothing of this update was saved. Show `reply`, try again later."""

    def __init__(self, reply: Reply, error: BaseException | None) -> None:
        super().__init__(describe(error) if error else "the store is failing")
        self.reply = reply
        self.error = error


def describe(error: BaseException) -> str:
    """The kind of store error, for logs and admins. SQLite's messages hold no values."""
    return f"{type(error).__name__}: {str(error)[:120]}"


RECOVERY_QUIET = 5.0  # seconds the store must work before the outage is declared over


class StoreHealth:
    """Whether the store works. Listeners hear `(failing, text)` once per outage, and once
    when it is over: when the store has worked for RECOVERY_QUIET seconds (a disk that is
    nearly full fails and works by turns; that is one outage, not one per write).

    While it fails, one write at a time tries the store (`probe`); the others get the
    emergency screen at once instead of each waiting for the busy timeout in turn.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, quiet: float = RECOVERY_QUIET
    ) -> None:
        self._clock = clock
        self.quiet = quiet
        self.failures = 0
        self.probe = asyncio.Lock()
        self._failing = False  # the last write failed
        self._outage_began: float | None = None  # told the listeners; not over yet
        self._worked_at = 0.0
        self._confirm: asyncio.TimerHandle | None = None
        self._listeners: list[Callable[[bool, str], None]] = []

    @property
    def failing(self) -> bool:
        return self._failing

    def listen(self, listener: Callable[[bool, str], None]) -> None:
        self._listeners.append(listener)

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        self._failing = True
        if self._confirm is not None:  # failing again before the end was declared
            self._confirm.cancel()
            self._confirm = None
        if self._outage_began is not None:
            return
        self._outage_began = self._clock()
        text = describe(error)
        log.error("the store is failing (%s); answering with the emergency screen", text)
        self._tell(True, text)

    def works(self) -> None:
        if not self._failing:
            return
        self._failing = False
        self._worked_at = self._clock()
        if self._outage_began is not None and self._confirm is None:
            self._confirm = asyncio.get_running_loop().call_later(self.quiet, self._over)

    def _over(self) -> None:
        self._confirm = None
        if self._outage_began is None:
            return
        seconds = self._worked_at - self._outage_began
        self._outage_began = None
        log.warning("the store works again after %.0f s", seconds)
        self._tell(False, f"{seconds:.0f} s")

    def _tell(self, failing: bool, text: str) -> None:
        for listener in self._listeners:
            try:
                listener(failing, text)
            except Exception:  # a listener must never stop a reply
                log.exception("a store health listener failed")


class Conversation:
    """The flow, the store and the catalogue, put together."""

    def __init__(self, store: Store, context: Callable[[], Context]) -> None:
        self.store = store
        self._context = context
        self._locks: dict[int, asyncio.Lock] = {}
        self.health = StoreHealth()

    def _lock(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    async def handle(
        self,
        user_id: int,
        inp: Input,
        *,
        default_language: str | None = None,
        update_id: int | None = None,
    ) -> Reply:
        """Apply one input of `user_id` and return the reply; the new state is saved first.

        An update seen before (redelivered after a crash) is not applied twice: the person
        gets the screen they are at. Raises `StoreFailure` when the store fails.
        """
        lock = self._lock(user_id)
        async with lock:
            try:
                return await self._handle(user_id, inp, default_language, update_id)
            finally:
                if not lock._waiters:  # type: ignore[attr-defined]
                    self._locks.pop(user_id, None)

    async def show(self, user_id: int, *, default_language: str | None = None) -> Reply:
        """The screen `user_id` is at, changing and saving nothing (a web page reloaded).

        Someone without a session gets the first screen, and still nothing is stored.
        Raises `StoreFailure` when the store cannot be read."""
        lock = self._lock(user_id)
        async with lock:
            try:
                ctx = self._context()
                session = await self._load(user_id, ctx, default_language)
                return render(session or Session(language=default_language), ctx)
            finally:
                if not lock._waiters:  # type: ignore[attr-defined]
                    self._locks.pop(user_id, None)

    async def _load(
        self, user_id: int, ctx: Context, default_language: str | None
    ) -> Session | None:
        """The stored session; a store error raises `StoreFailure` with the emergency screen."""
        try:
            return await self.store.load(user_id)
        except StoreError as error:
            self.health.failed(error)
            fallback = emergency_screen(Session(language=default_language), ctx)
            raise StoreFailure(fallback, error) from error

    async def _handle(
        self, user_id: int, inp: Input, default_language: str | None, update_id: int | None
    ) -> Reply:
        ctx = self._context()
        session = await self._load(user_id, ctx, default_language)
        if session is None:
            session = Session(language=default_language)
        if update_id is not None and update_id <= session.last_update:
            return render(session, ctx)
        before = session.step
        new, reply = step(session, inp, ctx)
        if new is not None and update_id is not None:
            new.last_update = update_id
        health = self.health
        if health.failing and health.probe.locked():  # another update is trying the store
            raise StoreFailure(emergency_screen(session, ctx), None)
        try:
            async with health.probe if health.failing else contextlib.nullcontext():
                if new is None:
                    await self.store.forget(user_id)
                else:
                    await self.store.save(user_id, new)
        except StoreError as error:
            health.failed(error)
            raise StoreFailure(emergency_screen(session, ctx), error) from error
        health.works()
        if (
            new is not None
            and new.step is StepName.RESULTS
            and before is not StepName.RESULTS
            and new.answers.need
        ):
            try:
                await self.store.count_need(new.answers.need, new.language or "en")
            except StoreError as error:  # the person's state is saved; one count is lost
                log.warning("a need count was lost (%s)", type(error).__name__)
        return reply


def emergency_screen(session: Session, ctx: Context) -> Reply:
    """The emergency numbers (the catalogue's emergency entry), in the session's language."""
    shown = Session(
        language=session.language,
        step=StepName.EMERGENCY,
        answers=session.answers,
        screen=session.screen,
    )
    return render(shown, ctx)
