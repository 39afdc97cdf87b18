"""After a lost sendMessage response, the bot finds out whether the message arrived without
ever changing a message that existed before (issue 16, point 9)."""

from __future__ import annotations

from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotAPI

USER = 4242


def bot_texts(fake: FakeBotAPI) -> dict[int, str]:
    return {
        m["message_id"]: m.get("text", "")
        for m in fake.messages(USER)
        if m.get("from", {}).get("is_bot")
    }


async def walk(fake: FakeBotAPI) -> None:
    update = fake.user_message(USER, "/start", language_code="en")
    await fake.wait_for_reply(USER, after_update_id=update, timeout=10)
    for value in ("en", "me", "22-27", "asylum_applicant", "mental_health"):
        data = next(d for d in fake.screen(USER).callback_data if d.split("|")[4] == value)
        update = fake.user_tap(USER, data)
        await fake.wait_for_reply(USER, after_update_id=update, timeout=10)


async def test_a_lost_send_after_a_restart_never_rewrites_an_older_message(
    fake_api: FakeBotAPI, tmp_path
) -> None:
    async with running_bot(fake_api, tmp_path):
        await walk(fake_api)
    before = bot_texts(fake_api)
    assert len(before) >= 2
    oldest = min(before)
    async with running_bot(fake_api, tmp_path):  # a restart: nothing known about the chat
        fake_api.inject("sendMessage", "drop_after_effect")
        emergency = next(d for d in (fake_api.screen(USER).callback_data) if d.split("|")[3] == "e")
        update = fake_api.user_tap(USER, emergency, message_id=oldest)
        await fake_api.wait_for_reply(USER, after_update_id=update, timeout=15)
        await fake_api.wait_until_idle(timeout=10)  # the delivery check runs after the send
        after = bot_texts(fake_api)
    changed = [i for i, text in before.items() if after.get(i) != text and i != oldest]
    assert changed == [], "older messages were rewritten by the delivery check"
    assert any("112" in text for i, text in after.items() if i not in before)
