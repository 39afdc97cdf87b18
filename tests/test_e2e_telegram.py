"""End to end: the real python-telegram-bot Application over HTTP against the fake Bot API."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from bot.flows.options import NEEDS
from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotAPI, Screen


class Person:
    """A simulated Telegram user who reads the screen and taps buttons."""

    def __init__(self, fake: FakeBotAPI, user_id: int, language_code: str = "en") -> None:
        self.fake = fake
        self.id = user_id
        self.language_code = language_code

    async def _answered(self, update_id: int) -> Screen:
        await self.fake.wait_for_reply(self.id, after_update_id=update_id, timeout=10)
        return self.fake.screen(self.id)

    async def say(self, text: str) -> Screen:
        update_id = self.fake.user_message(
            self.id, text, language_code=self.language_code, first_name="Amina"
        )
        return await self._answered(update_id)

    def button(self, value: str | None = None, action: str = "c") -> str:
        for data in self.fake.screen(self.id).callback_data:
            parts = data.split("|")
            if parts[3] == action and (value is None or parts[4] == value):
                return data
        raise AssertionError(f"no button {action}:{value} on {self.fake.screen(self.id).text!r}")

    async def tap(self, value: str | None = None, action: str = "c") -> Screen:
        return await self.tap_data(self.button(value, action))

    async def tap_data(self, data: str) -> Screen:
        update_id = self.fake.user_tap(self.id, data)
        return await self._answered(update_id)


def no_rejected_calls(fake: FakeBotAPI) -> None:
    rejected = [(c.method, c.description) for c in fake.calls if c.status and c.status >= 400]
    assert rejected == []


async def to_need(person: Person, language: str = "en") -> Screen:
    await person.say("/start")
    await person.tap(language)
    await person.tap("me")
    await person.tap("22-27")
    return await person.tap("asylum_applicant")


async def test_first_screen_states_privacy_and_offers_languages(fake_api, bot):
    person = Person(fake_api, 101)
    screen = await person.say("/start")
    assert "/forget" in screen.text
    assert {"1|language" in data for data in screen.callback_data} == {True}
    no_rejected_calls(fake_api)


@pytest.mark.parametrize("need", [option.id for option in NEEDS])
async def test_full_journey_for_every_need(fake_api, bot, need):
    person = Person(fake_api, 200)
    await to_need(person)
    screen = await person.tap(need)
    if any(data.split("|")[1] == "place" for data in screen.callback_data):
        screen = await person.tap("skip")
    assert any(data.split("|")[1] == "results" for data in screen.callback_data), screen.text
    assert len(screen.text) > 50
    assert any(d.split("|")[3] == "e" for d in screen.callback_data)  # emergency on results
    no_rejected_calls(fake_api)


async def test_results_in_french_with_tappable_numbers(fake_api, bot):
    person = Person(fake_api, 201, language_code="fr")
    screen = await person.say("/start")
    assert "langue" in screen.text.lower()
    await person.tap("fr")
    await person.tap("me")
    await person.tap("16-17")
    await person.tap("asylum_applicant")
    screen = await person.tap("mental_health")
    assert "CESMI" in screen.text
    assert "+352 28 89 20 33" in screen.text
    no_rejected_calls(fake_api)


async def test_deep_link_presets_language_and_need(fake_api, bot):
    person = Person(fake_api, 202)
    screen = await person.say("/start fr-mental_health")
    assert any(data.split("|")[1] == "who" for data in screen.callback_data)
    await person.tap("me")
    await person.tap("22-27")
    screen = await person.tap("asylum_applicant")
    assert "CESMI" in screen.text


async def test_invalid_deep_link_is_ignored(fake_api, bot):
    person = Person(fake_api, 203)
    screen = await person.say("/start <script>alert(1)</script>")
    assert any(data.split("|")[1] == "language" for data in screen.callback_data)
    no_rejected_calls(fake_api)


async def test_typed_age_and_need(fake_api, bot):
    person = Person(fake_api, 204)
    await person.say("/start")
    await person.tap("en")
    await person.tap("child")
    screen = await person.say("٧")
    assert any(data.split("|")[1] == "status" for data in screen.callback_data)
    await person.tap("unknown")
    screen = await person.say("psycologist")
    assert any(data.split("|")[1] == "results" for data in screen.callback_data)


async def test_restart_mid_conversation_continues(fake_api, tmp_path):
    person = Person(fake_api, 300)
    async with running_bot(fake_api, tmp_path):
        await to_need(person)
    async with running_bot(fake_api, tmp_path):  # a new Application on the same SQLite file
        screen = await person.tap("mental_health")
        assert "CESMI" in screen.text


async def test_pending_updates_after_downtime_are_answered(fake_api, tmp_path):
    people = [Person(fake_api, 400 + i) for i in range(5)]
    async with running_bot(fake_api, tmp_path):
        for person in people:
            await to_need(person)
    # the bot is down: people keep tapping
    pending = [fake_api.user_tap(p.id, p.button("work")) for p in people]
    async with running_bot(fake_api, tmp_path):
        for person, update_id in zip(people, pending, strict=True):
            await fake_api.wait_for_reply(person.id, after_update_id=update_id, timeout=10)
            assert any(
                d.split("|")[1] == "results" for d in fake_api.screen(person.id).callback_data
            )


async def test_forget_deletes_the_row(fake_api, tmp_path):
    person = Person(fake_api, 500)
    async with running_bot(fake_api, tmp_path) as runtime:
        await to_need(person)
        database = runtime.settings.database
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT COUNT(*) FROM sessions WHERE user_id = 500").fetchone()[0]
        screen = await person.say("/forget")
        assert "deleted" in screen.text
        with sqlite3.connect(database) as db:
            assert (
                db.execute("SELECT COUNT(*) FROM sessions WHERE user_id = 500").fetchone()[0] == 0
            )


async def test_stale_and_forged_callbacks_are_polite(fake_api, bot):
    person = Person(fake_api, 600)
    await person.say("/start")
    old = person.button("en")
    await person.tap("en")
    await person.tap("me")
    screen = await person.tap_data(old)  # a button of an old message
    assert "older message" in screen.text
    for forged in ("1|need|1|c|../../x", "garbage", "2|need|1|c|work", "1|results|99|m|", "ü" * 20):
        screen = await person.tap_data(forged)
        assert screen.callback_data  # always a usable screen
    no_rejected_calls(fake_api)


async def test_media_and_odd_texts_get_please_choose(fake_api, bot):
    person = Person(fake_api, 700)
    await person.say("/start")
    await person.tap("en")
    for send in (
        lambda: fake_api.user_sticker(person.id),
        lambda: fake_api.user_photo(person.id),
        lambda: fake_api.user_voice(person.id),
        lambda: fake_api.user_message(person.id, "x" * 4096),
        lambda: fake_api.user_message(person.id, "\u202eمرحبا \u200fשלום\u200d 🙂"),
    ):
        update_id = send()
        await fake_api.wait_for_reply(person.id, after_update_id=update_id, timeout=10)
        screen = fake_api.screen(person.id)
        assert "choose" in screen.text.lower() or "understand" in screen.text.lower()
        assert any(data.split("|")[1] == "who" for data in screen.callback_data)
    no_rejected_calls(fake_api)


async def test_location_orders_nearest_regional_office(fake_api, bot):
    """A parent of 35 asking about children and family gets the regional children's offices
    (seed 001: no age limit), nearest first (issue 12)."""
    person = Person(fake_api, 800)
    await person.say("/start")
    await person.tap("en")
    await person.tap("me")
    await person.tap("28-64")
    await person.tap("international_protection")
    screen = await person.tap("children_family")
    assert any(data.split("|")[1] == "place" for data in screen.callback_data)
    update_id = fake_api.user_location(person.id, 49.9661, 5.9322)  # Wiltz
    await fake_api.wait_for_reply(person.id, after_update_id=update_id, timeout=10)
    text = fake_api.screen(person.id).text
    assert "Wiltz" in text and text.index("Wiltz") < text.index("Other offices")


async def test_emergency_command_gives_public_numbers(fake_api, bot):
    person = Person(fake_api, 900)
    screen = await person.say("/emergency")
    for number in ("112", "113", "116 111"):
        assert number in screen.text


async def test_group_chat_gets_a_private_link_and_no_question(fake_api, bot):
    update_id = fake_api.user_message(
        950, "/start", chat_type="group", chat_id=-1001, chat_title="Volunteers"
    )
    await fake_api.wait_for_reply(-1001, after_update_id=update_id, timeout=10)
    screen = fake_api.screen(-1001)
    assert "t.me/fake_test_bot" in screen.text
    assert screen.callback_data == []


async def test_command_menu_and_description_set_per_language(fake_api, bot):
    def menu(language: str) -> dict[str, str]:
        return {
            command["command"]: command["description"]
            for (_, code), commands in fake_api.commands.items()
            if code == language
            for command in commands
        }

    languages = {language for _, language in fake_api.commands}
    assert {"", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es"} <= languages
    assert menu("").keys() == menu("fr").keys() and menu("")["forget"] != menu("fr")["forget"]
    assert {"", "fr", "ar", "ti"} <= set(fake_api.descriptions)
    assert fake_api.descriptions["ar"] != fake_api.descriptions[""]


async def test_retention_purges_idle_sessions(tmp_path):
    from bot.flows.model import Session
    from bot.store import SQLiteStore

    now = [1_000_000.0]
    store = await SQLiteStore.open(tmp_path / "s.sqlite3", clock=lambda: now[0])
    await store.save(1, Session(language="en"))
    now[0] += 29 * 86400
    await store.save(2, Session(language="fr"))
    now[0] += 2 * 86400
    assert await store.purge(30) == 1
    assert await store.load(1) is None and await store.load(2) is not None
    await store.close()


async def test_share_sends_link_and_a_qr_code_that_decodes(fake_api, bot):
    import io

    import zxingcpp
    from PIL import Image

    person = Person(fake_api, 960, language_code="fr")
    update = fake_api.user_message(person.id, "/share", language_code="fr")
    await fake_api.wait_for_reply(person.id, after_update_id=update, timeout=10)
    photo = fake_api.calls_of("sendPhoto")[-1]
    assert "https://t.me/fake_test_bot" in photo.params["caption"]
    file = next(iter(fake_api.files.values()))
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(file.data)))
    assert [code.text for code in decoded] == ["https://t.me/fake_test_bot"]


async def test_many_people_leave_no_per_person_trace_in_memory(fake_api, tmp_path):
    """Nothing kept in memory grows with the number of people served (see the soak bench)."""
    parts: dict[str, object] = {}
    async with running_bot(fake_api, tmp_path, parts=parts):
        people = [Person(fake_api, 700_000 + i) for i in range(60)]
        for person in people:
            await person.say("/start")
        await asyncio.gather(*(person.tap("en") for person in people))
        application = parts["application"]
        # python-telegram-bot's persistence notes, which only a persistence would empty
        assert application._chat_ids_to_be_updated_in_persistence == set()
        assert application._user_ids_to_be_updated_in_persistence == set()
        # ids of answered updates are forgotten once Telegram has confirmed them
        await fake_api.wait_until_idle(timeout=5)
        await people[0].say("/start")
        assert len(application.bot_data["dispatcher"].answered) <= 2


# --- safety: distress typed anywhere, emergency numbers first ----------------------------

DISTRESS = {
    "en": "I want to kill myself",
    "ar": "زوجي يضربني",
    "fa": "میخوام خودکشی کنم",
    "uk": "мене побили, допоможіть",
}


def step_of(screen: Screen) -> str:
    return screen.callback_data[-1].split("|")[1]


@pytest.mark.parametrize("language", sorted(DISTRESS))
async def test_distress_typed_at_every_step_reaches_112(fake_api, bot, language):
    person = Person(fake_api, 1000 + sorted(DISTRESS).index(language), language_code=language)
    taps = [language, "me", "22-27", "asylum_applicant", "work"]
    screen = await person.say("/start")
    for value in [*taps, None]:
        at = step_of(screen)
        screen = await person.say(DISTRESS[language])
        assert "112" in screen.text and "113" in screen.text, (at, screen.text)
        assert step_of(screen) == "emergency"
        screen = await person.tap(action="b")  # back to where they were
        assert step_of(screen) == at
        if value is not None:
            screen = await person.tap(value)
            if step_of(screen) == "place":
                screen = await person.tap("skip")
    assert at == "results"
    no_rejected_calls(fake_api)


async def test_violence_results_show_112_and_113_before_the_first_service(fake_api, bot):
    person = Person(fake_api, 1100)
    await to_need(person)
    screen = await person.tap("women_violence")
    if step_of(screen) == "place":
        screen = await person.tap("skip")
    text = screen.text
    assert step_of(screen) == "results"
    first_service = re.search(r"services? found", text).start()  # the title above the cards
    assert text.index("112") < text.index("113") < first_service


async def test_childs_emergency_screen_shows_the_domestic_violence_service(fake_api, bot):
    person = Person(fake_api, 1101)
    await person.say("/start")
    await person.tap("en")
    await person.tap("child")
    await person.say("7")  # typed: the age buttons change with the catalogue
    screen = await person.tap(action="e")
    assert "116 111" in screen.text
    assert "Help for children who are victims of domestic violence" in screen.text
    assert "+352 26 48 20 50" in screen.text


async def test_a_first_hello_gets_the_welcome(fake_api, bot):
    person = Person(fake_api, 1102, language_code="fr")
    screen = await person.say("salut")
    assert "Bonjour" in screen.text and "compris" not in screen.text
