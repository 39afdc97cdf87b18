"""Odd updates never stop the bot (issue 16, point 4), and getUpdates backoff stays short
(point 5). Each was reproduced against the real polling loop before it was fixed."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels import polling
from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotAPI


def message(user_id: int, text: str = "/start", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Odd"},
        "text": text,
    }
    body.update(extra)
    return body


async def still_answers(fake: FakeBotAPI, user_id: int) -> None:
    update_id = fake.user_message(user_id, "/start")
    await fake.wait_for_reply(user_id, after_update_id=update_id, timeout=10)


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param({"update_id": "not-a-number"}, id="string-update-id"),
        pytest.param({"update_id": None}, id="null-update-id"),
        pytest.param({"update_id": 12.5}, id="float-update-id"),
    ],
)
async def test_an_update_with_an_odd_id_is_skipped_and_the_loop_goes_on(
    fake_api: FakeBotAPI, tmp_path, odd, caplog
) -> None:
    async with running_bot(fake_api, tmp_path):
        update_id = fake_api.raw_update({"message": message(501)})
        fake_api.update(update_id).payload.update(odd)  # as a broken server would send it
        await asyncio.sleep(0.3)
        await still_answers(fake_api, 502)
        await still_answers(fake_api, 503)
        assert update_id not in fake_api.pending_updates  # acknowledged, not fetched forever
    assert "Odd" not in caplog.text and "501" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(message(2**70), id="user-id-2-to-the-70"),
        pytest.param({k: v for k, v in message(504).items() if k != "chat"}, id="no-chat"),
        pytest.param({**message(505), "from": None}, id="no-sender"),
        pytest.param({**message(506), "chat": {"id": 506}}, id="chat-without-type"),
    ],
)
async def test_a_malformed_message_is_dropped_quietly(
    fake_api: FakeBotAPI, tmp_path, body, caplog
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(fake_api, tmp_path):
        update_id = fake_api.raw_update({"message": body})
        await still_answers(fake_api, 507)
        await still_answers(fake_api, 508)  # its getUpdates acknowledges what came before
        assert update_id not in fake_api.pending_updates
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    assert "Odd" not in caplog.text


def test_getupdates_backoff_is_capped_near_five_seconds_and_resets() -> None:
    delays = [polling.backoff(failures) for failures in range(1, 40)]
    assert max(delays) <= 5.0
    assert delays[0] <= 1.0  # the first retry is quick
    assert min(polling.backoff(30) for _ in range(200)) >= 2.0  # jitter stays near the cap


async def test_every_tap_is_answered_within_15_s_while_60_percent_of_getupdates_fail(
    fake_api: FakeBotAPI, tmp_path
) -> None:
    from tests.fake_bot_api import Faults

    async with running_bot(fake_api, tmp_path):
        for user in range(601, 611):  # everyone gets the first screen before the outage
            await still_answers(fake_api, user)
        fake_api.faults = Faults(
            error_5xx=0.3, drop_connection=0.3, methods={"getUpdates"}, seed=16
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        updates = {
            user: fake_api.user_tap(user, fake_api.screen(user).callback_data[0])
            for user in range(601, 611)
        }
        late = []
        for user, update_id in updates.items():
            try:
                await fake_api.wait_for_reply(
                    user, after_update_id=update_id, timeout=max(0.1, 15 - (loop.time() - started))
                )
            except TimeoutError:
                late.append(user)
        fake_api.faults = None
        assert late == [], f"{len(late)} of 10 taps unanswered after 15 s"
        assert fake_api.fault_counts["5xx"] + fake_api.fault_counts["drop"] > 0
