"""A hot reload that fails for any reason keeps the old catalogue, keeps answering, and tells
the admins once. Through the real path: the watcher of a running bot over the fake Bot API."""

from __future__ import annotations

import asyncio

import pytest

import bot.catalog.holder as holder
from bot.catalog.loader import bundled_catalog_path
from tests.conftest import running_bot
from tests.test_admin_reload import ADMIN, say, wait_for_admin_message, write
from tests.test_catalog_bounds import alias_bomb

GOOD = bundled_catalog_path().read_text(encoding="utf-8")
REJECTED = "I keep serving the previous catalogue"


def rejections(fake) -> list[str]:
    return [sent.text for sent in fake.sent(ADMIN) if REJECTED in sent.text]


async def still_answering(fake, user: int) -> None:
    text = await say(fake, user, "/emergency")
    assert "112" in text


class Failing:
    """Stands in for CatalogIndex: builds normally until `error` is set, then raises it."""

    error: BaseException | None = None
    real = holder.CatalogIndex

    def __new__(cls, catalog):  # type: ignore[no-untyped-def]
        if cls.error is not None:
            raise cls.error
        return cls.real(catalog)


BAD_FILES = {
    "parse-error": GOOD.replace("    needs:", "    needs: [\n", 1),
    "validation-error": GOOD.replace("    needs:\n", "    needz:\n", 1),
    "alias-bomb": alias_bomb(),
    "long-name": GOOD.replace(
        "en: CESMI – Ethnopsychiatric care centre", "en: CESMI " + "x" * 5_000, 1
    ),
}
INDEX_ERRORS = {
    "recursion-error": RecursionError("maximum recursion depth exceeded"),
    "memory-error": MemoryError(),
    "value-error": ValueError("something unexpected"),
}


@pytest.mark.parametrize("kind", [*BAD_FILES, *INDEX_ERRORS])
async def test_a_failed_hot_reload_keeps_the_old_catalogue_and_tells_the_admins_once(
    kind, fake_api, tmp_path, monkeypatch
):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(holder, "CatalogIndex", Failing)
    monkeypatch.setattr(Failing, "error", None)
    async with running_bot(
        fake_api,
        tmp_path,
        admin_ids=frozenset({ADMIN}),
        catalog_file=catalog,
        catalog_check_seconds=1,
    ) as runtime:
        await say(fake_api, ADMIN, "/start")
        before = runtime.catalog.index
        if kind in INDEX_ERRORS:
            monkeypatch.setattr(Failing, "error", INDEX_ERRORS[kind])
            write(catalog, GOOD.replace("en: CESMI –", "en: CESMI (renamed) –", 1))
        else:
            write(catalog, BAD_FILES[kind])
        message = await wait_for_admin_message(fake_api, REJECTED)
        assert "catalog.yaml" in message
        for user in range(9, 13):
            await still_answering(fake_api, user)
        await asyncio.sleep(2.5)  # two more checks of the unchanged file
        assert len(rejections(fake_api)) == 1, rejections(fake_api)
        assert runtime.catalog.index is before
        # The watcher is still alive: a good file is picked up.
        monkeypatch.setattr(Failing, "error", None)
        write(catalog, GOOD.replace("en: CESMI –", "en: CESMI (again) –", 1))
        await wait_for_admin_message(fake_api, "reloaded")
        assert runtime.catalog.index is not before
        await still_answering(fake_api, 14)


async def test_a_reload_command_that_fails_answers_the_admin(fake_api, tmp_path, monkeypatch):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(holder, "CatalogIndex", Failing)
    monkeypatch.setattr(Failing, "error", None)
    async with running_bot(
        fake_api,
        tmp_path,
        admin_ids=frozenset({ADMIN}),
        catalog_file=catalog,
        catalog_check_seconds=0,
    ):
        monkeypatch.setattr(Failing, "error", RecursionError("maximum recursion depth exceeded"))
        text = await say(fake_api, ADMIN, "/reload")
        assert REJECTED in text and "catalog.yaml" in text
        await still_answering(fake_api, 9)
