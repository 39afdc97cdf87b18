"""The bot as a real process: polling, SIGTERM, kill -9, webhook with its secret header."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from tests.conftest import BOT_TOKEN
from tests.fake_bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_environment(base_url: str, data_dir: Path | str, **env: str) -> dict[str, str]:
    """This process's environment without bot settings, plus the test bot's (at DEBUG)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    environ.update(
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_BASE_URL=base_url,
        BOT_DATA_DIR=str(data_dir),
        BOT_LOG_LEVEL="DEBUG",
        **env,
    )
    return environ


async def start_bot(fake: FakeBotAPI, data_dir: Path, **env: str) -> asyncio.subprocess.Process:
    environ = bot_environment(fake.base_url, data_dir, **env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=ROOT,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def start_webhook_bot(
    fake: FakeBotAPI, data_dir: Path, port: int, secret: str, **env: str
) -> asyncio.subprocess.Process:
    """The bot as a webhook on 127.0.0.1:`port` (plain http: the fake Bot API speaks no TLS)."""
    return await start_bot(
        fake,
        data_dir,
        BOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        BOT_WEBHOOK_ALLOW_LOCAL_HTTP="1",
        BOT_WEBHOOK_SECRET=secret,
        BOT_WEBHOOK_PORT=str(port),
        **env,
    )


async def tap_value(fake: FakeBotAPI, user: int, value: str) -> int:
    data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == value)
    return fake.user_tap(user, data)


async def test_sigterm_stops_cleanly_and_kill9_loses_nothing(tmp_path):
    async with FakeBotAPI(token=BOT_TOKEN) as fake:
        process = await start_bot(fake, tmp_path)
        try:
            user = 42
            update = fake.user_message(user, "/start", language_code="en")
            await fake.wait_for_reply(user, after_update_id=update, timeout=20)
            for value in ("en", "me"):
                update = await tap_value(fake, user, value)
                await fake.wait_for_reply(user, after_update_id=update, timeout=10)
            process.kill()  # kill -9 mid-conversation
            await process.wait()
            update = await tap_value(fake, user, "22-27")  # tapped while the bot is down
            process = await start_bot(fake, tmp_path)
            await fake.wait_for_reply(user, after_update_id=update, timeout=20)
            await fake.wait_until_idle(quiet=0.5, timeout=20)  # a redelivered update may come
            assert any(d.split("|")[1] == "status" for d in fake.screen(user).callback_data)
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()[-2000:]
        assert BOT_TOKEN not in stderr.decode()
        assert "Amina" not in stderr.decode()


async def test_webhook_checks_the_secret_token(tmp_path):
    port = free_port()
    async with FakeBotAPI(token=BOT_TOKEN) as fake:
        process = await start_webhook_bot(
            fake, tmp_path, port, "s3cret-value", BOT_WEBHOOK_LISTEN="127.0.0.1"
        )
        try:
            for _ in range(100):
                if fake.webhook_url:
                    break
                await asyncio.sleep(0.1)
            assert fake.webhook_url == f"http://127.0.0.1:{port}/hook"
            update = fake.user_message(7, "/start", language_code="en")
            url = fake.webhook_url
            await asyncio.sleep(0.3)
            assert await fake.post_update_to(url, update, secret_token=None) == 403
            assert await fake.post_update_to(url, update, secret_token="wrong") == 403
            assert await fake.post_update_to(url, update, secret_token="s3cret-value") == 200
            for _ in range(100):
                if fake.sent(7):
                    break
                await asyncio.sleep(0.1)
            assert len(fake.sent(7)) == 1 and fake.screen(7).callback_data
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.communicate(), timeout=20)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        assert process.returncode == 0
