"""Fixtures: the fake Bot API, and a real python-telegram-bot Application polling it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotAPI

BOT_TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on the old integer retry_after; the bot sets this too (build_application).
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=BOT_TOKEN, seed=0) as fake:
        yield fake


@asynccontextmanager
async def running_bot(
    fake: FakeBotAPI,
    data_dir: Path,
    *,
    today: date | None = None,
    parts: dict[str, object] | None = None,
    **settings: object,
) -> AsyncIterator[object]:
    """A real Application polling `fake`, on the SQLite file in `data_dir`; yields the runtime.

    `parts`, when given, receives the "application" for tests that look inside it."""
    from bot.channels.telegram import build_application, serve_polling
    from bot.runtime import open_runtime
    from bot.settings import Settings

    config = Settings(token=BOT_TOKEN, base_url=fake.base_url, data_dir=data_dir, **settings)
    kwargs = {"today": (lambda: today)} if today else {}
    runtime = await open_runtime(config, **kwargs)
    application = build_application(runtime)
    if parts is not None:
        parts["application"] = application
    stop = asyncio.Event()
    try:
        await application.initialize()
        await application.bot_data["channel"].announce(application)
        task = asyncio.create_task(serve_polling(application, runtime, stop, poll_timeout=1))
        try:
            yield runtime
        finally:
            stop.set()
            await task
    finally:
        await application.shutdown()
        await runtime.close()


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[object]:
    async with running_bot(fake_api, tmp_path) as runtime:
        yield runtime
