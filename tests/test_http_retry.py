"""The HTTP layer under every Bot API call: aiohttp transport and the retry policy above it.

Driven through a real python-telegram-bot `Bot` against the fake Bot API on 127.0.0.1.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.channels.http import NOT_SENT, AiohttpRequest
from bot.channels.retry import AmbiguousSend, RetryingRequest, RetryPolicy
from tests.fake_bot_api import FakeBotAPI

TOKEN = "123456:FAKE-TOKEN-for-http-tests-0123456789"
USER = 5151
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, seed=0) as api:
        api.user_message(USER, "hi")
        yield api


def make_bot(base_url: str, request: RetryingRequest) -> Bot:
    return Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest())


@pytest.fixture
async def retrying() -> RetryingRequest:
    return RetryingRequest(AiohttpRequest(connection_pool_size=4), slots=4, policy=FAST, seed=1)


@pytest.fixture
async def bot(fake: FakeBotAPI, retrying: RetryingRequest) -> AsyncIterator[Bot]:
    async with make_bot(fake.base_url, retrying) as client:
        yield client


async def test_json_call_with_keyboard_reaches_the_fake_intact(fake: FakeBotAPI, bot: Bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="1|x")]])
    message = await bot.send_message(
        USER, "<b>Moien</b> 🙂 سلام", parse_mode="HTML", reply_markup=markup
    )
    [sent] = fake.sent(USER)
    assert sent.message_id == message.message_id
    assert sent.text == "Moien 🙂 سلام"
    assert sent.reply_markup == {"inline_keyboard": [[{"text": "Ja", "callback_data": "1|x"}]]}


async def test_upload_goes_as_multipart_with_its_bytes(fake: FakeBotAPI, bot: Bot):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    await bot.send_photo(USER, png, caption="QR", filename="share.png")
    [call] = fake.calls_of("sendPhoto")
    assert call.status == 200 and call.effective
    assert call.params["caption"] == "QR"


async def test_5xx_and_429_are_repeated_after_the_wait_they_ask_for(
    fake: FakeBotAPI, bot: Bot, retrying: RetryingRequest
):
    fake.inject("sendMessage", 502)
    fake.inject("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    await bot.send_message(USER, "after two failures")
    waited = time.monotonic() - started
    assert [c.status for c in fake.calls_of("sendMessage")] == [502, 429, 200]
    assert waited >= 1.0  # retry_after honoured
    assert retrying.retries == 2
    assert [s.text for s in fake.sent(USER)] == ["after two failures"]


async def test_a_lost_send_is_not_repeated_blindly(fake: FakeBotAPI, bot: Bot):
    fake.inject("sendMessage", "drop_after_effect")
    with pytest.raises(AmbiguousSend):
        await bot.send_message(USER, "maybe delivered")
    assert len(fake.calls_of("sendMessage")) == 1  # no second send
    assert [s.text for s in fake.sent(USER)] == ["maybe delivered"]


async def test_a_lost_edit_is_repeated(fake: FakeBotAPI, bot: Bot):
    message = await bot.send_message(USER, "first")
    fake.inject("editMessageText", "drop")
    await bot.edit_message_text("second", chat_id=USER, message_id=message.message_id)
    calls = fake.calls_of("editMessageText")
    assert [c.fault for c in calls] == ["drop", None]
    assert fake.screen(USER).text == "second"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_connection_never_opened_is_retried_then_reported_as_not_sent():
    request = RetryingRequest(AiohttpRequest(), policy=FAST, seed=2)
    url = f"http://127.0.0.1:{_closed_port()}/bot"
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"{url}{TOKEN}/sendMessage")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, AmbiguousSend)  # nothing left: safe to send again
    assert isinstance(caught.value.__cause__, NOT_SENT)
    assert request.retries == FAST.attempts - 1


async def test_a_slow_answer_times_out(fake: FakeBotAPI):
    request = RetryingRequest(
        AiohttpRequest(read_timeout=0.2), policy=RetryPolicy(attempts=1), seed=3
    )
    fake.inject("sendChatAction", 500, delay=1.0)
    async with make_bot(fake.base_url, request) as client:
        with pytest.raises(TimedOut):
            await client.send_chat_action(USER, "typing")


async def test_calls_before_initialize_are_refused():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")
