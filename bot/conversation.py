"""Runs the flow for one person at a time: load the session, step, save, return the reply.

Channels call `Conversation.handle`; they never touch the store or the flow directly.
Updates of one user are handled one after the other (a lock per user), users in parallel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.flows.context import Context
from bot.flows.engine import render, step
from bot.flows.model import Input, Reply, Session, StepName
from bot.store import Store


class Conversation:
    """The flow, the store and the catalogue, put together."""

    def __init__(self, store: Store, context: Callable[[], Context]) -> None:
        self.store = store
        self._context = context
        self._locks: dict[int, asyncio.Lock] = {}

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
        gets the screen they are at.
        """
        lock = self._lock(user_id)
        async with lock:
            try:
                return await self._handle(user_id, inp, default_language, update_id)
            finally:
                if not lock._waiters:  # type: ignore[attr-defined]
                    self._locks.pop(user_id, None)

    async def _handle(
        self, user_id: int, inp: Input, default_language: str | None, update_id: int | None
    ) -> Reply:
        ctx = self._context()
        session = await self.store.load(user_id)
        if session is None:
            session = Session(language=default_language)
        if update_id is not None and update_id <= session.last_update:
            return render(session, ctx)
        before = session.step
        new, reply = step(session, inp, ctx)
        if new is None:
            await self.store.forget(user_id)
            return reply
        if update_id is not None:
            new.last_update = update_id
        await self.store.save(user_id, new)
        if new.step is StepName.RESULTS and before is not StepName.RESULTS and new.answers.need:
            await self.store.count_need(new.answers.need, new.language or "en")
        return reply
