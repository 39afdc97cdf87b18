"""Admin commands and catalogue hot reload, end to end through the fake Bot API."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.catalog.loader import bundled_catalog_path, load_catalog
from tests.conftest import running_bot
from tests.fake_bot_api import FakeBotAPI

ADMIN = 4242
STAFF_TEXT_MARK = "Catalogue"


async def say(fake: FakeBotAPI, user: int, text: str) -> str:
    update = fake.user_message(user, text, language_code="en")
    await fake.wait_for_reply(user, after_update_id=update, timeout=10)
    return fake.screen(user).text


async def test_admin_commands_are_unknown_input_for_others(fake_api, tmp_path):
    async with running_bot(fake_api, tmp_path, admin_ids=frozenset({ADMIN})):
        await say(fake_api, 77, "/start")
        unknown = await say(fake_api, 77, "/nosuchcommand")
        for command in ("/reload", "/stats", "/catalog"):
            assert await say(fake_api, 77, command) == unknown
        catalog = await say(fake_api, ADMIN, "/catalog")
        entries = len(load_catalog(bundled_catalog_path()).services)
        assert f"Entries: {entries}" in catalog and "Expired" in catalog
        stats = await say(fake_api, ADMIN, "/stats")
        assert "77" not in stats


async def test_stats_count_needs_without_user_ids(fake_api, tmp_path):
    async with running_bot(fake_api, tmp_path, admin_ids=frozenset({ADMIN})):
        user = 555123
        await say(fake_api, user, "/start en-work")
        for value in ("me", "22-27", "asylum_applicant"):
            data = next(d for d in fake_api.screen(user).callback_data if d.endswith(f"|{value}"))
            update = fake_api.user_tap(user, data)
            await fake_api.wait_for_reply(user, after_update_id=update, timeout=10)
        stats = await say(fake_api, ADMIN, "/stats")
        assert "work: 1" in stats and "en: 1" in stats
        assert str(user) not in stats


async def test_hot_reload_keeps_old_catalogue_on_a_bad_file(fake_api, tmp_path):
    catalog = tmp_path / "catalog.yaml"
    good = bundled_catalog_path().read_text(encoding="utf-8")
    catalog.write_text(good, encoding="utf-8")
    async with running_bot(
        fake_api,
        tmp_path,
        admin_ids=frozenset({ADMIN}),
        catalog_file=catalog,
        catalog_check_seconds=1,
    ):
        await say(fake_api, ADMIN, "/start")
        broken = good.replace("    needs:\n", "    needz:\n", 1)
        write(catalog, broken)
        message = await wait_for_admin_message(fake_api, "problems")
        assert "needz" in message and "catalog.yaml:" in message
        text = await say(fake_api, 9, "/emergency")
        assert "112" in text  # still serving the old catalogue
        renamed = good.replace(
            "en: CESMI – Ethnopsychiatric care centre", "en: CESMI (renamed) – Ethnopsychiatric"
        )
        write(catalog, renamed)
        await wait_for_admin_message(fake_api, "reloaded")
        await say(fake_api, 9, "/start en-mental_health")
        for value in ("me", "22-27", "asylum_applicant"):
            data = next(d for d in fake_api.screen(9).callback_data if d.endswith(f"|{value}"))
            update = fake_api.user_tap(9, data)
            await fake_api.wait_for_reply(9, after_update_id=update, timeout=10)
        assert "CESMI (renamed)" in fake_api.screen(9).text


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def wait_for_admin_message(fake: FakeBotAPI, needle: str, timeout: float = 10) -> str:
    for _ in range(int(timeout * 10)):
        for sent in reversed(fake.sent(ADMIN)):
            if needle in sent.text:
                return sent.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"no admin message with {needle!r}: {[s.text for s in fake.sent(ADMIN)]}")
