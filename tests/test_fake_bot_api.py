"""Tests of the fake Telegram Bot API server, driven by a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_bot_api import FakeBotAPI, Faults, parse_html, utf16_len

TOKEN = "123456:FAKE-TOKEN-for-tests-0123456789"
USER = 4242


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this, PTB 22 emits PTBDeprecationWarning while *constructing* RetryAfter (and
    # on reading duration-like attributes), which filterwarnings=error turns into errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, seed=0) as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# ------------------------------------------------------------------ transport and auth


async def test_get_me_over_http(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == fake.bot_user["username"]
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.counts["getMe"] >= 1


async def test_wrong_token_is_401(fake: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.base_url}999:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    wrong = Bot("999:WRONG", base_url=fake.base_url)
    try:
        with pytest.raises(InvalidToken):
            await wrong.initialize()
    finally:
        await wrong.shutdown()


async def test_unknown_method_is_404_and_names_are_case_insensitive(
    fake: FakeBotAPI, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{fake.base_url}{TOKEN}/sendTelepathy") as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }
    async with http.get(f"{fake.base_url}{TOKEN}/GETME") as response:
        assert response.status == 200
        assert (await response.json())["result"]["id"] == 123456


async def test_json_form_and_multipart_bodies(
    fake: FakeBotAPI, bot: Bot, http: aiohttp.ClientSession
) -> None:
    fake.user_message(USER, "hi")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    url = f"{fake.base_url}{TOKEN}/sendMessage"

    async with http.post(url, json={"chat_id": USER, "text": "json", "reply_markup": markup}) as r:
        body = await r.json()
        assert r.status == 200, body
        assert body["result"]["reply_markup"] == markup
    form = {"chat_id": str(USER), "text": "form", "reply_markup": json.dumps(markup)}
    async with http.post(url, data=form) as r:
        assert r.status == 200
        assert (await r.json())["result"]["text"] == "form"
    form["reply_markup"] = "{not json"
    async with http.post(url, data=form) as r:
        assert r.status == 400
        assert (await r.json())["description"] == (
            "Bad Request: can't parse reply keyboard markup JSON object"
        )

    # PTB sends a photo as a multipart file part; getFile + download go to base_file_url.
    message = await bot.send_photo(
        USER, b"\x89PNG fake bytes", caption="<b>c</b>", parse_mode="HTML"
    )
    assert message.caption == "c"
    sent_photo = fake.calls_of("sendPhoto")[-1]
    assert sent_photo.params["photo"].data == b"\x89PNG fake bytes"
    file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake bytes"

    # PTB's own encoding: ints JSON-dumped, reply_markup as a JSON string form field.
    await bot.send_message(USER, "ptb", reply_markup=keyboard("x"))
    params = fake.calls_of("sendMessage")[-1].params
    assert params["chat_id"] == USER
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]}


# ------------------------------------------------------------------ getUpdates


async def test_long_poll_blocks_until_an_update_arrives(fake: FakeBotAPI, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=0.3) == ()
    assert loop.time() - started >= 0.25

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    enqueued = loop.time()
    update_id = fake.user_message(USER, "wake up")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert loop.time() - enqueued < 1.0
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message.text == "wake up"


async def test_offset_confirms_and_unconfirmed_updates_are_redelivered(
    fake: FakeBotAPI, bot: Bot
) -> None:
    ids = [fake.user_message(USER, f"m{i}") for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    first = await bot.get_updates()
    assert [u.update_id for u in first] == ids
    again = await bot.get_updates()  # nothing confirmed: same updates again
    assert [u.update_id for u in again] == ids
    assert fake.update(ids[0]).deliveries == 2

    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]
    confirmed = await bot.get_updates(offset=ids[1])  # drops ids[0]
    assert [u.update_id for u in confirmed] == ids[1:]
    assert fake.update(ids[0]).confirmed and not fake.update(ids[1]).confirmed
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]

    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert fake.pending_updates == []
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_two_pollers_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    # A second bot instance: PTB's getUpdates connection pool has a single connection.
    async with Bot(TOKEN, base_url=fake.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=3))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(other.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, timeout=2)
        assert await second == ()


# ------------------------------------------------------------------ validation


async def test_text_length_is_counted_in_utf16_units(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    emoji = "\N{GRINNING FACE}"  # outside the BMP: 2 UTF-16 code units
    fits = emoji * 2048
    assert len(fits) == 2048 and utf16_len(fits) == 4096

    assert (await bot.send_message(USER, fits)).text == fits
    assert (await bot.send_message(USER, "a" * 4096)).text == "a" * 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, fits + "a")  # only 2049 Python characters
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "a" * 4097)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "  ")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_photo(USER, b"img", caption=emoji * 512 + "a")
    assert [s.text for s in fake.sent(USER)] == [fits, "a" * 4096]


async def test_callback_data_is_limited_to_64_utf8_bytes(
    fake: FakeBotAPI, bot: Bot, http: aiohttp.ClientSession
) -> None:
    fake.user_message(USER, "hi")
    await bot.send_message(USER, "ascii", reply_markup=keyboard("x" * 64))
    await bot.send_message(USER, "two-byte", reply_markup=keyboard("é" * 32))
    for data in ("x" * 65, "é" * 32 + "x"):
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            await bot.send_message(USER, "too long", reply_markup=keyboard("ok", data))

    url = f"{fake.base_url}{TOKEN}/sendMessage"
    bad_markups = {
        "BUTTON_DATA_INVALID": [[{"text": "e", "callback_data": ""}]],
        "text buttons are unallowed": [[{"text": "no kind"}]],
        "exactly one of the optional fields": [
            [{"text": "two", "callback_data": "a", "url": "https://example.org"}]
        ],
        "Array of Arrays": [{"text": "row is not a list", "callback_data": "a"}],
    }
    for description, rows in bad_markups.items():
        body = {"chat_id": USER, "text": "t", "reply_markup": {"inline_keyboard": rows}}
        async with http.post(url, json=body) as r:
            assert r.status == 400
            assert description in (await r.json())["description"]
    assert [s.text for s in fake.sent(USER)] == ["ascii", "two-byte"]


@pytest.mark.parametrize(
    "text",
    [
        "<div>x</div>",
        "<b>x",
        "a < b",
        "a & b",
        "<b><i>x</b></i>",
        "x</b>",
        '<span class="x">y</span>',
        "<b",
    ],
)
async def test_bad_html_is_rejected(fake: FakeBotAPI, bot: Bot, text: str) -> None:
    fake.user_message(USER, "hi")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")
    assert fake.calls_of("sendMessage")[-1].status == 400
    assert fake.sent(USER) == []


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("<b>bold</b> <i>it</i> &lt;tag&gt; &amp; &quot;", 'bold it <tag> & "'),
        ("&#128512; &#x1F600; a > b", "\N{GRINNING FACE} \N{GRINNING FACE} a > b"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ('<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>', "st"),
        ("<blockquote expandable>q</blockquote><u>u</u><s>s</s><code>c</code>", "qusc"),
        ("<B>upper case tags</B>", "upper case tags"),
    ],
)
async def test_good_html_is_accepted(fake: FakeBotAPI, bot: Bot, text: str, plain: str) -> None:
    fake.user_message(USER, "hi")
    message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text == plain
    assert fake.screen(USER).text == plain


async def test_html_entities_use_utf16_offsets(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    text = (
        '\N{GRINNING FACE}<b>x</b> <a href="https://example.org">y</a> '
        '<pre><code class="language-py">z</code></pre>'
    )
    message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text == "\N{GRINNING FACE}x y z"
    got = [(e.type, e.offset, e.length, e.url, e.language) for e in message.entities]
    assert got == [
        ("bold", 2, 1, None, None),
        ("text_link", 4, 1, "https://example.org", None),
        ("pre", 6, 1, None, "py"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_escaped_text_round_trips_through_the_html_parser(text: str) -> None:
    plain, entities = parse_html(html.escape(text, quote=False))
    assert plain == text
    assert entities == []


async def test_unknown_chat_and_blocked_user(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(777, "hello?")
    fake.user_message(USER, "hi")
    await bot.send_message(USER, "hello")
    update_id = fake.block_user(USER)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER, "still there?")
    (update,) = await bot.get_updates(offset=update_id)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_edits_and_the_screen(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    message = await bot.send_message(USER, "Pick one", reply_markup=keyboard("a", "b"))
    screen = fake.screen(USER)
    assert screen.text == "Pick one"
    assert screen.buttons == [[("a", "a")], [("b", "b")]]

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "Pick one", USER, message.message_id, reply_markup=keyboard("a", "b")
        )
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            USER, message.message_id, reply_markup=keyboard("a", "b")
        )

    await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=keyboard("c"))
    assert fake.screen(USER).buttons == [[("c", "c")]]
    # Like Telegram: editing the text without reply_markup removes the inline keyboard.
    edited = await bot.edit_message_text("Done", USER, message.message_id)
    assert edited.text == "Done" and edited.reply_markup is None
    assert fake.screen(USER).text == "Done" and fake.screen(USER).buttons == []
    assert [s.method for s in fake.sent(USER)] == [
        "sendMessage",
        "editMessageReplyMarkup",
        "editMessageText",
    ]

    assert await bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, message.message_id)
    with pytest.raises(LookupError):
        fake.screen(USER)


async def test_venue_location_document_and_chat_action(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    waiter = asyncio.create_task(fake.wait_for_call("sendChatAction", chat_id=USER, timeout=2))
    assert await bot.send_chat_action(USER, "find_location")
    assert (await waiter).params["action"] == "find_location"
    with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")

    venue = await bot.send_venue(USER, 49.6116, 6.1319, "Office", "1 Rue X, Luxembourg")
    assert venue.venue.title == "Office" and venue.location.longitude == pytest.approx(6.1319)
    assert fake.screen(USER).kind == "venue"
    assert fake.screen(USER).text == "Office\n1 Rue X, Luxembourg"
    location = await bot.send_location(USER, 49.6, 6.1)
    assert location.location.latitude == pytest.approx(49.6)
    with pytest.raises(BadRequest, match="(?i)wrong latitude"):
        await bot.send_location(USER, 91, 6.1)
    document = await bot.send_document(USER, b"%PDF fake", filename="guide.pdf", caption="Guide")
    assert document.document.file_name == "guide.pdf" and document.caption == "Guide"
    assert [s.method for s in fake.sent(USER)] == ["sendVenue", "sendLocation", "sendDocument"]
    assert [m["message_id"] for m in fake.messages(USER)] == [1, 2, 3, 4]


async def test_bot_settings_per_language(fake: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    assert await bot.set_my_commands([BotCommand("start", "Commencer")], language_code="fr")
    fr = await bot.get_my_commands(language_code="fr")
    assert [(c.command, c.description) for c in fr] == [("start", "Commencer")]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start-Now", "bad name")])

    await bot.set_my_description("Aide", language_code="fr")
    await bot.set_my_short_description("Help", language_code="en")
    assert (await bot.get_my_description(language_code="fr")).description == "Aide"
    assert (await bot.get_my_short_description(language_code="en")).short_description == "Help"
    assert fake.descriptions == {"fr": "Aide"}

    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button()).type == "commands"
    assert await bot.log_out() and await bot.close()
    assert fake.logged_out and fake.closed


# ------------------------------------------------------------------ simulated users


async def test_user_helpers_produce_updates_ptb_understands(fake: FakeBotAPI, bot: Bot) -> None:
    start = fake.user_message(USER, "/start@fake_test_bot payload", language_code="fr")
    await bot.send_message(USER, "menu", reply_markup=keyboard("go", "stop"))
    await bot.send_message(USER, "plain")
    ids = [
        fake.user_tap(USER, "stop"),
        fake.user_tap(USER, "forged-data"),
        fake.user_location(USER, 49.61, 6.13),
        fake.user_sticker(USER),
        fake.user_photo(USER, caption="a photo", data=b"jpeg!"),
        fake.user_voice(USER, duration=4),
        fake.user_document(USER, file_name="permit.pdf"),
        fake.user_contact(USER, "+352123456"),
        fake.edited_message(USER, 1, "/start again"),
        fake.channel_post(-100555, "news"),
        fake.inline_query(USER, "housing"),
        fake.raw_update({"future_update_kind": {"chat": {"id": USER, "type": "private"}}}),
    ]
    assert ids == list(range(start + 1, start + 1 + len(ids)))
    updates = {u.update_id: u for u in await bot.get_updates()}
    assert len(updates) == len(ids) + 1

    command = updates[start].message
    assert command.text.startswith("/start")
    assert command.parse_entities(["bot_command"]) == {command.entities[0]: "/start@fake_test_bot"}
    assert command.from_user.language_code == "fr"

    tap, forged = updates[ids[0]].callback_query, updates[ids[1]].callback_query
    assert tap.data == "stop" and tap.message.text == "menu"
    assert tap.from_user.language_code == "fr"  # the profile is remembered
    assert forged.data == "forged-data" and forged.message.text == "menu"
    assert await bot.answer_callback_query(tap.id)
    with pytest.raises(BadRequest, match="(?i)query id is invalid"):
        await bot.answer_callback_query(tap.id)  # answering twice

    location, sticker, photo, voice, document, contact, edited, post, inline, raw = (
        updates[i] for i in ids[2:]
    )
    assert location.message.location.latitude == pytest.approx(49.61)
    assert sticker.message.sticker.emoji
    assert photo.message.caption == "a photo"
    photo_file = await bot.get_file(photo.message.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == b"jpeg!"
    assert voice.message.voice.mime_type == "audio/ogg"
    assert document.message.document.file_name == "permit.pdf"
    assert contact.message.contact.user_id == USER
    assert edited.edited_message.text == "/start again" and edited.edited_message.edit_date
    assert post.channel_post.chat.type == "channel" and post.channel_post.text == "news"
    assert inline.inline_query.query == "housing"
    assert raw.effective_chat is None and raw.api_kwargs["future_update_kind"]
    assert isinstance(raw, Update)


async def test_wait_for_reply_times_out_with_a_diagnostic(fake: FakeBotAPI) -> None:
    update_id = fake.user_message(USER, "anyone?")
    with pytest.raises(TimeoutError, match=rf"update {update_id} \(taken=False"):
        await fake.wait_for_reply(USER, update_id, timeout=0.2)


# ------------------------------------------------------------------ faults


async def _chat_actions(bot: Bot, n: int) -> list[str]:
    outcomes = []
    for _ in range(n):
        try:
            await bot.send_chat_action(USER, "typing")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
        except TimedOut:
            outcomes.append("timeout")
        except NetworkError as exc:
            outcomes.append("5xx" if "Gateway" in str(exc) or "Internal" in str(exc) else "drop")
    return outcomes


async def test_faults_are_seeded_reproducible_and_near_their_shares(
    fake: FakeBotAPI, bot: Bot
) -> None:
    fake.user_message(USER, "hi")
    faults = Faults(error_5xx=0.2, rate_limit=0.1, retry_after=3, drop_connection=0.05)
    n = 500

    fake.faults = faults
    first = await _chat_actions(bot, n)
    first_fake = [c.fault for c in fake.calls_of("sendChatAction")]
    statuses = {c.status for c in fake.calls_of("sendChatAction") if c.fault == "5xx"}
    fake.faults = faults  # assigning restarts the seeded sequence
    second = await _chat_actions(bot, n)
    assert first == second
    assert [c.fault for c in fake.calls_of("sendChatAction")][n:] == first_fake

    # Client-side outcomes match what the fake injected, call by call.
    expected = {None: "ok", "5xx": "5xx", "429": "429", "drop": "drop", "drop_after_effect": "drop"}
    assert first == [expected[kind] for kind in first_fake]
    assert statuses == {500, 502}
    shares = {kind: first.count(kind) / n for kind in ("5xx", "429", "drop")}
    assert 0.15 <= shares["5xx"] <= 0.25, shares
    assert 0.06 <= shares["429"] <= 0.14, shares
    assert 0.02 <= shares["drop"] <= 0.09, shares
    # methods=None leaves getUpdates alone.
    for _ in range(20):
        await bot.get_updates(timeout=0)
    assert {c.fault for c in fake.calls_of("getUpdates")} == {None}

    fake.faults = Faults(error_5xx=0.2, rate_limit=0.1, drop_connection=0.05, seed=1)
    assert await _chat_actions(bot, 100) != first[:100]
    with pytest.raises(ValueError, match="must be <= 1"):
        Faults(error_5xx=0.6, rate_limit=0.5)


async def test_retry_after_is_telegram_shaped(
    fake: FakeBotAPI, bot: Bot, http: aiohttp.ClientSession
) -> None:
    fake.user_message(USER, "hi")
    fake.inject("sendChatAction", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_chat_action(USER, "typing")
    assert caught.value.retry_after == dt.timedelta(seconds=7)  # PTB_TIMEDELTA=1
    assert await bot.send_chat_action(USER, "typing")  # scripted: only the next call

    fake.inject("getMe", 429, retry_after=7)
    async with http.post(f"{fake.base_url}{TOKEN}/getMe") as r:
        assert r.status == 429
        assert await r.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        }


async def test_dropped_connection_before_or_after_effect(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    fake.faults = Faults(drop_connection=1.0, drop_after_effect=1.0, methods={"sendmessage"})
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(USER, "delivered, answer lost")
    fake.faults = Faults(drop_connection=1.0, drop_after_effect=0.0, methods={"sendMessage"})
    with pytest.raises(NetworkError, match="disconnected"):
        await bot.send_message(USER, "never delivered")
    fake.faults = None
    await bot.send_message(USER, "fine")
    assert [s.text for s in fake.sent(USER)] == ["delivered, answer lost", "fine"]
    assert [c.status for c in fake.calls_of("sendMessage")] == [None, None, 200]


async def test_slow_answers_time_out_after_the_effect(fake: FakeBotAPI, bot: Bot) -> None:
    fake.user_message(USER, "hi")
    fake.faults = Faults(delay=0.5, methods={"sendMessage"})
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.1)
    assert [s.text for s in fake.sent(USER)] == ["slow"]
    assert fake.calls_of("sendMessage")[-1].delayed == 0.5


async def test_go_down_refuses_connections_and_come_back_delivers_backlog(
    fake: FakeBotAPI, bot: Bot
) -> None:
    port = fake.port
    await fake.go_down()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with pytest.raises(NetworkError):
        await bot.get_me()
    backlog = [fake.user_message(USER, f"while down {i}") for i in range(2)]
    await fake.come_back()
    assert fake.port == port
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == backlog


# ------------------------------------------------------------------ a real Application


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    text = update.message.text
    await update.message.reply_text(f"echo: {text}", reply_markup=keyboard(f"again:{text}"))


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"tapped {query.data}")


@contextlib.asynccontextmanager
async def running_app(fake: FakeBotAPI, errors: list[TelegramError]) -> AsyncIterator[Application]:
    """initialize/start/start_polling and the reverse, as PTB's run_polling does it."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(tapped))
    async with app:  # initialize() ... shutdown()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5, error_callback=errors.append)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def test_application_echoes_and_answers_a_tap(fake: FakeBotAPI) -> None:
    errors: list[TelegramError] = []
    async with running_app(fake, errors):
        said = fake.user_message(USER, "hello", language_code="uk")
        (reply,) = await fake.wait_for_reply(USER, said)
        assert reply.text == "echo: hello"
        assert fake.screen(USER).buttons == [[("again:hello", "again:hello")]]

        tap = fake.user_tap(USER, "again:hello")
        await fake.wait_for_reply(USER, tap)
        assert fake.screen(USER).text == "tapped again:hello"
        assert fake.screen(USER).buttons == []
        await fake.wait_until_idle()
        assert len(fake.callback_answers) == 1

    assert errors == []
    assert fake.reply_counts() == {said: 1, tap: 1}
    assert fake.pending_updates == []
    assert fake.counts["deleteWebhook"] == 1


async def test_application_survives_an_outage(fake: FakeBotAPI) -> None:
    errors: list[TelegramError] = []
    async with running_app(fake, errors):
        await fake.wait_until_idle()
        await fake.go_down()
        said = fake.user_message(USER, "are you there?")
        await asyncio.sleep(0.1)
        await fake.come_back()
        (reply,) = await fake.wait_for_reply(USER, said, timeout=5)
        assert reply.text == "echo: are you there?"
    assert errors and all(isinstance(e, NetworkError) for e in errors)
    assert fake.reply_counts()[said] == 1


async def test_webhook_delivery_with_secret_token(fake: FakeBotAPI) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    webhook_url = f"http://127.0.0.1:{port}/hook"
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=webhook_url,
            secret_token="s3cret",
        )
        try:
            assert fake.webhook_url == webhook_url
            assert fake.webhook_secret_token == "s3cret"
            said = fake.user_message(USER, "via webhook")
            assert await fake.post_update_to(webhook_url, said, secret_token="wrong") == 403
            assert await fake.deliver_to_webhook() == [200]
            (reply,) = await fake.wait_for_reply(USER, said)
            assert reply.text == "echo: via webhook"
            assert fake.pending_updates == []
        finally:
            await app.updater.stop()
            await app.stop()
