"""A crowd under a faulty Bot API: every update answered exactly once, in order per chat."""

from __future__ import annotations

import asyncio
import random

from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotAPI, Faults

CROWD = 200
NEEDS = ("mental_health", "work", "housing", "children_family", "legal_admin", "pregnancy_baby")
AGES = ("0-2", "3-8", "16-17", "22-27", "28-64")
STATUSES = ("asylum_applicant", "international_protection", "temporary_protection", "unknown")


async def journey(fake: FakeBotAPI, user: int, rng: random.Random) -> list[int]:
    """One person's full journey; returns the update ids they caused."""
    updates: list[int] = []

    async def act(update_id: int) -> None:
        updates.append(update_id)
        await fake.wait_for_reply(user, after_update_id=update_id, timeout=120)

    async def tap(value: str) -> None:
        data = next(d for d in fake.screen(user).callback_data if d.split("|")[4] == value)
        await act(fake.user_tap(user, data))

    await act(fake.user_message(user, "/start", language_code="en"))
    for value in ("en", "me", rng.choice(AGES), rng.choice(STATUSES), rng.choice(NEEDS)):
        await tap(value)
    if any(d.split("|")[1] == "place" for d in fake.screen(user).callback_data):
        await tap("skip")
    assert any(d.split("|")[1] == "results" for d in fake.screen(user).callback_data)
    return updates


async def test_crowd_under_storm_gets_every_reply_exactly_once(tmp_path):
    rng = random.Random(7)
    async with FakeBotAPI(seed=7) as fake:
        async with running_bot(fake, tmp_path):
            fake.faults = Faults(
                error_5xx=0.20, rate_limit=0.10, retry_after=1, drop_connection=0.05, seed=7
            )
            users = [10_000 + i for i in range(CROWD)]
            results = await asyncio.gather(
                *(journey(fake, user, random.Random(rng.random())) for user in users)
            )
            await fake.wait_until_idle(quiet=0.5, timeout=60)
        updates = [update for journey_updates in results for update in journey_updates]
        counts = fake.reply_counts()
        assert len(updates) >= CROWD * 6
        doubled = {u: counts[u] for u in updates if counts[u] != 1}
        assert doubled == {}, f"updates without exactly one reply: {doubled}"
        faults = fake.fault_counts
        assert (
            faults["5xx"] > 100
            and faults["429"] > 50
            and faults["drop"] + faults.get("drop_after_effect", 0) > 20
        ), faults


async def test_burst_of_messages_from_one_chat_is_answered_in_order(tmp_path):
    async with FakeBotAPI(seed=3) as fake:
        async with running_bot(fake, tmp_path):
            fake.faults = Faults(error_5xx=0.2, rate_limit=0.1, drop_connection=0.05, seed=3)
            user = 77
            update = fake.user_message(user, "/start en", language_code="en")
            await fake.wait_for_reply(user, after_update_id=update, timeout=60)
            burst = [fake.user_message(user, f"{age}") for age in ("Me", "25", "zzz")]
            for update in burst:
                await fake.wait_for_reply(user, after_update_id=update, timeout=60)
            await fake.wait_until_idle(quiet=0.3, timeout=60)
        # the three updates may be taken in one getUpdates: read the chat's last three messages
        after = [sent for sent in fake.sent(user) if sent.text][-3:]
        assert len([s for s in fake.sent(user) if s.text]) == 4  # the start screen + 3 replies
        assert "How old" in (after[0].text or "")
        assert "situation" in (after[1].text or "")
        assert "understand" in (after[2].text or "")
