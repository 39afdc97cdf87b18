"""The webhook server is hard to abuse and keeps polling's delivery promise (issue 16,
point 6). A stub application stands in for python-telegram-bot: these tests are about the
HTTP side (the real process is in test_process.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import aiohttp
import pytest

from bot.channels import webhook
from bot.channels.polling import failed_updates
from bot.channels.webhook import SECRET_HEADER, WebhookServer
from tests.test_process import free_port

SECRET = "s3cret-value"
UPDATE = {
    "update_id": 10,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 7, "type": "private"},
        "from": {"id": 7, "is_bot": False, "first_name": "Ana"},
        "text": "/start",
    },
}


class StubApplication:
    """Records the updates it is given; fails the first `failures` of them like the error
    handler does when a reply could not be sent."""

    def __init__(self, failures: int = 0) -> None:
        self.bot = None
        self.bot_data: dict[str, object] = {}
        self.seen: list[int] = []
        self.failures = failures

    async def process_update(self, update: object) -> None:
        update_id = update.update_id  # type: ignore[attr-defined]
        self.seen.append(update_id)
        if self.failures > 0:
            self.failures -= 1
            failed_updates(self).add(update_id)  # type: ignore[arg-type]


@pytest.fixture
async def server():
    app = StubApplication()
    server = WebhookServer(app, "/hook", SECRET)  # type: ignore[arg-type]
    port = free_port()
    await server.start("127.0.0.1", port)
    server.url = f"http://127.0.0.1:{port}/hook"  # type: ignore[attr-defined]
    server.port = port  # type: ignore[attr-defined]
    server.app = app  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        await server.stop()


async def post(url: str, body: bytes, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status


async def test_the_secret_is_checked_before_anything_is_read(server) -> None:
    body = json.dumps(UPDATE).encode()
    assert await post(server.url, body, secret=None) == 403
    assert await post(server.url, body, secret="wrong") == 403
    assert await post(server.url, body, secret=SECRET + "x") == 403
    assert server.app.seen == []
    assert await post(server.url, body) == 200
    assert server.app.seen == [10]


async def test_a_big_body_is_refused_without_being_read(server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = (
        f"POST /hook HTTP/1.1\r\nHost: x\r\n{SECRET_HEADER}: {SECRET}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {99 * 1024 * 1024}\r\n\r\n"
    )
    writer.write(head.encode())  # and not one byte of the 99 MB
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), timeout=3)
    assert b" 413 " in status
    writer.close()
    # Without the secret the answer is 403, still without reading the body.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head.replace(SECRET, "nope").encode())
    await writer.drain()
    assert b" 403 " in await asyncio.wait_for(reader.readline(), timeout=3)
    writer.close()


async def test_an_idle_or_slow_socket_is_closed(server, monkeypatch) -> None:
    server.guard._idle = 0.5
    idle = socket.create_connection(("127.0.0.1", server.port))
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\n")  # headers that never finish
    await asyncio.sleep(1.6)
    for sock in (idle, slow):
        sock.setblocking(False)
        try:
            data = sock.recv(1024)
        except BlockingIOError:
            data = None
        assert data == b"", "the connection should have been closed"
        sock.close()


async def test_connections_beyond_the_cap_are_closed_at_once(server, monkeypatch) -> None:
    server.guard._limit = 5
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    await asyncio.sleep(0.3)
    closed = 0
    for sock in socks:
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            closed += sock.recv(1) == b""
        sock.close()
    assert closed == 3
    assert server.guard.refused == 3
    await asyncio.sleep(0.2)
    assert await post(server.url, json.dumps(UPDATE).encode()) == 200  # room again


async def test_a_reply_that_failed_gets_a_500_so_telegram_sends_it_again(server) -> None:
    server.app.failures = 2
    body = json.dumps(UPDATE).encode()
    assert await post(server.url, body) == 500
    assert await post(server.url, body) == 500
    assert await post(server.url, body) == 200
    assert server.app.seen == [10, 10, 10]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"update_id": "x"}',
        json.dumps({"update_id": 5, "message": 3}).encode(),
    ],
)
async def test_a_malformed_update_is_dropped_with_one_line_and_no_data(
    server, body, caplog
) -> None:
    assert await post(server.url, body) == 200
    assert server.app.seen == []
    assert all(r.levelname in ("WARNING", "INFO", "DEBUG") for r in caplog.records)
    assert "Ana" not in caplog.text


def test_limits_are_sane() -> None:
    assert webhook.MAX_BODY <= 1024 * 1024
    assert webhook.IDLE_TIMEOUT <= 30
    assert webhook.TELEGRAM_CONNECTIONS < webhook.MAX_CONNECTIONS


async def test_the_real_process_refuses_a_declared_99_mb_body_at_once(tmp_path) -> None:
    from tests.conftest import BOT_TOKEN
    from tests.fake_bot_api import FakeBotAPI
    from tests.test_process import start_webhook_bot

    port = free_port()
    async with FakeBotAPI(token=BOT_TOKEN) as fake:
        process = await start_webhook_bot(fake, tmp_path, port, SECRET)
        try:
            for _ in range(100):
                if fake.webhook_url:
                    break
                await asyncio.sleep(0.1)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                (
                    f"POST /hook HTTP/1.1\r\nHost: x\r\n{SECRET_HEADER}: nope\r\n"
                    f"Content-Length: {99 * 1024 * 1024}\r\n\r\n"
                ).encode()
            )
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), timeout=3)
            writer.close()
            assert b" 403 " in status or b" 413 " in status
        finally:
            process.terminate()
            await process.wait()
