"""Only private chats reach the conversation; every button press is answered; commands for
another bot are ignored (issue 16, point 8). Each case failed before it was fixed."""

from __future__ import annotations

import asyncio

from tests.fake_bot_api import FakeBotAPI

GROUP = -1001


async def group_message(fake: FakeBotAPI, user: int, text: str) -> int:
    return fake.user_message(user, text, chat_type="group", chat_id=GROUP, chat_title="Help")


def sent_to_group(fake: FakeBotAPI) -> int:
    return len(fake.sent(GROUP))


async def settle(fake: FakeBotAPI, user: int) -> None:
    """Wait until the bot answered a later private message: everything before is handled."""
    update_id = fake.user_message(user, "/start")
    await fake.wait_for_reply(user, after_update_id=update_id, timeout=10)


async def test_a_button_pressed_in_a_group_is_answered_and_posts_nothing(
    fake_api: FakeBotAPI, bot
) -> None:
    update_id = await group_message(fake_api, 960, "/start")
    await fake_api.wait_for_reply(GROUP, after_update_id=update_id, timeout=10)
    before = sent_to_group(fake_api)
    tap = fake_api.user_tap(960, "1|language|0|c|en", chat_id=GROUP)
    query_id = fake_api.update(tap).payload["callback_query"]["id"]
    await settle(fake_api, 960)
    await asyncio.sleep(0.2)
    assert sent_to_group(fake_api) == before  # no private screen posted into the group
    assert query_id in fake_api.callback_answers  # the spinner stops


async def test_a_tap_on_an_inline_message_or_without_data_is_answered(
    fake_api: FakeBotAPI, bot
) -> None:
    user = {"id": 970, "is_bot": False, "first_name": "Tapper"}
    queries = []
    for n, extra in enumerate(
        (
            {"inline_message_id": "inline-1", "data": "1|language|0|c|en"},
            {"inline_message_id": "inline-2", "game_short_name": "game"},
        )
    ):
        query_id = f"q-{n}"
        fake_api._callback_queries[query_id] = {"chat_id": None}
        fake_api.raw_update(
            {"callback_query": {"id": query_id, "from": user, "chat_instance": "c", **extra}}
        )
        queries.append(query_id)
    await settle(fake_api, 970)
    await asyncio.sleep(0.2)
    assert [q for q in queries if q not in fake_api.callback_answers] == []


async def test_a_command_for_another_bot_in_a_group_is_ignored(fake_api: FakeBotAPI, bot) -> None:
    await group_message(fake_api, 980, "/help@some_other_bot")
    await group_message(fake_api, 980, "/start@SomeOtherBot please")
    await settle(fake_api, 980)
    await asyncio.sleep(0.2)
    assert sent_to_group(fake_api) == 0
    ours = await group_message(fake_api, 980, "/help@fake_test_bot")
    await fake_api.wait_for_reply(GROUP, after_update_id=ours, timeout=10)
    assert "t.me/fake_test_bot" in fake_api.screen(GROUP).text
